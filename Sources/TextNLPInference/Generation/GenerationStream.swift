/// The events of one request. When the consumer stops iterating (breaks out of its loop, or its
/// task is cancelled), the request is cancelled and its KV memory freed within one step.
public struct GenerationStream: AsyncSequence, Sendable {
    public typealias Element = GenerationEvent

    let events: AsyncThrowingStream<GenerationEvent, Error>
    let cancel: @Sendable () -> Void

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<GenerationEvent, Error>.AsyncIterator
        let token: CancelOnRelease

        public mutating func next() async throws -> GenerationEvent? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: events.makeAsyncIterator(), token: CancelOnRelease(cancel))
    }
}

/// Runs an action when the last reference to it goes away.
final class CancelOnRelease: Sendable {
    let action: @Sendable () -> Void
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    deinit { action() }
}
