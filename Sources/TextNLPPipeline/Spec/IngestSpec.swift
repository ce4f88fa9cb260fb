/// `ingest`: where the rows come from.
public struct IngestSpec: Sendable {
    public enum Format: String, Sendable, CaseIterable { case jsonl, json, csv, text }
    public enum OnBadRow: String, Sendable, CaseIterable { case skip, fail }

    public var path: String
    public var format: Format
    /// The field that holds each row's id; absent: ids are the row's position in the source (`row-000001`).
    public var idField: String?
    public var limit: Int?
    /// Keep a seeded uniform random sample of this many rows (in source order).
    public var sample: Int?
    public var onBadRow: OnBadRow = .skip
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// For `text`: the field each line goes into.
    public var textField = "text"

    static func decode(_ r: inout ObjectReader, log: inout IssueLog) -> IngestSpec? {
        let path = r.string("path", required: true, log: &log)
        var format = r.choice("format", Format.allCases.map(\.rawValue), log: &log).flatMap(Format.init(rawValue:))
        if format == nil, let path, !r.has("format") {
            format = Format.allCases.first { path.hasSuffix(".\($0.rawValue)") } ?? (path.hasSuffix(".txt") ? .text : nil)
            if format == nil { log.add(joinPath(r.path, "format"), "is required when the path's extension is not .jsonl, .json, .csv or .txt") }
        }
        var spec = IngestSpec(path: path ?? "", format: format ?? .jsonl)
        spec.idField = r.string("id", log: &log)
        spec.limit = r.int("limit", in: 1...Int.max, log: &log)
        spec.sample = r.int("sample", in: 1...10_000_000, log: &log)
        spec.onBadRow = r.choice("on_bad_row", OnBadRow.allCases.map(\.rawValue), log: &log).flatMap(OnBadRow.init(rawValue:)) ?? .skip
        if let d = r.string("delimiter", log: &log) {
            if d.utf8.count == 1, let b = d.utf8.first, b != UInt8(ascii: "\""), b != 0x0A, b != 0x0D {
                spec.delimiter = b
            } else {
                log.add(joinPath(r.path, "delimiter"), "must be one ASCII character other than a quote or a line break")
            }
            if spec.format != .csv { log.add(joinPath(r.path, "delimiter"), "applies only to the csv format") }
        }
        if let f = r.string("text_field", log: &log) {
            spec.textField = f
            if spec.format != .text { log.add(joinPath(r.path, "text_field"), "applies only to the text format") }
        }
        return path == nil ? nil : spec
    }
}
