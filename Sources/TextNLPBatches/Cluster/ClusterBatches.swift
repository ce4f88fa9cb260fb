import Foundation
import TextNLPJobs
import TextNLPPipeline

public enum ClusterError: Error, CustomStringConvertible {
    case unknownBatch(id: String, store: String)
    case notFinished(id: String, status: String)

    public var description: String {
        switch self {
        case .unknownBatch(let id, let store): "no batch '\(id)' in \(store) (textnlp batches lists them)"
        case .notFinished(let id, let status): "batch \(id) is \(status); its dataset exists once it completes"
        }
    }
}

/// The batch commands of a cluster: status, cancel, list and download, all from the database.
public enum ClusterBatches {
    public static func record(_ id: String, in store: any BatchStore) async throws -> BatchRecord {
        guard let batch = try await store.batch(id: id) else { throw ClusterError.unknownBatch(id: id, store: store.description) }
        return batch
    }

    public static func status(_ id: String, in store: any BatchStore) async throws -> BatchStatus {
        let batch = try await record(id, in: store)
        return status(batch, jobs: try await store.jobs(group: id))
    }

    public static func status(_ batch: BatchRecord, jobs: [JobRecord]) -> BatchStatus {
        BatchStatus(batchID: batch.id, directory: nil, jobs: jobs, createdAt: batch.createdAt, cancelRequestedAt: batch.cancelRequestedAt)
    }

    /// Cancels the batch: waiting shards at once, running ones within a second (their workers stop them).
    public static func cancel(_ id: String, in store: any BatchStore) async throws -> BatchStatus {
        _ = try await record(id, in: store)
        try await store.cancelBatch(id: id)
        return try await status(id, in: store)
    }

    /// Batches newest first, with their status.
    public static func list(in store: any BatchStore, after: String? = nil, limit: Int = 100) async throws -> [(BatchRecord, BatchStatus)] {
        var out: [(BatchRecord, BatchStatus)] = []
        for batch in try await store.batches(after: after, limit: limit, tenant: nil) {
            out.append((batch, status(batch, jobs: try await store.jobs(group: batch.id))))
        }
        return out
    }

    /// Polls until the batch has ended; `onChange` sees each new status.
    public static func wait(_ id: String, in store: any BatchStore, every seconds: Double = 0.5,
                            onChange: (BatchStatus) -> Void = { _ in }) async throws -> BatchStatus {
        var last = ""
        while true {
            let status = try await status(id, in: store)
            let summary = "\(status.status) \(status.shardsDone) \(status.rowsDone)"
            if summary != last {
                onChange(status)
                last = summary
            }
            if status.isFinal { return status }
            try await Task.sleep(for: .seconds(seconds))
        }
    }

    /// Writes the batch's outputs (the dataset, the manifest, the errors file and the reports, and whatever
    /// parts a cancelled batch kept under `batches/<id>/parts`) under `directory`, with the names an embedded
    /// run gives them. Returns the paths written.
    @discardableResult
    public static func download(_ id: String, from store: any BatchStore, to directory: String,
                                includeParts: Bool = false) async throws -> [String] {
        _ = try await record(id, in: store)
        let artifacts = DatabaseArtifactStore(store: store, group: id, scratch: directory)
        var written: [String] = []
        for entry in try await store.artifacts(group: id) {
            let isOwn = entry.name.hasPrefix("batches/")
            if isOwn && !(includeParts && entry.name.hasPrefix("batches/\(id)/parts/")) { continue }
            let target = (directory as NSString).appendingPathComponent(entry.name)
            try AtomicFile.createDirectory((target as NSString).deletingLastPathComponent)
            if try await artifacts.download(entry.name, to: target) { written.append(target) }
        }
        return written
    }
}
