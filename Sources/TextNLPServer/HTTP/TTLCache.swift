import Foundation
import Synchronization

/// A small in-memory cache with a time to live per entry, bounded in size (the oldest entries go first
/// when it is full). Replicas each have their own: what it holds may be up to its TTL old, plus the grace
/// of a refresh. When an entry expires, the first caller to see it refreshes it and, for up to `grace`
/// seconds, the others get the old value meanwhile: a popular entry never sends hundreds of requests to the
/// store at the same instant.
final class TTLCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var expires: Double
        var stamp: UInt64
        var refreshing = false
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let now: @Sendable () -> Double

    init(capacity: Int, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.capacity = capacity
        self.now = now
    }

    /// How long past its TTL an entry may be served while one caller refreshes it.
    static var grace: Double { 1 }

    /// The value, and whether this caller should refresh it (it expired, and no one else is refreshing it).
    /// Nil when there is none, or it is too old to serve.
    func lookup(_ key: Key) -> (value: Value, refresh: Bool)? {
        let t = now()
        return state.withLock { s in
            guard var e = s.entries[key] else { return nil }
            if t < e.expires { return (e.value, false) }
            if t >= e.expires + Self.grace {
                s.entries[key] = nil
                return nil
            }
            if e.refreshing { return (e.value, false) }
            e.refreshing = true
            s.entries[key] = e
            return (e.value, true)
        }
    }

    /// The value while it is fresh; nil once it expired (the caller then reads it again).
    func get(_ key: Key) -> Value? {
        guard let (value, refresh) = lookup(key) else { return nil }
        return refresh ? nil : value
    }

    func set(_ key: Key, _ value: Value, ttl: Double) {
        let t = now()
        state.withLock { s in
            s.clock += 1
            if s.entries.count >= capacity, s.entries[key] == nil {
                // Drop the expired, then the oldest half: amortized, and never a scan per insert.
                s.entries = s.entries.filter { $0.value.expires > t }
                if s.entries.count >= capacity {
                    let keep = s.entries.sorted { $0.value.stamp > $1.value.stamp }.prefix(capacity / 2)
                    s.entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                }
            }
            s.entries[key] = Entry(value: value, expires: t + ttl, stamp: s.clock)
        }
    }

    func remove(_ key: Key) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }
}
