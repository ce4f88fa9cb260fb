import TextNLPInference

/// The one contract of the stages that run on a shard's rows (template, generate, format, validate):
/// rows in, rows out, the rows taken out with their reasons, and what the stage measured. A new stage is
/// one type that conforms, plus its case in `RowStages.make`.
public protocol RowStage: Sendable {
    /// Processes one shard's rows in order. Throws when the whole shard must fail: a row that fails
    /// with `on_fail: "fail"` (`PipelineError.rowFailed`), or a failure of the engine.
    func process(_ rows: [Row]) async throws -> StageOutput
}

/// What a stage made of a shard's rows.
public struct StageOutput: Sendable {
    public var rows: [Row]
    public var errors: [RowError]
    public var stats: StageStats

    public init(rows: [Row], errors: [RowError] = [], stats: StageStats = StageStats()) {
        self.rows = rows
        self.errors = errors
        self.stats = stats
    }
}

/// Tokens spent on generation.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens = 0
    public var completionTokens = 0
    public var requests = 0

    public init(promptTokens: Int = 0, completionTokens: Int = 0, requests: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.requests = requests
    }

    public static func + (a: TokenUsage, b: TokenUsage) -> TokenUsage {
        TokenUsage(promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens,
                   requests: a.requests + b.requests)
    }
}

/// What the stages of a shard measured, added up over the stages.
public struct StageStats: Sendable, Equatable {
    public var usage = TokenUsage()
    /// Rows that went through a generate stage (for progress).
    public var generatedRows = 0
    /// Completion tokens of each generated row (for the length histogram).
    public var completionLengths: [Int] = []
    /// Per validate stage: each row's hypothesis, references and row metric values (for corpus metrics).
    public var samples: [MetricSample] = []

    public init() {}

    public mutating func add(_ other: StageStats) {
        usage = usage + other.usage
        generatedRows += other.generatedRows
        completionLengths += other.completionLengths
        samples += other.samples
    }
}

/// Runs rows through a list of stages in order, gathering the errors and the stats.
public struct RowStages: Sendable {
    public let stages: [any RowStage]

    public init(_ stages: [any RowStage]) { self.stages = stages }

    /// The stages of a pipeline between ingest and export. `generator` is asked for only when a generate
    /// stage has rows to generate for, so a shard that needs no model loads none.
    public static func make(_ spec: PipelineSpec, generator: @escaping @Sendable () async throws -> any TextGenerator,
                            onCompletion: @escaping @Sendable (TokenUsage, Double) -> Void = { _, _ in }) throws -> RowStages {
        var stages: [any RowStage] = []
        for (index, stage) in spec.stages.enumerated() {
            switch stage {
            case .ingest, .export: continue
            case .template(let t): stages.append(try TemplateStage(t))
            case .generate(let g):
                stages.append(GenerateStage(g, index: index, batchSeed: spec.seed, generator: generator, onCompletion: onCompletion))
            case .format(let f): stages.append(try FormatStage(f))
            case .validate(let v): stages.append(ValidateStage(v, index: index))
            }
        }
        return RowStages(stages)
    }

    public func process(_ rows: [Row]) async throws -> StageOutput {
        var out = StageOutput(rows: rows)
        for stage in stages {
            try Task.checkCancellation()
            let step = try await stage.process(out.rows)
            out.rows = step.rows
            out.errors += step.errors
            out.stats.add(step.stats)
        }
        return out
    }
}
