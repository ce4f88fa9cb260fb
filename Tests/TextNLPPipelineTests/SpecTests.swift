import Foundation
import Testing
import TextNLPInference
@testable import TextNLPPipeline

struct SpecTests {
    static let minimal = """
        {"name": "t", "stages": [
          {"ingest": {"path": "in.jsonl"}},
          {"export": {}}
        ]}
        """

    @Test func minimalPipelineDecodesWithDefaults() throws {
        let spec = try decodeSpec(Self.minimal).get()
        #expect(spec.name == "t")
        #expect(spec.ingest.format == .jsonl)
        #expect(spec.export.path == "{{name}}/{{batch_id}}/data.jsonl.zst")
        #expect(spec.execution.shardRows == 64)
        #expect(spec.sha256 == SHA256.hex(Array(Self.minimal.utf8)))
    }

    @Test func everyProblemIsReportedWithItsPath() {
        let text = """
            {
              "name": "bad name!",
              "seed": -1,
              "colour": "blue",
              "stages": [
                {"ingest": {"path": "x.jsonl", "limit": 0, "delimiter": ";"}},
                {"template": {"prompt": "Hi {{#open}}", "on_missing": "ignore"}},
                {"generate": {"temperature": 3, "top_p": "high", "max_tokens": 0, "n": 1.5, "stop": [1]}},
                {"format": {"style": "chat", "fields": {"user": "{{q}}", "bogus": "x"}, "post": [{"field": "a", "trim": true, "cut_at": "x"}]}},
                {"validate": {"hypothesis": "a", "metrics": ["bleu", "nope"], "gates": [{"metric": "rougeL", "min": 0.5, "scope": "corpus", "on_fail": "drop"}]}},
                {"export": {"path": "../escape/{{nope}}.zst", "format": "csv", "zstd_level": 30}},
                {"summarize": {}}
              ],
              "execution": {"shard_rows": 0, "workerz": 2}
            }
            """
        let found = issues(text)
        let expected = [
            "name: may contain only letters, digits, '-', '_' and '.'",
            "seed: must be between 0 and",
            "stages[0].ingest.limit: must be between 1 and",
            "stages[0].ingest.delimiter: applies only to the csv format",
            "stages[1].template.on_missing: must be one of \"error\", \"empty\", not \"ignore\"",
            "stages[1].template.prompt: is not a valid Mustache template",
            "stages[2].generate.max_tokens: must be between 1 and 32768",
            "stages[2].generate.temperature: must be between 0 and 2",
            "stages[2].generate.top_p: must be a number, not a string",
            "stages[2].generate.stop[0]: must be a string, not a number",
            "stages[2].generate.n: must be an integer, not a number",
            "stages[3].format.fields.bogus: is not a field of the chat style",
            "stages[3].format.fields: the chat style needs \"assistant\"",
            "stages[3].format.post[0]: must have exactly one of trim, strip_prefix, cut_at, extract, parse_json",
            "stages[4].validate.metrics[0]: bleu needs a \"reference\" field",
            "stages[4].validate.metrics[1]: unknown metric \"nope\"",
            "stages[4].validate.gates[0].metric: rougeL is not in this stage's metrics",
            "stages[4].validate.gates[0].on_fail: a corpus gate can flag or fail, not drop",
            "stages[5].export.zstd_level: must be between 1 and 19",
            "stages[5].export.path: unknown variable {{nope}}",
            "stages[5].export.path: must stay inside the output root (no \"..\")",
            "stages[6]: unknown stage \"summarize\"",
            "stages: the last stage, and only the last, must be export",
            "execution.shard_rows: must be between 1 and 1000000",
            "execution.workerz: unknown key (did you mean \"workers\"?)",
            "colour: unknown key",
            "model: is required when a generate stage is present",
        ]
        for e in expected {
            #expect(found.contains { $0.hasPrefix(e) }, "missing: \(e)\nfound:\n\(found.joined(separator: "\n"))")
        }
        #expect(found.count >= expected.count)
    }

    @Test func notJSONAtAllGivesTheLine() {
        let found = issues("{\n \"name\": \"x\",\n \"stages\": [\n}")
        #expect(found.count == 1)
        #expect(found[0].contains("line 4"))
    }

    @Test func stagesMustStartWithIngestAndEndWithExport() {
        #expect(issues(#"{"name":"t","stages":[{"export":{}},{"ingest":{"path":"a.jsonl"}}]}"#).contains {
            $0.hasPrefix("stages: the first stage, and only the first, must be ingest")
        })
        #expect(issues(#"{"name":"t","stages":[]}"#).contains { $0.hasPrefix("stages: must hold at least") })
        #expect(issues(#"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"},"export":{}}]}"#).contains {
            $0.hasPrefix("stages[0]: must have exactly one key")
        })
    }

    @Test func csvExportNeedsColumnsOrFormatFields() throws {
        let base = #"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"}},%@{"export":{"format":"csv"}}]}"#
        #expect(issues(base.replacingOccurrences(of: "%@", with: "")).contains { $0.hasPrefix("stages[1].export.columns: is required for csv") })
        let shaped = base.replacingOccurrences(of: "%@", with: #"{"format":{"fields":{"a":"{{x}}"}}},"#)
        #expect(issues(shaped).isEmpty)
        #expect(try decodeSpec(shaped).get().csvColumns == ["id", "a"])
    }

    @Test func machineChecksFindMissingFilesModelsAndFields() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.jsonl"
        _ = FileManager.default.createFile(atPath: input, contents: Data(#"{"question": "q", "answer": "a"}"#.utf8 + [0x0A]))
        let text = """
            {"name": "t", "model": "no-such-model", "stages": [
              {"ingest": {"path": "\(input)"}},
              {"template": {"prompt": "{{questoin}} {{#list}}{{item}}{{/list}}", "partials": "\(dir)/nope"}},
              {"template": {"prompt": "{{> header}} {{question}}", "as": "other"}},
              {"generate": {"input": "prompt"}},
              {"validate": {"hypothesis": "completion", "reference": "anwser", "metrics": ["bleu"]}},
              {"export": {}}
            ]}
            """
        let spec = try decodeSpec(text).get()
        let found = PipelineChecks(outputRoot: dir + "/out", catalog: try ModelCatalog(directory: URL(fileURLWithPath: dir))).issues(for: spec).map(\.description)
        let expected = [
            "stages[1].template.partials: no such directory",
            "model: ",
            "stages[1].template.prompt: field \"questoin\" is neither written by an earlier stage nor present in the input",
            "stages[1].template.prompt: field \"list\"",
            "stages[4].validate.reference: field \"anwser\"",
            "stages[2].template: partial {{> header}} used but no \"partials\" directory is set",
        ]
        for e in expected {
            #expect(found.contains { $0.hasPrefix(e) }, "missing: \(e)\nfound:\n\(found.joined(separator: "\n"))")
        }
        // `item` is inside a section: it is looked up in the list's elements, not in the row.
        #expect(!found.contains { $0.contains("\"item\"") })
        #expect(!found.contains { $0.contains("\"prompt\"") || $0.contains("\"completion\"") })

        let missingInput = try decodeSpec(#"{"name":"t","stages":[{"ingest":{"path":"\#(dir)/none.csv"}},{"export":{}}]}"#).get()
        #expect(PipelineChecks(outputRoot: dir, catalog: try ModelCatalog(directory: URL(fileURLWithPath: dir))).issues(for: missingInput).map(\.description)
            == ["stages[0].ingest.path: no such file: \(dir)/none.csv"])
    }

    @Test func outputPathsStayInsideTheRoot() throws {
        let spec = try decodeSpec(#"{"name":"n","version":3,"stages":[{"ingest":{"path":"a.jsonl"}},{"export":{"path":"x/{{name}}-v{{version}}/{{batch_id}}.jsonl.zst"}}]}"#).get()
        let paths = try OutputPaths(spec: spec, root: "/tmp/root/", batchID: "b1")
        #expect(paths.data == "/tmp/root/x/n-v3/b1.jsonl.zst")
        #expect(paths.manifest == "/tmp/root/x/n-v3/manifest.json")
        #expect(issues(#"{"name":"n","stages":[{"ingest":{"path":"a.jsonl"}},{"export":{"path":"/etc/passwd"}}]}"#).contains {
            $0.hasPrefix("stages[1].export.path: must be relative to the output root")
        })
        // A name cannot smuggle a path either: names allow no slash.
        #expect(!issues(#"{"name":"../up","stages":[{"ingest":{"path":"a.jsonl"}},{"export":{}}]}"#).isEmpty)
    }

    @Test func everyShippedPipelineDecodes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") && $0 != "pipeline.schema.json" }
        #expect(files.count >= 4)
        for file in files {
            #expect(throws: Never.self) { try PipelineSpec.decode(contentsOf: dir.appendingPathComponent(file)) }
        }
    }
}

/// The published JSON Schema and the decoder agree on which keys exist.
struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyKeyOfTheSchemaIsKnownToTheDecoderAndNoOther() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Pipelines/pipeline.schema.json"))
        let schema = try JSONParser.parse(Array(data)).objectValue!
        let top = schema["properties"]!.objectValue!
        let stages = top["stages"]!.objectValue!["items"]!.objectValue!["properties"]!.objectValue!
        var checked = 0
        func unknownKeys(_ text: String) -> [String] {
            issues(text).filter { $0.contains("unknown key") || $0.contains("unknown stage") }
        }
        for (stage, body) in stages.pairs {
            let keys = body.objectValue!["properties"]!.objectValue!.keys
            for key in keys {
                let text = #"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"}},{"\#(stage)":{"\#(key)":null}},{"export":{}}]}"#
                #expect(unknownKeys(text).isEmpty, "\(stage).\(key): \(unknownKeys(text))")
                checked += 1
            }
            let bogus = #"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"}},{"\#(stage)":{"not_a_key":1}},{"export":{}}]}"#
            #expect(unknownKeys(bogus).count == 1, "\(stage)")
        }
        for section in ["execution", "engine"] {
            for key in top[section]!.objectValue!["properties"]!.objectValue!.keys {
                let text = #"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"}},{"export":{}}],"\#(section)":{"\#(key)":null}}"#
                #expect(unknownKeys(text).isEmpty, "\(section).\(key)")
                checked += 1
            }
        }
        for key in top.keys where key != "stages" {
            #expect(unknownKeys(#"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"}},{"export":{}}],"\#(key)":null}"#.replacingOccurrences(of: #""name":"t","stages""#, with: key == "name" ? #""stages""# : #""name":"t","stages""#)).isEmpty, "\(key)")
        }
        // The post steps' keys.
        let post = stages["format"]!.objectValue!["properties"]!.objectValue!["post"]!.objectValue!["items"]!.objectValue!["properties"]!.objectValue!
        for key in post.keys where key != "field" {
            let text = #"{"name":"t","stages":[{"ingest":{"path":"a.jsonl"}},{"format":{"post":[{"field":"x","\#(key)":null}]}},{"export":{}}]}"#
            #expect(unknownKeys(text).isEmpty, "post.\(key)")
            checked += 1
        }
        #expect(checked > 50)
    }

    /// The schema documents the defaults and ranges the code applies (`SamplingParameters()`, `SamplingField.range`).
    @Test func theSchemasSamplingDefaultsAndRangesAreTheCodes() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Pipelines/pipeline.schema.json"))
        let schema = try #require(try JSONParser.parse(Array(data)).objectValue)
        let generate = try #require(schema["properties"]?.objectValue?["stages"]?.objectValue?["items"]?.objectValue?["properties"]?
            .objectValue?["generate"]?.objectValue?["properties"]?.objectValue)
        let defaults = SamplingParameters()
        for field in SamplingField.allCases {
            let property = try #require(generate[field.name]?.objectValue, "\(field.name) is not in the schema")
            let documented = try #require(property["default"]?.doubleValue, "\(field.name) has no default")
            #expect(abs(documented - field.value(in: defaults)) < 1e-6, "\(field.name): schema \(documented), code \(field.value(in: defaults))")
            let low = property["minimum"]?.doubleValue ?? property["exclusiveMinimum"]?.doubleValue
            #expect(low == field.range.lowerBound && property["maximum"]?.doubleValue == field.range.upperBound, "\(field.name)")
        }
    }
}
