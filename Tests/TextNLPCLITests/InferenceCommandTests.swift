import Foundation
import Testing

/// The `textnlp` executable: its contract for scripts and its errors on bad input.
struct CommandLineTests {
    @Test func tokenizePrintsAJSONArray() async throws {
        let r = try await Support.textnlp(["tokenize", "Hello world! <|im_start|>"])
        #expect(r.code == 0)
        #expect(r.out == "[19556,905,17,216,1]\n")
        let plain = try await Support.textnlp(["tokenize", "--no-special", "<|im_start|>"])
        #expect(plain.code == 0 && !plain.out.contains("[1]"))
    }

    @Test func tokenizeReadsJSONLinesFromStandardInput() async throws {
        let r = try await Support.textnlp(["tokenize"], stdin: "\"Hello world!\"\n\"\"\n\"a\\nb\"\n")
        #expect(r.code == 0)
        #expect(r.out == "[19556,905,17]\n[]\n[81,198,82]\n")
        let bad = try await Support.textnlp(["tokenize"], stdin: "\"ok\"\nnot json\n")
        #expect(bad.code != 0 && bad.err.contains("line 2"))
    }

    @Test func generateJSONHasTheContractFields() async throws {
        let r = try await Support.textnlp(["generate", "--prompt", "The capital of France is", "--temperature", "0", "--max-tokens", "8", "--json"])
        #expect(r.code == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        for key in ["text", "prompt_ids", "ids", "finish_reason", "prompt_tokens", "completion_tokens", "timings"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect((object["ids"] as? [Int])?.count == 8)
        #expect(object["finish_reason"] as? String == "length")
        let timings = try #require(object["timings"] as? [String: Any])
        #expect(timings["prefill_s"] != nil && timings["decode_tokens_per_s"] != nil && timings["load_s"] != nil)
    }

    @Test func aBrokenModelCatalogueIsNamedByEveryCommandThatReadsIt() async throws {
        let dir = Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Support.write(#"{"models": [{"id": 7}]}"#, to: dir + "/models.json")
        for arguments in [["generate", "--prompt", "hi"], ["models", "list"], ["tokenize", "hi"]] {
            let r = try await Support.textnlp(arguments, environment: ["TEXTNLP_MODELS_DIR": dir])
            #expect(r.code == 1, "\(arguments): \(r.err)")
            #expect(r.err.contains(dir + "/models.json: invalid model catalogue: models[0].id: wrong type"), "\(arguments): \(r.err)")
        }
    }

    @Test func generateStreamsText() async throws {
        let r = try await Support.textnlp(["generate", "--prompt", "What is 2+2?", "--chat", "--temperature", "0", "--max-tokens", "16"])
        #expect(r.code == 0 && !r.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test func logitsPrintsOneLinePerPosition() async throws {
        let r = try await Support.textnlp(["logits", "--ids", "[504,3575,282,4649,314]", "--top", "3"])
        #expect(r.code == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 5)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines[4].utf8)) as? [String: Any])
        #expect(last["pos"] as? Int == 4 && (last["top"] as? [Int])?.count == 3 && (last["logits"] as? [Double])?.count == 3)
    }

    @Test func perplexityScoresEachLine() async throws {
        let path = try Support.temporaryFile(Array("The cat sat on the mat.\n\nzxqv qqq zzkx vvv\n".utf8), suffix: ".txt")
        let r = try await Support.textnlp(["perplexity", "--json", path])
        #expect(r.code == 0, "\(r.err)")
        let rows = try r.out.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(rows.count == 3)
        let fluent = try #require(rows[0]["perplexity"] as? Double), noise = try #require(rows[1]["perplexity"] as? Double)
        #expect(fluent < noise)
        #expect(rows[1]["line"] as? Int == 3)
    }

    @Test func badInputGivesOneLineErrorsAndNonZeroExit() async throws {
        let cases: [([String], String)] = [
            (["generate", "--model", "/nonexistent/x.gguf", "--prompt", "hi"], "/nonexistent/x.gguf"),
            (["generate", "--model", "no-such-model", "--prompt", "hi"], "no-such-model"),
            (["generate", "--prompt", "hi", "--max-tokens", "many"], "many"),
            (["generate", "--prompt", "hi", "--top-p", "2"], "top_p"),
            (["logits", "--ids", "[1, \"x\"]"], "--ids[1]"),
            (["logits", "--ids", "[99999999]"], "99999999"),
            (["generate", "--prompt", "", "--max-tokens", "4"], "empty"),
        ]
        for (arguments, mention) in cases {
            let r = try await Support.textnlp(arguments)
            #expect(r.code != 0, "\(arguments) exited 0")
            #expect(r.err.contains(mention), "\(arguments): \(r.err)")
            #expect(r.err.trimmingCharacters(in: .newlines).split(separator: "\n").count <= 2, "\(arguments): \(r.err)")
        }
    }

    @Test func corruptModelFileIsAnError() async throws {
        let path = try Support.temporaryFile(Array("GGUF\u{3}\0\0\0 then garbage".utf8))
        let r = try await Support.textnlp(["generate", "--model", path, "--prompt", "hi"])
        #expect(r.code != 0 && r.err.contains(path))
    }

    @Test func promptLongerThanTheContextIsAnError() async throws {
        let path = try Support.temporaryFile(Array(String(repeating: "word ", count: 9000).utf8), suffix: ".txt")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let r = try await Support.textnlp(["generate", "--prompt", text, "--max-tokens", "1"])
        #expect(r.code != 0 && r.err.contains("context"))
    }

    @Test func invalidUTF8IsAnError() async throws {
        let r = try await Support.textnlp(["tokenize"], stdin: "\"ok\"\n\u{FFFD}")
        #expect(r.code != 0)
        // Raw bytes through a shell: 0xFF is never valid UTF-8.
        let raw = try await Support.run("/bin/sh", ["-c", "\"$0\" tokenize \"$(printf 'bad \\377 byte')\"", Support.executable])
        #expect(raw.code != 0)
        #expect(raw.err.contains("UTF-8"))
    }
}

extension CommandLineTests {
    @Test func modelsInspectPrintsMetadataAndTensors() async throws {
        let r = try await Support.textnlp(["models", "inspect", "smollm2-135m-instruct", "--json"])
        #expect(r.code == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let meta = try #require(object["metadata"] as? [String: Any])
        #expect(meta["general.architecture"] as? String == "llama")
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 272)
        #expect(tensors.contains { $0["name"] as? String == "token_embd.weight" && $0["type"] as? String == "Q8_0" })
        let text = try await Support.textnlp(["models", "inspect", "smollm2-135m-instruct"])
        #expect(text.code == 0 && text.out.contains("llama.block_count = 30") && text.out.contains("210 × Q4_1"))
    }

    @Test func tinyGPT2GeneratesFromTheCommandLine() async throws {
        let path = Support.fixture("TextNLPInferenceTests", "tiny-gpt2.gguf").path
        let r = try await Support.textnlp(["generate", "--model", path, "--prompt", "the", "--temperature", "0", "--max-tokens", "5", "--ignore-eos", "--json"])
        #expect(r.code == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect((object["ids"] as? [Int])?.count == 5)
    }
}
