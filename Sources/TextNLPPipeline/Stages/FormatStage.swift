/// Post-processes fields, then shapes the output record in one of the styles.
public struct FormatStage: RowStage {
    public let spec: FormatSpec
    let post: [PostProcessor]
    let fields: [(name: String, template: TextTemplate)]

    public init(_ spec: FormatSpec) throws {
        self.spec = spec
        post = try spec.post.map(PostProcessor.init)
        fields = try spec.fields.map { ($0.name, try TextTemplate($0.template)) }
    }

    public enum Outcome: Sendable {
        case row(Row)
        case drop(RowError)
        case fail(RowError)
    }

    public func apply(_ row: Row) -> Outcome {
        var row = row
        for processor in post {
            switch processor.apply(row) {
            case .row(let r): row = r
            case .drop(let reason): return .drop(RowError(id: row.id, stage: "format", reason: reason, row: row.record))
            case .fail(let reason): return .fail(RowError(id: row.id, stage: "format", reason: reason, row: row.record))
            }
        }
        let context = TextTemplate.context(row)
        func rendered(_ name: String) -> String? {
            fields.first { $0.name == name }.map { $0.template.render(context) }
        }
        var record = JSONObject()
        if spec.includeID { record["id"] = .string(row.id) }
        switch spec.style {
        case .record:
            if fields.isEmpty {
                for (k, v) in row.record.pairs where k != "id" { record[k] = v }
            }
            for field in fields {
                // A template that is exactly one variable keeps that field's JSON type (numbers, objects).
                if field.template.variables.count == 1, let only = field.template.variables.first,
                   spec.fields.first(where: { $0.name == field.name })?.template.trimmingCharacters(in: .whitespaces) == "{{\(only)}}",
                   let value = row.value(only) {
                    record[field.name] = value
                } else {
                    record[field.name] = .string(field.template.render(context))
                }
            }
        case .chat:
            var messages: [JSONValue] = []
            for role in ["system", "user", "assistant"] {
                guard let content = rendered(role) else { continue }
                messages.append(.object(JSONObject([("role", .string(role)), ("content", .string(content))])))
            }
            record["messages"] = .array(messages)
        case .alpaca:
            record["instruction"] = .string(rendered("instruction") ?? "")
            record["input"] = .string(rendered("input") ?? "")
            record["output"] = .string(rendered("output") ?? "")
        case .text:
            record["text"] = .string(rendered("text") ?? "")
        }
        row.output = record
        return .row(row)
    }

    public func process(_ rows: [Row]) async throws -> StageOutput {
        var out = StageOutput(rows: [])
        for row in rows {
            switch apply(row) {
            case .row(let r): out.rows.append(r)
            case .drop(let e): out.errors.append(e)
            case .fail(let e): throw PipelineError.rowFailed(id: e.id ?? "?", stage: "format", reason: e.reason)
            }
        }
        return out
    }
}
