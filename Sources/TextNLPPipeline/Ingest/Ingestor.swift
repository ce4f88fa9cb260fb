/// What ingest read: how many source rows, how many became rows, how many were bad.
public struct IngestSummary: Sendable, Equatable {
    public var read = 0
    public var rows = 0
    public var bad = 0

    public init(read: Int = 0, rows: Int = 0, bad: Int = 0) {
        self.read = read
        self.rows = rows
        self.bad = bad
    }
}

/// Turns an input file into rows with stable ids: applies `limit` and `sample`, and sends bad rows to
/// `reject` (or throws, with `on_bad_row: fail`). Streams: only a sample's reservoir is held in memory.
public enum Ingestor {
    public static func run(_ spec: IngestSpec, seed: UInt64, emit: (Row) throws -> Void,
                           reject: (RowError) throws -> Void) throws -> IngestSummary {
        var reader = try SourceReader(spec)
        defer { reader.close() }
        var summary = IngestSummary()
        var ids = Set<String>()
        var reservoir: [(ordinal: Int, row: Row)] = []
        var rng = SplitMix64(state: DerivedSeed.make("sample", String(seed)))
        var good = 0

        func bad(_ reason: String, line: Int, id: String? = nil) throws {
            summary.bad += 1
            if spec.onBadRow == .fail { throw PipelineError.badRow(file: spec.path, line: line, reason: reason) }
            try reject(RowError(id: id, stage: "ingest", reason: reason, file: spec.path, line: line))
        }

        while let item = try reader.next() {
            if let limit = spec.limit, good >= limit { break }
            summary.read += 1
            switch item {
            case .bad(let reason, let line):
                try bad(reason, line: line)
            case .row(let fields, let line):
                let id: String
                if let field = spec.idField {
                    guard let value = fields[field], let text = idText(value) else {
                        try bad("the id field \"\(field)\" is missing or not a string or integer", line: line)
                        continue
                    }
                    id = text
                } else if let value = fields["id"] ?? fields["custom_id"], let text = idText(value) {
                    id = text
                } else {
                    id = "row-" + String(summary.read).leftPadded(to: 6)
                }
                guard ids.insert(id).inserted else {
                    try bad("duplicate id \"\(id)\"", line: line, id: id)
                    continue
                }
                good += 1
                let row = Row(id: id, fields: fields)
                if let n = spec.sample {
                    if reservoir.count < n {
                        reservoir.append((good, row))
                    } else {
                        let j = Int(rng.next() % UInt64(good))
                        if j < n { reservoir[j] = (good, row) }
                    }
                } else {
                    summary.rows += 1
                    try emit(row)
                }
            }
        }
        for entry in reservoir.sorted(by: { $0.ordinal < $1.ordinal }) {
            summary.rows += 1
            try emit(entry.row)
        }
        return summary
    }

    private static func idText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s) where !s.isEmpty: s
        case .int(let i): String(i)
        default: nil
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
