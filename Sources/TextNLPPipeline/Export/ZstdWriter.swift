import CZstd
import Foundation

/// Compresses a stream into one zstd frame, written to a file handle as it goes (libzstd's streaming API).
/// With `level == nil` bytes pass through uncompressed.
public final class ZstdWriter {
    private let handle: FileHandle
    private let path: String
    private let context: OpaquePointer?
    private var input: [UInt8] = []
    private var output: [UInt8]
    private static let flushAt = 1 << 17

    public init(handle: FileHandle, path: String, level: Int?, workers: Int = 0) throws {
        self.handle = handle
        self.path = path
        output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        if let level {
            guard let cctx = ZSTD_createCCtx() else { throw PipelineError.compression(reason: "cannot create a compression context") }
            context = cctx
            try Self.check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level)))
            try Self.check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1))
            if workers > 0 {
                // A libzstd built without threads rejects nbWorkers; compression then runs on one thread.
                _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, Int32(workers))
            }
        } else {
            context = nil
        }
        input.reserveCapacity(Self.flushAt)
    }

    deinit { if let context { ZSTD_freeCCtx(context) } }

    public func write(_ text: String) throws {
        input.append(contentsOf: text.utf8)
        if input.count >= Self.flushAt { try drain(end: false) }
    }

    public func write(bytes: [UInt8]) throws {
        input.append(contentsOf: bytes)
        if input.count >= Self.flushAt { try drain(end: false) }
    }

    /// Ends the frame and writes what is left. The handle stays open.
    public func finish() throws {
        try drain(end: true)
    }

    private func drain(end: Bool) throws {
        guard let context else {
            try put(input[...])
            input.removeAll(keepingCapacity: true)
            return
        }
        try input.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                var produced = 0
                let remaining: Int = try output.withUnsafeMutableBytes { dst in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let r = ZSTD_compressStream2(context, &outBuffer, &inBuffer, end ? ZSTD_e_end : ZSTD_e_continue)
                    try Self.check(r)
                    produced = outBuffer.pos
                    return r
                }
                if produced > 0 { try put(output[..<produced]) }
                if end ? remaining == 0 : inBuffer.pos == inBuffer.size { break }
            }
        }
        input.removeAll(keepingCapacity: true)
    }

    private func put(_ bytes: ArraySlice<UInt8>) throws {
        guard !bytes.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw PipelineError.writeFailed(path: path, error)
        }
    }

    private static func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 {
            throw PipelineError.compression(reason: String(cString: ZSTD_getErrorName(code)))
        }
    }
}

/// Decompresses a whole zstd stream (one or more frames) — for reading parts back and for tests.
public enum ZstdReader {
    public static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        guard let dctx = ZSTD_createDCtx() else { throw PipelineError.compression(reason: "cannot create a decompression context") }
        defer { ZSTD_freeDCtx(dctx) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        var last = 0
        try data.withUnsafeBytes { src in
            var inBuffer = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while inBuffer.pos < inBuffer.size {
                var produced = 0
                try chunk.withUnsafeMutableBytes { dst in
                    var outBuffer = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let r = ZSTD_decompressStream(dctx, &outBuffer, &inBuffer)
                    if ZSTD_isError(r) != 0 { throw PipelineError.compression(reason: String(cString: ZSTD_getErrorName(r))) }
                    produced = outBuffer.pos
                    last = r
                }
                result.append(contentsOf: chunk[..<produced])
                if produced == 0 && inBuffer.pos == inBuffer.size { break }
            }
        }
        if last != 0 { throw PipelineError.compression(reason: "truncated stream") }
        return result
    }
}
