import Hummingbird
import NIOCore
import TextNLPPipeline

/// Server-Sent Events: `data: <json>` frames (OpenAI), with an `event:` line when the API names its events
/// (Anthropic), each ended by a blank line.
enum ServerSentEvents {
    static var headers: HTTPFields { [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"] }

    static func frame(_ value: JSONValue, event: String? = nil) -> ByteBuffer {
        ByteBuffer(string: (event.map { "event: \($0)\n" } ?? "") + "data: " + JSONWriter.string(value) + "\n\n")
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
