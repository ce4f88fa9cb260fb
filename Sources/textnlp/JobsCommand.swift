import ArgumentParser
import Foundation
import TextNLPJobs

/// `textnlp jobs ...`: the job store itself, without pipelines.
extension TextNLP {
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The cluster's job store: its throughput and its retention.", subcommands: [JobsBench.self, JobsPrune.self])
    }

    struct JobsBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Push no-op jobs through the PostgreSQL store (insert, claim, complete) and print jobs per second.")

        @OptionGroup var database: DatabaseOption

        @Option(name: .long, help: "Jobs to push through (default 20000).")
        var jobs = 20_000

        @Option(name: .long, help: "Concurrent workers, each claiming and completing on its own connection (default 8).")
        var workers = 8

        @Option(name: .long, help: "Jobs claimed by one statement and completed by one (default 500).")
        var batch = 500

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func validate() throws {
            if !(1...10_000_000).contains(jobs) { throw ValidationError("--jobs must be between 1 and 10000000") }
            if !(1...14).contains(workers) { throw ValidationError("--workers must be between 1 and 14 (the pool has 16 connections)") }
            if !(1...10_000).contains(batch) { throw ValidationError("--batch must be between 1 and 10000") }
        }

        func run() async throws {
            let result = try await withStore(try await database.connect(for: "jobs bench")) { store in
                try await JobsBenchmark(jobs: jobs, workers: workers, batch: batch).run(on: store)
            }
            if result.completed != result.jobs {
                throw CLIError.failed("only \(result.completed) of \(result.jobs) jobs completed")
            }
            if json {
                Output.line(try Output.json([
                    "jobs": result.jobs, "workers": workers, "batch": batch,
                    "insert_seconds": result.insertSeconds, "work_seconds": result.workSeconds,
                    "jobs_per_second": result.jobsPerSecond, "claim_complete_per_second": result.claimCompletePerSecond,
                ] as [String: Any]))
            } else {
                Output.line(String(format: "%d jobs, %d workers, batches of %d: %.0f jobs/s (insert %.2f s, claim+complete %.2f s: %.0f jobs/s)",
                                   result.jobs, workers, batch, result.jobsPerSecond, result.insertSeconds, result.workSeconds,
                                   result.claimCompletePerSecond))
            }
        }
    }

    struct JobsPrune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Delete batches (jobs and artifacts) that finished longer ago than the retention; workers do it hourly.")

        @OptionGroup var database: DatabaseOption

        @Option(name: .long, help: "Keep what finished within this many days (default 7; fractions allowed).")
        var retentionDays = 7.0

        func validate() throws {
            if !(retentionDays >= 0) { throw ValidationError("--retention-days must be 0 or more") }
        }

        func run() async throws {
            let pruned = try await withStore(try await database.connect(for: "jobs prune")) { store in
                try await store.prune(retentionSeconds: retentionDays * 86_400)
            }
            Output.line("pruned \(pruned) batch(es) finished more than \(retentionDays) day(s) ago")
        }
    }
}
