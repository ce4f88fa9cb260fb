/// How the next token is chosen. `temperature == 0` is greedy.
/// Defaults follow llama.cpp's command line, except the penalties, which are off.
public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float = 0.8
    public var topK: Int = 40
    public var topP: Float = 0.95
    public var minP: Float = 0.05
    public var repeatPenalty: Float = 1.0
    public var frequencyPenalty: Float = 0
    public var presencePenalty: Float = 0
    /// How many of the last tokens the penalties look at (prompt included).
    public var penaltyLastN: Int = 64
    public var seed: UInt64 = 0

    public init() {}

    public static var greedy: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }

    /// Checks ranges; the message names the parameter.
    public func validate() throws {
        func bad(_ name: String, _ reason: String) -> SamplingError { .invalid(parameter: name, reason: reason) }
        guard temperature.isFinite, temperature >= 0, temperature <= 100 else { throw bad("temperature", "must be between 0 and 100") }
        guard topK >= 0 else { throw bad("top_k", "must be 0 (off) or more") }
        guard topP.isFinite, topP > 0, topP <= 1 else { throw bad("top_p", "must be in (0, 1]") }
        guard minP.isFinite, minP >= 0, minP <= 1 else { throw bad("min_p", "must be in [0, 1]") }
        guard repeatPenalty.isFinite, repeatPenalty > 0 else { throw bad("repeat_penalty", "must be positive") }
        guard frequencyPenalty.isFinite, abs(frequencyPenalty) <= 2 else { throw bad("frequency_penalty", "must be between -2 and 2") }
        guard presencePenalty.isFinite, abs(presencePenalty) <= 2 else { throw bad("presence_penalty", "must be between -2 and 2") }
        guard penaltyLastN >= 0 else { throw bad("penalty_last_n", "must be 0 or more") }
    }
}

public enum SamplingError: Error, Equatable, CustomStringConvertible {
    case invalid(parameter: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(parameter, reason): "\(parameter): \(reason)"
        }
    }
}
