#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

// Money is never a floating-point number in this project, so Double and Float deliberately have
// no conformance: reading a `numeric` into one would silently round.

extension Int64: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(String(self)), typeOID: PostgresTypeOID.int8)
    }
    public init?(postgresText text: String) { self.init(text, radix: 10) }
}

extension Int32: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(String(self)), typeOID: PostgresTypeOID.int4)
    }
    public init?(postgresText text: String) { self.init(text, radix: 10) }
}

extension Int16: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(String(self)), typeOID: PostgresTypeOID.int2)
    }
    public init?(postgresText text: String) { self.init(text, radix: 10) }
}

extension Int: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(String(self)), typeOID: PostgresTypeOID.int8)
    }
    public init?(postgresText text: String) { self.init(text, radix: 10) }
}

extension Bool: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(self ? "true" : "false"), typeOID: PostgresTypeOID.bool)
    }
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension String: PostgresCodable {
    /// Strings go untyped, like a quoted literal, so that one can fill a `text`, `varchar`,
    /// enum or `jsonb` parameter alike. PostgreSQL text cannot hold NUL, and libpq would cut
    /// the value short at one, so such a string is refused instead of silently truncated.
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        guard !utf8.contains(0) else {
            throw PostgresError(.encoding, "a text value cannot contain a NUL character")
        }
        return PostgresBind(.text(self), typeOID: PostgresTypeOID.unspecified)
    }
    public init?(postgresText text: String) { self = text }
}

extension UUID: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.text(uuidString.lowercased()), typeOID: PostgresTypeOID.uuid)
    }
    public init?(postgresText text: String) { self.init(uuidString: text) }
}

extension Data: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        PostgresBind(.binary([UInt8](self)), typeOID: PostgresTypeOID.bytea)
    }

    /// Reads `bytea` in the hex output format (`\x0a1b…`), which the session pins.
    public init?(postgresText text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
            utf8.count % 2 == 0
        else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        switch self {
        case .none: .null
        case .some(let value): try value.postgresBind()
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Wrapped(postgresText: text) else { return nil }
        self = .some(value)
    }
    public static var postgresNull: Self? { .some(.none) }
}
