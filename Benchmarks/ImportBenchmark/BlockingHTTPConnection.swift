import BenchmarkSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One keep-alive HTTP/1.1 connection to this machine, over a blocking socket, for one thread:
/// the writers' clients, each on a thread of its own so that waiting for an answer takes
/// nothing from the cooperative threads the service and the import run on. Only what the
/// service answers a spend with is understood: a status line, headers and a body of
/// `Content-Length` bytes.
final class BlockingHTTPConnection {
    private let socket: Int32
    /// Bytes read and not yet consumed.
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Self.failure("socket") }
        // A request goes out in one write; Nagle's delay would only add to every latency.
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = Self.failure("connect to port \(port)")
            close(descriptor)
            throw error
        }
        socket = descriptor
    }

    deinit { close(socket) }

    /// Sends a request and reads its whole answer.
    func post(path: String, bearer token: String, json body: String) throws -> (status: Int, body: String) {
        let bodyBytes = Array(body.utf8)
        var request = Array(
            """
            POST \(path) HTTP/1.1\r
            Host: 127.0.0.1\r
            Authorization: Bearer \(token)\r
            Content-Type: application/json\r
            Content-Length: \(bodyBytes.count)\r
            \r

            """.utf8)
        request.append(contentsOf: bodyBytes)
        try write(request)
        return try readResponse()
    }

    private func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(socket, base + written, bytes.count - written)
            }
            guard count > 0 else { throw Self.failure("write") }
            written += count
        }
    }

    /// Reads more bytes into the buffer; throws when the service closed the connection.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let count = chunk.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return read(socket, base, raw.count)
        }
        guard count > 0 else {
            throw count == 0 ? BenchmarkFailure("the service closed the connection") : Self.failure("read")
        }
        buffer.append(contentsOf: chunk[0..<count])
    }

    private func readResponse() throws -> (status: Int, body: String) {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        var searched = 0
        while headEnd == nil {
            if buffer.count >= 4 {
                for index in max(0, searched - 3)...(buffer.count - 4)
                where buffer[index..<index + 4].elementsEqual(separator) {
                    headEnd = index
                    break
                }
                searched = buffer.count
            }
            if headEnd == nil { try fill() }
        }
        guard let headEnd else { throw BenchmarkFailure("no end of the answer's head") }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        // "HTTP/1.1 201 Created"
        guard let statusWords = lines.first?.split(separator: " "), statusWords.count >= 2,
            let status = Int(statusWords[1])
        else { throw BenchmarkFailure("not an HTTP answer: \(head)") }
        guard
            let lengthLine = lines.dropFirst().first(where: { $0.lowercased().hasPrefix("content-length:") }),
            let length = Int(
                lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { throw BenchmarkFailure("an answer without Content-Length: \(head)") }
        let bodyStart = headEnd + 4
        while buffer.count < bodyStart + length { try fill() }
        let body = String(decoding: buffer[bodyStart..<bodyStart + length], as: UTF8.self)
        buffer.removeFirst(bodyStart + length)
        return (status, body)
    }

    private static func failure(_ doing: String) -> BenchmarkFailure {
        BenchmarkFailure("\(doing): \(String(cString: strerror(errno)))")
    }
}
