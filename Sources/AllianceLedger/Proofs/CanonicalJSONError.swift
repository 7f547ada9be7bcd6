/// Why a ``JSONValue`` cannot be written in canonical form, or bytes cannot be read as one. A
/// path names the value as `budget.rows[3].actual`; the empty path is the document itself.
public enum CanonicalJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An integer outside ±(2^53 − 1) (``JSONValue/largestInteger``), which RFC 8785 could not
    /// write exactly.
    case integerOutOfRange(path: String)
    /// A number written with a fraction or an exponent: every number of the model is an integer.
    case notAnInteger(path: String)
    /// An object with a key twice; the path ends with that key.
    case duplicateKey(path: String)
    /// Arrays and objects nested deeper than ``JSONValue/maximumDepth``.
    case tooDeep(path: String)
    /// Bytes that are not JSON text (RFC 8259) in UTF-8, or hold what the model does not: a
    /// lone surrogate, a byte-order mark. `offset` counts bytes from the start.
    case malformed(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .integerOutOfRange(let path):
            "\(Self.name(path)) is an integer outside ±(2^53 − 1), which canonical JSON cannot hold exactly"
        case .notAnInteger(let path): "\(Self.name(path)) is a number that is not an integer"
        case .duplicateKey(let path): "\(Self.name(path)) is a key given more than once in its object"
        case .tooDeep(let path):
            "\(Self.name(path)) nests arrays and objects deeper than \(JSONValue.maximumDepth)"
        case .malformed(let offset, let reason): "not canonical JSON at byte \(offset): \(reason)"
        }
    }

    private static func name(_ path: String) -> String {
        path.isEmpty ? "the document" : path
    }
}
