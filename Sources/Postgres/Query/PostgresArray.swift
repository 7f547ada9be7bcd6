/// One-dimensional arrays travel as PostgreSQL array literals, e.g. `{"1","2",NULL}`.
///
/// They make set-based statements possible with a fixed number of parameters, such as
/// `INSERT … SELECT … FROM unnest($1::bigint[], $2::text[])` or `WHERE code = ANY($3::text[])`.
/// Every element is quoted, so no element text can change the literal's structure. Cast the
/// parameter in SQL: an empty array, or an array of strings, carries no element type.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
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
