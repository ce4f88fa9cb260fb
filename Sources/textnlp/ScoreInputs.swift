import Foundation

/// Hypotheses and references for `textnlp score`, from line files or a JSONL file.
struct ScoreInputs {
    var hypotheses: [String]
    /// references[k][i]: the k-th reference of segment i, nil when segment i has fewer.
    var references: [[String?]]

    static func lineFiles(hyp: String, refs: [String]) throws -> ScoreInputs {
        // Read every file at once, one thread each.
        let files = [hyp] + refs
        let read = ReadResults(files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            read.set(i, Result { try InputLines(path: files[i]).lines })
        }
        let all = try read.values()
        let hyps = all[0]
        var streams: [[String?]] = []
        for (ref, lines) in zip(refs, all.dropFirst()) {
            guard lines.count == hyps.count else {
                throw CLIError.failed("\(ref) has \(lines.count) lines but \(hyp) has \(hyps.count); they must pair line by line", exitCode: 2)
            }
            streams.append(lines)
        }
        return ScoreInputs(hypotheses: hyps, references: streams)
    }

    static func jsonl(path: String, hypField: String, refField: String?) throws -> ScoreInputs {
        var hyps: [String] = []
        var refs: [[String]] = []
        for (index, line) in try InputLines(path: path).lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let where_ = "\(path), line \(index + 1)"
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw CLIError.failed("\(where_): not a JSON object", exitCode: 2)
            }
            guard let hyp = object[hypField] as? String else {
                throw CLIError.failed("\(where_): field '\(hypField)' is missing or not a string", exitCode: 2)
            }
            hyps.append(hyp)
            guard let refField else { refs.append([]); continue }
            if let r = object[refField] as? String {
                refs.append([r])
            } else if let r = object[refField] as? [Any], !r.isEmpty, let strings = r as? [String] {
                refs.append(strings)
            } else {
                throw CLIError.failed("\(where_): field '\(refField)' is missing or not a string or a non-empty array of strings", exitCode: 2)
            }
        }
        let n = refs.map(\.count).max() ?? 0
        let streams: [[String?]] = (0..<n).map { k in refs.map { k < $0.count ? $0[k] : nil } }
        return ScoreInputs(hypotheses: hyps, references: streams)
    }
}

/// One result slot per file read in parallel.
private final class ReadResults: @unchecked Sendable {
    private var slots: [Result<[String], Error>?]
    private let lock = NSLock()
    init(_ n: Int) { slots = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: Result<[String], Error>) { lock.withLock { slots[i] = r } }
    func values() throws -> [[String]] { try lock.withLock { try slots.map { try ($0 ?? .success([])).get() } } }
}
