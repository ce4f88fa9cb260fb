/// Which logits a chunk of a batch wants back.
public enum LogitsRequest: Sendable {
    case none, last, all
}

/// New tokens of one sequence in a forward batch: `tokens` go to positions `start...`
/// of the sequence held in KV-cache slot `slot`.
public struct SequenceChunk: Sendable {
    public var slot: Int
    public var tokens: [Int32]
    public var start: Int
    public var logits: LogitsRequest

    public init(slot: Int, tokens: [Int32], start: Int, logits: LogitsRequest = .last) {
        self.slot = slot
        self.tokens = tokens
        self.start = start
        self.logits = logits
    }
}

/// A decoder-only transformer that runs a batch of sequences in one forward pass.
public protocol LanguageModel: Sendable {
    var config: ModelConfig { get }

    /// Runs `chunks` through the model, appending their keys and values to `cache`.
    /// Returns, for each chunk, the requested logits: `vocab` values per row, rows in token order.
    func forward(_ chunks: [SequenceChunk], cache: KVCache) throws -> [[Float]]
}

extension LanguageModel {
    public func makeCache(maxPositions: Int? = nil) -> KVCache {
        KVCache(layers: config.blockCount, kvDim: config.kvDim, maxPositions: min(maxPositions ?? config.contextLength, config.contextLength))
    }
}

/// Builds the model named by `general.architecture`.
public func loadLanguageModel(_ file: GGUFFile, activations: ActivationPrecision = .automatic) throws -> any LanguageModel {
    let config = try ModelConfig(gguf: file)
    switch config.architecture {
    case .llama: return try LlamaModel(file, config: config, activations: activations)
    case .gpt2: return try GPT2Model(file, config: config, activations: activations)
    }
}

/// Bookkeeping shared by the architectures: where each chunk's tokens sit in the flat batch.
struct BatchLayout {
    let tokens: [Int32]
    let positions: [Int]
    /// First row of each chunk in the flat batch.
    let offsets: [Int]
    /// Rows whose logits are wanted, grouped by chunk.
    let logitRows: [[Int]]

    init(_ chunks: [SequenceChunk], config: ModelConfig, cache: KVCache) throws {
        var tokens: [Int32] = [], positions: [Int] = [], offsets: [Int] = [], logitRows: [[Int]] = []
        for chunk in chunks {
            offsets.append(tokens.count)
            for t in chunk.tokens where t < 0 || Int(t) >= config.vocabSize {
                throw ModelError.invalidToken(t, vocabSize: config.vocabSize)
            }
            try cache.reserve(slot: chunk.slot, positions: chunk.start + chunk.tokens.count)
            let rows = tokens.count..<(tokens.count + chunk.tokens.count)
            switch chunk.logits {
            case .none: logitRows.append([])
            case .last: logitRows.append(rows.isEmpty ? [] : [rows.upperBound - 1])
            case .all: logitRows.append(Array(rows))
            }
            tokens += chunk.tokens
            positions += chunk.tokens.indices.map { chunk.start + $0 }
        }
        self.tokens = tokens
        self.positions = positions
        self.offsets = offsets
        self.logitRows = logitRows
    }
}
