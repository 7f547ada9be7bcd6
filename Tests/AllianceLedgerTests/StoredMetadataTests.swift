import TestSupport
import Testing

@testable import AllianceLedger

/// The verifier's reader of stored metadata: it must give the pairs, in the order, that the
/// writer hashed from the request's dictionary, for any metadata the ledger accepts; and refuse
/// what the writer never stores.
@Suite(.timeLimit(.perTest)) struct StoredMetadataTests {
    /// The pairs `read` gives, as strings.
    static func pairs(of json: String) -> [(String, String)]? {
        var reader = StoredMetadata()
        let read = Array(json.utf8).withUnsafeBytes { reader.read($0) }
        guard read else { return nil }
        return reader.pairs.map {
            (
                String(decoding: reader.bytes[$0.key], as: UTF8.self),
                String(decoding: reader.bytes[$0.value], as: UTF8.self)
            )
        }
    }

    /// The pairs the entry hash covers: the dictionary sorted by the keys' UTF-8 bytes.
    static func expected(_ metadata: [String: String]) -> [(String, String)] {
        metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { ($0, metadata[$0] ?? "") }
    }

    static func same(_ left: [(String, String)]?, _ right: [(String, String)]) -> Bool {
        guard let left, left.count == right.count else { return false }
        // Compared as bytes: String equality would take canonically equivalent texts as one.
        return zip(left, right).allSatisfy {
            Array($0.0.utf8) == Array($1.0.utf8) && Array($0.1.utf8) == Array($1.1.utf8)
        }
    }

    /// Any metadata, written as the writer writes it and as PostgreSQL prints a jsonb (a space
    /// after each colon and comma, its own key order), reads back as the writer hashed it.
    @Test(arguments: 0..<8) func everyAcceptedMetadataReadsBackAsHashed(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let alphabet: [Character] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\u{8}", "\u{C}", "\u{1}", "\u{1F}", "é",
            "e\u{301}",
            "€", "😀", "中", "\u{7F}", "\u{2028}",
        ]
        func text(_ length: Int) -> String {
            String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        for _ in 0..<200 {
            var metadata: [String: String] = [:]
            for _ in 0..<Int(random.next() % 6) {
                metadata[text(1 + Int(random.next() % 8))] = text(Int(random.next() % 12))
            }
            try EntryRequest.checkMetadata(metadata)
            let written = LedgerStore.metadataJSON(metadata)
            #expect(Self.same(Self.pairs(of: written), Self.expected(metadata)), "\(written)")
            // As jsonb prints it: keys by length then bytes, ", " and ": ", non-ASCII as is.
            let jsonbOrder = metadata.keys.sorted {
                $0.utf8.count != $1.utf8.count
                    ? $0.utf8.count < $1.utf8.count : $0.utf8.lexicographicallyPrecedes($1.utf8)
            }
            let printed =
                "{"
                + jsonbOrder.map { "\(Self.quoted($0)): \(Self.quoted(metadata[$0] ?? ""))" }.joined(
                    separator: ", ")
                + "}"
            #expect(Self.same(Self.pairs(of: printed), Self.expected(metadata)), "\(printed)")
        }
    }

    /// A JSON string with every escape a reader must know, as another writer might choose them.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "😀": out += "\\ud83d\\ude00"
            case "€": out += "\\u20AC"
            case _ where scalar.value < 0x20:
                out += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func escapesAreUndone() {
        #expect(Self.same(Self.pairs(of: #"{}"#), []))
        #expect(Self.same(Self.pairs(of: " { } \n"), []))
        #expect(
            Self.same(
                Self.pairs(of: #"{"b": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "a": ""}"#),
                [("a", ""), ("b", "x\"\\/\u{8}\u{C}\n\r\té😀")]))
    }

    @Test(arguments: [
        "", "[]", #"{"a": 1}"#, #"{"a": null}"#, #"{"a": "x""#, #"{"a" "x"}"#, #"{"a": "x",}"#,
        #"{"a": "x"} x"#, #"{"a": "x", "a": "y"}"#, #"{"a": "\ud83d"}"#, #"{"a": "\ude00"}"#,
        #"{"a": "\x"}"#, #"{"a": "\u12"}"#, "{\"a\": \"\u{1}\"}", #"{a: "x"}"#,
    ])
    func whatTheWriterNeverStoresIsRefused(json: String) {
        #expect(Self.pairs(of: json) == nil)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
