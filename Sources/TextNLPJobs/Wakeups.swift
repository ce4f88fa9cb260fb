import Synchronization

/// Wake-ups of idle workers: a store that learns of new work (PostgreSQL's NOTIFY) signals the queue's name,
/// and `wait` returns at the first signal for one of its queues or after its timeout, whichever comes
/// first. A signal that comes when nobody waits is not kept: waiting is only ever the sleep after a claim
/// that found nothing, and the next claim sees the work anyway.
final class Wakeups: Sendable {
    private struct State {
        var next = 0
        /// Waits begun and not yet suspended, with their queues; `woken` are those a signal or the timer
        /// reached in the meantime.
        var pending: [Int: Set<String>] = [:]
        var woken: Set<Int> = []
        var waiters: [Int: (queues: Set<String>, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())

    /// Wakes everyone waiting for `queue` (nil: every waiter).
    func signal(_ queue: String?) {
        func matches(_ queues: Set<String>) -> Bool { queue.map { queues.contains($0) } ?? true }
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            for (id, queues) in s.pending where matches(queues) { s.woken.insert(id) }
            let ids = s.waiters.filter { matches($0.value.queues) }.map(\.key)
            return ids.compactMap { s.waiters.removeValue(forKey: $0)?.continuation }
        }
        woken.forEach { $0.resume() }
    }

    /// Returns when one of `queues` is signalled, after `seconds`, or when the task is cancelled.
    func wait(for queues: [String], seconds: Double) async {
        let id = state.withLock { s -> Int in
            s.next += 1
            s.pending[s.next] = Set(queues)
            return s.next
        }
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            self.wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    let queues = s.pending.removeValue(forKey: id) ?? []
                    if s.woken.remove(id) != nil || Task.isCancelled { return true }
                    s.waiters[id] = (queues, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            self.wake(id)
        }
        timer.cancel()
    }

    private func wake(_ id: Int) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.pending[id] != nil { s.woken.insert(id) }
            return s.waiters.removeValue(forKey: id)?.continuation
        }
        continuation?.resume()
    }
}
