public import Dates
import Foundation
import Postgres

// Strict JSON decoding, shared by the HTTP bodies and the command line's JSON files (a
// decision's action): a misspelt field is an error rather than a silently missing value, and
// every fault names the field by its path in what the client sent.

/// `roles[1]`, `action.lines[0].amount`: how a client finds the field in what it sent.
public func fieldPath(_ keys: [any CodingKey]) -> String {
    var text = ""
    for key in keys {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return text
}

/// A decoding fault: the field it concerns (nil when it is the document as a whole) and a
/// sentence naming it. `document` names the whole in that sentence: "the body", "the action".
public func decodingFault(_ error: DecodingError, document: String) -> (field: String?, message: String) {
    switch error {
    case .keyNotFound(let key, let context):
        let field = fieldPath(context.codingPath + [key])
        return (field, "\(field) is required")
    case .valueNotFound(_, let context):
        let field = fieldPath(context.codingPath)
        return (field, "\(field) must not be null")
    case .typeMismatch(let type, let context):
        guard !context.codingPath.isEmpty else { return (nil, "\(document) must be a JSON object") }
        let field = fieldPath(context.codingPath)
        return (field, "\(field) must be \(describe(type))")
    case .dataCorrupted(let context):
        guard !context.codingPath.isEmpty else {
            return (
                nil,
                "\(document) is not valid JSON"
                    + ((context.underlyingError).map { ": \($0.localizedDescription)" } ?? "")
            )
        }
        let field = fieldPath(context.codingPath)
        return (field, "\(field) is not valid: \(context.debugDescription)")
    @unknown default:
        return (nil, "\(error)")
    }
}

private func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Bool.Type: "true or false"
    case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
    case is [Any].Type: "an array"
    default: "an object"
    }
}

/// Any key of a JSON object, for seeing the keys a type does not know.
private struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// The object's fields, after refusing any it does not know (naming the first, in order).
    public func strictContainer<Field: CodingKey & CaseIterable>(_ fields: Field.Type) throws
        -> KeyedDecodingContainer<Field>
    {
        let all = try container(keyedBy: AnyCodingKey.self)
        let known = Set(Field.allCases.map(\.stringValue))
        if let unknown = all.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw LedgerError.unknownField(fieldPath(codingPath + [AnyCodingKey(stringValue: unknown)]))
        }
        return try container(keyedBy: Field.self)
    }
}

extension KeyedDecodingContainer {
    /// The path of `key` in the document, for naming it in an error.
    public func path(of key: Key) -> String { fieldPath(codingPath + [key]) }

    /// Amounts: whole minor units, written without a fraction or an exponent, within
    /// ``Money/maximumAmount``; anything else names the field.
    public func decodeMinorUnits(forKey key: Key) throws -> Int64 {
        let amount: Int64
        do {
            amount = try decode(WholeNumber.self, forKey: key).value
        } catch DecodingError.keyNotFound(let missing, let context) {
            throw DecodingError.keyNotFound(missing, context)
        } catch DecodingError.valueNotFound(let type, let context) {
            throw DecodingError.valueNotFound(type, context)
        } catch {
            // Fractions, strings, and numbers beyond 64 bits (which the JSON reader reports
            // with an error of its own, not a DecodingError).
            throw LedgerError.invalidField(
                path(of: key),
                reason: "must be a whole number of minor units (e.g. 123456 for 1234.56), written without "
                    + "a fraction or an exponent, and \(Validate.amountBeyondBound)")
        }
        try Validate.amount(amount, field: path(of: key))
        return amount
    }

    public func decodeMinorUnitsIfPresent(forKey key: Key) throws -> Int64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeMinorUnits(forKey: key)
    }

    public func decodeDate(forKey key: Key) throws -> CalendarDate {
        try parseDate(decode(String.self, forKey: key), key: key)
    }

    public func decodeDateIfPresent(forKey key: Key) throws -> CalendarDate? {
        try decodeIfPresent(String.self, forKey: key).map { try parseDate($0, key: key) }
    }

    private func parseDate(_ text: String, key: Key) throws -> CalendarDate {
        guard let date = CalendarDate(iso8601: text) else {
            throw LedgerError.invalidField(
                path(of: key), reason: "must be \(CalendarDate.iso8601Form), not \"\(text)\"")
        }
        return date
    }

    /// One of the values of a string enumeration; a wrong one lists the right ones.
    public func decodeChoice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type, forKey key: Key)
        throws
        -> Choice where Choice.RawValue == String
    {
        try choice(decode(String.self, forKey: key), key: key)
    }

    public func decodeChoiceIfPresent<Choice: RawRepresentable & CaseIterable>(
        _ type: Choice.Type, forKey key: Key
    ) throws -> Choice? where Choice.RawValue == String {
        try decodeIfPresent(String.self, forKey: key).map { try choice($0, key: key) }
    }

    private func choice<Choice: RawRepresentable & CaseIterable>(_ text: String, key: Key) throws -> Choice
    where Choice.RawValue == String {
        guard let value = Choice(rawValue: text) else {
            throw LedgerError.invalidField(
                path(of: key),
                reason:
                    "must be one of \(Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(text)\""
            )
        }
        return value
    }
}

extension KeyedDecodingContainer {
    /// A measure's value: a JSON number with at most four decimal places.
    public func decodeMeasureValue(forKey key: Key) throws -> MeasureValue {
        let number: Decimal
        do {
            number = try decode(Decimal.self, forKey: key)
        } catch DecodingError.keyNotFound(let missing, let context) {
            throw DecodingError.keyNotFound(missing, context)
        } catch DecodingError.valueNotFound(let type, let context) {
            throw DecodingError.valueNotFound(type, context)
        } catch {
            throw LedgerError.invalidField(path(of: key), reason: "must be a number, such as 86.5")
        }
        do {
            return try MeasureValue(decimal: number)
        } catch LedgerError.invalidField(_, let reason) {
            throw LedgerError.invalidField(path(of: key), reason: reason)
        }
    }

    public func decodeMeasureValueIfPresent(forKey key: Key) throws -> MeasureValue? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeMeasureValue(forKey: key)
    }
}
