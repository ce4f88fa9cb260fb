/// Reads the keys of one JSON object strictly: each accessor checks type and range and logs an issue with
/// the key's path; `finish` reports every key nobody asked for.
struct ObjectReader {
    let path: String
    let object: JSONObject
    private var used: Set<String> = []

    init?(_ value: JSONValue?, path: String, log: inout IssueLog) {
        guard let value else { return nil }
        guard case .object(let object) = value else {
            log.add(path, "must be an object, not \(value.typeName)")
            return nil
        }
        self.path = path
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        return object[key]
    }

    mutating func string(_ key: String, required: Bool = false, nonEmpty: Bool = true, log: inout IssueLog) -> String? {
        guard let v = value(key) else {
            if required { log.add(joinPath(path, key), "is required") }
            return nil
        }
        guard case .string(let s) = v else {
            log.add(joinPath(path, key), "must be a string, not \(v.typeName)")
            return nil
        }
        if nonEmpty && s.isEmpty {
            log.add(joinPath(path, key), "must not be empty")
            return nil
        }
        return s
    }

    mutating func choice(_ key: String, _ options: [String], log: inout IssueLog) -> String? {
        guard let s = string(key, log: &log) else { return nil }
        guard options.contains(s) else {
            log.add(joinPath(path, key), "must be one of \(options.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(s)\"")
            return nil
        }
        return s
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>, log: inout IssueLog) -> Int? {
        guard let v = value(key) else { return nil }
        let number: Int?
        switch v {
        case .int(let i): number = Int(exactly: i)
        case .double(let d) where d == d.rounded(): number = Int(exactly: d)
        default: number = nil
        }
        guard let number else {
            log.add(joinPath(path, key), "must be an integer, not \(v.typeName)")
            return nil
        }
        guard range.contains(number) else {
            log.add(joinPath(path, key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func double(_ key: String, in range: ClosedRange<Double>, log: inout IssueLog) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue else {
            log.add(joinPath(path, key), "must be a number, not \(v.typeName)")
            return nil
        }
        guard range.contains(d) else {
            log.add(joinPath(path, key), "must be between \(JSONWriter.number(range.lowerBound)) and \(JSONWriter.number(range.upperBound))")
            return nil
        }
        return d
    }

    mutating func bool(_ key: String, log: inout IssueLog) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else {
            log.add(joinPath(path, key), "must be true or false, not \(v.typeName)")
            return nil
        }
        return b
    }

    /// An array of strings; a single string is accepted as a one-element array when `single` is set.
    mutating func strings(_ key: String, single: Bool = false, log: inout IssueLog) -> [String]? {
        guard let v = value(key) else { return nil }
        if single, case .string(let s) = v { return [s] }
        guard case .array(let items) = v else {
            log.add(joinPath(path, key), "must be an array of strings, not \(v.typeName)")
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                log.add("\(joinPath(path, key))[\(i)]", "must be a string, not \(item.typeName)")
                continue
            }
            out.append(s)
        }
        return out
    }

    mutating func object(_ key: String, required: Bool = false, log: inout IssueLog) -> ObjectReader? {
        let v = value(key)
        if v == nil, required { log.add(joinPath(path, key), "is required") }
        return ObjectReader(v, path: joinPath(path, key), log: &log)
    }

    /// Logs every key that no accessor read, with the closest known key as a hint.
    func finish(log: inout IssueLog) {
        for key in object.keys where !used.contains(key) {
            let hint = used.min { editDistance($0, key) < editDistance($1, key) }
            if let hint, editDistance(hint, key) <= max(2, key.count / 3) {
                log.add(joinPath(path, key), "unknown key (did you mean \"\(hint)\"?)")
            } else {
                log.add(joinPath(path, key), "unknown key")
            }
        }
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return a.isEmpty ? b.count : row[b.count]
}
