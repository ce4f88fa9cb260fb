import Foundation
import TextNLPInference
import TextNLPPipeline

/// An online request made ready for the engine: its model's engine (the one the server's batch work runs in),
/// its prompt tokens, and one engine request per choice. Everything a client got wrong is a 400 or 404 here,
/// before anything runs: an unknown model, an empty prompt, a prompt or token limit past the context.
struct OnlineGeneration: Sendable {
    let model: String
    let generator: LocalGenerator
    let promptTokens: [Int32]
    let requests: [GenerationRequest]
    let created = Int64(Date().timeIntervalSince1970)

    var contextLength: Int { generator.engine.contextLength }
    var tokenizer: Tokenizer { generator.model.tokenizer }

    static func prepare(_ r: OnlineRequest, deps: ServerDependencies, modelParam: String = "model", promptParam: String = "messages") async throws -> OnlineGeneration {
        guard deps.localModels.contains(r.model) else {
            throw APIError(.notFound, type: "not_found_error", "The model '\(r.model)' does not exist or is not available on this server; GET /v1/models lists those that are.",
                           param: modelParam, code: "model_not_found")
        }
        let generator = try await deps.engines.generator(try deps.catalog.resolve(r.model))
        let tokens: [Int32]
        switch r.prompt {
        case .text(let text):
            tokens = generator.model.tokenizer.encode(text, parseSpecial: false, addSpecial: true)
        case .messages(let messages):
            do { tokens = try generator.model.chatPrompt(messages) } catch {
                throw APIError.invalid("The conversation cannot be rendered by the model's chat template: \(error).", param: promptParam, code: "invalid_value")
            }
        }
        let context = generator.engine.contextLength
        guard !tokens.isEmpty else { throw APIError.invalid("The prompt is empty.", param: promptParam, code: "invalid_value") }
        guard tokens.count < context else {
            throw APIError.invalid("The prompt has \(tokens.count) tokens but the model's context holds \(context); shorten it (it is not truncated).",
                                   param: promptParam, code: "context_length_exceeded")
        }
        if let m = r.maxTokens, tokens.count + m > context {
            throw APIError.invalid("The prompt's \(tokens.count) tokens and max_tokens \(m) add up to more than the context of \(context) tokens.",
                                   param: "max_tokens", code: "context_length_exceeded")
        }
        let seed = r.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        let requests = (0..<r.n).map { k in
            var sampling = r.sampling
            sampling.seed = seed &+ UInt64(k)
            return GenerationRequest(prompt: tokens, sampling: sampling, maxTokens: r.maxTokens ?? (context - tokens.count), stop: r.stop,
                                     priority: .online, topLogprobs: r.topLogprobs)
        }
        return OnlineGeneration(model: r.model, generator: generator, promptTokens: tokens, requests: requests)
    }

    /// The events of every choice, merged in the order they come. Ending the iteration early (a client that went
    /// away) cancels every choice in the engine at its next step. The tenant's place is held until the end.
    func events(slot: OnlineSlots.Place) -> AsyncThrowingStream<(choice: Int, event: GenerationEvent), any Error> {
        let (stream, continuation) = AsyncThrowingStream<(choice: Int, event: GenerationEvent), any Error>.makeStream()
        let engine = generator.engine, requests = self.requests
        let task = Task {
            defer { slot.release() }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, request) in requests.enumerated() {
                        group.addTask {
                            for try await event in try await engine.submit(request) { continuation.yield((i, event)) }
                        }
                    }
                    try await group.waitForAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Runs every choice to its end.
    func results(slot: OnlineSlots.Place) async throws -> [GenerationResult] {
        var results = [GenerationResult?](repeating: nil, count: requests.count)
        for try await (i, event) in events(slot: slot) {
            if case .finished(let r) = event { results[i] = r }
        }
        return results.compactMap { $0 }
    }

    /// A generated token as the APIs show it: its text (bytes that are not whole characters are replaced) and bytes.
    func piece(_ token: Int32) -> (text: String, bytes: [UInt8]) {
        let bytes = tokenizer.piece(token)
        return (String(decoding: bytes, as: UTF8.self), bytes)
    }
}
