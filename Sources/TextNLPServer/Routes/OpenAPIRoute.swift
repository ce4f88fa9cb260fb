import Foundation
import Hummingbird
import NIOCore

/// `/openapi.json`: the OpenAPI 3.1 document of every route, kept in the repository
/// (Sources/TextNLPServer/Resources/openapi.json) and served as it is.
enum OpenAPIDocument {
    static let bytes: [UInt8]? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }.map(Array.init)

    static func add(to router: Router<APIRequestContext>) {
        router.get("openapi.json") { _, _ in
            guard let bytes else { throw APIError(.internalServerError, "The OpenAPI document is missing from this build.", code: "internal_error") }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
