import CZstd

/// Decompresses a zstd stream chunk by chunk, so that a reader of a large file holds one chunk and what it
/// decodes to, never the whole. `finish()` says whether the stream ended on a frame boundary. One reader
/// feeds it, one chunk after another (hence unchecked: it moves between tasks, never shared by two).
public final class ZstdStreamDecoder: @unchecked Sendable {
    private let dctx: OpaquePointer
    private var output: [UInt8]
    private var last = 0

    public init() throws {
        guard let dctx = ZSTD_createDCtx() else { throw PipelineError.compression(reason: "cannot create a decompression context") }
        self.dctx = dctx
        output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
    }

    deinit { ZSTD_freeDCtx(dctx) }

    /// The bytes that `chunk` decodes to (given what came before it).
    public func feed(_ chunk: [UInt8]) throws -> [UInt8] {
        var result: [UInt8] = []
        try chunk.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                var produced = 0
                let r = output.withUnsafeMutableBytes { dst -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let r = ZSTD_decompressStream(dctx, &outBuffer, &inBuffer)
                    produced = outBuffer.pos
                    return r
                }
                if ZSTD_isError(r) != 0 { throw PipelineError.compression(reason: String(cString: ZSTD_getErrorName(r))) }
                last = r
                result.append(contentsOf: output[..<produced])
                // Done with this chunk once it is consumed and the output buffer was not filled (nothing is pending).
                if inBuffer.pos == inBuffer.size && produced < output.count { break }
            }
        }
        return result
    }

    /// Throws when the stream stopped inside a frame.
    public func finish() throws {
        if last != 0 { throw PipelineError.compression(reason: "truncated stream") }
    }
}
