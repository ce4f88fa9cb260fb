import Foundation

/// An exclusive `flock` on a file, held while a process runs a batch. The kernel drops it when the
/// process ends, even by `kill -9`, so a lock that can be taken proves nobody else is running the batch.
final class FileLock {
    private let fd: Int32

    init?(path: String) {
        let fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        ftruncate(fd, 0)
        let pid = "\(ProcessInfo.processInfo.processIdentifier)\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The pid written by whoever holds the lock, for the error message.
    static func holder(path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
