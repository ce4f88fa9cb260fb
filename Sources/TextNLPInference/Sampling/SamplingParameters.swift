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

    /// Checks every field against its range (`SamplingField`); the message names the parameter.
    public func validate() throws {
        for field in SamplingField.allCases {
            if let problem = field.problem(with: field.value(in: self)) {
                throw SamplingError.invalid(parameter: field.name, reason: problem)
            }
        }
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
