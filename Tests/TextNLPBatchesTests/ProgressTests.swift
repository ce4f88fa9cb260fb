import Foundation
import Testing
import TextNLPPipeline
@testable import TextNLPBatches

struct ProgressTests {
    @Test func lineShowsRowsRatesETAAndFailures() {
        let progress = BatchProgress()
        progress.ingested(rows: 1000, bad: 3, shards: 16)
        progress.generated(TokenUsage(promptTokens: 10, completionTokens: 4000, requests: 100), rows: 100)
        progress.shardDone(rowsIn: 64, dropped: 2, generatedRows: 64)
        progress.jobFailed()
        var snapshot = progress.snapshot
        snapshot.started = Date(timeIntervalSince1970: 0)
        let line = ProgressDisplay.line(snapshot, now: Date(timeIntervalSince1970: 20), width: 10)
        // 64 rows of a finished shard + 36 generated in running shards = 100 of 1000 in 20 s.
        #expect(line == "[#---------] · 100/1000 rows 10% · 5.0 rows/s · 200 tok/s · ETA 3m00s · 5 dropped · 1 failed")
        let log = ProgressDisplay.line(snapshot, now: Date(timeIntervalSince1970: 20), width: 0)
        #expect(log.hasPrefix("100/1000 rows 10% · 5.0 rows/s"))
    }

    @Test func ingestShowsRowsRead() {
        let progress = BatchProgress()
        progress.reading(rows: 20000)
        let line = ProgressDisplay.line(progress.snapshot, now: Date(), width: 10)
        #expect(line.hasPrefix("ingesting: 20000 rows read · "))
    }

    @Test func resumedRowsDoNotInflateTheRate() {
        let progress = BatchProgress()
        progress.resumed(rowsTotal: 100, shardsTotal: 10, rowsDone: 50, shardsDone: 5, dropped: 0, badInput: 0)
        progress.shardDone(rowsIn: 10, dropped: 0, generatedRows: 0)
        var snapshot = progress.snapshot
        snapshot.started = Date(timeIntervalSince1970: 0)
        let line = ProgressDisplay.line(snapshot, now: Date(timeIntervalSince1970: 10), width: 0)
        #expect(line.hasPrefix("60/100 rows 60% · 1.0 rows/s"))
        #expect(line.contains("ETA 40s"))
    }
}
