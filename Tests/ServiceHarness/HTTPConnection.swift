import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 connection to a port of 127.0.0.1, every call blocking: for the clients of the
/// tests and of the availability check that must control each byte (trickle a body, stop in
/// the middle of a header, keep a connection open and idle) or time a request with nothing in
/// between.
///
/// Blocking calls belong on threads of their own, never on Swift's cooperative pool, which the
/// service under test needs to answer. One thread at a time may use a connection.
public final class HTTPConnection: @unchecked Sendable {
    /// What the server answered. Header names in lowercase.
    public struct Answer: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: String
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case cannotConnect(String)
        /// The server closed the connection, or reset it.
        case closed
        /// Nothing arrived within the connection's timeout.
        case timedOut
        case malformedAnswer

        public var description: String {
            switch self {
            case .cannotConnect(let reason): "cannot connect: \(reason)"
            case .closed: "the server closed the connection"
            case .timedOut: "no answer within the timeout"
            case .malformedAnswer: "the answer is not HTTP/1.1"
            }
        }
    }

    private let descriptor: Int32
    /// Bytes read past the end of the last answer.
    private var pending: [UInt8] = []
    private var isClosed = false

    /// Connects; every later read or write fails with `timedOut` after `timeout` without
    /// progress.
    public init(port: Int, timeout: Duration = .seconds(60)) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.cannotConnect("socket: \(Self.lastError)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // On a throw from here on, deinit closes the socket.
        guard connected == 0 else { throw Failure.cannotConnect("connect: \(Self.lastError)") }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        setTimeout(timeout)
    }

    deinit {
        disconnect()
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// How long a read or a write may wait without progress before failing with `timedOut`.
    public func setTimeout(_ timeout: Duration) {
        let microseconds = max(1, Int(timeout.microseconds))
        var value = timeval(tv_sec: microseconds / 1_000_000, tv_usec: suseconds_t(microseconds % 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public func disconnect() {
        guard !isClosed, descriptor >= 0 else { return }
        isClosed = true
        close(descriptor)
    }

    /// Sends every byte, or fails with `closed` when the server has closed the connection.
    public func write(_ bytes: some Collection<UInt8>) throws {
        let bytes = Array(bytes)
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a write to a connection the server closed is an error to report,
            // not a SIGPIPE that ends the process.
            let written = bytes[sent...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw errno == EAGAIN || errno == EWOULDBLOCK ? Failure.timedOut : Failure.closed
            }
            sent += written
        }
    }

    public func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    /// A request's head; `Content-Length` is added when `bodyLength` is given.
    public static func head(
        _ method: String, _ path: String, port: Int, headers: [(String, String)] = [], bodyLength: Int? = nil
    ) -> String {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"]
        for (name, value) in headers { lines.append("\(name): \(value)") }
        if let bodyLength { lines.append("Content-Length: \(bodyLength)") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// Reads one answer: its head, then a body delimited by `Content-Length`, by chunks, or by
    /// the end of the connection. The answer to a HEAD request (`toHead`) has no body, whatever
    /// its `Content-Length` says.
    public func readAnswer(toHead: Bool = false) throws -> Answer {
        let head = String(decoding: try bytes(upTo: [13, 10, 13, 10]), as: UTF8.self)
            .components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1])
        else { throw Failure.malformedAnswer }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        let body: [UInt8]
        if toHead {
            body = []
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try take(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try chunkedBody()
        } else {
            while try fill() {}
            body = pending
            pending = []
        }
        return Answer(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    /// Whether the server closes the connection within `timeout`, reading and dropping anything
    /// it still sends.
    public func closesWithin(_ timeout: Duration) -> Bool {
        setTimeout(timeout)
        do {
            while try fill() { pending.removeAll() }
            return true
        } catch {
            return error as? Failure == .closed
        }
    }

    /// Whether the server has ended the connection (closed or reset it), without waiting: what
    /// it sent before that is kept for `readAnswer`.
    public func hasEnded() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                pending += buffer[0..<count]
                continue
            }
            if count == 0 { return true }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return false
            default: return true
            }
        }
    }

    /// Reads what is there into `pending`; false at the end of the connection.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                pending += buffer[0..<count]
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw Failure.timedOut
            default: throw Failure.closed
            }
        }
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard try fill() else { throw Failure.malformedAnswer }
        }
        defer { pending.removeSubrange(..<count) }
        return Array(pending[..<count])
    }

    /// The bytes before the next `separator`, which is read and dropped with them.
    private func bytes(upTo separator: [UInt8]) throws -> [UInt8] {
        while true {
            if let range = pending.firstRange(of: separator) {
                defer { pending.removeSubrange(..<range.upperBound) }
                return Array(pending[..<range.lowerBound])
            }
            guard try fill() else { throw pending.isEmpty ? Failure.closed : Failure.malformedAnswer }
        }
    }

    private func line() throws -> String {
        String(decoding: try bytes(upTo: [13, 10]), as: UTF8.self)
    }

    private func chunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try line()
            guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                throw Failure.malformedAnswer
            }
            if size == 0 {
                // Trailers, if any, end with an empty line.
                while !(try line()).isEmpty {}
                return body
            }
            body += try take(size)
            _ = try line()
        }
    }
}
