import Hummingbird
import NIOCore
import Synchronization

/// What the service allows a request's body on the wire.
///
/// The service waits at most `readTimeout` in all for a body's bytes, or it is answered 408: a
/// client trickling a byte now and then cannot hold a request open for ever. Only the waiting
/// counts, not the time the handler takes before it reads (the database may be busy), so a body
/// that came with its head is never late. (A client that stops sending altogether is
/// disconnected sooner, by the server's idle timeout.)
///
/// An answer given before the body was read to its end, and every 401, 408 and 413, closes the
/// connection (`Connection: close`): a client cannot keep streaming into a connection whose
/// request was refused, nor use it to try token after token.
struct RequestBodyMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext

    let readTimeout: Duration

    /// Answers after which the connection is closed whatever was read.
    static let closingStatuses: Set<HTTPResponse.Status> = [.unauthorized, .requestTimeout, .contentTooLarge]
    /// How long a closed connection is still read after its answer, so that the client sees
    /// the answer and its end rather than a reset for the bytes it was still sending.
    static let linger = TimeAmount.seconds(1)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var request = request
        // A request that declares no body (every GET of a page or a statement) has nothing to
        // time out or leave unread: it is not wrapped, which costs a reader per request.
        var reading: BodyReading?
        if Self.declaresBody(request.head) {
            let body = BodyReading(limit: readTimeout, body: request.body)
            request.body = RequestBody(asyncSequence: body)
            reading = body
        }
        let response = try await next(request, context)
        let bodyLeftUnread = reading.map { !$0.reachedEnd } ?? false
        guard bodyLeftUnread || Self.closingStatuses.contains(response.status) else { return response }
        return Self.closingAfterwards(response, channel: context.channel)
    }

    /// Whether the request says it has a body: the server reads none otherwise.
    static func declaresBody(_ head: HTTPRequest) -> Bool {
        if let length = head.headerFields[.contentLength] { return length != "0" }
        return head.headerFields[.transferEncoding] != nil
    }

    /// `response`, marked `Connection: close`, ending the connection once it has been written.
    static func closingAfterwards(_ response: Response, channel: any Channel) -> Response {
        var response = response
        response.headers[.connection] = "close"
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            try await body.write(writer)
            // Half-close once the answer is written (NIO writes what is pending first), then
            // close whole after a moment, whatever the client still sends.
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
        return response
    }
}

/// A request body that fails with 408 once the service has waited longer than `limit` in all
/// for its bytes, and says whether it was read to its end.
final class BodyReading: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let limit: Duration
    private let body: RequestBody
    private let ended = Atomic(false)

    init(limit: Duration, body: RequestBody) {
        self.limit = limit
        self.body = body
    }

    /// Whether a reader has been given the body's end.
    var reachedEnd: Bool { ended.load(ordering: .acquiring) }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reading: self, chunks: body.makeAsyncIterator())
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let reading: BodyReading
        var chunks: RequestBody.AsyncIterator
        /// How long this reader has waited for the client's bytes so far.
        var waited = Duration.zero

        mutating func next() async throws -> ByteBuffer? {
            let asked = ContinuousClock.now
            let chunk = try await chunks.next()
            waited += ContinuousClock.now - asked
            // A trickle is stopped at its first chunk past the limit; the end of a body that
            // came in time is not late.
            guard let chunk else {
                reading.ended.store(true, ordering: .releasing)
                return nil
            }
            guard waited <= reading.limit else {
                throw Problem.requestTimeout(seconds: Int(reading.limit.components.seconds))
            }
            return chunk
        }
    }
}
