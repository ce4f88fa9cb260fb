import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid` on its own pid.
///
/// The tests start hundreds of children; Foundation's `Process.waitUntilExit()` was seen to
/// block for ever in one of them (its run loop never woke after the child had been reaped), so the tests
/// do not depend on its termination monitoring.
public struct Child: Sendable {
    public enum SpawnError: Error, CustomStringConvertible {
        case failed(executable: String, errno: Int32)
        public var description: String {
            switch self {
            case .failed(let executable, let code): "cannot start \(executable): \(String(cString: strerror(code)))"
            }
        }
    }

    public let pid: pid_t

    /// Starts `executable` with `arguments` in `directory`; standard input, output and error come from and go to
    /// the given files (`/dev/null` when nil).
    public init(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
         stdin: String? = nil, stdout: String? = nil, stderr: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Signals the test process ignores or blocks are not passed on: the child starts with the defaults.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), none = sigset_t()
        sigfillset(&defaults)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        // `env -C DIR` changes directory and execs the program in the same process (glibc's addchdir is not imported).
        let command = directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard code == 0 else { throw SpawnError.failed(executable: executable, errno: code) }
        self.pid = pid
    }

    /// Waits for the child to end: its exit code, or 128 + the signal that ended it. It polls rather than
    /// blocks, so that a test waiting for a child does not hold one of the few threads the suite's other
    /// tests run on.
    public func wait() async -> Int32 {
        while true {
            if let code = poll() { return code }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Blocks until the child ends; only for commands that take milliseconds (mount, umount), where a
    /// `defer` cannot wait asynchronously.
    public func waitBlocking() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return Self.code(status)
    }

    /// The exit code if the child has ended (it is then reaped), nil while it runs.
    public func poll() -> Int32? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == 0 { return nil }
        return r < 0 ? -1 : Self.code(status)
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    private static func code(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
