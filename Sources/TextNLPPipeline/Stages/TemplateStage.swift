/// Renders the prompt (or a system + user conversation) into the row.
public struct TemplateStage: RowStage {
    public let spec: TemplateSpec
    let prompt: TextTemplate
    let system: TextTemplate?

    public init(_ spec: TemplateSpec) throws {
        self.spec = spec
        let library = try spec.partials.map(TextTemplate.partials(directory:))
        prompt = try TextTemplate(spec.prompt, library: library)
        system = try spec.system.map { try TextTemplate($0, library: library) }
    }

    /// The row with the rendered field, or the reason it cannot be rendered.
    public func apply(_ row: Row) -> Result<Row, RowError> {
        if spec.onMissing == .error {
            let missing = prompt.missing(in: row) + (system?.missing(in: row) ?? [])
            if !missing.isEmpty {
                let names = missing.map { "\"\($0)\"" }.joined(separator: ", ")
                return .failure(RowError(id: row.id, stage: "template", reason: "missing field\(missing.count == 1 ? "" : "s") \(names)", row: row.fields))
            }
        }
        var row = row
        let context = TextTemplate.context(row)
        let user = prompt.render(context)
        if spec.chat {
            var messages: [JSONValue] = []
            if let system {
                messages.append(.object(JSONObject([("role", .string("system")), ("content", .string(system.render(context)))])))
            }
            messages.append(.object(JSONObject([("role", .string("user")), ("content", .string(user))])))
            row.fields[spec.field] = .array(messages)
        } else {
            row.fields[spec.field] = .string(user)
        }
        return .success(row)
    }

    public func process(_ rows: [Row]) async throws -> StageOutput {
        var out = StageOutput(rows: [])
        for row in rows {
            switch apply(row) {
            case .success(let r): out.rows.append(r)
            case .failure(let e): out.errors.append(e)
            }
        }
        return out
    }
}
