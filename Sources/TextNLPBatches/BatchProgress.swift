import Foundation
import TextNLPPipeline

/// Live counters of a batch, updated by the job handlers from any thread and read by the progress display.
public final class BatchProgress: @unchecked Sendable {
    // Guarded by `lock`; every access goes through `locked`.
    private let lock = NSLock()
    private var state = Snapshot()

    public struct Snapshot: Sendable {
        public var rowsTotal: Int?
        /// Rows read so far while the input is ingested.
        public var rowsRead = 0
        public var shardsTotal: Int?
        public var shardsDone = 0
        public var rowsDone = 0
        /// Rows generated in shards that have not finished yet.
        public var rowsInFlight = 0.0
        public var dropped = 0
        public var badInput = 0
        public var completionTokens = 0
        public var jobFailures = 0
        public var started = Date()
        /// Rows and tokens already done when this process started (a resumed batch), excluded from rates.
        public var rowsAtStart = 0

        public var rowsShown: Double { Double(rowsDone) + rowsInFlight }
    }

    public init() {}

    private func locked<T>(_ body: (inout Snapshot) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    public var snapshot: Snapshot { locked { $0 } }

    public func reading(rows: Int) {
        locked { $0.rowsRead = rows }
    }

    public func ingested(rows: Int, bad: Int, shards: Int) {
        locked { $0.rowsTotal = rows; $0.badInput = bad; $0.shardsTotal = shards }
    }

    public func resumed(rowsTotal: Int?, shardsTotal: Int?, rowsDone: Int, shardsDone: Int, dropped: Int, badInput: Int) {
        locked {
            $0.rowsTotal = rowsTotal
            $0.shardsTotal = shardsTotal
            $0.rowsDone = rowsDone
            $0.rowsAtStart = rowsDone
            $0.shardsDone = shardsDone
            $0.dropped = dropped
            $0.badInput = badInput
        }
    }

    public func generated(_ usage: TokenUsage, rows: Double) {
        locked {
            $0.completionTokens += usage.completionTokens
            $0.rowsInFlight += rows
        }
    }

    public func shardDone(rowsIn: Int, dropped: Int, generatedRows: Double) {
        locked {
            $0.shardsDone += 1
            $0.rowsDone += rowsIn
            $0.dropped += dropped
            $0.rowsInFlight = max(0, $0.rowsInFlight - generatedRows)
        }
    }

    public func jobFailed() { locked { $0.jobFailures += 1 } }
}
