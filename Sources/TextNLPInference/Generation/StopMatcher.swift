/// Finds stop strings in streamed text, matching Unicode scalars (so "\n" is found inside "\r\n").
/// Text that could be the start of a stop string is held back until it is known not to be one,
/// so a stop string never reaches the caller.
struct StopMatcher: Sendable {
    let stops: [[Unicode.Scalar]]
    private var pending: [Unicode.Scalar] = []
    /// The stop string found (the first that starts earliest, in the order given).
    private(set) var matched: String?

    init(_ stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
    }

    /// Adds text; returns what can be released and whether a stop string was found.
    mutating func push(_ text: String) -> (release: String, stopped: Bool) {
        pending += text.unicodeScalars
        guard !stops.isEmpty else { return (take(pending.count), false) }
        var earliest: Int?
        for s in stops {
            if let r = pending.firstRange(of: s), earliest.map({ r.lowerBound < $0 }) ?? true {
                earliest = r.lowerBound
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s)
                matched = String(text)
            }
        }
        if let cut = earliest {
            let out = take(cut)
            pending = []
            return (out, true)
        }
        // Hold back the longest tail that is a proper prefix of some stop string.
        var hold = 0
        for s in stops {
            var n = min(s.count - 1, pending.count)
            while n > hold {
                if pending[(pending.count - n)...].elementsEqual(s[..<n]) { hold = n; break }
                n -= 1
            }
        }
        return (take(pending.count - hold), false)
    }

    /// Releases whatever is held back (at the end of generation).
    mutating func flush() -> String {
        take(pending.count)
    }

    private mutating func take(_ n: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: pending[..<n])
        pending.removeFirst(n)
        return String(s)
    }
}
