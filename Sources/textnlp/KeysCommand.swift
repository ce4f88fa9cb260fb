import ArgumentParser
import Foundation
import TextNLPJobs
import TextNLPPipeline
import TextNLPServer

extension TextNLP {
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "API keys of the server: each belongs to a tenant and may carry request and token limits.",
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a key; it is printed once, as the last line (only its hash is stored).")
            @OptionGroup var where_: ServerStoreOption
            @Option(help: "The tenant the key belongs to: it sees only its own batches and files.") var tenant: String
            @Option(help: "Requests per minute (default: no limit).") var rpm: Int?
            @Option(help: "Tokens per minute (default: no limit).") var tpm: Int?

            func validate() throws {
                if tenant.isEmpty || tenant.count > 128 { throw ValidationError("--tenant must be 1 to 128 characters") }
                if let rpm, rpm < 1 { throw ValidationError("--rpm must be positive") }
                if let tpm, tpm < 1 { throw ValidationError("--tpm must be positive") }
            }

            func run() async throws {
                let (store, close) = try await where_.open(for: "keys create", logger: DatabaseOption.quietLogger)
                let (key, id) = APIKeys.generate()
                do {
                    try await store.createKey(APIKeyRecord(id: id, hash: APIKeys.hash(key), tenant: tenant, requestsPerMinute: rpm, tokensPerMinute: tpm))
                } catch {
                    await close()
                    throw error
                }
                await close()
                FileHandle.standardError.write(Data("created key \(id) for tenant \(tenant); it is shown only now:\n".utf8))
                print(key)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List keys (ids, tenants, limits; never the keys).")
            @OptionGroup var where_: ServerStoreOption
            @Flag(help: "One JSON object per key.") var json = false

            func run() async throws {
                let (store, close) = try await where_.open(for: "keys list", logger: DatabaseOption.quietLogger)
                let keys: [APIKeyRecord]
                do { keys = try await store.keys() } catch {
                    await close()
                    throw error
                }
                await close()
                for k in keys {
                    if json {
                        print(JSONWriter.string(.object(JSONObject([
                            ("id", .string(k.id)), ("tenant", .string(k.tenant)),
                            ("rpm", k.requestsPerMinute.map { .int(Int64($0)) } ?? .null), ("tpm", k.tokensPerMinute.map { .int(Int64($0)) } ?? .null),
                            ("created_at", .int(Int64(k.createdAt))), ("revoked_at", k.revokedAt.map { .int(Int64($0)) } ?? .null),
                        ]))))
                    } else {
                        let limits = "rpm \(k.requestsPerMinute.map(String.init) ?? "-") tpm \(k.tokensPerMinute.map(String.init) ?? "-")"
                        print("\(k.id)  \(k.tenant)  \(limits)\(k.revokedAt == nil ? "" : "  revoked")")
                    }
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a key by its id: requests with it get 401 from then on.")
            @OptionGroup var where_: ServerStoreOption
            @Argument(help: "The key's id (key_...), as `keys list` shows it.") var id: String

            func run() async throws {
                let (store, close) = try await where_.open(for: "keys revoke", logger: DatabaseOption.quietLogger)
                let revoked: Bool
                do { revoked = try await store.revokeKey(id: id) } catch {
                    await close()
                    throw error
                }
                await close()
                guard revoked else { throw CLIError.failed("no key \(id) to revoke (unknown, or revoked already)") }
                print("revoked \(id)")
            }
        }
    }
}
