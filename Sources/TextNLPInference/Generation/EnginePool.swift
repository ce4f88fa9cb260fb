import Foundation

/// The engines of one process, one per model, shared by everything that generates there: a server's online
/// requests and the batch shards of its workers run in the same engine, so online requests join the batch at
/// the next step. Models are loaded on first use and kept within a memory budget; when a new one does not fit,
/// the least recently used ones go (a request still running on one keeps it until it ends).
public actor EnginePool {
    public nonisolated let configuration: EngineConfiguration
    public nonisolated let budgetBytes: Int
    public nonisolated let activations: ActivationPrecision
    private var engines: [String: Entry] = [:]
    private var loading: [String: Task<LocalGenerator, any Error>] = [:]
    private var clock = 0

    private struct Entry {
        var generator: LocalGenerator
        var bytes: Int
        var lastUse: Int
    }

    public init(configuration: EngineConfiguration = .init(), budgetBytes: Int = 4 << 30, activations: ActivationPrecision = .automatic) {
        self.configuration = configuration
        self.budgetBytes = budgetBytes
        self.activations = activations
    }

    /// The engine of `resolved`, loaded if it is not yet. Concurrent callers share one load; a failed load is
    /// not remembered (the file may be fetched meanwhile).
    public func generator(_ resolved: ResolvedModel) async throws -> LocalGenerator {
        clock += 1
        let key = resolved.fingerprint
        if var entry = engines[key] {
            entry.lastUse = clock
            engines[key] = entry
            return entry.generator
        }
        if let task = loading[key] { return try await task.value }
        let configuration = self.configuration, activations = self.activations
        let task = Task.detached { LocalGenerator(model: try LoadedModel(resolved, activations: activations), configuration: configuration) }
        loading[key] = task
        defer { loading[key] = nil }
        let generator = try await task.value
        evict(toFit: resolved.bytes)
        clock += 1
        engines[key] = Entry(generator: generator, bytes: resolved.bytes, lastUse: clock)
        return generator
    }

    /// Fingerprints of the models loaded now.
    public var loaded: Set<String> { Set(engines.keys) }

    private func evict(toFit bytes: Int) {
        while !engines.isEmpty, engines.values.reduce(0, { $0 + $1.bytes }) + bytes > budgetBytes,
              let oldest = engines.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            engines[oldest] = nil
        }
    }
}
