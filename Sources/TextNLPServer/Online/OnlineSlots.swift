import Synchronization

/// How many online requests each tenant may have running at once. One over the cap is a 429 at once (it is
/// not queued): the client backs off and retries, as it does for a rate limit.
final class OnlineSlots: Sendable {
    let perTenant: Int
    private let running = Mutex<[String: Int]>([:])

    init(perTenant: Int) { self.perTenant = perTenant }

    /// A tenant's place, given back once (by whoever ends the request).
    final class Place: Sendable {
        private let slots: OnlineSlots
        private let tenant: String
        private let released = Mutex(false)

        fileprivate init(_ slots: OnlineSlots, _ tenant: String) {
            self.slots = slots
            self.tenant = tenant
        }

        func release() {
            guard released.withLock({ done in defer { done = true }; return !done }) else { return }
            slots.running.withLock { $0[tenant, default: 1] -= 1 }
        }

        deinit { release() }
    }

    func acquire(_ tenant: String) throws -> Place {
        let admitted = running.withLock { counts in
            guard counts[tenant, default: 0] < perTenant else { return false }
            counts[tenant, default: 0] += 1
            return true
        }
        guard admitted else {
            throw APIError(.tooManyRequests, "Too many concurrent requests: this key's tenant may run \(perTenant) online requests at once.",
                           code: "concurrency_limit_exceeded", headers: [.retryAfter: "1"])
        }
        return Place(self, tenant)
    }

    func inUse(_ tenant: String) -> Int { running.withLock { $0[tenant, default: 0] } }
}
