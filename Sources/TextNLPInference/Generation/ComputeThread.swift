import Foundation
import Synchronization

/// A serial executor with a thread of its own, for an actor whose jobs compute for long stretches.
///
/// An engine step is milliseconds to seconds of matrix products. On Swift's shared concurrency pool (one
/// thread per core) each step would hold a pool thread, and a server's requests, a worker's heartbeats and
/// its store writes would wait behind it. On its own thread the step competes for the CPU like any thread,
/// and the operating system's scheduler keeps everything else responsive.
public final class ComputeThread: SerialExecutor {
    /// What the thread and the executor share; the thread holds only this, so the executor can go away.
    private final class Queue: Sendable {
        let state = Mutex<(jobs: [UnownedJob], stopped: Bool)>(([], false))
        let ready = DispatchSemaphore(value: 0)
    }

    private let queue = Queue()

    public init(name: String) {
        let queue = self.queue
        let executor = UnownedSerialExecutor(ordinary: self)
        let thread = Thread {
            Thread.current.threadDictionary[Self.nameKey] = name
            while true {
                queue.ready.wait()
                let next = queue.state.withLock { state -> UnownedJob? in
                    state.jobs.isEmpty ? nil : state.jobs.removeFirst()
                }
                if let next {
                    // Only an actor using this executor enqueues here, and it keeps the executor alive while it has jobs.
                    next.runSynchronously(on: executor)
                } else if queue.state.withLock({ $0.stopped }) {
                    return
                }
            }
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    private static let nameKey = "textnlp.compute-thread"

    /// The name of the compute thread running the caller; nil on any other thread.
    public static var currentName: String? {
        Thread.current.threadDictionary[nameKey] as? String
    }

    deinit {
        queue.state.withLock { $0.stopped = true }
        queue.ready.signal()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.state.withLock { $0.jobs.append(job) }
        queue.ready.signal()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
