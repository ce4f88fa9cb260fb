import Testing

/// Help is an answer, not an error: exit 0 and the usage on standard output.
struct HelpTests {
    @Test(arguments: [["--help"], ["help", "submit"], ["worker", "--help"], ["help"]])
    func helpExitsZero(arguments: [String]) async throws {
        let r = try await Support.textnlp(arguments)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("USAGE:"), "\(r.out)\(r.err)")
        #expect(!r.err.contains("error"), "\(r.err)")
    }

    @Test func helpOfASubcommandShowsItsOptions() async throws {
        let r = try await Support.textnlp(["help", "submit"])
        #expect(r.out.contains("--idempotency-key") && r.out.contains("--wait"), "\(r.out)")
    }
}
