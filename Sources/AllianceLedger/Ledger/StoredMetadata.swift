/// An entry's stored metadata read from PostgreSQL's text of its `jsonb` (an object of strings)
/// into the pairs its hash covers, sorted by the keys' UTF-8 bytes, without a `String` per key
/// or value: the verifier reads every entry this way.
///
/// A strict RFC 8259 reader for that one shape. Anything else (another value type, a duplicate
/// key, a lone surrogate, bytes after the object) is refused, and the verifier reports the entry.
struct StoredMetadata {
    /// The unescaped UTF-8 bytes of every key and value, one after the other.
    private(set) var bytes: [UInt8] = []
    /// Each pair's key and value in `bytes`, sorted by the keys' bytes once `read` succeeds.
    private(set) var pairs: [(key: Range<Int>, value: Range<Int>)] = []

    /// Reads `json`, replacing what the last call read; false when it is not an object of
    /// strings.
    mutating func read(_ json: UnsafeRawBufferPointer) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        pairs.removeAll(keepingCapacity: true)
        var reader = Reader(json: json)
        reader.skipWhitespace()
        guard reader.take(UInt8(ascii: "{")) else { return false }
        reader.skipWhitespace()
        if !reader.take(UInt8(ascii: "}")) {
            repeat {
                reader.skipWhitespace()
                guard let key = reader.string(into: &bytes) else { return false }
                reader.skipWhitespace()
                guard reader.take(UInt8(ascii: ":")) else { return false }
                reader.skipWhitespace()
                guard let value = reader.string(into: &bytes) else { return false }
                pairs.append((key, value))
                reader.skipWhitespace()
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "}")) else { return false }
        }
        reader.skipWhitespace()
        guard reader.atEnd else { return false }
        return sortPairs()
    }

    /// Insertion sort by key bytes (an entry has a handful of pairs); false on a duplicate key.
    private mutating func sortPairs() -> Bool {
        guard pairs.count > 1 else { return true }
        for index in 1..<pairs.count {
            let pair = pairs[index]
            var position = index
            while position > 0 {
                let order = compare(pairs[position - 1].key, pair.key)
                if order == 0 { return false }
                if order < 0 { break }
                pairs[position] = pairs[position - 1]
                position -= 1
            }
            pairs[position] = pair
        }
        return true
    }

    private func compare(_ left: Range<Int>, _ right: Range<Int>) -> Int {
        for (a, b) in zip(bytes[left], bytes[right]) where a != b { return a < b ? -1 : 1 }
        return left.count == right.count ? 0 : left.count < right.count ? -1 : 1
    }

    private struct Reader {
        let json: UnsafeRawBufferPointer
        var position = 0

        var atEnd: Bool { position == json.count }

        mutating func skipWhitespace() {
            while position < json.count {
                switch json[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < json.count, json[position] == byte else { return false }
            position += 1
            return true
        }

        /// A JSON string, unescaped and appended to `output`: its range there.
        mutating func string(into output: inout [UInt8]) -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = output.count
            var run = position
            while position < json.count {
                let byte = json[position]
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    // The plain bytes before it, copied in one go.
                    output.append(
                        contentsOf: UnsafeRawBufferPointer(rebasing: json[run..<position])
                            .assumingMemoryBound(to: UInt8.self))
                    position += 1
                    if byte == UInt8(ascii: "\"") { return start..<output.count }
                    guard escape(into: &output) else { return nil }
                    run = position
                case 0..<0x20:
                    return nil
                default:
                    position += 1
                }
            }
            return nil
        }

        private mutating func escape(into output: inout [UInt8]) -> Bool {
            guard position < json.count else { return false }
            let byte = json[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hexQuad() else { return false }
                if (0xD800...0xDBFF).contains(scalar) {
                    guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hexQuad(),
                        (0xDC00...0xDFFF).contains(low)
                    else { return false }
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    return false
                }
                guard let unicode = Unicode.Scalar(scalar) else { return false }
                UTF8.encode(unicode) { output.append($0) }
            default:
                return false
            }
            return true
        }

        private mutating func hexQuad() -> UInt32? {
            guard position + 4 <= json.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = json[position]
                position += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
