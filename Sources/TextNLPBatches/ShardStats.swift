import Foundation
import TextNLPPipeline

/// What a shard did, written beside its part for the finalize step and the report.
public struct ShardStats: Codable, Sendable, Equatable {
    public var shard: Int
    public var rowsIn = 0
    public var rowsOut = 0
    public var dropped = 0
    public var flagged = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var requests = 0
    public var started = 0.0
    public var finished = 0.0
    /// Completion tokens of each generated row (for the length histogram).
    public var completionLengths: [Int] = []
    /// Per validate stage: each row's hypothesis, references and row metric values.
    public var samples: [Sample] = []

    public struct Sample: Codable, Sendable, Equatable {
        public var stage: Int
        public var id: String
        public var hypothesis: String
        public var references: [String]
        public var values: [String: Double]
    }

    public init(shard: Int) { self.shard = shard }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    static func read(_ path: String) throws -> ShardStats {
        do {
            return try JSONDecoder().decode(ShardStats.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PipelineError.io(path: path, reason: "cannot read shard statistics (\(error))")
        }
    }

    static func read(_ path: String, from artifacts: any ArtifactStore) async throws -> ShardStats {
        guard let bytes = try await artifacts.read(path) else { throw PipelineError.io(path: path, reason: "shard statistics are missing") }
        do {
            return try JSONDecoder().decode(ShardStats.self, from: Data(bytes))
        } catch {
            throw PipelineError.io(path: path, reason: "cannot read shard statistics (\(error))")
        }
    }
}

extension MetricSample {
    var stored: ShardStats.Sample {
        var v: [String: Double] = [:]
        for (k, x) in values { v[k.rawValue] = x }
        return ShardStats.Sample(stage: stage, id: id, hypothesis: hypothesis, references: references, values: v)
    }

    init(_ s: ShardStats.Sample) {
        var v: [Metric: Double] = [:]
        for (k, x) in s.values { if let m = Metric(rawValue: k) { v[m] = x } }
        self.init(stage: s.stage, id: s.id, hypothesis: s.hypothesis, references: s.references, values: v)
    }
}
