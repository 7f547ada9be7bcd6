public import Dates

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// One-dimensional arrays travel in PostgreSQL's binary array format when their elements have
/// one here (``PostgresBinaryArrayElement``: numbers, days, instants, bytes, and those that may
/// be NULL), and otherwise as array literals, e.g. `{"a","b",NULL}`.
///
/// They make set-based statements possible with a fixed number of parameters, such as
/// `INSERT … SELECT … FROM unnest($1::bigint[], $2::text[])` or `WHERE code = ANY($3::text[])`.
/// In a literal every element is quoted, so no element text can change its structure. Cast the
/// parameter in SQL: an array of strings carries no element type.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        if let elementType = Element.self as? any PostgresBinaryArrayElement.Type,
            let binary = try binaryArray(of: elementType)
        {
            return binary
        }
        return try arrayLiteral()
    }

    /// The array in PostgreSQL's binary format (what `array_send` writes and `array_recv`
    /// reads): the server parses no text, and a day or an instant is a number each way, where
    /// their text took the longest to write and to read (Benchmarks/README.md, spend import).
    /// Nil when `Binary` is not the element type after all.
    private func binaryArray<Binary: PostgresBinaryArrayElement>(of type: Binary.Type) throws(PostgresError)
        -> PostgresBind?
    {
        guard let elements = self as? [Binary] else { return nil }
        let arrayType = PostgresTypeOID.array(of: Binary.postgresElementType)
        guard arrayType != PostgresTypeOID.unspecified else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20 + elements.count * 12)
        // Dimensions (none for an empty array), a flag the server works out again, the
        // element type, then the one dimension's length and lower bound.
        appendBigEndian(Int32(elements.isEmpty ? 0 : 1), to: &bytes)
        appendBigEndian(Int32(0), to: &bytes)
        appendBigEndian(UInt32(Binary.postgresElementType), to: &bytes)
        if !elements.isEmpty {
            guard let count = Int32(exactly: elements.count) else {
                throw PostgresError(.encoding, "an array parameter holds at most 2^31 - 1 elements")
            }
            appendBigEndian(count, to: &bytes)
            appendBigEndian(Int32(1), to: &bytes)
        }
        for element in elements {
            try element.appendPostgresArrayElement(to: &bytes)
        }
        return PostgresBind(.binary(bytes), typeOID: arrayType)
    }

    /// The array as a literal of quoted elements in PostgreSQL's text format.
    func arrayLiteral() throws(PostgresError) -> PostgresBind {
        // Built as UTF-8 bytes: appending Characters to a String cost most of the time of a
        // thousand-entry append (Benchmarks/README.md, spend import).
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(count * 16 + 2)
        var elementType = PostgresTypeOID.unspecified
        // Not `enumerated()`: unspecialized here (generic code called through the protocol),
        // its (offset, element) pairs look their tuple type up for every element; without
        // them an import's arrays encode in half the time (perf, Benchmarks/README.md).
        var first = true
        for element in self {
            let bind = try element.postgresBind()
            if bind.typeOID != PostgresTypeOID.unspecified { elementType = bind.typeOID }
            if !first { literal.append(UInt8(ascii: ",")) }
            first = false
            switch bind.value {
            case .null:
                literal.append(contentsOf: "NULL".utf8)
            case .text(let text):
                appendQuotedArrayElement(text.utf8, to: &literal)
            case .binary(let bytes):
                precondition(bind.typeOID == PostgresTypeOID.bytea, "only bytea travels in binary")
                // The hex form, "\\x…": its backslash escaped inside the quotes.
                literal.append(contentsOf: [UInt8(ascii: "\""), 0x5C, 0x5C, UInt8(ascii: "x")])
                appendHexDigits(bytes, to: &literal)
                literal.append(UInt8(ascii: "\""))
            }
        }
        literal.append(UInt8(ascii: "}"))
        return PostgresBind(
            .text(String(decoding: literal, as: UTF8.self)), typeOID: PostgresTypeOID.array(of: elementType))
    }
}

/// A value that travels inside an array in PostgreSQL's binary format. Strings do not: they go
/// untyped (``Swift/String/postgresBind()``), and the binary form of a value depends on the type
/// the server gives it.
public protocol PostgresBinaryArrayElement: PostgresEncodable {
    /// The OID of the element's type; its array type is in ``PostgresTypeOID/array(of:)``.
    static var postgresElementType: UInt32 { get }
    /// Appends the element as an array's binary form holds it: its length in bytes as a
    /// big-endian Int32 (-1 for NULL), then the bytes of its type's binary format.
    func appendPostgresArrayElement(to bytes: inout [UInt8]) throws(PostgresError)
}

/// Appends `value`'s bytes, most significant first, as PostgreSQL's binary formats hold integers.
func appendBigEndian<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
    var bigEndian = value.bigEndian
    withUnsafeBytes(of: &bigEndian) { bytes.append(contentsOf: $0) }
}

/// Appends an integer as one element of a binary array: its byte count, then its bytes.
private func appendIntegerElement<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
    appendBigEndian(Int32(MemoryLayout<Value>.size), to: &bytes)
    appendBigEndian(value, to: &bytes)
}

extension Int64: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.int8 }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) {
        appendIntegerElement(self, to: &bytes)
    }
}

extension Int: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.int8 }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) {
        Int64(self).appendPostgresArrayElement(to: &bytes)
    }
}

extension Int32: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.int4 }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) {
        appendIntegerElement(self, to: &bytes)
    }
}

extension Int16: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.int2 }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) {
        appendIntegerElement(self, to: &bytes)
    }
}

extension Bool: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.bool }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) {
        appendBigEndian(Int32(1), to: &bytes)
        bytes.append(self ? 1 : 0)
    }
}

extension Data: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.bytea }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) throws(PostgresError) {
        guard let length = Int32(exactly: count) else {
            throw PostgresError(.encoding, "a bytea value holds at most 2^31 - 1 bytes")
        }
        appendBigEndian(length, to: &bytes)
        bytes.append(contentsOf: self)
    }
}

/// A day is the number of days since 2000-01-01, PostgreSQL's epoch, as an Int32.
extension CalendarDate: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.date }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) throws(PostgresError) {
        guard let days = Int32(exactly: daysSince1970 - postgresEpochDaysSince1970) else {
            throw PostgresError(.encoding, "the day is outside PostgreSQL's date range")
        }
        appendIntegerElement(days, to: &bytes)
    }
}

/// An instant is the number of microseconds since 2000-01-01 00:00 UTC, as an Int64.
extension Timestamp: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { PostgresTypeOID.timestamptz }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) throws(PostgresError) {
        // Within PostgreSQL's range, the subtraction below stays within Int64.
        try checkPostgresRange()
        appendIntegerElement(
            microsecondsSince1970 - Int64(postgresEpochDaysSince1970) * Timestamp.microsecondsPerDay,
            to: &bytes)
    }
}

/// 2000-01-01, from which PostgreSQL's binary formats count days and microseconds.
private let postgresEpochDaysSince1970 = 10_957

extension Optional: PostgresBinaryArrayElement where Wrapped: PostgresBinaryArrayElement {
    public static var postgresElementType: UInt32 { Wrapped.postgresElementType }
    public func appendPostgresArrayElement(to bytes: inout [UInt8]) throws(PostgresError) {
        switch self {
        case .none: appendBigEndian(Int32(-1), to: &bytes)
        case .some(let value): try value.appendPostgresArrayElement(to: &bytes)
        }
    }
}

extension PostgresTypeOID {
    /// The array type whose elements have type `element`; unspecified when not known here.
    static func array(of element: UInt32) -> UInt32 {
        switch element {
        case bool: 1000
        case bytea: 1001
        case int2: 1005
        case int4: 1007
        case text: 1009
        case int8: 1016
        case date: 1182
        case timestamptz: 1185
        case uuid: 2951
        case jsonb: 3807
        default: unspecified
        }
    }
}

/// Appends `"text"` with every `"` and `\\` escaped by a backslash. Byte by byte is exact: in
/// UTF-8 those two ASCII bytes never occur inside a multi-byte character.
private func appendQuotedArrayElement(_ text: String.UTF8View, to literal: inout [UInt8]) {
    literal.append(UInt8(ascii: "\""))
    for byte in text {
        if byte == UInt8(ascii: "\"") || byte == 0x5C { literal.append(0x5C) }
        literal.append(byte)
    }
    literal.append(UInt8(ascii: "\""))
}

private let hexDigitBytes = Array("0123456789abcdef".utf8)

private func appendHexDigits(_ bytes: [UInt8], to text: inout [UInt8]) {
    for byte in bytes {
        text.append(hexDigitBytes[Int(byte >> 4)])
        text.append(hexDigitBytes[Int(byte & 0x0F)])
    }
}

func hexDigits(_ bytes: [UInt8]) -> String {
    var text = [UInt8]()
    text.reserveCapacity(bytes.count * 2)
    appendHexDigits(bytes, to: &text)
    return String(decoding: text, as: UTF8.self)
}

/// Arrays of integers read back from their text form, `{1,2,3}`: no element needs quoting, and
/// an array holding NULL is refused, as no integer stands for it.
extension Array: PostgresDecodable where Element: FixedWidthInteger & PostgresDecodable {
    public init?(postgresText text: String) {
        guard text.hasPrefix("{"), text.hasSuffix("}"), text.count >= 2 else { return nil }
        let inner = text.dropFirst().dropLast()
        guard !inner.isEmpty else {
            self = []
            return
        }
        var elements: [Element] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            guard let element = Element(postgresText: String(part)) else { return nil }
            elements.append(element)
        }
        self = elements
    }
}
