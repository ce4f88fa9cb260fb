/// One row moving through the stages: a stable id, the working fields, and the output record once a
/// format stage has shaped it. Stages after `format` read the record first, then the working fields.
public struct Row: Sendable, Equatable {
    public var id: String
    public var fields: JSONObject
    public var output: JSONObject?
    public var flags: [String] = []

    public init(id: String, fields: JSONObject, output: JSONObject? = nil) {
        self.id = id
        self.fields = fields
        self.output = output
    }

    public func value(_ field: String) -> JSONValue? {
        if let v = output?[field] { return v }
        if field == "id", fields["id"] == nil { return .string(id) }
        return fields[field]
    }

    /// What the export writes: the output record, or the working fields with the id first.
    public var record: JSONObject {
        if let output { return output }
        var o = JSONObject([("id", .string(id))])
        for (k, v) in fields.pairs where k != "id" { o[k] = v }
        return o
    }

    /// The line an input shard stores.
    public var shardLine: String {
        var o = JSONObject([("id", .string(id)), ("fields", .object(fields))])
        if let output { o["output"] = .object(output) }
        return JSONWriter.string(.object(o))
    }

    public init(shardLine: JSONValue) throws {
        guard case .object(let o) = shardLine, case .string(let id)? = o["id"], case .object(let fields)? = o["fields"] else {
            throw PipelineError.badRow(file: "input shard", line: 0, reason: "a shard line needs a string id and a fields object")
        }
        self.init(id: id, fields: fields, output: o["output"]?.objectValue)
    }
}

/// A row that left the batch: dropped by a gate or a post step, failed, or unreadable in the input.
public struct RowError: Error, Sendable, Equatable {
    public var id: String?
    public var stage: String
    public var reason: String
    public var file: String?
    public var line: Int?
    public var row: JSONObject?

    public init(id: String?, stage: String, reason: String, file: String? = nil, line: Int? = nil, row: JSONObject? = nil) {
        self.id = id
        self.stage = stage
        self.reason = reason
        self.file = file
        self.line = line
        self.row = row
    }

    public var json: JSONValue {
        var o = JSONObject()
        if let id { o["id"] = .string(id) }
        o["stage"] = .string(stage)
        o["reason"] = .string(reason)
        if let file { o["file"] = .string(file) }
        if let line { o["line"] = .int(Int64(line)) }
        if let row { o["row"] = .object(row) }
        return .object(o)
    }
}

/// Seeds derived from names, so a row's randomness depends only on the batch seed and the row.
public enum DerivedSeed {
    public static func make(_ parts: String...) -> UInt64 {
        var h = SHA256()
        h.update(Array(parts.joined(separator: "\u{1F}").utf8))
        return h.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// SplitMix64: small, seeded, the same on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
