import AllianceLedger
import Foundation

/// libFuzzer's entry point: one input for the parser `ALLIANCE_LEDGER_FUZZ_TARGET` names. A
/// parser may refuse any input, but never trap, and what it accepts it must read back the same.
/// Built only by Tests/Evidence/fuzz-parsers.py, with `-sanitize=fuzzer`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    ParserTarget.current.run(bytes)
    return 0
}

enum ParserTarget: String, CaseIterable {
    case csv
    case period
    case amount
    case json

    static let current: ParserTarget = {
        let name = ProcessInfo.processInfo.environment["ALLIANCE_LEDGER_FUZZ_TARGET"] ?? ""
        guard let target = ParserTarget(rawValue: name) else {
            fatalError("set ALLIANCE_LEDGER_FUZZ_TARGET to one of \(allCases.map(\.rawValue))")
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .csv: Self.tokenize(bytes)
        case .period: Self.readPeriod(bytes)
        case .amount: Self.readAmount(bytes)
        case .json: Self.decodeJSON(bytes)
        }
    }

    /// The CSV tokenizer, fed in two chunks split where the first byte says (a body arrives in
    /// pieces), with a small record limit so that the limit is reached too. The same input fed
    /// whole must give the same records.
    static func tokenize(_ bytes: [UInt8]) {
        let split = bytes.first.map { Int($0) % (bytes.count + 1) } ?? 0
        var chunked = CSVTokenizer(maximumRecordBytes: 256)
        var inChunks: [CSVTokenizer.Output] = []
        chunked.feed(bytes[..<split], into: &inChunks)
        chunked.feed(bytes[split...], into: &inChunks)
        chunked.finish(into: &inChunks)
        var whole = CSVTokenizer(maximumRecordBytes: 256)
        var atOnce: [CSVTokenizer.Output] = []
        whole.feed(bytes, into: &atOnce)
        whole.finish(into: &atOnce)
        precondition(inChunks == atOnce, "the records depend on where the input was split")
    }

    /// A period accepted is read back from its own text as the same period.
    static func readPeriod(_ bytes: [UInt8]) {
        let startMonth = 1 + Int(bytes.first ?? 0) % 12
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        guard let period = try? Period(parsing: text, financialYearStartMonth: startMonth) else { return }
        let again = try? Period(parsing: period.description, financialYearStartMonth: startMonth)
        precondition(
            again == period, "\(text) read as \(period), which reads back as \(String(describing: again))")
    }

    /// An amount accepted is within one amount's bound, in currencies of 0, 2 and 3 decimals.
    static func readAmount(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for currency in ["JPY", "GBP", "BHD"] {
            guard let amount = Money.parse(text, currency: currency) else { continue }
            precondition(amount != Int64.min, "\(text) read as Int64.min in \(currency)")
        }
    }

    /// Strict JSON into a decision's action, the richest body the API reads (amounts, nested
    /// lists, a type that picks the rest).
    static func decodeJSON(_ bytes: [UInt8]) {
        _ = try? StrictJSON.decode(DecisionAction.self, from: Data(bytes))
        _ = try? StrictJSON.decode([String: String].self, from: Data(bytes))
    }
}
