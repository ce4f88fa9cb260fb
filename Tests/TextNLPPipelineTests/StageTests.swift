import Foundation
import Testing
import TextNLPMetrics
@testable import TextNLPPipeline

struct StageTests {
    func row(_ pairs: [(String, JSONValue)], id: String = "r1") -> Row {
        Row(id: id, fields: JSONObject(pairs))
    }

    @Test func templateRendersWithoutHTMLEscaping() throws {
        let stage = try TemplateStage(TemplateSpec(prompt: "Describe {{name}} & {{{name}}} <{{price}}> {{id}}", system: nil, chat: false, field: "p"))
        let out = try stage.apply(row([("name", .string("Salt & \"Pepper\"")), ("price", .double(2.5))])).get()
        #expect(out.fields["p"] == .string("Describe Salt & \"Pepper\" & Salt & \"Pepper\" <2.5> r1"))
    }

    @Test func templateMissingFieldIsAnErrorOrEmpty() throws {
        var spec = TemplateSpec(prompt: "Hi {{who}}{{#items}}, {{.}}{{/items}}", system: nil, chat: false, field: "p")
        let r = row([("items", .array([.string("a"), .string("b")]))])
        guard case .failure(let error) = try TemplateStage(spec).apply(r) else {
            Issue.record("expected an error")
            return
        }
        #expect(error.reason == "missing field \"who\"")
        spec.onMissing = .empty
        #expect(try TemplateStage(spec).apply(r).get().fields["p"] == .string("Hi , a, b"))
    }

    @Test func templateChatFormAndPartials() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "Tone: {{tone}} & calm".write(toFile: dir + "/style.mustache", atomically: true, encoding: .utf8)
        var spec = TemplateSpec(prompt: "Write about {{topic}}. {{> style}}", system: "You are {{role}}.", chat: true, field: "messages")
        spec.partials = dir
        let out = try TemplateStage(spec).apply(row([("topic", .string("tea")), ("role", .string("a poet")), ("tone", .string("warm"))])).get()
        let messages = out.fields["messages"]?.arrayValue?.compactMap(\.objectValue)
        #expect(messages?.map { $0["role"] } == [.string("system"), .string("user")])
        #expect(messages?.last?["content"] == .string("Write about tea. Tone: warm & calm"))
        #expect(messages?.first?["content"] == .string("You are a poet."))
    }

    @Test func formatStylesShapeTheRecord() throws {
        let r = row([("q", .string("What?")), ("a", .string("  Answer: 42\n\nMore  ")), ("n", .int(7))])
        var spec = FormatSpec()
        spec.post = [
            PostStep(field: "a", operation: .trim), PostStep(field: "a", operation: .stripPrefix("Answer: ")),
            PostStep(field: "a", operation: .cutAt(["\n\n"])),
        ]
        spec.fields = [("question", "{{q}}"), ("answer", "{{a}}"), ("count", "{{n}}"), ("line", "{{q}} → {{a}}")]
        guard case .row(let out) = try FormatStage(spec).apply(r) else { Issue.record("dropped"); return }
        #expect(JSONWriter.string(.object(out.output!)) == #"{"id":"r1","question":"What?","answer":"42","count":7,"line":"What? → 42"}"#)

        var chat = FormatSpec()
        chat.style = .chat
        chat.includeID = false
        chat.fields = [("user", "{{q}}"), ("assistant", "{{a}}")]
        guard case .row(let c) = try FormatStage(chat).apply(r) else { Issue.record("dropped"); return }
        #expect(JSONWriter.string(.object(c.output!)) == #"{"messages":[{"role":"user","content":"What?"},{"role":"assistant","content":"  Answer: 42\n\nMore  "}]}"#)

        var alpaca = FormatSpec()
        alpaca.style = .alpaca
        alpaca.fields = [("instruction", "{{q}}"), ("output", "{{n}}")]
        guard case .row(let a) = try FormatStage(alpaca).apply(r) else { Issue.record("dropped"); return }
        #expect(JSONWriter.string(.object(a.output!)) == #"{"id":"r1","instruction":"What?","input":"","output":"7"}"#)
    }

    @Test func extractAndParseJSONSteps() throws {
        let r = row([("c", .string("The result is {\"score\": 9} ok"))])
        var spec = FormatSpec()
        spec.post = [PostStep(field: "c", operation: .extract(pattern: "\\{.*\\}", group: 0, onNoMatch: .drop)),
                     PostStep(field: "c", operation: .parseJSON(onInvalid: .fail))]
        guard case .row(let out) = try FormatStage(spec).apply(r) else { Issue.record("dropped"); return }
        #expect(out.output?["c"] == .object(JSONObject([("score", .int(9))])))

        let bad = row([("c", .string("no json here"))])
        for (onInvalid, expected) in [(PostStep.OnInvalid.drop, "drop"), (.keep, "keep"), (.fail, "fail")] {
            var s = FormatSpec()
            s.post = [PostStep(field: "c", operation: .parseJSON(onInvalid: onInvalid))]
            switch try FormatStage(s).apply(bad) {
            case .row(let kept): #expect(expected == "keep" && kept.output?["c"] == .string("no json here"))
            case .drop(let e): #expect(expected == "drop" && e.reason.contains("not valid JSON"))
            case .fail: #expect(expected == "fail")
            }
        }
        var group = FormatSpec()
        group.post = [PostStep(field: "c", operation: .extract(pattern: "score\": (\\d+)", group: 1, onNoMatch: .drop))]
        guard case .row(let g) = try FormatStage(group).apply(r) else { Issue.record("dropped"); return }
        #expect(g.output?["c"] == .string("9"))
    }

    @Test func validateWritesScoresAndAppliesGates() throws {
        var spec = ValidateSpec(hypothesis: "h", reference: "ref", metrics: [.bleu, .rougeL, .words])
        spec.gates = [Gate(metric: .rougeL, min: 0.5, max: nil, scope: .row, onFail: .flag),
                      Gate(metric: .words, min: 3, max: nil, scope: .row, onFail: .drop)]
        let stage = ValidateStage(spec, index: 4)
        let good = row([("h", .string("the cat sat on the mat")), ("ref", .string("the cat sat on a mat"))])
        guard case .row(let out, let sample) = stage.apply(good) else { Issue.record("not kept"); return }
        let bleu = BLEU(effectiveOrder: true).sentenceScore(hypothesis: "the cat sat on the mat", references: ["the cat sat on a mat"]).score
        #expect(out.fields["metrics"]?.objectValue?["bleu"] == .double(bleu))
        #expect(out.fields["metrics"]?.objectValue?["words"] == .double(6))
        #expect(out.flags.isEmpty)
        #expect(sample.stage == 4 && sample.references == ["the cat sat on a mat"])

        let weak = row([("h", .string("dogs run far away")), ("ref", .string("the cat sat on a mat"))])
        guard case .row(let flagged, _) = stage.apply(weak) else { Issue.record("not kept"); return }
        #expect(flagged.fields["flags"] == .array([.string("rougeL >= 0.5")]))

        let short = row([("h", .string("cat")), ("ref", .string("the cat sat"))])
        guard case .drop(let e, _) = stage.apply(short) else { Issue.record("not dropped"); return }
        #expect(e.reason.hasPrefix("gate words >= 3 failed"))
    }

    @Test func corpusMetricsUseTheCorpusFormulas() {
        let samples = [
            MetricSample(stage: 0, id: "a", hypothesis: "the cat sat on the mat", references: ["the cat sat on a mat"], values: [.rougeL: 0.5]),
            MetricSample(stage: 0, id: "b", hypothesis: "a dog ran", references: ["the dog ran fast"], values: [.rougeL: 0.25]),
        ]
        let values = CorpusMetrics.compute([.bleu, .rougeL, .distinct1], samples: samples, seed: 0)
        let hyps = samples.map(\.hypothesis)
        #expect(values[.bleu] == BLEU().corpusScore(hypotheses: hyps, references: [samples.map { $0.references[0] }]).score)
        #expect(values[.rougeL] == 0.375)
        #expect(values[.distinct1] == Diversity.distinct(hyps, n: 1))
    }
}
