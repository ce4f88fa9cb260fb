import Foundation
import TextNLPPipeline

/// The files of one batch under `<output root>/batches/<batch id>/`: the spec snapshot, the job store,
/// the input shards and the output parts. The exported dataset goes where the export stage says.
public struct BatchLayout: Sendable {
    public let directory: String
    public let batchID: String

    public init(outputRoot: String, batchID: String) {
        self.batchID = batchID
        directory = URL(fileURLWithPath: outputRoot).appendingPathComponent("batches").appendingPathComponent(batchID).standardizedFileURL.path
    }

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        batchID = (self.directory as NSString).lastPathComponent
    }

    func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    public var spec: String { file("pipeline.json") }
    public var store: String { file("jobs.sqlite") }
    public var lock: String { file("run.lock") }
    public var ingestErrors: String { file("inputs/errors.jsonl.zst") }
    public var ingestSummary: String { file("inputs/summary.json") }
    /// The output root the batch was started with, so `status` and `resume` find the export.
    public var outputRootRecord: String { file("output-root") }

    public func inputShard(_ n: Int) -> String { file("inputs/\(Self.number(n)).jsonl") }
    public func part(_ n: Int) -> String { file("parts/\(Self.number(n)).data.zst") }
    public func partErrors(_ n: Int) -> String { file("parts/\(Self.number(n)).errors.zst") }
    public func partStats(_ n: Int) -> String { file("parts/\(Self.number(n)).stats.json") }

    static func number(_ n: Int) -> String { String(n).leftPad(5) }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
