/// `export`: where the dataset goes and how it is written.
public struct ExportSpec: Sendable {
    public enum Format: String, Sendable, CaseIterable { case jsonl, csv }
    public enum Compression: String, Sendable, CaseIterable { case zstd, none }

    /// A Mustache template relative to the output root (`name`, `batch_id`, `version`, `seed` are defined).
    public var path = "{{name}}/{{batch_id}}/data.jsonl.zst"
    public var format: Format = .jsonl
    public var columns: [String]?
    public var compression: Compression = .zstd
    public var zstdLevel = 3
    public var zstdWorkers = 0

    static let pathVariables: Set<String> = ["name", "batch_id", "version", "seed"]

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> ExportSpec? {
        var s = ExportSpec()
        s.path = r.string("path", log: &log) ?? s.path
        s.format = r.choice("format", Format.allCases.map(\.rawValue), log: &log).flatMap(Format.init(rawValue:)) ?? .jsonl
        s.columns = r.strings("columns", log: &log)
        if let columns = s.columns, columns.isEmpty || Set(columns).count != columns.count {
            log.add(joinPath(r.path, "columns"), "must be a non-empty list of distinct names")
        }
        if s.columns != nil, s.format != .csv { log.add(joinPath(r.path, "columns"), "applies only to the csv format") }
        s.compression = r.choice("compression", Compression.allCases.map(\.rawValue), log: &log).flatMap(Compression.init(rawValue:)) ?? .zstd
        s.zstdLevel = r.int("zstd_level", in: 1...19, log: &log) ?? s.zstdLevel
        s.zstdWorkers = r.int("zstd_workers", in: 0...64, log: &log) ?? s.zstdWorkers
        if let problem = MustacheScan.syntaxProblem(s.path) {
            log.add(joinPath(r.path, "path"), problem)
        } else {
            for name in MustacheScan.variables(s.path) where !pathVariables.contains(name) {
                log.add(joinPath(r.path, "path"), "unknown variable {{\(name)}} (known: \(pathVariables.sorted().joined(separator: ", ")))")
            }
        }
        if s.path.hasPrefix("/") { log.add(joinPath(r.path, "path"), "must be relative to the output root, not absolute") }
        if s.path.split(separator: "/").contains("..") { log.add(joinPath(r.path, "path"), "must stay inside the output root (no \"..\")") }
        if s.path.hasSuffix("/") { log.add(joinPath(r.path, "path"), "must name a file, not a directory") }
        return s
    }
}
