import Foundation
import TextNLPInference
import TextNLPJobs
import NIOCore

/// What the routes work on: the store every door shares, the model catalogue, a scratch directory, and
/// the limits on what a request may send.
public struct ServerDependencies: Sendable {
    public var store: any ServerStore
    public var catalog: ModelCatalog
    /// Scratch files (normalized inputs, results being made).
    public var scratch: String
    public var limits: Limits
    /// Where `/v1/batch` finds pipelines by name.
    public var pipelines: String
    public let metrics = ServerMetrics()
    /// Batch objects as answered lately, by tenant and id: a client polling a batch (or many) is answered
    /// from memory for a moment instead of reading its jobs each time.
    let batchObjects = TTLCache<String, ByteBuffer>(capacity: 10_000)
    /// The clock of rate-limit windows.
    public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    /// Whether the workers that run batches are there (in process, or `textnlp worker`s of a cluster).
    public var workersReady: @Sendable () async -> Bool
    /// The engines of this process: online requests run in them, beside the in-process workers' batch shards.
    public var engines: EnginePool
    /// Online requests each tenant may run at once.
    let onlineSlots: OnlineSlots

    public struct Limits: Sendable {
        /// JSON request bodies.
        public var bodyBytes = 1 << 20
        /// File uploads (OpenAI allows 200 MB for a batch input file).
        public var uploadBytes = 200 << 20

        public init(bodyBytes: Int = 1 << 20, uploadBytes: Int = 200 << 20) {
            self.bodyBytes = bodyBytes
            self.uploadBytes = uploadBytes
        }
    }

    public init(store: any ServerStore, catalog: ModelCatalog, scratch: String, limits: Limits = Limits(), pipelines: String = "Pipelines",
                engines: EnginePool = EnginePool(), onlineConcurrencyPerTenant: Int = 16,
                workersReady: @escaping @Sendable () async -> Bool = { true }) {
        self.store = store
        self.engines = engines
        onlineSlots = OnlineSlots(perTenant: onlineConcurrencyPerTenant)
        self.pipelines = pipelines
        self.catalog = catalog
        self.scratch = scratch
        self.limits = limits
        self.workersReady = workersReady
    }

    /// The catalogue's model ids whose files are here: what a request may name.
    var localModels: Set<String> {
        Set(catalog.entries.filter { FileManager.default.fileExists(atPath: catalog.directory.appendingPathComponent($0.file).path) }.map(\.id))
    }
}

extension ServerDependencies {
    static let pipelineNameCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")

    /// The bytes of the pipeline `name` of the pipelines directory: a 400 for a name that is not one (no
    /// path may leave the directory), a 404 for one that is not there.
    func pipelineFile(_ name: String) throws -> [UInt8] {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ Self.pipelineNameCharacters.contains($0) }), !name.hasPrefix(".") else {
            throw APIError.invalid("Invalid 'pipeline': a name has only letters, digits, '-', '_' and '.'.", param: "pipeline", code: "invalid_value")
        }
        guard let data = FileManager.default.contents(atPath: (pipelines as NSString).appendingPathComponent(name + ".json")) else {
            throw APIError(.notFound, "No pipeline named '\(name)' in \(pipelines).", param: "pipeline", code: "pipeline_not_found")
        }
        return Array(data)
    }
}
