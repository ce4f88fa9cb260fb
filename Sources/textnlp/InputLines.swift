import Foundation

/// Lines of a file or stream, checked to be UTF-8; an invalid line is an error naming it.
struct InputLines: Sequence {
    let lines: [String]

    init(handle: FileHandle, name: String) throws {
        try self.init(data: handle.readDataToEndOfFile(), name: name)
    }

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.failed("\(path): cannot read file", exitCode: 2)
        }
        try self.init(data: data, name: path)
    }

    init(data: Data, name: String) throws {
        // Fast path: the whole file is valid UTF-8 (checked once); cut it at newlines.
        let fast: [String]? = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
            var lines: [String] = []
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 10 {
                var end = i
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                if i < bytes.count || start < bytes.count {
                    lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                }
                start = i + 1
            }
            return lines
        }
        if let fast {
            self.lines = fast
            return
        }
        var lines: [String] = []
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var bytes = Array(raw)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw CLIError.failed("\(name), line \(number): invalid UTF-8", exitCode: 2)
            }
            lines.append(line)
        }
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    func makeIterator() -> IndexingIterator<[String]> { lines.makeIterator() }
}
