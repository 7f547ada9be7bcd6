/// One-dimensional arrays travel as PostgreSQL array literals, e.g. `{"1","2",NULL}`.
///
/// They make set-based statements possible with a fixed number of parameters, such as
/// `INSERT … SELECT … FROM unnest($1::bigint[], $2::text[])` or `WHERE code = ANY($3::text[])`.
/// Every element is quoted, so no element text can change the literal's structure. Cast the
/// parameter in SQL: an empty array, or an array of strings, carries no element type.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        var literal = "{"
        var elementType = PostgresTypeOID.unspecified
        for (index, element) in enumerated() {
            let bind = try element.postgresBind()
            if bind.typeOID != PostgresTypeOID.unspecified { elementType = bind.typeOID }
            if index > 0 { literal += "," }
            switch bind.value {
            case .null:
                literal += "NULL"
            case .text(let text):
                literal += quotedArrayElement(text)
            case .binary(let bytes):
                precondition(bind.typeOID == PostgresTypeOID.bytea, "only bytea travels in binary")
                literal += quotedArrayElement("\\x" + hexDigits(bytes))
            }
        }
        literal += "}"
        return PostgresBind(.text(literal), typeOID: PostgresTypeOID.array(of: elementType))
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

private func quotedArrayElement(_ text: String) -> String {
    var quoted = "\""
    for character in text {
        if character == "\"" || character == "\\" { quoted.append("\\") }
        quoted.append(character)
    }
    return quoted + "\""
}

func hexDigits(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
