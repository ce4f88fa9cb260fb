import Foundation
import NIOSSL
import PostgresNIO

/// A `DATABASE_URL` (`postgres://user:password@host:port/database?sslmode=...`) as a client configuration,
/// and the name it goes by in messages: `postgres://host:port/database`, never the password.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    var password: String?
    var tls: TLSMode

    enum TLSMode: Sendable { case disable, prefer, require }

    public var description: String { "postgres://\(host):\(port)/\(database)" }

    public init(url text: String) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw JobsError.badDatabaseURL(reason: "not a postgres:// URL")
        }
        guard let host = url.host, !host.isEmpty else { throw JobsError.badDatabaseURL(reason: "no host") }
        guard let user = url.user, !user.isEmpty else { throw JobsError.badDatabaseURL(reason: "no user name") }
        self.host = host
        port = url.port ?? 5432
        username = user.removingPercentEncoding ?? user
        password = url.password.map { $0.removingPercentEncoding ?? $0 }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = path.isEmpty ? username : path
        switch url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        case let other: throw JobsError.badDatabaseURL(reason: "sslmode \(other) is not one of disable, prefer, require")
        }
    }

    public var clientConfiguration: PostgresClient.Configuration {
        let mode: PostgresClient.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var c = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: mode)
        c.options.connectTimeout = .seconds(5)
        c.options.maximumConnections = 16
        return c
    }

    /// One connection outside the pool, which fails at once with the server's or the network's reason.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var c = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: mode)
        c.options.connectTimeout = .seconds(5)
        return c
    }
}
