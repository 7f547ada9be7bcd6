import CLibPQ
import Logging
import Synchronization

/// Receives the server's NOTICE and WARNING messages for one connection.
///
/// libpq prints them on stderr by default, which would pollute the command line tool's output;
/// they go to the logger at debug level instead.
final class NoticeSink: Sendable {
    let logger: Logger
    let connectionID: Int
    private let fatalReceived = Atomic<Bool>(false)

    /// True once the server sent a FATAL message outside any statement: the session is ending
    /// (terminated backend, shutdown), even if the socket has not closed yet.
    var sessionIsEnding: Bool { fatalReceived.load(ordering: .acquiring) }

    init(logger: Logger, connectionID: Int) {
        self.logger = logger
        self.connectionID = connectionID
    }

    func receive(severity: String, message: String) {
        if severity == "FATAL" || severity == "PANIC" {
            fatalReceived.store(true, ordering: .releasing)
        }
        logger.debug(
            "server notice",
            metadata: [
                "db.connection": "\(connectionID)",
                "db.severity": "\(severity)",
                "db.notice": "\(message)",
            ])
    }

    /// The C callback handed to `PQsetNoticeReceiver`; `context` is an unretained `NoticeSink`.
    static let receiver: PQnoticeReceiver = { context, result in
        guard let context, let result else { return }
        let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
        let severity = PQresultErrorField(result, fieldCode("V")).map { String(cString: $0) }
        let message = PQresultErrorField(result, fieldCode("M")).map { String(cString: $0) }
        sink.receive(severity: severity ?? "NOTICE", message: message ?? "")
    }
}

/// libpq's `PG_DIAG_*` field codes are the ASCII letters of the protocol's error fields.
func fieldCode(_ letter: Unicode.Scalar) -> Int32 {
    Int32(UInt8(ascii: letter))
}
