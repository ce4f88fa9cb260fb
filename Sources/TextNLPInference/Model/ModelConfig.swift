/// Hyper-parameters of a model, read from the `<arch>.*` keys of a GGUF file.
public struct ModelConfig: Sendable, Equatable {
    public enum Architecture: String, Sendable, CaseIterable {
        case llama
        case gpt2
    }

    public let architecture: Architecture
    public let vocabSize: Int
    public let contextLength: Int
    public let embeddingLength: Int
    public let blockCount: Int
    public let headCount: Int
    public let headCountKV: Int
    public let feedForwardLength: Int
    public let normEpsilon: Float
    public let ropeFreqBase: Float
    public let ropeDimensions: Int

    public var headDim: Int { embeddingLength / headCount }
    public var kvDim: Int { headDim * headCountKV }

    public init(gguf file: GGUFFile) throws {
        let name = try file.string("general.architecture")
        guard let arch = Architecture(rawValue: name) else {
            throw ModelError.unsupportedArchitecture(path: file.path, name: name)
        }
        architecture = arch
        let p = arch.rawValue + "."
        embeddingLength = try file.int(p + "embedding_length")
        blockCount = try file.int(p + "block_count")
        headCount = try file.int(p + "attention.head_count")
        headCountKV = try file.optionalInt(p + "attention.head_count_kv") ?? headCount
        feedForwardLength = try file.int(p + "feed_forward_length")
        contextLength = try file.int(p + "context_length")
        let tokens = file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count
        vocabSize = try file.optionalInt(p + "vocab_size") ?? tokens ?? file.tensor("token_embd.weight").rowCount
        switch arch {
        case .llama:
            normEpsilon = try file.float(p + "attention.layer_norm_rms_epsilon")
            ropeFreqBase = try file.optionalFloat(p + "rope.freq_base") ?? 10_000
            ropeDimensions = try file.optionalInt(p + "rope.dimension_count") ?? embeddingLength / max(headCount, 1)
        case .gpt2:
            normEpsilon = try file.float(p + "attention.layer_norm_epsilon")
            ropeFreqBase = 0
            ropeDimensions = 0
        }
        try validate(path: file.path)
    }

    private func validate(path: String) throws {
        func bad(_ reason: String) -> GGUFError { .corrupt(path: path, offset: 0, reason: reason) }
        guard embeddingLength > 0, blockCount > 0, headCount > 0, headCountKV > 0, feedForwardLength > 0,
              vocabSize > 0, contextLength > 0 else {
            throw bad("model hyper-parameters must be positive")
        }
        guard embeddingLength % headCount == 0 else { throw bad("embedding_length \(embeddingLength) is not divisible by head_count \(headCount)") }
        guard headCount % headCountKV == 0 else { throw bad("head_count \(headCount) is not divisible by head_count_kv \(headCountKV)") }
        guard ropeDimensions % 2 == 0, ropeDimensions <= headDim else { throw bad("rope.dimension_count \(ropeDimensions) does not fit head size \(headDim)") }
        guard normEpsilon > 0, normEpsilon.isFinite else { throw bad("norm epsilon \(normEpsilon) must be positive") }
    }
}

public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unsupportedArchitecture(path: String, name: String)
    case contextOverflow(needed: Int, context: Int)
    case invalidToken(Int32, vocabSize: Int)
    case sequenceNotFound(Int)

    public var description: String {
        switch self {
        case let .unsupportedArchitecture(path, name):
            return "\(path): unsupported architecture '\(name)' (supported: \(ModelConfig.Architecture.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .contextOverflow(needed, context):
            return "prompt and generation need \(needed) tokens but the context holds \(context)"
        case let .invalidToken(id, vocab):
            return "token id \(id) is outside the vocabulary (0..<\(vocab))"
        case let .sequenceNotFound(slot):
            return "no sequence in KV-cache slot \(slot)"
        }
    }
}
