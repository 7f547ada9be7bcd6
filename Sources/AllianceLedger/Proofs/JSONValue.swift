/// A JSON value of the kinds a statement holds, for writing it in canonical form (RFC 8785, the
/// JSON Canonicalization Scheme) and reading it back.
///
/// Numbers are integers only: RFC 8785 writes every number as ECMAScript writes an IEEE 754
/// double, which is exact for integers within ±(2^53 − 1) (``largestInteger``) and for nothing
/// else a ledger needs, so a figure outside that range, or with a fraction, cannot be in a
/// canonical document (``canonicalBytes()`` and ``init(parsing:)`` refuse it).
///
/// Written with literals where the shape is fixed:
///
/// ```swift
/// let total: JSONValue = ["budget": .integer(budget), "actual": .integer(actual), "decisions": ["D-0001"]]
/// ```
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// Written only within ±``largestInteger``.
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    /// Members in any order: they are written sorted by key. Two keys are the same key only
    /// when they are the same code units, and a value with a key twice cannot be written.
    case object([(key: String, value: JSONValue)])

    /// 2^53 − 1, the largest integer that RFC 8785 writes exactly; its negation is the
    /// smallest.
    public static let largestInteger: Int64 = 9_007_199_254_740_991

    /// How deeply arrays and objects may nest, in writing and in reading: far deeper than a
    /// statement's, and shallow enough that neither can run out of stack.
    public static let maximumDepth = 64
}

extension JSONValue: Equatable {
    /// Values are equal when they canonicalise to the same bytes: strings and keys compare code
    /// unit by code unit (not by Unicode canonical equivalence, as Swift's `String` does), and
    /// objects compare regardless of the order their members are listed in.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let left), .bool(let right)): left == right
        case (.integer(let left), .integer(let right)): left == right
        case (.string(let left), .string(let right)): left.utf8.elementsEqual(right.utf8)
        case (.array(let left), .array(let right)):
            left.count == right.count && zip(left, right).allSatisfy(==)
        case (.object(let left), .object(let right)):
            left.count == right.count
                && zip(JSONValue.sorted(left), JSONValue.sorted(right)).allSatisfy {
                    $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value
                }
        default: false
        }
    }

    /// Members in RFC 8785's order: by their keys' UTF-16 code units.
    static func sorted(_ members: [(key: String, value: JSONValue)]) -> [(key: String, value: JSONValue)] {
        members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{

    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }

    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }

    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }

    /// Members in the order written; a key written twice is refused when the value is written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

/// Reading a document read back (``init(parsing:)``), as a verifier checks its figures.
extension JSONValue {
    /// The value of the member `key` of an object; nil for another kind of value or no such
    /// member. Keys match code unit for code unit.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// The element at `index` of an array; nil for another kind of value or an index outside it.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    public var integerValue: Int64? {
        if case .integer(let integer) = self { integer } else { nil }
    }

    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    public var boolValue: Bool? {
        if case .bool(let truth) = self { truth } else { nil }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// An object's members, in the order written or read.
    public var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let members) = self { members } else { nil }
    }

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}
