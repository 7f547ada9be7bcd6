import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a TCP socket, enough to probe the service in tests without
/// building an HTTP client library.
public enum HTTPProbe {
    public struct Response: Sendable {
        public let status: Int
        /// Header names in lowercase.
        public let headers: [String: String]
        public let body: String
    }

    public enum Failure: Error {
        case cannotConnect(String)
        case malformedResponse
    }

    /// Sends one request with `Connection: close` and reads the whole answer.
    public static func request(
        _ method: String = "GET", port: Int, path: String, body: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> Response {
        try await runBlocking {
            try exchange(method, port: port, path: path, body: body, headers: headers)
        }
    }

    private static func exchange(
        _ method: String, port: Int, path: String, body: String?, headers: [String: String]
    ) throws -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.cannotConnect("socket: \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure.cannotConnect("connect: \(errno)") }
        // A test must fail, not hang, when the server never answers.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"]
        for (name, value) in headers { lines.append("\(name): \(value)") }
        if let body { lines.append("Content-Length: \(body.utf8.count)") }
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + (body ?? "")).utf8)
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw Failure.cannotConnect("send: \(errno)") }
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return try parse(String(decoding: received, as: UTF8.self))
    }

    private static func parse(_ text: String) throws -> Response {
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure.malformedResponse }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure.malformedResponse
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var remaining = Substring(text)
        var body = ""
        while let lineEnd = remaining.range(of: "\r\n"),
            let size = Int(remaining[..<lineEnd.lowerBound], radix: 16), size > 0
        {
            let start = lineEnd.upperBound
            let utf8 = remaining[start...].utf8
            let end = utf8.index(utf8.startIndex, offsetBy: size)
            body += String(Substring(utf8[..<end]))
            remaining = remaining[end...].dropFirst(2)
        }
        return body
    }
}
