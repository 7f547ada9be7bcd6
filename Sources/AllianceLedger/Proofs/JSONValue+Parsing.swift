/// Reading JSON text back into the model, strictly, so that a verifier can canonicalise what it
/// was given and compare bytes: whatever the model cannot hold is refused rather than bent.
extension JSONValue {
    /// Reads `bytes`, JSON text (RFC 8259) in UTF-8, white space allowed, into a value, keeping
    /// each object's members in the order written.
    ///
    /// - Throws: ``CanonicalJSONError``: `notAnInteger` for a number with a fraction or an
    ///   exponent, `integerOutOfRange` beyond ±(2^53 − 1), `duplicateKey` for a key written twice
    ///   in one object however it is escaped, `tooDeep`, and `malformed` for anything else that
    ///   is not JSON in the model: invalid UTF-8, a lone surrogate, a byte-order mark, a raw
    ///   control character in a string, text after the value.
    public init(parsing bytes: [UInt8]) throws(CanonicalJSONError) {
        var parser = CanonicalJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw .malformed(offset: parser.position, reason: "text follows the value")
        }
        self = value
    }
}

/// A recursive-descent reader over the bytes; keeps the path to the value being read, for
/// naming it in an error.
private struct CanonicalJSONParser {
    let bytes: [UInt8]
    var position = 0
    var path: [JSONPathStep] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func value(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        guard position < bytes.count else { throw malformed("a value is missing") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maximumDepth else { throw .tooDeep(path: fieldPath(path)) }
            return try object(depth: depth)
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { throw .tooDeep(path: fieldPath(path)) }
            return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string().text)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case 0xEF where bytes[position...].starts(with: [0xEF, 0xBB, 0xBF]):
            throw malformed("a byte-order mark is not part of JSON text")
        default: throw malformed("no JSON value starts with this byte")
        }
    }

    mutating func object(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        position += 1
        skipWhitespace()
        var members: [(key: String, value: JSONValue)] = []
        if consume(UInt8(ascii: "}")) { return .object(members) }
        // Keys as their UTF-8: two keys are one only when their code units are the same.
        var keys: Set<[UInt8]> = []
        repeat {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw malformed("an object's member starts with its key, a string")
            }
            let key = try string()
            path.append(.key(key.text))
            guard keys.insert(key.utf8).inserted else { throw .duplicateKey(path: fieldPath(path)) }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw malformed("a colon follows a member's key") }
            skipWhitespace()
            members.append((key: key.text, value: try value(depth: depth + 1)))
            path.removeLast()
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw malformed("a comma or the object's end is missing") }
        return .object(members)
    }

    mutating func array(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        position += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        repeat {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try value(depth: depth + 1))
            path.removeLast()
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw malformed("a comma or the array's end is missing") }
        return .array(elements)
    }

    /// A string from its opening quotation mark, its escapes undone: as text, and as the UTF-8
    /// that tells keys apart.
    mutating func string() throws(CanonicalJSONError) -> (text: String, utf8: [UInt8]) {
        let start = position
        position += 1
        var content: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                // The UTF-8 is checked whole: escapes only add whole characters, so a sequence
                // they interrupt is invalid too.
                guard let text = String(validating: content, as: UTF8.self) else {
                    throw .malformed(offset: start, reason: "the string is not valid UTF-8")
                }
                return (text, content)
            case UInt8(ascii: "\\"):
                position += 1
                content += Array(String(Character(try escape())).utf8)
            case 0x00..<0x20:
                throw malformed("a control character in a string must be escaped")
            default:
                content.append(byte)
                position += 1
            }
        }
        throw .malformed(offset: start, reason: "the string has no end")
    }

    /// The character an escape stands for, the reverse solidus read.
    mutating func escape() throws(CanonicalJSONError) -> Unicode.Scalar {
        guard position < bytes.count else { throw malformed("the escape has no end") }
        let letter = bytes[position]
        position += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexQuad()
            switch unit {
            case 0xD800...0xDBFF:
                guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else {
                    throw malformed("a high surrogate is not followed by a low one")
                }
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + (unit - 0xD800) << 10 + (low - 0xDC00))
                else { throw malformed("a high surrogate is not followed by a low one") }
                return scalar
            case 0xDC00...0xDFFF: throw malformed("a low surrogate has no high one before it")
            default:
                guard let scalar = Unicode.Scalar(unit) else { throw malformed("not a character") }
                return scalar
            }
        default:
            position -= 1
            throw malformed("not an escape JSON has")
        }
    }

    /// Four hexadecimal digits, either case.
    mutating func hexQuad() throws(CanonicalJSONError) -> UInt32 {
        var unit: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw malformed("\\u takes four hexadecimal digits") }
            let byte = bytes[position]
            let digit: UInt8 =
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
                default: throw malformed("\\u takes four hexadecimal digits")
                }
            unit = unit << 4 | UInt32(digit)
            position += 1
        }
        return unit
    }

    /// An integer: an optional minus, then 0 or digits not starting with 0. `-0` reads as 0, as
    /// it is the integer 0; canonical text never has it.
    mutating func integer() throws(CanonicalJSONError) -> Int64 {
        let start = position
        let negative = consume(UInt8(ascii: "-"))
        let digitsStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
        }
        let digits = bytes[digitsStart..<position]
        guard let first = digits.first else {
            throw .malformed(offset: start, reason: "a minus sign without digits")
        }
        if position < bytes.count,
            [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position])
        {
            throw .notAnInteger(path: fieldPath(path))
        }
        guard first != UInt8(ascii: "0") || digits.count == 1 else {
            throw .malformed(offset: start, reason: "a number does not start with 0 unless it is 0")
        }
        // 2^53 − 1 has 16 digits; more cannot be in range, nor overflow here.
        guard digits.count <= 16 else { throw .integerOutOfRange(path: fieldPath(path)) }
        let magnitude = digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        guard magnitude <= JSONValue.largestInteger else { throw .integerOutOfRange(path: fieldPath(path)) }
        return negative ? -magnitude : magnitude
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(CanonicalJSONError) -> JSONValue {
        guard bytes[position...].starts(with: word.utf8) else { throw malformed("not a JSON value") }
        position += word.utf8.count
        return value
    }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    func malformed(_ reason: String) -> CanonicalJSONError {
        .malformed(offset: position, reason: reason)
    }
}
