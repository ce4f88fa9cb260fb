import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TextNLPBatches
import TextNLPInference
import TextNLPJobs
import TextNLPServer

extension TextNLP {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the batch API (OpenAI's /v1/files and /v1/batches, textnlp's /v1/batch) and online generation (/v1/chat/completions, /v1/completions) over one engine per model.",
            discussion: """
                Without a database URL the server is self-contained: its store and files are under --data-dir and its \
                workers run in process. With DATABASE_URL it serves the cluster's PostgreSQL, and `textnlp worker` \
                processes do the work (--workers 0 makes an API-only server). Every /v1 request needs a key from \
                `textnlp keys create`. SIGTERM drains: the server stops accepting, workers give back what they hold.
                """)

        @OptionGroup var where_: ServerStoreOption

        @Option(help: "The address to listen on (default: $TEXTNLP_HOST, else 127.0.0.1).") var host: String?
        @Option(help: "The port (default: $TEXTNLP_PORT, else 8080; 0 picks a free one, printed on standard error).") var port: Int?
        @Option(help: "Jobs the server's own workers run at once (default 2; 0: none, the cluster's workers do the work).") var workers = 2
        @Option(name: .long, help: "The largest JSON request body, in KiB (default 1024).") var maxBodyKib = 1024
        @Option(name: .long, help: "The largest upload, in MiB (default 200).") var maxUploadMib = 200
        @Option(name: .long, help: "Sequences each model's engine decodes together at most, online and batch (default 16).") var maxSequences = 16
        @Option(name: .long, help: "Prompt tokens each engine prefills per step at most (default 512).") var maxBatchTokens = 512
        @Option(name: .long, help: "KV-cache memory of each engine, in MiB (default: no cap).") var kvCacheMib: Int?
        @Option(name: .long, help: "Context length of each engine, in tokens, at most the model's (default: the model's).") var contextLength: Int?
        @Option(name: .long, help: "Memory for loaded models, in MiB: several may be loaded at once within it (default 4096).") var modelBudgetMib = 4096
        @Option(name: .long, help: "Online requests one tenant may run at once; more get 429 (default 16).") var onlineConcurrency = 16

        /// Flags first, then the environment.
        var address: (host: String, port: Int) {
            get throws {
                let env = ProcessInfo.processInfo.environment
                let host = self.host ?? env["TEXTNLP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
                if let port { return (host, port) }
                guard let text = env["TEXTNLP_PORT"], !text.isEmpty else { return (host, 8080) }
                guard let port = Int(text) else { throw ValidationError("TEXTNLP_PORT is not a port number: \(text)") }
                return (host, port)
            }
        }

        func validate() throws {
            if !(0...65535).contains(try address.port) { throw ValidationError("--port (or TEXTNLP_PORT) must be between 0 and 65535") }
            if !(0...256).contains(workers) { throw ValidationError("--workers must be between 0 and 256") }
            if maxBodyKib < 1 || maxUploadMib < 1 { throw ValidationError("--max-body-kib and --max-upload-mib must be positive") }
            if !(1...1024).contains(maxSequences) { throw ValidationError("--max-sequences must be between 1 and 1024") }
            if !(1...65536).contains(maxBatchTokens) { throw ValidationError("--max-batch-tokens must be between 1 and 65536") }
            if let kvCacheMib, kvCacheMib < 1 { throw ValidationError("--kv-cache-mib must be positive") }
            if let contextLength, contextLength < 2 { throw ValidationError("--context-length must be at least 2") }
            if modelBudgetMib < 1 || onlineConcurrency < 1 { throw ValidationError("--model-budget-mib and --online-concurrency must be positive") }
        }

        func run() async throws {
            JSONLogHandler.bootstrap()
            let logger = Logger(label: "textnlp.serve")
            let catalog = try ModelCatalog()
            let (store, close) = try await where_.open(for: "serve", logger: logger, waiting: true)
            let scratch = where_.isEmbedded ? (where_.directory as NSString).appendingPathComponent("scratch")
                : NSTemporaryDirectory() + "textnlp-serve-\(getpid())"
            if let embedded = store as? SQLiteJobStore, workers > 0 {
                // This server owns its store alone: what still runs there was its predecessor's (killed, or the
                // machine went down). Back to the queue now, as rescued attempts, instead of after their leases.
                let n = try await embedded.recoverAllRunning(message: "the server stopped while it ran; rescued when it started again")
                if n > 0 { logger.warning("returned \(n) job(s) of the previous run to the queue") }
            }
            let running = RunningFlag()
            var services: [any Service] = []
            // One engine per model for the whole process: online requests join the batch shards' running batch.
            let engines = EnginePool(configuration: EngineConfiguration(maxSequences: maxSequences, maxBatchTokens: maxBatchTokens,
                                                                        contextLength: contextLength, kvCacheMiB: kvCacheMib),
                                     budgetBytes: modelBudgetMib << 20)
            if workers > 0 {
                var worker = ClusterWorker(store: store, catalog: catalog, concurrency: workers, scratch: (scratch as NSString).appendingPathComponent("worker"),
                                           modelBudgetBytes: modelBudgetMib << 20, logger: Logger(label: "textnlp.worker"))
                worker.engines = engines
                services.append(WorkerService(worker: worker, running: running))
            }
            let inProcess = workers > 0, embedded = where_.isEmbedded
            let deps = ServerDependencies(
                store: store, catalog: catalog, scratch: scratch,
                limits: .init(bodyBytes: maxBodyKib << 10, uploadBytes: maxUploadMib << 20),
                engines: engines, onlineConcurrencyPerTenant: onlineConcurrency,
                // A cluster's server without workers of its own counts on `textnlp worker`s; the embedded one needs its own.
                workersReady: { inProcess ? running.value : !embedded })
            services.append(BatchExpiry(deps: deps, logger: Logger(label: "textnlp.expiry")))
            let (host, port) = try address
            let app = buildApplication(ServerConfiguration(host: host, port: port), deps: deps, services: services, logger: logger) { port in
                FileHandle.standardError.write(Data("textnlp serve: listening on http://\(host):\(port) (\(store.description))\n".utf8))
            }
            do {
                try await app.runService()
            } catch {
                await close()
                throw error
            }
            await close()
        }
    }
}
