import Foundation
public import Hummingbird

/// Writes JSON answers with their keys sorted, so that the same value is the same bytes every
/// time (replays, tests, and anyone diffing answers), and without escaping slashes.
public struct JSONAnswerEncoder: ResponseEncoder, Sendable {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws
        -> Response
    {
        JSONAnswerEncoder.response(try data(value), status: .ok)
    }

    /// The answer's bytes, for an answer that is also stored (see `IdempotentCreations`).
    public func data(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func response(_ bytes: [UInt8], status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(bytes.count)
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A handler's answer: a value the context's encoder writes, with a status and headers.
struct Answer<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value
    var status: HTTPResponse.Status = .ok
    var headers: HTTPFields = [:]

    init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(value, from: request, context: context)
        response.status = status
        for field in headers { response.headers[field.name] = field.value }
        return response
    }
}
