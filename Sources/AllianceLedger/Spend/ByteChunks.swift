#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of a file, `chunkSize` at a time, so that however large the file only one chunk
/// is held. The file is opened on the first `next()` and closed at its end or when the
/// iterator goes away.
///
/// Each `next()` makes one blocking `read(2)`: right for the command line and for local files,
/// while a server reading a request body streams that body instead.
public struct FileByteChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    public static let defaultChunkSize = 64 * 1024

    public let path: String
    public let chunkSize: Int
    /// Whether the bytes are the process's standard input (`spend import -`) rather than the
    /// file at `path`.
    public let readsStandardInput: Bool

    public init(path: String, chunkSize: Int = FileByteChunks.defaultChunkSize) {
        self.path = path
        self.chunkSize = Swift.max(1, chunkSize)
        readsStandardInput = false
    }

    private init(standardInputChunkSize chunkSize: Int) {
        path = "standard input"
        self.chunkSize = Swift.max(1, chunkSize)
        readsStandardInput = true
    }

    /// The process's standard input, read to its end: a pipe (`… | alliance-ledger spend import
    /// -`) as well as a redirected file.
    public static func standardInput(chunkSize: Int = FileByteChunks.defaultChunkSize) -> FileByteChunks {
        FileByteChunks(standardInputChunkSize: chunkSize)
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(path: path, chunkSize: chunkSize, readsStandardInput: readsStandardInput)
    }

    /// A class, so that its deinit closes the file when a reader stops early.
    public final class AsyncIterator: AsyncIteratorProtocol {
        private let path: String
        private let chunkSize: Int
        private let readsStandardInput: Bool
        private var descriptor: Int32?
        private var ended = false

        init(path: String, chunkSize: Int, readsStandardInput: Bool) {
            self.path = path
            self.chunkSize = chunkSize
            self.readsStandardInput = readsStandardInput
        }

        deinit {
            if let descriptor { close(descriptor) }
        }

        public func next() async throws(SpendCSVError) -> [UInt8]? {
            guard !ended else { return nil }
            let descriptor = try openFile()
            var readError: Int32 = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { buffer, initialized in
                var count = read(descriptor, buffer.baseAddress, chunkSize)
                while count == -1 && errno == EINTR {
                    count = read(descriptor, buffer.baseAddress, chunkSize)
                }
                if count == -1 { readError = errno }
                initialized = Swift.max(0, count)
            }
            guard readError == 0 else { throw failure(readError) }
            guard !chunk.isEmpty else {
                end()
                return nil
            }
            return chunk
        }

        private func openFile() throws(SpendCSVError) -> Int32 {
            if let descriptor { return descriptor }
            // Standard input is read through a copy of its descriptor, which the end closes
            // while the process's own stays open.
            func openOnce() -> Int32 {
                readsStandardInput
                    ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC)
            }
            var opened = openOnce()
            while opened == -1 && errno == EINTR { opened = openOnce() }
            guard opened != -1 else { throw failure(errno) }
            descriptor = opened
            return opened
        }

        private func end() {
            ended = true
            if let descriptor { close(descriptor) }
            descriptor = nil
        }

        private func failure(_ error: Int32) -> SpendCSVError {
            end()
            return .unreadable(path: path, reason: String(cString: strerror(error)))
        }
    }
}

/// Bytes already in memory, handed out `chunkSize` at a time as if read from a file, so tests
/// and small request bodies go through the same path as files.
public struct MemoryByteChunks: AsyncSequence, Sendable {
    public typealias Element = ArraySlice<UInt8>

    public let bytes: [UInt8]
    public let chunkSize: Int

    public init(_ bytes: some Sequence<UInt8>, chunkSize: Int = FileByteChunks.defaultChunkSize) {
        self.bytes = Array(bytes)
        self.chunkSize = Swift.max(1, chunkSize)
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(bytes: bytes, chunkSize: chunkSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let chunkSize: Int
        var offset = 0

        public mutating func next() async -> ArraySlice<UInt8>? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(bytes.count, offset + chunkSize)
            defer { offset = end }
            return bytes[offset..<end]
        }
    }
}
