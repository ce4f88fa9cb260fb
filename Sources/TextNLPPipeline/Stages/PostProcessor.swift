import Foundation

/// Applies one post-processing step to a row. A step that cannot apply drops the row, keeps it as it is,
/// or fails the batch, as the step says.
struct PostProcessor: @unchecked Sendable {
    // Regex is not Sendable; each processor owns its compiled pattern and never mutates it.
    let step: PostStep
    let regex: Regex<AnyRegexOutput>?

    init(_ step: PostStep) throws {
        self.step = step
        if case .extract(let pattern, _, _) = step.operation {
            regex = try Regex(pattern)
        } else {
            regex = nil
        }
    }

    enum Outcome {
        case row(Row)
        case drop(String)
        case fail(String)
    }

    func apply(_ row: Row) -> Outcome {
        var row = row
        guard let value = row.value(step.field) else { return .fail("post step on missing field \"\(step.field)\"") }
        let text = value.text
        let result: JSONValue
        switch step.operation {
        case .trim:
            result = .string(text.trimmingCharacters(in: .whitespacesAndNewlines))
        case .stripPrefix(let prefix):
            result = .string(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        case .cutAt(let markers):
            let cut = markers.compactMap { text.range(of: $0)?.lowerBound }.min()
            result = .string(cut.map { String(text[..<$0]) } ?? text)
        case .extract(_, let group, let onNoMatch):
            guard let regex, let match = try? regex.firstMatch(in: text) else {
                switch onNoMatch {
                case .keep: return .row(row)
                case .drop: return .drop("\(step.field): no match for the extract pattern")
                case .fail: return .fail("\(step.field): no match for the extract pattern")
                }
            }
            let output = match.output
            let index = output.count > 1 ? min(group, output.count - 1) : 0
            guard let sub = output[index].substring else { return .drop("\(step.field): group \(group) did not take part in the match") }
            result = .string(String(sub))
        case .parseJSON(let onInvalid):
            do {
                result = try JSONParser.parse(text)
            } catch {
                switch onInvalid {
                case .keep: return .row(row)
                case .drop: return .drop("\(step.field): not valid JSON (\(error))")
                case .fail: return .fail("\(step.field): not valid JSON (\(error))")
                }
            }
        }
        if row.output?[step.field] != nil { row.output?[step.field] = result } else { row.fields[step.field] = result }
        return .row(row)
    }
}
