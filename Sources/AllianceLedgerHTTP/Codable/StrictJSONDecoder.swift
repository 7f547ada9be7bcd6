import AllianceLedger
import Foundation
public import Hummingbird

/// Reads JSON request bodies strictly: only `application/json`, within the context's size
/// limit, and every fault a problem that names the field, so that a misspelt field is an error
/// rather than a silently missing value. An empty body reads as `{}`, so that a POST that takes
/// no fields needs none.
public struct StrictJSONDecoder: RequestDecoder, Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext)
        async throws -> T
    {
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if !bytes.isEmpty {
            let mediaType = request.headers[.contentType]
            guard let mediaType, MediaType(from: mediaType)?.isType(.applicationJson) == true,
                Self.isUTF8(mediaType)
            else {
                throw Problem.unsupportedMediaType(expected: "application/json", found: mediaType)
            }
        }
        do {
            return try StrictJSON.decode(T.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        } catch let error as DecodingError {
            let fault = decodingFault(error, document: "the body")
            guard let field = fault.field else { throw Problem.malformedJSON(fault.message) }
            throw Problem.invalidField(field, fault.message)
        }
    }
}

extension StrictJSONDecoder {
    /// JSON is UTF-8 (RFC 8259), so a `charset` parameter may say only that: a body declared
    /// in another encoding would be read as something its sender did not write.
    static func isUTF8(_ mediaType: String) -> Bool {
        mediaType.split(separator: ";").dropFirst().allSatisfy { parameter in
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset"
            else { return true }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            let unquoted =
                value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"")
                ? value.dropFirst().dropLast() : Substring(value)
            return unquoted.lowercased() == "utf-8"
        }
    }
}

/// A JSON request body of the API: its decoder reads it through
/// `strictContainer(Field.self)`, so the fields it takes are `Field`'s cases.
protocol JSONRequest: Decodable, Sendable {
    associatedtype Field: CodingKey, CaseIterable
}
