public import Hummingbird

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An error answer in the RFC 9457 format, `application/problem+json`.
///
/// `type` is a stable, relative URI (`/problems/<name>`) that clients may switch on; `title` is
/// the same for every occurrence of the type, and `detail` explains this occurrence.
public struct Problem: Error, HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String?

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String? = nil) {
        precondition(type.hasPrefix("/problems/"), "problem types live under /problems/")
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
    }

    public static let mediaType = "application/problem+json"

    private struct Document: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(
            Document(type: type, title: title, status: status.code, detail: detail))
        var headers = HTTPFields()
        headers[.contentType] = Problem.mediaType
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Problem {
    public static func databaseUnavailable(_ detail: String) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "/problems/database-unavailable",
            title: "The database is unavailable", detail: detail)
    }
}
