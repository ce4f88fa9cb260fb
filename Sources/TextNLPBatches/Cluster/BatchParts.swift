import TextNLPJobs

/// The output parts of a batch in its store, in shard order: the rows each finished shard wrote and the
/// rows it could not. A cancelled or failed batch has the parts of the shards that finished.
public enum BatchParts {
    public static func names(batch: String, store: any BatchStore) async throws -> (data: [String], errors: [String]) {
        let prefix = "batches/\(batch)/parts/"
        let names = try await store.artifacts(group: batch).map(\.name).filter { $0.hasPrefix(prefix) }.sorted()
        return (names.filter { $0.hasSuffix(".data.zst") }, names.filter { $0.hasSuffix(".errors.zst") })
    }
}
