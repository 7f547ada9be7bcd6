import AllianceLedger
import Foundation
import Hummingbird
import Postgres

/// A JSON request body: decoded strictly, so that a misspelt field is an error rather than a
/// silently missing value, and every fault names the field.
protocol JSONRequest: Decodable, Sendable {
    associatedtype Field: CodingKey, CaseIterable
}

enum JSONBody {
    /// The body as `Body`, and its bytes (for the idempotency fingerprint). An empty body reads
    /// as `{}`, so that a POST that takes no fields needs none.
    static func decode<Body: JSONRequest>(
        _ type: Body.Type, from request: Request, context: LedgerRequestContext
    ) async throws -> (body: Body, bytes: [UInt8]) {
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if !bytes.isEmpty {
            let mediaType = request.headers[.contentType]
            guard let mediaType, MediaType(from: mediaType)?.isType(.applicationJson) == true else {
                throw Problem.unsupportedMediaType(expected: "application/json", found: mediaType)
            }
        }
        do {
            return (
                try JSONDecoder().decode(Body.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes)),
                bytes
            )
        } catch let error as DecodingError {
            throw problem(error)
        }
    }

    static func problem(_ error: DecodingError) -> Problem {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalidField(field, "\(field) is required")
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return .invalidField(field, "\(field) must not be null")
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else { return .malformedJSON("the body must be a JSON object") }
            let field = path(context.codingPath)
            return .invalidField(field, "\(field) must be \(describe(type))")
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else {
                return .malformedJSON(
                    "the body is not valid JSON"
                        + ((context.underlyingError).map { ": \($0.localizedDescription)" } ?? ""))
            }
            let field = path(context.codingPath)
            return .invalidField(field, "\(field) is not valid: \(context.debugDescription)")
        @unknown default:
            return .malformedJSON("\(error)")
        }
    }

    /// `roles[1]`, `lines[0].amount`: how a client finds the field in what it sent.
    static func path(_ keys: [any CodingKey]) -> String {
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

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is [Any].Type: "an array"
        default: "an object"
        }
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
    /// The request's fields, after refusing any it does not know (naming the first, in order).
    func strictContainer<Field: CodingKey & CaseIterable>(_ fields: Field.Type) throws
        -> KeyedDecodingContainer<Field>
    {
        let all = try container(keyedBy: AnyCodingKey.self)
        let known = Set(Field.allCases.map(\.stringValue))
        if let unknown = all.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw Problem.unknownField(JSONBody.path(codingPath + [AnyCodingKey(stringValue: unknown)]))
        }
        return try container(keyedBy: Field.self)
    }
}

extension KeyedDecodingContainer {
    /// Amounts: whole minor units that fit in 64 bits; anything else names the field.
    func decodeMinorUnits(forKey key: Key) throws -> Int64 {
        do {
            return try decode(Int64.self, forKey: key)
        } catch DecodingError.keyNotFound(let missing, let context) {
            throw DecodingError.keyNotFound(missing, context)
        } catch DecodingError.valueNotFound(let type, let context) {
            throw DecodingError.valueNotFound(type, context)
        } catch {
            // Fractions, strings, and numbers beyond 64 bits (which the JSON reader reports
            // with an error of its own, not a DecodingError).
            let field = JSONBody.path(codingPath + [key])
            throw Problem.invalidField(
                field,
                "\(field) must be a whole number of minor units (e.g. 123456 for 1234.56) within 64 bits")
        }
    }

    func decodeDate(forKey key: Key) throws -> CalendarDate {
        try parseDate(decode(String.self, forKey: key), key: key)
    }

    func decodeDateIfPresent(forKey key: Key) throws -> CalendarDate? {
        try decodeIfPresent(String.self, forKey: key).map { try parseDate($0, key: key) }
    }

    private func parseDate(_ text: String, key: Key) throws -> CalendarDate {
        guard let date = CalendarDate(iso8601: text) else {
            let field = JSONBody.path(codingPath + [key])
            throw Problem.invalidField(field, "\(field) must be a date written YYYY-MM-DD, not \"\(text)\"")
        }
        return date
    }

    /// One of the values of a string enumeration; a wrong one lists the right ones.
    func decodeChoice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type, forKey key: Key) throws
        -> Choice where Choice.RawValue == String
    {
        try choice(decode(String.self, forKey: key), key: key)
    }

    func decodeChoiceIfPresent<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type, forKey key: Key)
        throws -> Choice? where Choice.RawValue == String
    {
        try decodeIfPresent(String.self, forKey: key).map { try choice($0, key: key) }
    }

    private func choice<Choice: RawRepresentable & CaseIterable>(_ text: String, key: Key) throws -> Choice
    where Choice.RawValue == String {
        guard let value = Choice(rawValue: text) else {
            let field = JSONBody.path(codingPath + [key])
            throw Problem.invalidField(
                field,
                "\(field) must be one of \(Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(text)\""
            )
        }
        return value
    }
}
