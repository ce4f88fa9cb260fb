import Foundation
import TextNLPInference
import TextNLPPipeline

/// The model of one batch, resolved once from the catalogue when the batch is opened and passed down to
/// everything that needs it: the batch id (its fingerprint), the generate stages (one engine for every
/// shard, loaded on first use), and the manifest (file, size, SHA-256, the engine's arithmetic).
public final class ModelSession: Sendable {
    public let resolved: ResolvedModel
    /// The arithmetic of the products (int8 needs AVX-512 VNNI): runs on machines that differ here can
    /// differ in their tokens, so the manifest records it.
    public let activations: ActivationPrecision
    public let kvCache = "f16"
    public let engine: EngineConfiguration
    private let loader = GeneratorLoader()
    private let digest = DigestCache()
    /// The process's engines (a server's, shared with its online requests); nil: this session loads its own.
    private let shared: EnginePool?

    public init(_ resolved: ResolvedModel, engine: EngineConfiguration, activations: ActivationPrecision = .automatic, shared: EnginePool? = nil) {
        self.resolved = resolved
        self.engine = shared?.configuration ?? engine
        self.activations = shared?.activations ?? activations
        self.shared = shared
    }

    /// The session of a pipeline that generates, nil for one that does not. Resolution errors (an unknown id,
    /// a file that was never fetched) name the model and the file.
    public static func open(for spec: PipelineSpec, catalog: ModelCatalog) throws -> ModelSession? {
        guard spec.usesModel, let name = spec.model else { return nil }
        let configuration = EngineConfiguration(
            maxSequences: spec.engine.maxSequences, maxBatchTokens: spec.engine.maxBatchTokens, kvCacheMiB: spec.engine.kvCacheMiB)
        return ModelSession(try catalog.resolve(name), engine: configuration)
    }

    /// The engine, loaded on first use and shared by every shard of this process. A model that cannot be
    /// loaded fails every call with the same `ModelLoadError`; it is not loaded again.
    public func generator() async throws -> LocalGenerator {
        if let shared { return try await shared.generator(resolved) }
        return try await loader.get(resolved, activations: activations, configuration: engine)
    }

    /// The catalogue's SHA-256, or the file's own, read once.
    public func sha256() throws -> String {
        if let entry = resolved.entry { return entry.sha256 }
        return try digest.get { try SHA256.hex(fileAt: resolved.path) }
    }

    /// The model as the manifest records it.
    func manifestJSON() throws -> JSONValue {
        .object(JSONObject([
            ("id", .string(resolved.name)), ("path", .string(resolved.path)), ("bytes", .int(Int64(resolved.bytes))),
            ("sha256", .string(try sha256())), ("activations", .string(activations.rawValue)), ("kv_cache", .string(kvCache)),
        ]))
    }
}

/// Loads the generator once and remembers the outcome, failure included.
private actor GeneratorLoader {
    private var outcome: Result<LocalGenerator, any Error>?

    func get(_ resolved: ResolvedModel, activations: ActivationPrecision, configuration: EngineConfiguration) throws -> LocalGenerator {
        if let outcome { return try outcome.get() }
        let result = Result { LocalGenerator(model: try LoadedModel(resolved, activations: activations), configuration: configuration) }
        outcome = result
        return try result.get()
    }
}

/// A value computed once, on first use, from any thread.
private final class DigestCache: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var value: String?

    func get(_ make: () throws -> String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let v = try make()
        value = v
        return v
    }
}
