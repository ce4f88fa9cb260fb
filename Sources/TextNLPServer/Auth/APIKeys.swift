import Foundation
import TextNLPPipeline

/// API keys: `tnlp-` and 40 random hex digits. The store keeps only their SHA-256.
public enum APIKeys {
    public static func generate() -> (key: String, id: String) {
        var g = SystemRandomNumberGenerator()
        let secret = (0..<20).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
        let id = "key_" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
        return ("tnlp-" + secret, id)
    }

    public static func hash(_ key: String) -> String { SHA256.hex(Array(key.utf8)) }
}
