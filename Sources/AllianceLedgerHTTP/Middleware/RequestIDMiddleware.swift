import AllianceLedger
import Hummingbird
import Logging

/// Gives every request an id, and every answer an `X-Request-ID` header with it: the client's
/// own id when it sent a sane one (so that its logs and ours meet), else the one Hummingbird
/// made. The id is in the request's logger, so every log line of the request carries it; in
/// every problem document; and in every governance record the request makes, so that the
/// governance log and the service's own log meet.
struct RequestIDMiddleware<Context: LedgerContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if let id = request.headers[.requestID].flatMap(RequestIDs.sane) {
            context.logger[metadataKey: RequestIDs.metadataKey] = .string(id)
        }
        let id = context.requestID
        var response = try await RequestProvenance.$requestID.withValue(id) {
            try await next(request, context)
        }
        response.headers[.requestID] = id
        return response
    }
}

/// The ids of requests.
enum RequestIDs {
    /// The logger's key for it, which Hummingbird itself fills and reads (`context.id`).
    static let metadataKey = "hb.request.id"

    static let maximumLength = 128

    /// An id a client may choose: 1 to 128 letters, digits and `-._:`, enough for UUIDs, ULIDs
    /// and trace ids, and nothing that could forge a log line or a header.
    static func sane(_ id: String) -> String? {
        let allowed = id.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == 45 || byte == 46 || byte == 95 || byte == 58
        }
        return allowed && (1...maximumLength).contains(id.utf8.count) ? id : nil
    }
}
