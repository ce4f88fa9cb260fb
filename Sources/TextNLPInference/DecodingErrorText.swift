import Foundation

/// A `DecodingError` as "JSON path: what is wrong" (`models[0].bytes: wrong type, expected Int`), for
/// messages that name the field instead of dumping the coding keys.
public enum DecodingErrorText {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case let .typeMismatch(type, context):
            return "\(path(context.codingPath)): wrong type, expected \(type)"
        case let .valueNotFound(type, context):
            return "\(path(context.codingPath)): missing value, expected \(type)"
        case let .keyNotFound(key, context):
            return "\(path(context.codingPath + [key])): missing"
        case let .dataCorrupted(context):
            let cause = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let where_ = context.codingPath.isEmpty ? "" : "\(path(context.codingPath)): "
            return where_ + (cause ?? context.debugDescription)
        @unknown default:
            return "\(error)"
        }
    }

    /// `models[0].source.pypi`; `$` for the document itself.
    public static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let i = key.intValue {
                text += "[\(i)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "$" : text
    }
}
