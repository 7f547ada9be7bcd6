import Foundation
import TestSupport
import Testing

@testable import AllianceLedger

/// The scan beneath the strict JSON reader, pure, and the reader on a decision's action as both
/// the HTTP service and the command line read it.
@Suite(.timeLimit(.perTest)) struct StrictJSONTests {
    static let action =
        #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":5}]}"#

    /// The scan refuses a key given twice, at any depth and however its name is escaped, and a
    /// string holding NUL, naming the field; it notes numbers written with a fraction or an
    /// exponent; and it leaves malformed JSON to the decoder.
    @Test func theScanSeesWhatTheDecoderCannot() throws {
        func fault(_ text: String) -> JSONTextScan.Fault? { JSONTextScan(Array(text.utf8)).fault }
        #expect(fault(#"{"a":1,"a":2}"#)?.path == [.key("a")])
        #expect(fault(#"{"a":1,"\u0061":2}"#)?.path == [.key("a")])
        #expect(
            fault(#"{"x":[{"a":1},{"a":1,"b":{"c":true,"c":null}}]}"#)?.path == [
                .key("x"), .index(1), .key("b"), .key("c"),
            ])
        #expect(fault(#"{"a":{"b":1},"c":{"b":1}}"#) == nil)
        #expect(fault(#"{"a":"x\u0000y"}"#)?.reason == "cannot contain a NUL character")
        #expect(fault(#"["ok","\u0000"]"#)?.path == [.index(1)])
        #expect(fault(#"{"a":1,"a""#) == nil, "malformed: the decoder says so")
        let numbers = JSONTextScan(Array(#"{"a":1,"b":1.0,"c":[2,1e2,-3E-1],"d":{"e":10}}"#.utf8))
            .notWholeNumbers
        #expect(numbers == [[.key("b")], [.key("c"), .index(1)], [.key("c"), .index(2)]])

        #expect(try StrictJSON.decode(DecisionAction.self, from: Data(Self.action.utf8)).type == "budget.set")
        #expect(
            throws: LedgerError.invalidField(
                "lines[0].amount", reason: "is given more than once in its object")
        ) {
            try StrictJSON.decode(
                DecisionAction.self,
                from: Data(
                    Self.action.replacingOccurrences(of: #""amount":5"#, with: #""amount":5,"amount":6"#).utf8
                ))
        }
        for written in ["5.0", "5e0", "0.5E1"] {
            #expect(throws: LedgerError.self) {
                try StrictJSON.decode(
                    DecisionAction.self,
                    from: Data(
                        Self.action.replacingOccurrences(of: #""amount":5"#, with: #""amount":\#(written)"#)
                            .utf8))
            }
        }
    }
}
