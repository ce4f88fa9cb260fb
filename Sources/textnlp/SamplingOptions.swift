import ArgumentParser
import TextNLPInference

/// Sampling flags, shared by the commands that generate; defaults and ranges are `SamplingParameters`'.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = SamplingParameters().temperature
    @Option(help: "Keep the K most likely tokens (0 = off).")
    var topK: Int = SamplingParameters().topK
    @Option(help: "Keep the smallest set of tokens whose probability reaches P.")
    var topP: Float = SamplingParameters().topP
    @Option(help: "Drop tokens less likely than P times the most likely one.")
    var minP: Float = SamplingParameters().minP
    @Option(help: "Penalty for repeating recent tokens (1 = off).")
    var repeatPenalty: Float = SamplingParameters().repeatPenalty
    @Option(help: "Subtracted per previous occurrence of a token.")
    var frequencyPenalty: Float = SamplingParameters().frequencyPenalty
    @Option(help: "Subtracted once from every token that occurred.")
    var presencePenalty: Float = SamplingParameters().presencePenalty
    @Option(help: "How many recent tokens the penalties look at.")
    var penaltyLastN: Int = SamplingParameters().penaltyLastN
    @Option(help: "Random seed; the same seed gives the same text. Random when absent.")
    var seed: UInt64?

    func validate() throws {
        do { try parameters(seed: 0).validate() } catch { throw ValidationError("\(error)") }
    }

    func parameters(seed fallback: UInt64) -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.repeatPenalty = repeatPenalty
        p.frequencyPenalty = frequencyPenalty
        p.presencePenalty = presencePenalty
        p.penaltyLastN = penaltyLastN
        p.seed = seed ?? fallback
        return p
    }
}
