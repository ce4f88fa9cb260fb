/// `template`: renders a prompt from the row's fields with Mustache (no HTML escaping).
public struct TemplateSpec: Sendable {
    public enum OnMissing: String, Sendable, CaseIterable { case error, empty }

    public var prompt: String
    public var system: String?
    /// When true the field holds chat messages (`system` + `user`), rendered later by the model's chat template.
    public var chat: Bool
    public var field: String
    public var onMissing: OnMissing = .error
    /// A directory of `*.mustache` files usable as partials (`{{> name}}`).
    public var partials: String?

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> TemplateSpec? {
        let prompt = r.string("prompt", required: true, log: &log)
        let system = r.string("system", nonEmpty: false, log: &log)
        let chat = r.bool("chat", log: &log) ?? (system != nil)
        if system != nil, !chat { log.add(joinPath(r.path, "system"), "needs \"chat\": true (a system message exists only in a conversation)") }
        var spec = TemplateSpec(prompt: prompt ?? "", system: system, chat: chat, field: r.string("as", log: &log) ?? "prompt")
        spec.onMissing = r.choice("on_missing", OnMissing.allCases.map(\.rawValue), log: &log).flatMap(OnMissing.init(rawValue:)) ?? .error
        spec.partials = r.string("partials", log: &log)
        for (key, text) in [("prompt", prompt), ("system", system)] {
            if let text, let problem = MustacheScan.syntaxProblem(text) { log.add(joinPath(r.path, key), problem) }
        }
        return prompt == nil ? nil : spec
    }
}
