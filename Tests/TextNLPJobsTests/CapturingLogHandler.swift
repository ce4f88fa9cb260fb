import Logging

/// A swift-log handler that appends every message to a `CapturedLog`.
struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log.messages.withLock { $0.append("\(event.level): \(event.message)") }
    }

    static func logger(_ log: CapturedLog) -> Logger {
        Logger(label: "test") { _ in CapturingLogHandler(log: log) }
    }
}
