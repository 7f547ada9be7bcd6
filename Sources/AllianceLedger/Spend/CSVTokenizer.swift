/// One record of a CSV file.
public struct CSVRecord: Hashable, Sendable {
    /// The physical line the record starts on, counting from 1. A quoted field may hold line
    /// breaks, so the next record can start several lines further on.
    public var line: Int
    /// Empty for a blank line, so that a blank line and a line holding one empty quoted field
    /// (`""`) stay apart.
    public var fields: [String]
}

/// A record that breaks RFC 4180 or is not UTF-8. Only that record is lost: reading goes on
/// from the next line break outside quotes.
public struct CSVSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public var description: String { "line \(line): \(reason)" }
}

/// Splits CSV (RFC 4180) into records, from bytes fed in chunks of any size.
///
/// Chunks may split the input anywhere: inside a quoted field, between the two quotes of an
/// escaped `""`, between the CR and LF of a line break, or inside a multi-byte UTF-8
/// character, because fields are kept as bytes until they end and are decoded only then.
/// Memory stays bounded by the longest record, which is capped at `maximumRecordBytes`: a
/// quote that is never closed would otherwise make the rest of the file one record.
///
/// Accepted beyond the RFC: a LF or a lone CR as a line break as well as CRLF, a UTF-8 byte
/// order mark at the start (skipped), and no line break after the last record.
public struct CSVTokenizer: Sendable {
    public typealias Output = Result<CSVRecord, CSVSyntaxError>

    public static let defaultMaximumRecordBytes = 64 * 1024

    private enum State {
        case fieldStart
        case unquoted
        case quoted
        /// A quote inside a quoted field: the field's end, or the first half of `""`.
        case quoteInQuoted
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public let maximumRecordBytes: Int
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    /// The first thing wrong with the current record; later faults add nothing a person needs.
    private var problem: String?
    private var line = 1
    private var recordLine = 1
    /// Bytes of the current record before its line break; 0 while it could still be blank.
    private var recordBytes = 0
    private var previousWasCarriageReturn = false
    /// Bytes of the byte order mark matched at the start of the input; nil once past it.
    private var byteOrderMarkMatched: Int? = 0

    public init(maximumRecordBytes: Int = CSVTokenizer.defaultMaximumRecordBytes) {
        self.maximumRecordBytes = maximumRecordBytes
    }

    /// Appends to `output` each record that `chunk` completes, in order.
    public mutating func feed(_ chunk: some Collection<UInt8>, into output: inout [Output]) {
        let fed: Void? = chunk.withContiguousStorageIfAvailable { bytes in feed(bytes, into: &output) }
        if fed == nil {
            Array(chunk).withUnsafeBufferPointer { bytes in feed(bytes, into: &output) }
        }
    }

    /// Ends the input: appends the last record if no line break followed it.
    public mutating func finish(into output: inout [Output]) {
        if let matched = byteOrderMarkMatched {
            byteOrderMarkMatched = nil
            for byte in CSVTokenizer.byteOrderMark.prefix(matched) { consume(byte, into: &output) }
        }
        if state == .quoted {
            note("field \(fields.count + 1) opens a quote that is never closed")
        }
        if recordBytes > 0 { endRecord(into: &output) }
    }

    private mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [Output]) {
        var index = 0
        while index < bytes.count {
            // Most bytes mean nothing to CSV: copy each run of them in one go, and step through
            // the rest one byte at a time.
            var end = index
            switch state {
            case .unquoted:
                while end < bytes.count, !CSVTokenizer.endsUnquotedRun(bytes[end]) { end += 1 }
            case .fieldStart where byteOrderMarkMatched == nil:
                while end < bytes.count, !CSVTokenizer.endsUnquotedRun(bytes[end]) { end += 1 }
            case .quoted:
                while end < bytes.count, !CSVTokenizer.endsQuotedRun(bytes[end]) { end += 1 }
            case .fieldStart, .quoteInQuoted:
                break
            }
            guard end > index else {
                step(bytes[index], into: &output)
                index += 1
                continue
            }
            if state == .fieldStart { state = .unquoted }
            previousWasCarriageReturn = false
            count(end - index)
            if !overflowed { field.append(contentsOf: bytes[index..<end]) }
            index = end
        }
    }

    private static func endsUnquotedRun(_ byte: UInt8) -> Bool {
        byte == quote || byte == comma || byte == carriageReturn || byte == lineFeed
    }

    private static func endsQuotedRun(_ byte: UInt8) -> Bool {
        byte == quote || byte == carriageReturn || byte == lineFeed
    }

    private mutating func step(_ byte: UInt8, into output: inout [Output]) {
        if let matched = byteOrderMarkMatched {
            if byte == CSVTokenizer.byteOrderMark[matched] {
                byteOrderMarkMatched = matched + 1 == CSVTokenizer.byteOrderMark.count ? nil : matched + 1
                return
            }
            // Not a byte order mark after all: what looked like one is data.
            byteOrderMarkMatched = nil
            for earlier in CSVTokenizer.byteOrderMark.prefix(matched) { consume(earlier, into: &output) }
        }
        consume(byte, into: &output)
    }

    private mutating func consume(_ byte: UInt8, into output: inout [Output]) {
        let afterCarriageReturn = previousWasCarriageReturn
        previousWasCarriageReturn = byte == CSVTokenizer.carriageReturn
        let isLineBreak =
            byte == CSVTokenizer.carriageReturn || (byte == CSVTokenizer.lineFeed && !afterCarriageReturn)
        switch state {
        case .quoted:
            if isLineBreak { line += 1 }
            count()
            if byte == CSVTokenizer.quote { state = .quoteInQuoted } else { append(byte) }
        case .quoteInQuoted:
            switch byte {
            case CSVTokenizer.quote:
                count()
                append(byte)
                state = .quoted
            case CSVTokenizer.comma:
                count()
                endField()
                state = .fieldStart
            case CSVTokenizer.carriageReturn, CSVTokenizer.lineFeed:
                line += 1
                endRecord(into: &output)
            default:
                count()
                note("field \(fields.count + 1) has text after its closing quote")
                append(byte)
                state = .unquoted
            }
        case .fieldStart, .unquoted:
            switch byte {
            case CSVTokenizer.comma:
                count()
                endField()
                state = .fieldStart
            case CSVTokenizer.carriageReturn, CSVTokenizer.lineFeed:
                // Outside quotes a CR always ends the record, so a LF right after it is the
                // second half of the same CRLF.
                guard isLineBreak else { return }
                line += 1
                endRecord(into: &output)
            case CSVTokenizer.quote where state == .fieldStart:
                count()
                state = .quoted
            case CSVTokenizer.quote:
                count()
                note(
                    "field \(fields.count + 1) has a quote inside an unquoted value: enclose the field in "
                        + "quotes and double the quote, as \"12\"\" pipe\"")
                append(byte)
            default:
                count()
                append(byte)
                state = .unquoted
            }
        }
    }

    private mutating func count(_ bytes: Int = 1) {
        let wasOverflowed = overflowed
        recordBytes += bytes
        if overflowed && !wasOverflowed {
            note("the record is longer than \(maximumRecordBytes) bytes")
            // Nothing of it will be used, so none of it need be kept.
            field = []
            fields = []
        }
    }

    private var overflowed: Bool { recordBytes > maximumRecordBytes }

    private mutating func append(_ byte: UInt8) {
        if !overflowed { field.append(byte) }
    }

    private mutating func note(_ reason: String) {
        if problem == nil { problem = reason }
    }

    private mutating func endField() {
        guard !overflowed else { return }
        if let text = CSVTokenizer.text(field) {
            fields.append(text)
        } else {
            note("field \(fields.count + 1) is not valid UTF-8")
            fields.append("")
        }
        field.removeAll(keepingCapacity: true)
    }

    /// Nil unless UTF-8. ASCII, the common case, needs no validation, and skips the cost of
    /// the generic validating initialiser, which is a good part of the cost of a record.
    private static func text(_ bytes: [UInt8]) -> String? {
        bytes.allSatisfy { $0 < 0x80 }
            ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    private mutating func endRecord(into output: inout [Output]) {
        if recordBytes > 0 { endField() }
        if let problem {
            output.append(.failure(CSVSyntaxError(line: recordLine, reason: problem)))
        } else {
            output.append(.success(CSVRecord(line: recordLine, fields: fields)))
        }
        fields = []
        field.removeAll(keepingCapacity: !overflowed)
        problem = nil
        recordBytes = 0
        recordLine = line
        state = .fieldStart
    }
}
