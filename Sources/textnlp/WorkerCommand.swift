import ArgumentParser
import Foundation
import Logging
import TextNLPBatches
import TextNLPInference
import TextNLPJobs

extension TextNLP {
    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the jobs of every batch in the database until stopped (SIGTERM: stop claiming, give back, exit 0).")

        @OptionGroup var database: DatabaseOption

        @Option(name: .long, help: "Jobs run at once (default 2).")
        var concurrency = 2

        @Option(name: .long, help: "A queue to claim from; repeat for several, first first (default: default).")
        var queue: [String] = []

        @Option(name: .long, help: "A running job's lease; a worker that hangs loses its jobs after it (default 30).")
        var leaseSeconds = 30

        @Option(name: .long, help: "Memory for loaded models, in MiB (default 4096); the least recently used goes first.")
        var modelMemoryMib = 4096

        @Option(name: .long, help: "A directory for this worker's downloads and scratch files (default: a temporary one, removed on exit).")
        var scratch: String?

        @Option(name: .long, help: "Prune batches that finished more than this many days ago, hourly (default 7; 0: never).")
        var retentionDays = 7.0

        func validate() throws {
            if !(1...256).contains(concurrency) { throw ValidationError("--concurrency must be between 1 and 256") }
            if !(5...3600).contains(leaseSeconds) { throw ValidationError("--lease-seconds must be between 5 and 3600") }
            if modelMemoryMib < 1 { throw ValidationError("--model-memory-mib must be positive") }
            if !(retentionDays >= 0) { throw ValidationError("--retention-days must be 0 or more") }
        }

        func run() async throws {
            let stop = StopRequest()
            let signals = SignalForwarder { stop.request() }
            defer { withExtendedLifetime(signals) {} }
            let logger = Logger(label: "textnlp.worker")
            let catalog = try ModelCatalog()
            let scratch = self.scratch ?? NSTemporaryDirectory() + "textnlp-worker-\(getpid())"
            defer { if self.scratch == nil { try? FileManager.default.removeItem(atPath: scratch) } }
            let connecting = Task { try await database.connectWaiting(for: "worker", logger: logger) }
            stop.onRequest { connecting.cancel() }
            let store: PostgresJobStore
            do {
                store = try await connecting.value
            } catch is CancellationError {
                return
            }
            let queues = queue.isEmpty ? ["default"] : queue
            logger.info("worker \(ProcessInfo.processInfo.hostName):\(getpid()) on \(store.description), queues \(queues.joined(separator: ", ")), concurrency \(concurrency)")
            var worker = ClusterWorker(store: store, catalog: catalog, queues: queues, concurrency: concurrency,
                                       leaseSeconds: Double(leaseSeconds), scratch: scratch, modelBudgetBytes: modelMemoryMib << 20,
                                       logger: logger)
            worker.retentionSeconds = retentionDays > 0 ? retentionDays * 86_400 : nil
            let work = Task { [worker] in try await worker.run() }
            stop.onRequest { work.cancel() }
            let result = await work.result
            await store.close()
            try result.get()
            logger.info("stopped; running jobs were given back")
        }
    }
}
