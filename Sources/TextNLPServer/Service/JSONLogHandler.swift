import Foundation
import Logging
import TextNLPPipeline

/// Log lines as JSON objects on standard error (`ts`, `level`, `logger`, `message`, metadata), for log
/// collectors; `ENVIRONMENT=development` keeps swift-log's human-readable lines instead.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var o = JSONObject([
            ("ts", .string(ISO8601DateFormatter().string(from: Date()))), ("level", .string(event.level.rawValue)),
            ("logger", .string(label)), ("message", .string(event.message.description)),
        ])
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { o[k] = .string(v.description) }
        if let error = event.error { o["error"] = .string("\(error)") }
        FileHandle.standardError.write(Data((JSONWriter.string(.object(o)) + "\n").utf8))
    }

    /// Bootstraps logging from the environment: `LOG_LEVEL` (default info) and `ENVIRONMENT`.
    public static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let level = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        if environment["ENVIRONMENT"] == "development" {
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            }
        } else {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        }
    }
}
