import AllianceLedger
import Foundation
import TestSupport
import Testing

/// Canonical JSON (RFC 8785) as the ledger writes it: the RFC's own examples, its number table
/// for the numbers a statement may hold, vectors written by an independent implementation (the
/// `rfc8785` package on PyPI, Vectors/canonical_json_vectors.py), and everything the reader and
/// the writer refuse.
@Suite(.timeLimit(.perTest)) struct CanonicalJSONTests {
    /// RFC 8785 §3.2.2's example without its "numbers" member, which holds numbers with
    /// fractions that a canonical document of the ledger cannot (see the number table below):
    /// the escapes of §3.2.2.2 and the literals.
    @Test func theRFCsExampleOfStringsAndLiterals() throws {
        let text = #"""
            {
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try CanonicalJSON.canonicalize(Array(text.utf8)) == Array(expected.utf8))
        #expect(CanonicalJSON.isCanonical(Array(expected.utf8)))
        #expect(!CanonicalJSON.isCanonical(Array(text.utf8)))
    }

    /// RFC 8785 §3.2.3's example of sorting: by UTF-16 code units, so the emoji (a surrogate
    /// pair, 0xD83D 0xDE00) comes before U+FB33, though its code point is greater.
    @Test func theRFCsExampleOfSorting() throws {
        let text = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","\#u{F6}":"Latin Small Letter O With Diaeresis","#
            + #""\#u{20AC}":"Euro Sign","\#u{1F600}":"Emoji: Grinning Face","\#u{FB33}":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(try CanonicalJSON.canonicalize(Array(text.utf8)) == Array(expected.utf8))
    }

    /// RFC 8785 Appendix B's table of IEEE 754 doubles and their ECMAScript text. The numbers a
    /// canonical document of the ledger holds are integers within ±(2^53 − 1): of the table,
    /// zero and minus zero (both written 0). Every other entry is refused, the non-finite ones
    /// by `JSONEncoder`, the rest as a fraction or beyond 2^53 − 1, rather than written in a form
    /// another implementation might not agree with.
    @Test func theRFCsNumberTable() throws {
        let table: [(bits: UInt64, ecmaScript: String?)] = [
            (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"), (0x8000_0000_0000_0001, "-5e-324"),
            (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
            (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"), (0xC340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"), (0x7FFF_FFFF_FFFF_FFFF, nil),
            (0x7FF0_0000_0000_0000, nil), (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
            (0x44B5_2D02_C7E1_4AF6, "1e+23"), (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
            (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
            (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
            (0x444B_1AE4_D6E2_EF50, "1e+21"), (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
            (0x3EB0_C6F7_A0B5_ED8D, "0.000001"), (0x41B3_DE43_5555_5553, "333333333.3333332"),
            (0x41B3_DE43_5555_5554, "333333333.33333325"), (0x41B3_DE43_5555_5555, "333333333.3333333"),
            (0x41B3_DE43_5555_5556, "333333333.3333334"), (0x41B3_DE43_5555_5557, "333333333.33333343"),
            (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
            (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
        ]
        for (bits, ecmaScript) in table {
            let number = Double(bitPattern: bits)
            if let ecmaScript, let integer = Int64(ecmaScript), abs(integer) <= JSONValue.largestInteger {
                #expect(try CanonicalJSON.encode([number]) == Array("[\(ecmaScript)]".utf8))
            } else {
                #expect(throws: (any Error).self, "\(number)") { try CanonicalJSON.encode([number]) }
            }
        }
        // The integers a statement holds, to the edges, are written as ECMAScript writes the
        // double of the same value: plain decimal digits.
        for integer in [0, 1, -1, 1_000_000, JSONValue.largestInteger, -JSONValue.largestInteger] {
            #expect(try JSONValue.integer(integer).canonicalText() == String(integer))
            #expect(try JSONValue(parsing: Array(String(integer).utf8)) == .integer(integer))
        }
        #expect(throws: CanonicalJSONError.integerOutOfRange(path: "")) {
            try JSONValue.integer(JSONValue.largestInteger + 1).canonicalBytes()
        }
        #expect(throws: CanonicalJSONError.integerOutOfRange(path: "[0]")) {
            try JSONValue.array([.integer(Int64.min)]).canonicalBytes()
        }
    }

    struct Vectors: Decodable {
        struct Vector: Decodable {
            let text: String
            let canonical: String
        }

        let vectors: [Vector]
    }

    /// Documents of random shape written freely (members in any order, white space, escapes),
    /// and what the `rfc8785` package writes for each: the same bytes here. Strings are compared
    /// as bytes, not as Swift's `String`, which takes "é" and "e\u{301}" for one.
    @Test func vectorsOfAnIndependentImplementation() throws {
        let url = try #require(
            Bundle.module.url(forResource: "Vectors/canonical-json-vectors", withExtension: "json"))
        let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url)).vectors
        #expect(vectors.count == 200)
        var wrong: [String] = []
        var refusedByTheEncoder = 0
        for (index, vector) in vectors.enumerated() {
            let canonical = Array(vector.canonical.utf8)
            let written = try CanonicalJSON.canonicalize(Array(vector.text.utf8))
            if written != canonical {
                wrong.append("vector \(index): \(String(decoding: written, as: UTF8.self))")
            }
            if try CanonicalJSON.canonicalize(canonical) != canonical || !CanonicalJSON.isCanonical(canonical)
            {
                wrong.append("vector \(index) is not canonical once canonical")
            }
            // A document read from its canonical text is the document, and writes that text.
            let value = try JSONValue(parsing: Array(vector.text.utf8))
            if try JSONValue(parsing: canonical) != value || (try? value.canonicalBytes()) != canonical {
                wrong.append("vector \(index) does not read back")
            }
            // Through `JSONEncoder` as an `Encodable`, the same bytes, unless the document has
            // keys that differ only in Unicode normalisation, which that path refuses.
            do {
                if try CanonicalJSON.encode(value) != canonical {
                    wrong.append("vector \(index) is written otherwise through JSONEncoder")
                }
            } catch is EncodingError {
                refusedByTheEncoder += 1
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(refusedByTheEncoder < vectors.count / 4)
    }

    /// What the reader refuses, each with the error that says why.
    @Test func theReaderRefusesWhatACanonicalDocumentCannotHold() throws {
        func read(_ text: String) throws(CanonicalJSONError) -> JSONValue {
            try JSONValue(parsing: Array(text.utf8))
        }
        #expect(throws: CanonicalJSONError.duplicateKey(path: "a")) { try read(#"{"a":1,"a":2}"#) }
        #expect(throws: CanonicalJSONError.duplicateKey(path: "x.a")) {
            try read(#"{"x":{"a":1,"\u0061":2}}"#)
        }
        #expect(throws: CanonicalJSONError.notAnInteger(path: "a[1]")) { try read(#"{"a":[1,1.5]}"#) }
        #expect(throws: CanonicalJSONError.notAnInteger(path: "")) { try read("1e3") }
        #expect(throws: CanonicalJSONError.notAnInteger(path: "")) { try read("1.0") }
        #expect(throws: CanonicalJSONError.integerOutOfRange(path: "n")) {
            try read(#"{"n":9007199254740992}"#)
        }
        #expect(throws: CanonicalJSONError.integerOutOfRange(path: "n")) {
            try read(#"{"n":-123456789012345678901234567890}"#)
        }
        let malformed = [
            "", " ", "01", "-", "+1", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[1 2]", "nul", "NaN", "Infinity",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\u{1}\"", "\"\n\"", "\"abc", "\"\\x\"",
            "\"\\u12g4\"", "\u{FEFF}{}", "{} {}", "{}x", "{1:2}", "'a'", "[",
        ]
        for text in malformed {
            #expect(Self.isRefusedAsMalformed(Array(text.utf8)), "\(text)")
        }
        // Bytes that are not UTF-8: a lone continuation byte, an overlong form, a surrogate.
        for bytes: [UInt8] in [
            [0x22, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        ] {
            #expect(Self.isRefusedAsMalformed(bytes), "\(bytes)")
        }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: CanonicalJSONError.self) { try read(deep) }
        let deepEnough = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try read(deepEnough)
        // White space, "-0" and "\/" are read; the canonical text has none of them.
        #expect(
            try CanonicalJSON.canonicalize(Array(" [ -0 , \"\\/\" ]\r\n\t".utf8)) == Array(#"[0,"/"]"#.utf8))
    }

    /// What the writer refuses, naming the value's path.
    @Test func theWriterRefusesWhatItCannotWriteCanonically() {
        let twice: JSONValue = ["rows": [["a": 1, "b": 2, "a": 3]]]
        #expect(throws: CanonicalJSONError.duplicateKey(path: "rows[0].a")) { try twice.canonicalBytes() }
        var deep: JSONValue = .null
        for _ in 0..<65 { deep = [deep] }
        #expect(throws: CanonicalJSONError.self) { try deep.canonicalBytes() }
        #expect(
            CanonicalJSONError.integerOutOfRange(path: "budget.total").description
                == "budget.total is an integer outside ±(2^53 − 1), which canonical JSON cannot hold exactly")
    }

    /// Values compare as their canonical bytes do: members in any order are one object, and
    /// strings are equal only code unit for code unit.
    @Test func valuesAreEqualWhenTheirCanonicalBytesAre() throws {
        let one: JSONValue = ["b": [1, "x", .null, true], "a": ["c": false]]
        let other: JSONValue = ["a": ["c": false], "b": [1, "x", .null, true]]
        #expect(one == other)
        #expect(try one.canonicalBytes() == other.canonicalBytes())
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
        #expect(JSONValue.object([(key: "\u{E9}", value: 1)]) != .object([(key: "e\u{301}", value: 1)]))
        #expect(
            try JSONValue.object([(key: "\u{E9}", value: 1), (key: "e\u{301}", value: 2)]).canonicalText()
                == "{\"e\u{301}\":2,\"\u{E9}\":1}")
        #expect(one != ["a": ["c": false], "b": [1, "x", .null, false]])
    }

    /// A verifier reads a document back and looks its figures up by key and index.
    @Test func aDocumentReadBackIsReadByKeyAndIndex() throws {
        let document = try JSONValue(
            parsing: Array(
                #"{"budget":{"rows":[{"partner":"slam","actual":-5}],"closed":true,"note":null}}"#.utf8))
        let row = try #require(document["budget"]?["rows"]?[0])
        #expect(row["partner"]?.stringValue == "slam")
        #expect(row["actual"]?.integerValue == -5)
        #expect(row["actual"]?.stringValue == nil)
        #expect(document["budget"]?["closed"]?.boolValue == true)
        #expect(document["budget"]?["note"]?.isNull == true)
        #expect(document["budget"]?["rows"]?.arrayValue?.count == 1)
        #expect(document["budget"]?["rows"]?[1] == nil)
        #expect(document["missing"] == nil && document[0] == nil)
        #expect(document.objectMembers?.map(\.key) == ["budget"])
    }

    struct Statement: Encodable {
        struct Row: Encodable {
            let partner: String
            let budget: Int64
            let note: String?
        }

        let format = "alliance-ledger-statement/1"
        let rows: [Row]
        let totals: [String: Int64]
        let extra: JSONValue
    }

    /// An `Encodable` document is written canonically whatever order its keys are encoded in;
    /// a nil optional is left out, as `JSONEncoder` leaves it; a number a canonical document
    /// cannot hold is refused naming its path; a non-finite double is refused by the encoder.
    @Test func encodableDocumentsAreWrittenCanonically() throws {
        let statement = Statement(
            rows: [
                .init(partner: "slam", budget: 120_000_00, note: "a/b \"c\"\n"),
                .init(partner: "lambeth", budget: -5, note: nil),
            ],
            totals: ["z": 1, "a": 2], extra: ["€": [.null, true], "1": "\u{2028}"])
        let expected =
            #"{"extra":{"1":"\#u{2028}","€":[null,true]},"format":"alliance-ledger-statement/1","#
            + #""rows":[{"budget":12000000,"note":"a/b \"c\"\n","partner":"slam"},{"budget":-5,"partner":"lambeth"}],"#
            + #""totals":{"a":2,"z":1}}"#
        let bytes = try CanonicalJSON.encode(statement)
        #expect(bytes == Array(expected.utf8))
        #expect(CanonicalJSON.isCanonical(bytes))

        let tooLarge = Statement(
            rows: [.init(partner: "slam", budget: JSONValue.largestInteger + 1, note: nil)], totals: [:],
            extra: .null)
        #expect(throws: CanonicalJSONError.integerOutOfRange(path: "rows[0].budget")) {
            try CanonicalJSON.encode(tooLarge)
        }
        #expect(throws: EncodingError.self) { try CanonicalJSON.encode(["n": Double.nan]) }
        #expect(throws: EncodingError.self) { try CanonicalJSON.encode(["n": -Double.infinity]) }
        #expect(throws: CanonicalJSONError.notAnInteger(path: "n")) { try CanonicalJSON.encode(["n": 0.5]) }
        #expect(throws: EncodingError.self) {
            try CanonicalJSON.encode(JSONValue.object([(key: "a", value: 1), (key: "a", value: 2)]))
        }
        #expect(throws: EncodingError.self) {
            try CanonicalJSON.encode(
                JSONValue.object([(key: "\u{E9}", value: 1), (key: "e\u{301}", value: 2)]))
        }
    }

    static func isRefusedAsMalformed(_ bytes: [UInt8]) -> Bool {
        do {
            _ = try JSONValue(parsing: bytes)
            return false
        } catch {
            if case .malformed = error { return true }
            return false
        }
    }
}
