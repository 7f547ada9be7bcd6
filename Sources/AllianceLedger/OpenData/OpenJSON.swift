/// JSON for the open-data files that standard tools read (`datapackage.json`, `ocds.json`,
/// `keys.json`): members in the order written, two-space indentation, and decimal amounts such
/// as `1234.56` written exactly as given, which canonical JSON (integers only) cannot hold.
/// These files are hashed as bytes in `SHA256SUMS`, so they need no canonical form.
enum OpenJSON: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case null
    case bool(Bool)
    case integer(Int64)
    /// A decimal written as it stands, e.g. `Money.format`'s `1234.56`.
    case decimal(String)
    case string(String)
    case array([OpenJSON])
    case object([(String, OpenJSON)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: OpenJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, OpenJSON)...) { self = .object(elements) }

    /// A string, or null for nil.
    static func optional(_ text: String?) -> OpenJSON { text.map(OpenJSON.string) ?? .null }

    /// The document's bytes, ending with a line break.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out, indent: 0)
        out.append(0x0A)
        return out
    }

    private func write(into out: inout [UInt8], indent: Int) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let truth): out += Array((truth ? "true" : "false").utf8)
        case .integer(let value): out += Array(String(value).utf8)
        case .decimal(let text): out += Array(text.utf8)
        case .string(let text): OpenJSON.quote(text, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else {
                out += Array("[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                OpenJSON.newline(into: &out, indent: indent + 2)
                element.write(into: &out, indent: indent + 2)
            }
            OpenJSON.newline(into: &out, indent: indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                out += Array("{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                OpenJSON.newline(into: &out, indent: indent + 2)
                OpenJSON.quote(key, into: &out)
                out += Array(": ".utf8)
                value.write(into: &out, indent: indent + 2)
            }
            OpenJSON.newline(into: &out, indent: indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(into out: inout [UInt8], indent: Int) {
        out.append(0x0A)
        out += repeatElement(UInt8(ascii: " "), count: indent)
    }

    /// A JSON string (RFC 8259): quote, backslash and control characters escaped, everything
    /// else as UTF-8.
    private static func quote(_ text: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, UInt8(ascii: "\"")]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
