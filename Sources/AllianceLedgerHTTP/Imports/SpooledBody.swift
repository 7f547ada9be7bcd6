import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request body held in a temporary file until it has arrived whole, so that the work it
/// feeds (an import's transaction) starts only when the client has finished sending: a slow
/// client then holds a socket and a file, never a database connection.
///
/// The file loses its name the moment it is made, and is read and written through its
/// descriptor alone: it goes when the descriptor closes, at the end of the request or when the
/// process dies, however either ends. Memory holds one chunk at a time, never the body. The
/// blocking file calls run on NIO's thread pool, off Swift's cooperative threads.
final class SpooledBody: Sendable {
    /// Bytes gathered before each write, and read at a time: a few system calls a megabyte.
    static let chunkSize = 256 * 1024

    private let descriptor: Int32
    /// The body's length in bytes.
    let byteCount: Int

    private init(descriptor: Int32, byteCount: Int) {
        self.descriptor = descriptor
        self.byteCount = byteCount
    }

    deinit {
        close(descriptor)
    }

    /// Reads `chunks` to their end into a new nameless file in `directory`. Whatever `chunks`
    /// throw (the body limit, a client that went away) is thrown, and the file is gone.
    static func receive<Chunks: AsyncSequence>(
        _ chunks: Chunks, in directory: String = FileManager.default.temporaryDirectory.path
    ) async throws -> SpooledBody where Chunks.Element == [UInt8] {
        let descriptor = try await NIOThreadPool.singleton.runIfActive { try namelessFile(in: directory) }
        do {
            var pending: [UInt8] = []
            pending.reserveCapacity(chunkSize)
            var written = 0
            for try await chunk in chunks {
                pending += chunk
                if pending.count >= chunkSize {
                    try await write(pending, at: written, to: descriptor)
                    written += pending.count
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try await write(pending, at: written, to: descriptor)
            return SpooledBody(descriptor: descriptor, byteCount: written + pending.count)
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// The body from its start, `chunkSize` bytes at a time; it can be read any number of times.
    var chunks: Chunks { Chunks(spool: self) }

    struct Chunks: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        let spool: SpooledBody

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(spool: spool) }

        struct AsyncIterator: AsyncIteratorProtocol {
            let spool: SpooledBody
            var offset = 0

            mutating func next() async throws -> [UInt8]? {
                guard offset < spool.byteCount else { return nil }
                let chunk = try await spool.read(
                    at: offset, count: Swift.min(SpooledBody.chunkSize, spool.byteCount - offset))
                offset += chunk.count
                return chunk
            }
        }
    }

    private static func write(_ bytes: [UInt8], at offset: Int, to descriptor: Int32) async throws {
        guard !bytes.isEmpty else { return }
        try await NIOThreadPool.singleton.runIfActive {
            var done = 0
            while done < bytes.count {
                let count = bytes[done...].withUnsafeBytes {
                    pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset + done))
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw SpoolFailure.system("write", errno)
                }
                done += count
            }
        }
    }

    private func read(at offset: Int, count: Int) async throws -> [UInt8] {
        let descriptor = descriptor
        return try await NIOThreadPool.singleton.runIfActive {
            var failure: Int32 = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard let start = buffer.baseAddress else {
                    failure = EIO
                    return
                }
                while initialized < count {
                    let got = pread(
                        descriptor, start + initialized, count - initialized, off_t(offset + initialized))
                    if got < 0 && errno == EINTR { continue }
                    if got <= 0 {
                        failure = got < 0 ? errno : EIO
                        return
                    }
                    initialized += got
                }
            }
            guard failure == 0 else { throw SpoolFailure.system("read", failure) }
            return bytes
        }
    }

    /// A new file, readable and writable only by this process's user, whose name is removed
    /// before anyone else can learn it.
    private static func namelessFile(in directory: String) throws -> Int32 {
        var template = Array((directory + "/alliance-ledger-upload-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard descriptor >= 0 else { throw SpoolFailure.system("create a file in \(directory)", errno) }
        // Programs the service starts (the embedded cluster's pg_ctl) must not inherit it.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let name = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard unlink(name) == 0 else {
            let error = errno
            close(descriptor)
            throw SpoolFailure.system("unlink", error)
        }
        return descriptor
    }
}

/// The operating system refused the spool a file or its bytes: the disk is full, say. A fault
/// of the service's host, not of the request.
struct SpoolFailure: Error, CustomStringConvertible {
    let description: String

    static func system(_ call: String, _ error: Int32) -> SpoolFailure {
        SpoolFailure(description: "spooling an upload: \(call) failed: \(String(cString: strerror(error)))")
    }
}
