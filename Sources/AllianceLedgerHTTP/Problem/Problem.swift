public import Foundation
public import HTTPTypes
public import Hummingbird
import Logging

/// An error answer in the RFC 9457 format, `application/problem+json`.
///
/// `type` is a stable, relative URI (`/problems/<name>`) that clients may switch on; `title` is
/// the same for every occurrence of the type, and `detail` explains this occurrence. `field`
/// names the request field or query parameter at fault, when there is one.
public struct Problem: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String?
    public let field: String?
    /// More members of the document, already encoded as JSON: e.g. an import's report.
    public let members: [String: Data]
    /// Headers the answer must carry, such as `WWW-Authenticate` on a 401.
    public let headers: HTTPFields

    public init(
        status: HTTPResponse.Status, type: String, title: String, detail: String? = nil, field: String? = nil,
        members: [String: Data] = [:], headers: HTTPFields = [:]
    ) {
        precondition(type.hasPrefix("/problems/"), "problem types live under /problems/")
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.field = field
        self.members = members
        self.headers = headers
    }

    public static let mediaType = "application/problem+json"

    private struct Document: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let field: String?
        let requestId: String?
    }

    /// The document's bytes, keys sorted so that the same problem reads the same every time;
    /// `requestID` names the request in the service's logs, where the details are.
    public func document(requestID: String? = nil) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let base = try encoder.encode(
            Document(
                type: type, title: title, status: status.code, detail: detail, field: field,
                requestId: requestID))
        guard !members.isEmpty else { return base }
        guard var object = try JSONSerialization.jsonObject(with: base) as? [String: Any] else { return base }
        for (name, value) in members {
            object[name] = try JSONSerialization.jsonObject(with: value, options: [.fragmentsAllowed])
        }
        return try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try document(
            requestID: context.logger[metadataKey: RequestIDs.metadataKey]?.description)
        var headers = self.headers
        headers[.contentType] = Problem.mediaType
        headers[.contentLength] = String(body.count)
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
