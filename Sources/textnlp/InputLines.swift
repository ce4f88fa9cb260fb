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
        // One pass per line: cut at newlines (dropping a CR before them), validate while converting.
        let result: Result<[String], CLIError> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lines: [String] = []
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 10 {
                defer { start = i + 1 }
                guard i < bytes.count || start < bytes.count else { break }  // no empty line after the last newline
                var end = i
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                guard let line = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
                    return .failure(CLIError.failed("\(name), line \(lines.count + 1): invalid UTF-8", exitCode: 2))
                }
                lines.append(line)
            }
            return .success(lines)
        }
        lines = try result.get()
    }

    func makeIterator() -> IndexingIterator<[String]> { lines.makeIterator() }
}
