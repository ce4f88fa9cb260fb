import Foundation

/// OpenBLAS starts its worker threads when the process loads, and idle workers spin (with
/// `sched_yield`) before they sleep, which on a 2-core machine takes CPU from commands that never
/// multiply a matrix. Those commands re-run themselves once with `OPENBLAS_NUM_THREADS=1`, which
/// OpenBLAS reads at load time, so no workers exist. Linux only; elsewhere nothing happens.
enum BLASThreads {
    static let commandsWithoutBLAS: Set<String> = ["score", "tokenize", "models", "validate", "status"]

    static func singleThreadIfUnused() {
        #if os(Linux)
        let arguments = CommandLine.arguments
        guard arguments.count > 1, commandsWithoutBLAS.contains(arguments[1]),
              ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil else { return }
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        // exec failed: carry on in this process; nothing is lost but some CPU.
        for p in argv { free(p) }
        #endif
    }
}
