import Hummingbird
import Testing
import TextNLPPipeline
import TextNLPServer

/// Uploads: what is kept is what was sent; what cannot be used is a 4xx naming the field.
struct FilesTests {
    @Test func anUploadIsListedServedAndDeleted() async throws {
        try await ServerFixture.with { fixture, client in
            let key = try await fixture.key("acme")
            let bytes = Array("{\"a\": 1}\n{\"b\": \"é\"}\n".utf8)
            let up = try await client.upload(bytes, key: key)
            #expect(up.status == 200 && up.body?["object"] == .string("file") && up.body?["bytes"] == .int(Int64(bytes.count)))
            let id = try #require(up.body?["id"]?.stringValue)
            #expect(try await client.call(.get, "/v1/files/\(id)", key: key).body?["filename"] == .string("input.jsonl"))
            #expect(try await client.call(.get, "/v1/files/\(id)/content", key: key).raw == bytes)
            let second = try await client.upload(bytes, key: key)
            let page = try await client.call(.get, "/v1/files?limit=1", key: key)
            #expect(page.body?["has_more"] == .bool(true) && page.body?["data"]?.arrayValue?.count == 1)
            let after = try #require(page.body?["last_id"]?.stringValue)
            let rest = try await client.call(.get, "/v1/files?limit=1&after=\(after)", key: key)
            let ids = [after] + (rest.body?["data"]?.arrayValue ?? []).compactMap { $0.objectValue?["id"]?.stringValue }
            #expect(Set(ids) == [id, try #require(second.body?["id"]?.stringValue)] && rest.body?["has_more"] == .bool(false))
            #expect(try await client.call(.delete, "/v1/files/\(id)", key: key).body?["deleted"] == .bool(true))
            #expect(try await client.call(.get, "/v1/files/\(id)", key: key).status == 404)
            #expect(try await client.call(.delete, "/v1/files/\(id)", key: key).status == 404)
        }
    }

    @Test func badUploadsAre4xxNamingTheField() async throws {
        try await ServerFixture.with(limits: .init(bodyBytes: 1024, uploadBytes: 4096)) { fixture, client in
            let key = try await fixture.key("acme")
            let empty = try await client.upload([], key: key)
            #expect(empty.status == 400 && empty.body?.errorParam == "file" && empty.body?.errorCode == "empty_file")
            let huge = try await client.upload([UInt8](repeating: 0x61, count: 10_000), key: key)
            #expect(huge.status == 413 && huge.body?.errorParam == "file", "\(huge.status)")
            let binary = try await client.upload([0x7b, 0xff, 0xfe, 0x7d, 0x0a], key: key)
            #expect(binary.status == 400 && binary.body?.errorCode == "invalid_encoding")
            let purpose = try await client.upload(Array("{}\n".utf8), purpose: "fine-tune", key: key)
            #expect(purpose.status == 400 && purpose.body?.errorParam == "purpose")
            let plain = try await client.call(.post, "/v1/files", key: key, json: "{}")
            #expect(plain.status == 400 && plain.body?.errorCode == "invalid_content_type")
            let torn = try await client.call(.post, "/v1/files", key: key, bytes: Array("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".utf8),
                                             headers: [.contentType: "multipart/form-data; boundary=b"])
            #expect(torn.status == 400 && torn.body?.errorCode == "invalid_multipart")
            #expect(try await fixture.store.files(tenant: "acme", after: nil, limit: 10).isEmpty, "a refused upload left a file")
        }
    }

    @Test func anotherTenantsFileIsNotFound() async throws {
        try await ServerFixture.with { fixture, client in
            let (acme, globex) = (try await fixture.key("acme"), try await fixture.key("globex"))
            let id = try #require(try await client.upload(Array("{}\n".utf8), key: acme).body?["id"]?.stringValue)
            for (method, path) in [(HTTPRequest.Method.get, "/v1/files/\(id)"), (.get, "/v1/files/\(id)/content"), (.delete, "/v1/files/\(id)")] {
                let r = try await client.call(method, path, key: globex)
                #expect(r.status == 404 && !String(decoding: r.raw, as: UTF8.self).contains("{}"), "\(method) \(path): \(r.status)")
            }
            #expect(try await client.call(.get, "/v1/files", key: globex).body?["data"] == .array([]))
            #expect(try await client.call(.get, "/v1/files/\(id)", key: acme).status == 200)
        }
    }
}
