import Foundation

/// Failures while running a pipeline. Each names the file, line, row or field it concerns.
public enum PipelineError: Error, Equatable, CustomStringConvertible {
    case io(path: String, reason: String)
    case badRow(file: String, line: Int, reason: String)
    case rowFailed(id: String, stage: String, reason: String)
    /// Corpus gates with `on_fail: "fail"` that failed, each as "label (value x)".
    case gateFailed(gates: [String])
    case compression(reason: String)
    case outsideOutputRoot(path: String, root: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .badRow(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .rowFailed(let id, let stage, let reason): "row \(id): \(stage): \(reason)"
        case .gateFailed(let gates): "corpus gate failed: " + gates.joined(separator: "; ")
        case .compression(let reason): "zstd: \(reason)"
        case .outsideOutputRoot(let path, let root): "\(path) is outside the output root \(root)"
        }
    }

    /// Whether running the same work again could succeed (disk and I/O trouble) or cannot (bad data, gates).
    public var isRetryable: Bool {
        switch self {
        case .io, .compression: true
        default: false
        }
    }
}

extension PipelineError {
    /// A failed write to `path`, saying plainly when the disk is full.
    public static func writeFailed(path: String, _ error: any Error) -> PipelineError {
        let full = (error as? CocoaError)?.code == .fileWriteOutOfSpace || (error as? POSIXError)?.code == .ENOSPC
            || ((error as NSError).domain == NSPOSIXErrorDomain && (error as NSError).code == Int(ENOSPC))
        return .io(path: path, reason: full ? "write failed: no space left on the device (the disk is full)"
                                            : "write failed (\(error.localizedDescription))")
    }
}
