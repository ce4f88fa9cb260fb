import Foundation
import Testing
@testable import TextNLPInference

/// Chat rendering against Jinja2 on the published templates (Fixtures/chat.json).
struct ChatTemplateTests {
    struct Smol: Decodable { let messages: [ChatMessage]; let text: String; let ids: [Int32] }
    struct Family: Decodable { let family: String; let template: String; let bos: String; let eos: String; let messages: [ChatMessage]; let text: String }
    struct File: Decodable { let smollm2: [Smol]; let families: [Family] }

    @Test func smolLM2PromptIdsMatchLlamaCppOnTheModelsTemplate() throws {
        let model = try Support.model()
        let file = try Support.fixture("chat.json", as: File.self)
        #expect(file.smollm2.count >= 8)
        for c in file.smollm2 {
            #expect(try model.chatTemplate().render(c.messages) == c.text)
            #expect(try model.chatPrompt(c.messages) == c.ids)
        }
    }

    @Test func otherFamiliesRenderLikeJinja() throws {
        let file = try Support.fixture("chat.json", as: File.self)
        var families: Set<String> = []
        for c in file.families {
            let template = try ChatTemplate(jinja: c.template, bos: c.bos, eos: c.eos)
            #expect(try template.render(c.messages) == c.text, "\(c.family): \(c.messages)")
            families.insert(c.family)
        }
        #expect(families == ["llama2", "llama3", "mistral", "zephyr"])
    }

    @Test func smolLM2DefaultSystemPromptIsReadFromTheTemplate() throws {
        let template = try Support.model().chatTemplate()
        #expect(template.family == .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
    }

    @Test func unknownTemplatesAndRolesAreErrors() {
        #expect(throws: ChatTemplateError.self) { try ChatTemplate(jinja: "{{ messages }}", bos: "", eos: "") }
        let chatml = ChatTemplate(family: .chatML(defaultSystem: nil))
        #expect(throws: ChatTemplateError.unknownRole(index: 0, role: "tool")) {
            try chatml.render([ChatMessage(role: "tool", content: "x")])
        }
        #expect(throws: ChatTemplateError.noMessages) { try chatml.render([]) }
        let llama2 = ChatTemplate(family: .llama2)
        #expect(throws: ChatTemplateError.rolesMustAlternate(index: 1)) {
            try llama2.render([ChatMessage(role: "user", content: "a"), ChatMessage(role: "user", content: "b")])
        }
    }
}
