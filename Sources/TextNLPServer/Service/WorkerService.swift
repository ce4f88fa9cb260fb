import ServiceLifecycle
import Synchronization
import TextNLPBatches

/// In-process workers as a Service of the server's group: they run the jobs of every batch until the
/// group shuts down (SIGTERM), then stop claiming and give back what they hold.
public struct WorkerService: Service {
    let worker: ClusterWorker
    let running: RunningFlag

    public init(worker: ClusterWorker, running: RunningFlag) {
        self.worker = worker
        self.running = running
    }

    public func run() async throws {
        running.set(true)
        defer { running.set(false) }
        try await cancelWhenGracefulShutdown { try await worker.run() }
    }
}

/// Whether the in-process workers run, for `/ready`.
public final class RunningFlag: Sendable {
    private let state = Mutex(false)
    public init() {}
    public func set(_ value: Bool) { state.withLock { $0 = value } }
    public var value: Bool { state.withLock { $0 } }
}
