/// One problem in a pipeline file: where (a JSON path such as `stages[2].generate.temperature`) and why.
public struct SpecIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// All the problems a pipeline file has; thrown by `PipelineSpec.decode` when there is at least one.
public struct SpecError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [SpecIssue]

    public init(file: String, issues: [SpecIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String {
        let lines = issues.map { "  \($0)" }.joined(separator: "\n")
        return "\(file): \(issues.count) problem\(issues.count == 1 ? "" : "s")\n\(lines)"
    }
}

/// Collects issues while a spec is read, so that every problem is reported at once.
struct IssueLog {
    private(set) var issues: [SpecIssue] = []

    mutating func add(_ path: String, _ message: String) {
        issues.append(SpecIssue(path: path, message: message))
    }
}

func joinPath(_ base: String, _ key: String) -> String {
    base.isEmpty ? key : "\(base).\(key)"
}
