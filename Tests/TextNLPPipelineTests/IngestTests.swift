import Foundation
import Testing
@testable import TextNLPPipeline

struct IngestTests {
    func ingest(_ spec: IngestSpec, seed: UInt64 = 0) throws -> (rows: [Row], errors: [RowError], summary: IngestSummary) {
        var rows: [Row] = []
        var errors: [RowError] = []
        let summary = try Ingestor.run(spec, seed: seed, emit: { rows.append($0) }, reject: { errors.append($0) })
        return (rows, errors, summary)
    }

    func spec(_ name: String, _ format: IngestSpec.Format) -> IngestSpec {
        IngestSpec(path: Fixture.path("ingest/\(name)"), format: format)
    }

    /// Python's csv module read the same files (scripts/make-pipeline-fixtures.py).
    @Test(arguments: [("good.csv", ","), ("semicolon.csv", ";")])
    func csvMatchesPythonsReader(file: String, delimiter: String) throws {
        let expectedData = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("ingest/expected.json")))
        let expected = try JSONParser.parse(Array(expectedData)).objectValue?[file]?.arrayValue ?? []
        var s = spec(file, .csv)
        s.delimiter = delimiter.utf8.first!
        let (rows, errors, _) = try ingest(s)
        #expect(errors.isEmpty)
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            #expect(row.fields == want.objectValue, "\(row.id)")
        }
        #expect(rows.map(\.id) == (1...rows.count).map { "row-" + String(format: "%06d", $0 + 0) })
    }

    @Test func badCSVRowsAreSkippedWithTheirLines() throws {
        let (rows, errors, summary) = try ingest(spec("bad.csv", .csv))
        #expect(rows.map { $0.fields["name"]?.stringValue } == ["ok", "also ok"])
        #expect(errors.map(\.line) == [3, 4, 6, 7])
        #expect(errors[0].reason == "3 columns, the header has 2")
        #expect(errors[1].reason.contains("not valid UTF-8"))
        #expect(errors[2].reason == "text after a closing quote")
        #expect(errors[3].reason == "unterminated quoted field")
        #expect(errors.allSatisfy { $0.file == Fixture.path("ingest/bad.csv") && $0.stage == "ingest" })
        #expect(summary == IngestSummary(read: 6, rows: 2, bad: 4))
    }

    @Test func onBadRowFailStopsAtTheFirstBadRow() {
        var s = spec("bad.csv", .csv)
        s.onBadRow = .fail
        #expect(throws: PipelineError.badRow(file: s.path, line: 3, reason: "3 columns, the header has 2")) { try ingest(s) }
    }

    @Test func jsonlIdsAndBadLines() throws {
        let (rows, errors, _) = try ingest(spec("rows.jsonl", .jsonl))
        #expect(rows.map(\.id) == ["a", "b", "d", "row-000008"])
        #expect(errors.map(\.line) == [4, 5, 6, 7])
        #expect(errors[0].reason.hasPrefix("invalid JSON at column 1"))
        #expect(errors[1].reason == "a line must hold a JSON object, not an array")
        #expect(errors[2].reason.contains("invalid UTF-8"))
        #expect(errors[3].reason == "duplicate id \"a\"")
        #expect(rows[1].fields["n"] == .int(2))
    }

    @Test func idFieldMustBePresent() throws {
        var s = spec("rows.jsonl", .jsonl)
        s.idField = "text"
        let (rows, errors, _) = try ingest(s)
        #expect(rows.first?.id == "first")
        #expect(!errors.contains { $0.reason.contains("id field") })
        s.idField = "n"
        let (rows2, errors2, _) = try ingest(s)
        #expect(rows2.map(\.id) == ["2"])
        #expect(errors2.filter { $0.reason.contains("the id field \"n\" is missing") }.count == 4)
    }

    @Test func jsonArrayElementsKnowTheirLines() throws {
        let (rows, errors, _) = try ingest(spec("array.json", .json))
        #expect(rows.map(\.id) == ["1", "2", "3"])
        #expect(errors.count == 1)
        #expect(errors[0].line == 5)
        #expect(errors[0].reason.contains("must be an object, not a string"))
    }

    @Test func textLinesBecomeRows() throws {
        var s = spec("lines.txt", .text)
        s.textField = "line"
        let (rows, errors, _) = try ingest(s)
        #expect(rows.map { $0.fields["line"]?.stringValue } == ["first line", "second line", "third ✓", "last without newline"])
        #expect(rows.map(\.id) == ["row-000001", "row-000002", "row-000003", "row-000005"])
        #expect(errors.map(\.line) == [5])
    }

    @Test func limitAndSeededSample() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/many.jsonl"
        let text = (0..<1000).map { "{\"id\": \"r\($0)\", \"n\": \($0)}" }.joined(separator: "\n")
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        var s = IngestSpec(path: path, format: .jsonl)
        s.limit = 10
        #expect(try ingest(s).rows.map(\.id) == (0..<10).map { "r\($0)" })
        s.limit = nil
        s.sample = 50
        let a = try ingest(s, seed: 1).rows.map(\.id)
        let b = try ingest(s, seed: 1).rows.map(\.id)
        let c = try ingest(s, seed: 2).rows.map(\.id)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 50 && Set(a).count == 50)
        // Kept in source order, and spread over the file rather than its start.
        let numbers = a.map { Int($0.dropFirst())! }
        #expect(numbers == numbers.sorted())
        #expect(numbers.last! > 500)
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: PipelineError.io(path: "/nonexistent/x.jsonl", reason: "no such file")) {
            try ingest(IngestSpec(path: "/nonexistent/x.jsonl", format: .jsonl))
        }
    }

    @Test func csvWriterOutputReadsBackThroughTheReader() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let encoder = RecordEncoder(format: .csv, columns: ["a", "b"])
        let records = [
            JSONObject([("a", .string("plain")), ("b", .string("with, comma"))]),
            JSONObject([("a", .string("quote \" here")), ("b", .string("two\nlines"))]),
            JSONObject([("a", .int(3)), ("b", .string(" padded "))]),
        ]
        let text = encoder.header! + records.map(encoder.line).joined()
        _ = FileManager.default.createFile(atPath: dir + "/x.csv", contents: Data(text.utf8))
        let (rows, errors, _) = try ingest(IngestSpec(path: dir + "/x.csv", format: .csv))
        #expect(errors.isEmpty)
        #expect(rows.map { $0.fields["b"]?.stringValue } == ["with, comma", "two\nlines", " padded "])
        #expect(rows.map { $0.fields["a"]?.stringValue } == ["plain", "quote \" here", "3"])
    }
}
