import Foundation

/// An entry of `Models/models.json`.
public struct ModelEntry: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var pypi: String
        public var wheelPath: String
        public var upstream: String

        enum CodingKeys: String, CodingKey {
            case pypi, upstream
            case wheelPath = "wheel_path"
        }
    }

    public var id: String
    public var file: String
    public var bytes: Int
    public var sha256: String
    public var architecture: String
    public var quantization: String
    public var contextLength: Int
    public var source: Source
    public var license: String

    enum CodingKeys: String, CodingKey {
        case id, file, bytes, sha256, architecture, quantization, source, license
        case contextLength = "context_length"
    }
}
