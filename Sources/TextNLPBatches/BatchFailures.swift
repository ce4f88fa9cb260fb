import TextNLPInference
import TextNLPJobs
import TextNLPPipeline

/// What a worker does when a batch's job fails, decided from the error's type.
enum BatchFailures {
    @Sendable static func disposition(_ error: any Error) -> FailureDisposition {
        switch error {
        // No shard can run without the model: the batch fails once, with the file named.
        case is ModelLoadError, is CatalogError:
            return .stop
        // Disk and compression trouble can pass; bad rows, gates and paths cannot.
        case let error as PipelineError:
            return error.isRetryable ? .retry : .discard
        case is SpecError, is GenerationError, is SamplingError:
            return .discard
        case let error as any ClassifiedFailure:
            return error.disposition
        // A cancelled engine step, an I/O error of the system, anything else: try again after a backoff.
        default:
            return .retry
        }
    }
}
