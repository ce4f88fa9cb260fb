import AsyncAlgorithms
import Hummingbird
import NIOCore
import TextNLPJobs

/// A response body streamed from an artifact a chunk at a time: the store's reader and the client's
/// writer meet in a channel that holds one chunk, so a slow client slows the read instead of filling memory.
enum ArtifactBody {
    static func stream(store: any BatchStore, group: String, name: String,
                       transform: (@Sendable () throws -> any ChunkTransform)? = nil) -> ResponseBody {
        ResponseBody { writer in
            let channel = AsyncThrowingChannel<[UInt8], any Error>()
            let reader = Task {
                do {
                    let t = try transform?()
                    try await store.readArtifact(group: group, name: name) { chunk in
                        let out = try t?.feed(chunk) ?? chunk
                        if !out.isEmpty { await channel.send(out) }
                    }
                    try t?.finish()
                    channel.finish()
                } catch {
                    channel.fail(error)
                }
            }
            defer { reader.cancel() }
            for try await chunk in channel {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
    }
}

/// A change made to the bytes on their way out (zstd decompression).
protocol ChunkTransform: Sendable {
    func feed(_ chunk: [UInt8]) throws -> [UInt8]
    func finish() throws
}
