/// The sampling parameters by their API names (OpenAI's, and llama.cpp's for the others), with the range
/// each accepts. This is the one mapping from names to `SamplingParameters`: the pipeline spec,
/// `generate --input` lines and `SamplingParameters.validate` all go through it, and the defaults are
/// those of `SamplingParameters()`.
public enum SamplingField: String, CaseIterable, Sendable {
    case temperature
    case topK = "top_k"
    case topP = "top_p"
    case minP = "min_p"
    case repeatPenalty = "repeat_penalty"
    case frequencyPenalty = "frequency_penalty"
    case presencePenalty = "presence_penalty"
    case penaltyLastN = "penalty_last_n"

    public var name: String { rawValue }

    public var isInteger: Bool { self == .topK || self == .penaltyLastN }

    /// The values accepted; `top_p` must also be above 0.
    public var range: ClosedRange<Double> {
        switch self {
        case .temperature: 0...2
        case .topK: 0...100_000
        case .topP, .minP: 0...1
        case .repeatPenalty: 0.1...10
        case .frequencyPenalty, .presencePenalty: -2...2
        case .penaltyLastN: 0...32768
        }
    }

    public func value(in p: SamplingParameters) -> Double {
        switch self {
        case .temperature: Double(p.temperature)
        case .topK: Double(p.topK)
        case .topP: Double(p.topP)
        case .minP: Double(p.minP)
        case .repeatPenalty: Double(p.repeatPenalty)
        case .frequencyPenalty: Double(p.frequencyPenalty)
        case .presencePenalty: Double(p.presencePenalty)
        case .penaltyLastN: Double(p.penaltyLastN)
        }
    }

    /// Sets the field; the value is assumed checked (`problem(with:)`).
    public func set(_ value: Double, in p: inout SamplingParameters) {
        switch self {
        case .temperature: p.temperature = Float(value)
        case .topK: p.topK = Int(value)
        case .topP: p.topP = Float(value)
        case .minP: p.minP = Float(value)
        case .repeatPenalty: p.repeatPenalty = Float(value)
        case .frequencyPenalty: p.frequencyPenalty = Float(value)
        case .presencePenalty: p.presencePenalty = Float(value)
        case .penaltyLastN: p.penaltyLastN = Int(value)
        }
    }

    /// Why `value` is not acceptable, or nil.
    public func problem(with value: Double) -> String? {
        guard value.isFinite else { return "must be a finite number" }
        if isInteger, value != value.rounded() { return "must be an integer" }
        guard range.contains(value) else {
            return "must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound))"
        }
        if self == .topP, value == 0 { return "must be greater than 0" }
        return nil
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}
