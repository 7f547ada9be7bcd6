import ServiceHarness

/// A minimal HTTP/1.1 client over a TCP socket, enough to probe the service in tests without
/// building an HTTP client library.
public enum HTTPProbe {
    public struct Response: Sendable {
        public let status: Int
        /// Header names in lowercase.
        public let headers: [String: String]
        public let body: String
    }

    /// Sends one request with `Connection: close` and reads the whole answer; fails with
    /// `HTTPConnection.Failure.timedOut` when the server is silent for `timeout`, so that a
    /// test fails rather than hangs when the server never answers.
    public static func request(
        _ method: String = "GET", port: Int, path: String, body: String? = nil,
        headers: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> Response {
        try await runBlocking {
            let connection = try HTTPConnection(port: port, timeout: timeout)
            defer { connection.disconnect() }
            let fields = [("Connection", "close")] + headers.map { ($0.key, $0.value) }
            try connection.write(
                HTTPConnection.head(method, path, port: port, headers: fields, bodyLength: body?.utf8.count)
                    + (body ?? ""))
            let answer = try connection.readAnswer(toHead: method == "HEAD")
            return Response(status: answer.status, headers: answer.headers, body: answer.body)
        }
    }
}
