import Testing
@testable import TextNLPServer

/// Each tenant may run so many online requests at once; one more is a 429 with Retry-After, and a place given
/// back (or dropped) lets the next one in. Tenants do not share places.
struct OnlineSlotsTests {
    @Test func aTenantOverItsCapGets429AndPlacesComeBack() throws {
        let slots = OnlineSlots(perTenant: 2)
        let a = try slots.acquire("acme")
        var b: OnlineSlots.Place? = try slots.acquire("acme")
        #expect(slots.inUse("acme") == 2)
        do {
            _ = try slots.acquire("acme")
            Issue.record("a third request of acme was let in")
        } catch let error as APIError {
            #expect(error.status.code == 429 && error.code == "concurrency_limit_exceeded" && error.headers[.retryAfter] == "1")
        }
        // Another tenant has places of its own.
        let other = try slots.acquire("globex")
        #expect(slots.inUse("globex") == 1)
        // Released twice counts once; a dropped place is given back too.
        a.release()
        a.release()
        #expect(slots.inUse("acme") == 1)
        b = nil
        #expect(b == nil && slots.inUse("acme") == 0)
        _ = try slots.acquire("acme")
        other.release()
        #expect(slots.inUse("globex") == 0)
    }
}
