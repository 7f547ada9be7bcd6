/// RFC 8785's serialisation of the values the model holds: no white space, object members
/// sorted by their keys' UTF-16 code units, strings escaped as ECMAScript's JSON.stringify
/// escapes them, integers in plain decimal.
extension JSONValue {
    /// The value's canonical JSON (RFC 8785), in UTF-8.
    ///
    /// - Throws: ``CanonicalJSONError`` naming the path of an integer outside ±(2^53 − 1), a
    ///   key twice in one object, or nesting deeper than ``maximumDepth``.
    public func canonicalBytes() throws(CanonicalJSONError) -> [UInt8] {
        try canonicalBytes(limitingIntegers: true)
    }

    /// ``canonicalBytes()`` as text.
    public func canonicalText() throws(CanonicalJSONError) -> String {
        String(decoding: try canonicalBytes(), as: UTF8.self)
    }

    /// With `limitingIntegers` false, every `Int64` is written in full: only for records whose
    /// hashes the database made writing its ids so (the governance log's), where an id beyond
    /// 2^53 is out of reach anyway.
    func canonicalBytes(limitingIntegers: Bool) throws(CanonicalJSONError) -> [UInt8] {
        var writer = CanonicalJSONWriter(limitingIntegers: limitingIntegers)
        try writer.write(self, depth: 0)
        return writer.bytes
    }
}

/// Writes one value; keeps the path to the value being written, for naming it in an error.
private struct CanonicalJSONWriter {
    let limitingIntegers: Bool
    var bytes: [UInt8] = []
    var path: [JSONPathStep] = []

    init(limitingIntegers: Bool) {
        self.limitingIntegers = limitingIntegers
    }

    mutating func write(_ value: JSONValue, depth: Int) throws(CanonicalJSONError) {
        switch value {
        case .null: bytes += Array("null".utf8)
        case .bool(let truth): bytes += Array((truth ? "true" : "false").utf8)
        case .integer(let integer):
            if limitingIntegers, !(-JSONValue.largestInteger...JSONValue.largestInteger).contains(integer) {
                throw .integerOutOfRange(path: fieldPath(path))
            }
            bytes += Array(String(integer).utf8)
        case .string(let text): writeString(text)
        case .array(let elements):
            guard depth < JSONValue.maximumDepth else { throw .tooDeep(path: fieldPath(path)) }
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                path.append(.index(index))
                try write(element, depth: depth + 1)
                path.removeLast()
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            guard depth < JSONValue.maximumDepth else { throw .tooDeep(path: fieldPath(path)) }
            bytes.append(UInt8(ascii: "{"))
            var previousKey: String?
            for (index, member) in JSONValue.sorted(members).enumerated() {
                path.append(.key(member.key))
                // Sorted, a key given twice sits next to itself.
                if let previousKey, previousKey.utf16.elementsEqual(member.key.utf16) {
                    throw .duplicateKey(path: fieldPath(path))
                }
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                try write(member.value, depth: depth + 1)
                path.removeLast()
                previousKey = member.key
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A string as ECMAScript's JSON.stringify writes it (RFC 8785 §3.2.2.2): the quotation
    /// mark and the reverse solidus escaped, the five controls that have a short escape given
    /// it, every other control below U+0020 as `\u00xx` in lowercase, and everything else (U+007F,
    /// U+2028 and U+2029, characters beyond the Basic Multilingual Plane) as its own UTF-8. All
    /// that is escaped is ASCII, so the UTF-8 is copied byte by byte.
    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
