public import Foundation

/// JSON read as the API documents it, the same for HTTP bodies and the command line's files.
///
/// Foundation's `JSONDecoder` keeps one value of a key written twice in an object, and reads
/// `1.0` or `1e2` where a whole number belongs. Two readers of one document could then see two
/// different requests, and a figure could be sent in a form nobody checks. So the text is first
/// scanned for what the decoder cannot see: a key twice in an object, or a string holding NUL
/// (which PostgreSQL text cannot hold), is refused naming the field; and where each number
/// written with a fraction or an exponent stands is told to the decoder, so that an amount
/// (``KeyedDecodingContainer/decodeMinorUnits(forKey:)``) can refuse one.
public enum StrictJSON {
    /// Decodes `type` from `data` after the scan. Malformed JSON is left for the decoder to
    /// report, with its own `DecodingError`.
    ///
    /// - Throws: `LedgerError.invalidField` naming the field of a key written twice or of a
    ///   string holding NUL, and whatever `type`'s decoding throws.
    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        let scan = JSONTextScan(Array(data))
        if let fault = scan.fault {
            throw LedgerError.invalidField(fieldPath(fault.path), reason: fault.reason)
        }
        let decoder = JSONDecoder()
        decoder.userInfo[notWholeNumbersKey] = scan.notWholeNumbers
        return try decoder.decode(type, from: data)
    }

    /// The paths of numbers written with a fraction or an exponent, in the decoder's `userInfo`.
    static let notWholeNumbersKey: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "alliance-ledger.not-whole-numbers") else {
            preconditionFailure("any raw value makes a key")
        }
        return key
    }()
}

/// A step into a JSON document: an object's key or an array's index.
enum JSONPathStep: Hashable, Sendable, CodingKey {
    case key(String)
    case index(Int)

    init(_ key: any CodingKey) {
        self = key.intValue.map { .index($0) } ?? .key(key.stringValue)
    }

    var stringValue: String {
        switch self {
        case .key(let key): key
        case .index(let index): String(index)
        }
    }

    var intValue: Int? {
        if case .index(let index) = self { index } else { nil }
    }

    init?(stringValue: String) { self = .key(stringValue) }
    init?(intValue: Int) { self = .index(intValue) }
}

/// A pure, tokenizer-level pass over a JSON text that notes what `JSONDecoder` cannot: the first
/// key written twice in one object or string holding NUL (``fault``), and where numbers written
/// with a fraction or an exponent stand (``notWholeNumbers``). A text that is not JSON notes
/// nothing, leaving the decoder to say what is wrong with it.
struct JSONTextScan {
    struct Fault: Equatable {
        let path: [JSONPathStep]
        let reason: String
    }

    private(set) var fault: Fault?
    private(set) var notWholeNumbers: Set<[JSONPathStep]> = []

    private let bytes: [UInt8]
    private var position = 0
    private var path: [JSONPathStep] = []

    /// How deep the scan follows nested arrays and objects; the decoder refuses deeper ones.
    private static let maximumDepth = 512

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        skipWhitespace()
        let read = value(depth: 0)
        skipWhitespace()
        if !read || position != bytes.count {
            // Not JSON: the decoder says what is wrong with it, as it says for any other.
            fault = nil
            notWholeNumbers = []
        }
    }

    /// Reads one value at `position`; false when the text is not JSON here.
    private mutating func value(depth: Int) -> Bool {
        guard depth < JSONTextScan.maximumDepth, position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""):
            guard let text = string() else { return false }
            if text.contains(0) { note(Fault(path: path, reason: "cannot contain a NUL character")) }
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return literal()
        }
    }

    private mutating func object(depth: Int) -> Bool {
        position += 1
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return true }
        var keys: Set<[UInt8]> = []
        repeat {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let key = string() else {
                return false
            }
            let name = String(decoding: key, as: UTF8.self)
            if !keys.insert(key).inserted {
                note(Fault(path: path + [.key(name)], reason: "is given more than once in its object"))
            }
            if key.contains(0) {
                note(Fault(path: path + [.key(name)], reason: "cannot contain a NUL character"))
            }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            path.append(.key(name))
            guard value(depth: depth + 1) else { return false }
            path.removeLast()
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    private mutating func array(depth: Int) -> Bool {
        position += 1
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return true }
        var index = 0
        repeat {
            skipWhitespace()
            path.append(.index(index))
            guard value(depth: depth + 1) else { return false }
            path.removeLast()
            index += 1
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]"))
    }

    /// A string's content as UTF-8, its escapes undone (so that `"a"` and `"\u0061"` are one
    /// key), from the opening quote at `position`.
    private mutating func string() -> [UInt8]? {
        position += 1
        var content: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return content
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { return nil }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    content.append(contentsOf: Array(String(Character(scalar)).utf8))
                case UInt8(ascii: "b"): content.append(0x08)
                case UInt8(ascii: "f"): content.append(0x0C)
                case UInt8(ascii: "n"): content.append(0x0A)
                case UInt8(ascii: "r"): content.append(0x0D)
                case UInt8(ascii: "t"): content.append(0x09)
                default: content.append(escaped)
                }
            default: content.append(byte)
            }
        }
        return nil
    }

    /// The scalar of `\uXXXX` (the `\u` read), joining a surrogate pair; a lone surrogate
    /// reads as U+FFFD, as the decoder reads it.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hexQuad() else { return nil }
        guard (0xD800...0xDBFF).contains(high) else {
            return Unicode.Scalar(high) ?? Unicode.Scalar(0xFFFD)
        }
        let start = position
        if consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")), let low = hexQuad(),
            (0xDC00...0xDFFF).contains(low)
        {
            return Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00))
        }
        position = start
        return Unicode.Scalar(0xFFFD)
    }

    private mutating func hexQuad() -> UInt32? {
        guard position + 4 <= bytes.count,
            let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
        else { return nil }
        position += 4
        return value
    }

    /// A number; one written with a fraction or an exponent is noted at the current path.
    private mutating func number() -> Bool {
        let start = position
        var whole = true
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): break
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): whole = false
            default:
                if !whole { notWholeNumbers.insert(path) }
                return position > start
            }
            position += 1
        }
        if !whole { notWholeNumbers.insert(path) }
        return position > start
    }

    /// `true`, `false` or `null`.
    private mutating func literal() -> Bool {
        for word in ["true", "false", "null"] {
            let letters = Array(word.utf8)
            if bytes.count - position >= letters.count,
                Array(bytes[position..<position + letters.count]) == letters
            {
                position += letters.count
                return true
            }
        }
        return false
    }

    /// Keeps the first fault: the one a reader meets first.
    private mutating func note(_ found: Fault) {
        if fault == nil { fault = found }
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }
}

/// An amount as it was written: `decodeMinorUnits` reads amounts through it, so that one written
/// as `1.0` or `1e2` (which `JSONDecoder` reads as the whole numbers 1 and 100) is refused when
/// the document was read by ``StrictJSON``, whose scan says where such numbers stand.
struct WholeNumber: Decodable {
    let value: Int64

    init(from decoder: any Decoder) throws {
        let notWhole = decoder.userInfo[StrictJSON.notWholeNumbersKey] as? Set<[JSONPathStep]> ?? []
        guard !notWhole.contains(decoder.codingPath.map(JSONPathStep.init)) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "written with a fraction or an exponent"
                ))
        }
        value = try decoder.singleValueContainer().decode(Int64.self)
    }
}
