import Foundation

/// Writes a file so that it either exists whole or not at all: a temporary file in the same directory,
/// fsync, rename, then fsync of the directory.
public enum AtomicFile {
    public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try createDirectory(directory)
        let temporary = "\(path).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw PipelineError.io(path: temporary, reason: "cannot create (is the directory writable?)")
        }
        do {
            guard let handle = FileHandle(forWritingAtPath: temporary) else {
                throw PipelineError.io(path: temporary, reason: "cannot open for writing")
            }
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary, path) == 0 else {
                throw PipelineError.io(path: path, reason: "rename failed (\(String(cString: strerror(errno))))")
            }
            syncDirectory(directory)
        } catch let error as PipelineError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PipelineError.io(path: path, reason: "\(error.localizedDescription)")
        }
    }

    public static func write(to path: String, bytes: [UInt8]) throws {
        try write(to: path) { handle in
            do { try handle.write(contentsOf: Data(bytes)) } catch {
                throw PipelineError.writeFailed(path: path, error)
            }
        }
    }

    public static func createDirectory(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.io(path: directory, reason: "cannot create the directory (\(error.localizedDescription))")
        }
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
