import Foundation
import Testing
import TextNLPJobs
import TextNLPPipeline
import TextNLPServer

/// Every /v1 route needs a key; the operations routes do not.
struct AuthTests {
    @Test func missingUnknownAndRevokedKeysAre401InOpenAIsShape() async throws {
        try await ServerFixture.with { fixture, client in
            let none = try await client.call(.get, "/v1/batches", key: nil)
            #expect(none.status == 401 && none.body?.errorType == "authentication_error" && none.body?.errorCode == "missing_api_key")
            #expect(try await client.call(.get, "/v1/files", key: "tnlp-not-a-key").status == 401)
            let key = try await fixture.key("acme")
            #expect(try await client.call(.get, "/v1/files", key: key).status == 200)
            // The anthropic SDK's header works too.
            #expect(try await client.call(.get, "/v1/files", key: nil, headers: [.init("x-api-key")!: key]).status == 200)
            let id = try #require(try await fixture.store.keys().first?.id)
            #expect(try await fixture.store.revokeKey(id: id))
            // Replicas keep a key for a second (and a second's grace while one request refreshes it).
            let revoked = Date()
            var status = 200
            while status != 401 && Date().timeIntervalSince(revoked) < 5 {
                status = try await client.call(.get, "/v1/files", key: key).status
                if status != 401 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == 401, "a revoked key still worked \(Date().timeIntervalSince(revoked)) s later")
            #expect(try await client.call(.get, "/health", key: nil).status == 200)
        }
    }

    @Test func keysAreStoredHashedNeverInTheClear() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let stored = try await fixture.store.keys()
            #expect(stored.count == 1 && stored[0].hash == APIKeys.hash(key) && stored[0].hash != key && !stored[0].hash.contains(key))
        }
    }

    @Test func readinessSaysWhatIsMissing() async throws {
        try await ServerFixture.with(workersReady: false) { fixture, client in
            let ready = try await client.call(.get, "/ready", key: nil)
            #expect(ready.status == 503)
            #expect(ready.body?["problems"]?.arrayValue?.compactMap(\.stringValue).contains { $0.hasPrefix("workers") } == true, "\(String(describing: ready.body))")
        }
        try await ServerFixture.with { fixture, client in
            let ready = try await client.call(.get, "/ready", key: nil)
            #expect(ready.status == 200)
        }
    }

    @Test func anUnknownRouteIsAJSON404() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let r = try await client.call(.get, "/v1/nothing-here", key: key)
            #expect(r.status == 404 && r.body?.errorType == "not_found_error", "\(String(decoding: r.raw, as: UTF8.self))")
        }
    }
}

/// The catalogue as OpenAI's model list, with textnlp's fields.
struct ModelsTests {
    @Test func theCatalogueIsListedWithWhatIsHere() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let list = try await client.call(.get, "/v1/models", key: key)
            let models = (list.body?["data"]?.arrayValue ?? []).compactMap(\.objectValue)
            #expect(list.body?["object"] == .string("list") && models.map { $0["id"] } == [.string(ServerFixture.model)])
            #expect(models.first?["object"] == .string("model") && models.first?["available"] == .bool(true)
                    && models.first?["architecture"] == .string("llama") && models.first?["context_length"] == .int(64))
            #expect(try await client.call(.get, "/v1/models/\(ServerFixture.model)", key: key).body?["sha256"] == .string("00"))
            #expect(try await client.call(.get, "/v1/models/gpt-9", key: key).status == 404)
            #expect(try await client.call(.get, "/v1/models", key: nil).status == 401)
        }
    }
}

/// `/v1/format`: a pipeline's format stage over given rows.
struct FormatRouteTests {
    @Test func rowsAreFormattedAsAPipelineFormatsThem() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let r = try await client.call(.post, "/v1/format", key: key, json: """
                {"format": {"style": "chat", "fields": {"user": "{{q}}", "assistant": "{{a}}"}, "post": [{"field": "a", "trim": true}]},
                 "rows": [{"id": "x", "q": "Hi?", "a": "  Hello.  "}, {"q": "Bye?", "a": "So long."}]}
                """)
            let data = (r.body?["data"]?.arrayValue ?? []).compactMap(\.objectValue)
            #expect(r.status == 200 && data.count == 2, "\(String(decoding: r.raw, as: UTF8.self))")
            #expect(data.first?["id"] == .string("x") && data.last?["id"] == .string("1"))
            let messages = data.first?["messages"]?.arrayValue?.compactMap { $0.objectValue?["content"]?.stringValue }
            #expect(messages == ["Hi?", "Hello."], "\(String(describing: messages))")
            let bad = try await client.call(.post, "/v1/format", key: key, json: "{\"format\": {\"style\": \"poem\"}, \"rows\": []}")
            #expect(bad.status == 400 && bad.body?.errorParam == "format.style", "\(String(decoding: bad.raw, as: UTF8.self))")
            #expect(try await client.call(.post, "/v1/format", key: key, json: "{\"pipeline\": \"nope\", \"rows\": []}").status == 404)
            #expect(try await client.call(.post, "/v1/format", key: key, json: "{\"format\": {}}").body?.errorParam == "rows")
        }
    }
}
