import Foundation
import Hummingbird
import Testing
import TextNLPPipeline
import TextNLPServer

/// What a batch request can get wrong, answered before anything runs: the body, the input file's lines,
/// the pipeline; and another tenant's batch.
struct BatchRequestTests {
    static let model = ServerFixture.model

    @Test func malformedBodiesAre400NamingTheField() async throws {
        try await ServerFixture.with(limits: .init(bodyBytes: 256)) { fixture, client in
            let key = try await fixture.key("acme")
            let cases: [(String, Int, String?, String?)] = [
                ("{\"input_file_id\": ", 400, nil, "invalid_json"),
                ("[1, 2]", 400, nil, "invalid_type"),
                ("{\"input_file_id\": 5, \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}", 400, "input_file_id", "invalid_type"),
                ("{\"input_file_id\": \"f\", \"completion_window\": \"24h\"}", 400, "endpoint", "missing_required_parameter"),
                ("{\"input_file_id\": \"f\", \"endpoint\": \"/v1/embeddings\", \"completion_window\": \"24h\"}", 400, "endpoint", "invalid_value"),
                ("{\"input_file_id\": \"f\", \"endpoint\": \"/v1/completions\", \"completion_window\": \"1h\"}", 400, "completion_window", "invalid_value"),
                ("{\"input_file_id\": \"f\", \"endpoint\": \"/v1/completions\", \"completion_window\": \"24h\", \"priority\": 1}", 400, "priority", "unknown_parameter"),
                ("{\"input_file_id\": \"f\", \"endpoint\": \"/v1/completions\", \"completion_window\": \"24h\", \"metadata\": {\"k\": 1}}", 400, "metadata.k", "invalid_value"),
                ("{\"input_file_id\": \"file-none\", \"endpoint\": \"/v1/completions\", \"completion_window\": \"24h\"}", 404, "input_file_id", "not_found"),
                ("{\"pad\": \"" + String(repeating: "x", count: 400) + "\"}", 413, nil, "request_too_large"),
            ]
            for (body, status, param, code) in cases {
                let r = try await client.call(.post, "/v1/batches", key: key, json: body)
                #expect(r.status == status && r.body?.errorParam == param && r.body?.errorCode == code,
                        "\(body.prefix(60)): \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
            }
            let invalidUTF8 = try await client.call(.post, "/v1/batches", key: key, bytes: [0x7b, 0x22, 0xff, 0x22, 0x7d], headers: [.contentType: "application/json"])
            #expect(invalidUTF8.status == 400 && invalidUTF8.body?.errorCode == "invalid_encoding")
        }
    }

    @Test func everyBadLineIsAValidationErrorWithItsNumberAndTheBatchFails() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            func line(_ id: String, url: String = "/v1/chat/completions", body: String) -> String {
                "{\"custom_id\": \"\(id)\", \"method\": \"POST\", \"url\": \"\(url)\", \"body\": \(body)}"
            }
            let ok = "{\"model\": \"\(Self.model)\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"
            let lines = [
                line("a", body: ok),                                                   // 1: fine
                "{\"custom_id\": \"b\", \"method\": \"POST\"",                          // 2: not JSON
                line("c", url: "/v1/completions", body: ok),                           // 3: another endpoint
                line("a", body: ok),                                                   // 4: duplicate id
                line("d", body: "{\"model\": \"gpt-9\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"),  // 5
                line("e", body: "{\"model\": \"\(Self.model)\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": []}"),  // 6
                line("f", body: "{\"model\": \"\(Self.model)\", \"messages\": []}"),     // 7
                line("g", body: "{\"model\": \"\(Self.model)\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"9\"}"),  // 8
                "",                                                                    // 9: blank lines are skipped
                line("h", body: "{\"model\": \"\(Self.model)\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 99}"),  // 10
                "[1]",                                                                 // 11
                line("i", body: "{\"model\": \"\(Self.model)\", \"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}"),  // 12
            ]
            let file = try #require(try await client.upload(Array((lines.joined(separator: "\n") + "\n").utf8), key: key).body?["id"]?.stringValue)
            let r = try await client.call(.post, "/v1/batches", key: key, json: """
                {"input_file_id": "\(file)", "endpoint": "/v1/chat/completions", "completion_window": "24h"}
                """)
            #expect(r.status == 200 && r.body?["status"] == .string("failed") && r.body?["failed_at"] != .null, "\(String(describing: r.body))")
            let errors = (r.body?["errors"]?.objectValue?["data"]?.arrayValue ?? []).compactMap(\.objectValue)
            let got = errors.map { "\($0["line"]?.doubleValue.map { Int($0) } ?? 0) \($0["code"]?.stringValue ?? "") \($0["param"]?.stringValue ?? "-")" }
            #expect(got == [
                "2 invalid_json_line -", "3 mismatched_endpoint url", "4 duplicate_custom_id custom_id", "5 model_not_found body.model",
                "6 unsupported_parameter body.tools", "7 missing_required_parameter body.messages", "8 invalid_value body.max_tokens",
                "10 invalid_value body.n", "11 invalid_json_line -", "12 invalid_value body.messages[0]",
            ], "\(got)")
            // Nothing runs for a batch that failed validation, and a cancel of it is refused.
            let id = try #require(r.body?["id"]?.stringValue)
            #expect(try await fixture.store.jobs(group: id).isEmpty)
            let cancel = try await client.call(.post, "/v1/batches/\(id)/cancel", key: key)
            #expect(cancel.status == 409 && cancel.body?.errorCode == "batch_not_cancellable")
            let empty = try #require(try await client.upload(Array("\n\n".utf8), key: key).body?["id"]?.stringValue)
            let none = try await client.call(.post, "/v1/batches", key: key, json: """
                {"input_file_id": "\(empty)", "endpoint": "/v1/chat/completions", "completion_window": "24h"}
                """)
            #expect(none.body?["errors"]?.objectValue?["data"]?.arrayValue?.first?.objectValue?["code"] == .string("empty_file"))
        }
    }

    @Test func anotherTenantsBatchIsNotFoundAndNotListed() async throws {
        try await ServerFixture.with { fixture, client in
            let (acme, globex) = (try await fixture.key("acme"), try await fixture.key("globex"))
            let file = try #require(try await client.upload(Array("[1]\n".utf8), key: acme).body?["id"]?.stringValue)
            let created = try await client.call(.post, "/v1/batches", key: acme, json: """
                {"input_file_id": "\(file)", "endpoint": "/v1/completions", "completion_window": "24h"}
                """)
            let id = try #require(created.body?["id"]?.stringValue)
            for (method, path) in [(HTTPRequest.Method.get, "/v1/batches/\(id)"), (.post, "/v1/batches/\(id)/cancel"), (.get, "/v1/batch/\(id)"),
                                   (.get, "/v1/batch/\(id)/output")] {
                let r = try await client.call(method, path, key: globex)
                #expect(r.status == 404 && !String(decoding: r.raw, as: UTF8.self).contains(file), "\(path): \(r.status)")
            }
            // The other tenant cannot even start a batch from the file.
            let theirs = try await client.call(.post, "/v1/batches", key: globex, json: """
                {"input_file_id": "\(file)", "endpoint": "/v1/completions", "completion_window": "24h"}
                """)
            #expect(theirs.status == 404 && theirs.body?.errorParam == "input_file_id")
            #expect(try await client.call(.get, "/v1/batches", key: globex).body?["data"] == .array([]))
            #expect(try await client.call(.get, "/v1/batches", key: acme).body?["data"]?.arrayValue?.count == 1)
        }
    }

    @Test func aPipelineThatDoesNotValidateIs400WithEveryProblemAndItsPath() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let bad = try await client.call(.post, "/v1/batch", key: key, json: """
                {"pipeline": {"name": "x", "model": "\(Self.model)", "stages": [{"ingest": {"path": "in.jsonl"}},
                  {"generate": {"temperature": 9, "n": 0}}, {"export": {"path": "../../etc/out.jsonl.zst"}}]}, "rows": [{"a": 1}]}
                """)
            #expect(bad.status == 400 && bad.body?.errorCode == "invalid_pipeline")
            let problems = (bad.body?["error"]?.objectValue?["problems"]?.arrayValue ?? []).compactMap { $0.objectValue?["param"]?.stringValue }
            #expect(problems.contains("pipeline.stages[1].generate.temperature") && problems.contains("pipeline.stages[1].generate.n"), "\(problems)")
            let unknown = try await client.call(.post, "/v1/batch", key: key, json: "{\"pipeline\": \"no-such-pipeline\"}")
            #expect(unknown.status == 404 && unknown.body?.errorParam == "pipeline")
            let sneaky = try await client.call(.post, "/v1/batch", key: key, json: "{\"pipeline\": \"../secrets\"}")
            #expect(sneaky.status == 400 && sneaky.body?.errorParam == "pipeline")
            let noRows = try await client.call(.post, "/v1/batch", key: key, json: """
                {"pipeline": {"name": "x", "stages": [{"ingest": {"path": "/etc/passwd"}}, {"export": {"path": "x.jsonl.zst"}}]}}
                """)
            #expect(noRows.status == 400 && noRows.body?.errorParam == "rows", "an inline pipeline read the server's disk")
            let rowsType = try await client.call(.post, "/v1/batch", key: key, json: "{\"pipeline\": {\"name\": \"x\"}, \"rows\": {\"a\": 1}}")
            #expect(rowsType.status == 400 && rowsType.body?.errorParam == "rows")
        }
    }
}

/// A batch past its 24 h completion window is stopped and answers `expired`, with `expired_at`.
struct BatchExpiryTests {
    @Test func aBatchPastItsWindowExpires() async throws {
        // The fixture's clock stands well past the day the batch is created in (the store's own clock).
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let line = "{\"custom_id\": \"a\", \"method\": \"POST\", \"url\": \"/v1/completions\", \"body\": {\"model\": \"\(ServerFixture.model)\", \"prompt\": \"hi\"}}\n"
            let file = try #require(try await client.upload(Array(line.utf8), key: key).body?["id"]?.stringValue)
            let created = try await client.call(.post, "/v1/batches", key: key, json: """
                {"input_file_id": "\(file)", "endpoint": "/v1/completions", "completion_window": "24h"}
                """)
            let id = try #require(created.body?["id"]?.stringValue)
            #expect(created.body?["status"] == .string("validating"), "no worker runs here: \(String(describing: created.body))")
            let expiry = BatchExpiry(deps: fixture.deps, logger: .init(label: "test"))
            #expect(try await expiry.sweep() == 1)
            #expect(try await expiry.sweep() == 0, "a batch expired twice")
            // Past the moment batch objects are answered from memory.
            try await Task.sleep(for: .milliseconds(600))
            let after = try await client.call(.get, "/v1/batches/\(id)", key: key)
            #expect(after.body?["status"] == .string("expired") && after.body?["expired_at"] == .int(1_800_000_030), "\(String(describing: after.body))")
            #expect(try await fixture.store.jobs(group: id).allSatisfy { $0.state == .cancelled })
            let cancel = try await client.call(.post, "/v1/batches/\(id)/cancel", key: key)
            #expect(cancel.status == 409)
        }
    }
}
