import CKernels

/// Keys and values of every layer for each live sequence, in f16, grown on demand.
/// Layout per layer and sequence (see attention.h): keys in tiles of 16 positions, values as rows.
public final class KVCache {
    public let layers: Int
    public let kvDim: Int
    public let maxPositions: Int

    /// Bytes one position of one sequence takes, all layers, keys and values.
    public static func bytesPerPosition(layers: Int, kvDim: Int) -> Int { layers * kvDim * 2 * MemoryLayout<UInt16>.size }

    /// Capacity for `positions`: whole key tiles.
    static func rounded(_ positions: Int) -> Int { (positions + Int(TNLP_KV_TILE) - 1) / Int(TNLP_KV_TILE) * Int(TNLP_KV_TILE) }

    final class Sequence {
        private(set) var capacity = 0
        private(set) var keys: [UnsafeMutablePointer<UInt16>]
        private(set) var values: [UnsafeMutablePointer<UInt16>]
        let kvDim: Int

        init(layers: Int, kvDim: Int) {
            self.kvDim = kvDim
            keys = (0..<layers).map { _ in UnsafeMutablePointer<UInt16>.allocate(capacity: 0) }
            values = (0..<layers).map { _ in UnsafeMutablePointer<UInt16>.allocate(capacity: 0) }
        }

        /// Grows every layer to `newCapacity` positions (a multiple of the tile), keeping what is stored.
        func grow(to newCapacity: Int) {
            let old = capacity * kvDim, new = newCapacity * kvDim
            func moved(_ p: UnsafeMutablePointer<UInt16>) -> UnsafeMutablePointer<UInt16> {
                let q = UnsafeMutablePointer<UInt16>.allocate(capacity: new)
                q.update(from: p, count: old)
                (q + old).initialize(repeating: 0, count: new - old)
                p.deallocate()
                return q
            }
            keys = keys.map(moved)
            values = values.map(moved)
            capacity = newCapacity
        }

        deinit {
            keys.forEach { $0.deallocate() }
            values.forEach { $0.deallocate() }
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
    public var bytes: Int { sequences.values.reduce(0) { $0 + $1.capacity * Self.bytesPerPosition(layers: layers, kvDim: kvDim) } }

    /// Makes room for `positions` positions in sequence `slot`, creating it if needed.
    func reserve(slot: Int, positions: Int) throws {
        guard positions <= maxPositions else { throw ModelError.contextOverflow(needed: positions, context: maxPositions) }
        let seq = sequences[slot] ?? Sequence(layers: layers, kvDim: kvDim)
        sequences[slot] = seq
        guard positions > seq.capacity else { return }
        let ceiling = min(maxPositions, limits[slot] ?? maxPositions)
        seq.grow(to: Self.rounded(max(positions, min(ceiling, max(64, seq.capacity * 2)))))
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
