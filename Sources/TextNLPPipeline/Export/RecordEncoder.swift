/// Turns output records into lines of JSONL or CSV (RFC 4180: quote when needed, double the quotes, CRLF-free).
public struct RecordEncoder: Sendable {
    public let format: ExportSpec.Format
    public let columns: [String]

    public init(format: ExportSpec.Format, columns: [String]) {
        self.format = format
        self.columns = columns
    }

    public var header: String? {
        format == .csv ? columns.map(Self.csvField).joined(separator: ",") + "\n" : nil
    }

    public func line(_ record: JSONObject) -> String {
        switch format {
        case .jsonl: return JSONWriter.string(.object(record)) + "\n"
        case .csv: return columns.map { Self.csvField(record[$0]?.text ?? "") }.joined(separator: ",") + "\n"
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix(" ") || text.hasSuffix(" ") else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
