import Foundation

/// Shows a batch's progress: a bar redrawn in place on a terminal, a log line every few seconds otherwise.
public struct ProgressDisplay: Sendable {
    public let progress: BatchProgress
    public let interactive: Bool
    public let interval: Double

    public init(progress: BatchProgress, interactive: Bool = isatty(STDERR_FILENO) == 1, interval: Double? = nil) {
        self.progress = progress
        self.interactive = interactive
        self.interval = interval ?? (interactive ? 0.5 : 10)
    }

    /// Draws until cancelled, then draws a last time and ends the line.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { break }
            draw()
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    public func draw() {
        let line = Self.line(progress.snapshot, now: Date(), width: interactive ? 24 : 0)
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// `[######------] 120/1000 rows 12% · 3.1 rows/s · 214 tok/s · ETA 4m44s · 0 failed`
    public static func line(_ s: BatchProgress.Snapshot, now: Date, width: Int) -> String {
        let elapsed = max(now.timeIntervalSince(s.started), 1e-3)
        let done = s.rowsShown
        let rate = (done - Double(s.rowsAtStart)) / elapsed
        var parts: [String] = []
        if let total = s.rowsTotal {
            let fraction = total > 0 ? min(1, done / Double(total)) : 1
            if width > 0 {
                let filled = Int(fraction * Double(width))
                parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]")
            }
            parts.append("\(Int(done))/\(total) rows \(Int(fraction * 100))%")
        } else {
            parts.append("ingesting: \(s.rowsRead) rows read")
        }
        parts.append(String(format: "%.1f rows/s", rate))
        parts.append(String(format: "%.0f tok/s", Double(s.completionTokens) / elapsed))
        if let total = s.rowsTotal, rate > 0, done < Double(total) {
            parts.append("ETA " + duration((Double(total) - done) / rate))
        }
        parts.append("\(s.dropped + s.badInput) dropped")
        parts.append("\(s.jobFailures) failed")
        return parts.joined(separator: " · ")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(s % 3600 / 60).leftPad(2))m" }
        if s >= 60 { return "\(s / 60)m\(String(s % 60).leftPad(2))s" }
        return "\(s)s"
    }
}
