import Foundation

/// The project's one way to write canonical JSON (RFC 8785, the JSON Canonicalization Scheme):
/// the bytes a statement is frozen as and hashed over, and the governance log's records.
///
/// A document is either built as a ``JSONValue`` (``JSONValue/canonicalBytes()``) or is any
/// `Encodable` (``encode(_:)``); a document received is checked with ``canonicalize(_:)``. Every
/// number is an integer within ±(2^53 − 1): RFC 8785 writes numbers as ECMAScript writes an
/// IEEE 754 double, which is exact for those integers and for nothing else a ledger needs.
public enum CanonicalJSON {
    /// The canonical JSON of `value` as `JSONEncoder` encodes it (so its `Encodable` conformance
    /// decides the keys), in UTF-8. Keys pass through Swift's `String`, which takes two keys
    /// that differ only in Unicode normalisation for one: a ``JSONValue`` with such keys is
    /// refused here, and written with ``JSONValue/canonicalBytes()``, which keeps them apart.
    ///
    /// - Throws: `EncodingError` for what `JSONEncoder` refuses (a non-finite `Double`), and
    ///   ``CanonicalJSONError`` naming the path of a number that is not an integer within
    ///   ±(2^53 − 1) (a `Double` with a fraction, an `Int64` beyond 2^53 − 1).
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        // Only a convenience: the bytes are written again in canonical form below.
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try JSONValue(parsing: Array(try encoder.encode(value))).canonicalBytes()
    }

    /// `bytes`, JSON text in UTF-8, written again in canonical form: equal to `bytes` exactly
    /// when they were canonical, as a verifier needs to know of a document it was given.
    ///
    /// - Throws: ``CanonicalJSONError`` for text that is not JSON, or that holds what a
    ///   canonical document cannot (``JSONValue/init(parsing:)``).
    public static func canonicalize(_ bytes: some Collection<UInt8>) throws(CanonicalJSONError) -> [UInt8] {
        try JSONValue(parsing: Array(bytes)).canonicalBytes()
    }

    /// Whether `bytes` are a JSON document in canonical form.
    public static func isCanonical(_ bytes: some Collection<UInt8>) -> Bool {
        (try? canonicalize(bytes))?.elementsEqual(bytes) ?? false
    }
}

extension JSONValue: Encodable {
    /// The value itself, so that a ``JSONValue`` can stand inside an `Encodable` document that
    /// ``CanonicalJSON/encode(_:)`` writes.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let truth):
            var container = encoder.singleValueContainer()
            try container.encode(truth)
        case .integer(let integer):
            var container = encoder.singleValueContainer()
            try container.encode(integer)
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let members):
            var container = encoder.container(keyedBy: JSONPathStep.self)
            // An encoder keeps one value of a key given twice, and takes keys for one as Swift's
            // `String` does, regardless of Unicode normalisation: refused rather than lost.
            var keys: Set<String> = []
            for member in members {
                guard keys.insert(member.key).inserted else {
                    throw EncodingError.invalidValue(
                        self,
                        .init(
                            codingPath: container.codingPath + [JSONPathStep.key(member.key)],
                            debugDescription:
                                "the key is given more than once in its object, or differs from another"
                                + " only in Unicode normalisation"))
                }
                try container.encode(member.value, forKey: .key(member.key))
            }
        }
    }
}
