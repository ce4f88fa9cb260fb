import Foundation
import Synchronization
import Testing
import TextNLPInference

/// The engine's executor: its actor's jobs run on one thread of their own, in order, and the thread ends
/// with the executor.
struct ComputeThreadTests {
    actor Counter {
        let executor: ComputeThread
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        var count = 0
        var threads: Set<String> = []

        init(_ executor: ComputeThread) { self.executor = executor }

        func add() {
            count += 1
            threads.insert(ComputeThread.currentName ?? "not a compute thread")
        }
    }

    @Test func anActorsJobsRunOnItsThreadOneAtATime() async throws {
        let counter = Counter(ComputeThread(name: "textnlp test compute"))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<2000 { group.addTask { await counter.add() } }
        }
        #expect(await counter.count == 2000)
        let threads = await counter.threads
        #expect(threads == ["textnlp test compute"], "\(threads)")
    }

    @Test func theThreadEndsWithTheExecutor() async throws {
        weak var released: ComputeThread?
        do {
            let executor = ComputeThread(name: "textnlp short-lived")
            released = executor
            let counter = Counter(executor)
            await counter.add()
            #expect(await counter.count == 1)
        }
        #expect(released == nil, "the executor outlived the actor that used it")
    }
}

/// The engine's forward passes run on its compute thread, never on the shared pool.
struct EngineThreadTests {
    /// A model that notes the thread of every forward pass.
    final class Recording: LanguageModel, @unchecked Sendable {
        let inner: any LanguageModel
        let threads = Mutex<[String]>([])
        init(_ inner: any LanguageModel) { self.inner = inner }
        var config: ModelConfig { inner.config }
        func forward(_ chunks: [SequenceChunk], cache: KVCache) throws -> [[Float]] {
            threads.withLock { $0.append(ComputeThread.currentName ?? "not a compute thread") }
            return try inner.forward(chunks, cache: cache)
        }
    }

    @Test func everyStepRunsOnTheEnginesThread() async throws {
        let m = try Support.model()
        let model = Recording(m.model)
        let engine = GenerationEngine(model: model, tokenizer: m.tokenizer)
        let request = GenerationRequest(prompt: m.tokenizer.encode("Hello"), sampling: .greedy, maxTokens: 4, stopAtEndOfGeneration: false)
        _ = try await engine.generate(request)
        let threads = model.threads.withLock { $0 }
        #expect(threads.count == 4)
        #expect(Set(threads) == ["textnlp engine"], "\(threads)")
    }
}
