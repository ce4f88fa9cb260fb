import Foundation

/// Reads a file line by line in 1 MiB chunks (memory stays flat), numbering lines from 1.
/// A trailing `\r` is removed; a last line without a newline is still a line.
final class LineReader {
    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PipelineError.io(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot open for reading" : "no such file")
        }
        self.handle = handle
        self.path = path
    }

    func close() { try? handle.close() }

    /// The next line's bytes, or nil at the end of the file.
    func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                var end = nl
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = nl + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = buffer.count
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// Reads the next chunk; also used by the CSV reader, which needs bytes across lines.
    func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk: Data?
        do {
            chunk = try handle.read(upToCount: 1 << 20)
        } catch {
            throw PipelineError.io(path: path, reason: "read failed (\(error.localizedDescription))")
        }
        if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { atEnd = true }
    }

    /// Raw access for the CSV reader: the unread bytes, whether the file is exhausted, and consumption.
    var pending: ArraySlice<UInt8> { buffer[start...] }
    var exhausted: Bool { atEnd }
    func consume(_ count: Int, lines: Int) {
        start += count
        lineNumber += lines
    }
}
