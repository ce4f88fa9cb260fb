/// Keys and values of every layer for each live sequence, grown on demand.
/// Layout per layer and sequence: (positions, kvDim), row-major.
public final class KVCache {
    public let layers: Int
    public let kvDim: Int
    public let maxPositions: Int

    final class Sequence {
        var capacity = 0
        var keys: [[Float]]
        var values: [[Float]]
        init(layers: Int) {
            keys = Array(repeating: [], count: layers)
            values = Array(repeating: [], count: layers)
        }
    }

    private var sequences: [Int: Sequence] = [:]
    /// Positions a sequence will never exceed, so that growth by doubling stays within a memory budget.
    private var limits: [Int: Int] = [:]

    public init(layers: Int, kvDim: Int, maxPositions: Int) {
        self.layers = layers
        self.kvDim = kvDim
        self.maxPositions = maxPositions
    }

    /// Bytes held by all sequences.
    public var bytes: Int { sequences.values.reduce(0) { $0 + $1.capacity * kvDim * layers * 2 * 4 } }

    /// Makes room for `positions` positions in sequence `slot`, creating it if needed.
    func reserve(slot: Int, positions: Int) throws {
        guard positions <= maxPositions else { throw ModelError.contextOverflow(needed: positions, context: maxPositions) }
        let seq = sequences[slot] ?? Sequence(layers: layers)
        sequences[slot] = seq
        guard positions > seq.capacity else { return }
        let newCapacity = max(positions, min(maxPositions, limits[slot] ?? maxPositions, max(64, seq.capacity * 2)))
        for l in 0..<layers {
            seq.keys[l].append(contentsOf: repeatElement(0, count: (newCapacity - seq.capacity) * kvDim))
            seq.values[l].append(contentsOf: repeatElement(0, count: (newCapacity - seq.capacity) * kvDim))
        }
        seq.capacity = newCapacity
    }

    /// Frees a sequence's memory.
    public func remove(slot: Int) {
        sequences[slot] = nil
        limits[slot] = nil
    }

    /// Caps the positions that sequence `slot` will hold.
    public func limit(slot: Int, positions: Int) {
        limits[slot] = positions
    }

    func sequence(_ slot: Int) throws -> Sequence {
        guard let s = sequences[slot] else { throw ModelError.sequenceNotFound(slot) }
        return s
    }
}
