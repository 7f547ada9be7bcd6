public import Logging
import Synchronization

/// A logger that keeps what is logged, for tests of what the service writes to its log.
public final class LogCapture: Sendable {
    /// One logged line: its level, message and metadata (the logger's and the call's).
    public struct Record: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]

        /// The whole line as text, for looking for what must never appear in it.
        public var text: String {
            "\(level) \(message) "
                + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    private let records = Mutex<[Record]>([])

    public init() {}

    /// A logger writing here, at `level` and above.
    public func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "captured") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    public var all: [Record] { records.withLock { $0 } }

    fileprivate func append(_ record: Record) {
        records.withLock { $0.append(record) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append(
                Record(
                    level: event.level, message: event.message.description,
                    metadata: merged.mapValues(\.description)))
        }
    }
}
