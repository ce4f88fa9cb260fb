import Hummingbird
import TextNLPJobs

/// The context of one request: Hummingbird's core, and the API key the auth middleware found.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var key: APIKeyRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }

    /// The tenant of the request's key; routes behind the auth middleware always have one.
    var tenant: String { key?.tenant ?? "" }
}
