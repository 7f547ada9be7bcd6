import CLibPQ
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One session with a PostgreSQL server.
///
/// Each connection is an actor running on its own serial executor, so libpq's blocking calls
/// happen off Swift's cooperative thread pool, and at most one call at a time touches the
/// `PGconn` — libpq's threading rule. Results are copied into Swift values before a call
/// returns; no libpq pointer ever leaves the actor.
public actor PostgresConnection {
    private static let nextID = Atomic<Int>(1)

    /// A process-unique number for logs.
    public nonisolated let id: Int
    private nonisolated let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private let configuration: PostgresConnectionConfiguration
    private var handle: ConnectionHandle?
    private let canceller = QueryCanceller()
    private let noticeSink: NoticeSink
    private var isCopying = false

    /// The server process serving this session (`pg_backend_pid()`).
    public private(set) var backendPID: Int32 = 0
    /// The server version as libpq reports it, e.g. 150018 for 15.18.
    public private(set) var serverVersion: Int = 0

    private init(_ configuration: PostgresConnectionConfiguration) {
        let id = PostgresConnection.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.id = id
        self.configuration = configuration
        executor = ThreadExecutor()
        noticeSink = NoticeSink(logger: configuration.logger, connectionID: id)
    }

    /// Opens a session. Fails with `.connection` when the server cannot be reached or refuses
    /// the credentials, with libpq's own explanation as the message.
    public static func connect(
        _ configuration: PostgresConnectionConfiguration
    ) async throws(PostgresError) -> PostgresConnection {
        let connection = PostgresConnection(configuration)
        try await connection.open()
        return connection
    }

    private func open() throws(PostgresError) {
        var keywords = ["dbname", "client_encoding", "fallback_application_name"]
        var values = [configuration.connectionString.rawValue, "UTF8", configuration.applicationName]
        if configuration.connectionString.options["connect_timeout"] == nil {
            keywords.append("connect_timeout")
            values.append(String(configuration.connectTimeoutSeconds))
        }
        // With expand_dbname, libpq reads the first `dbname` as a whole connection string or
        // URL; the keywords after it override, so the encoding is always ours.
        let pointer = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let pointer else { throw PostgresError(.connection, "libpq is out of memory") }
        let handle = ConnectionHandle(pointer)
        guard PQstatus(pointer) == CONNECTION_OK else {
            throw PostgresError(.connection, lastErrorMessage(pointer))
        }
        PQsetNoticeReceiver(
            pointer, NoticeSink.receiver, Unmanaged.passUnretained(noticeSink).toOpaque())
        self.handle = handle
        backendPID = PQbackendPID(pointer)
        serverVersion = Int(PQserverVersion(pointer))
        canceller.install(PQgetCancel(pointer))
        try configureSession(pointer)
        configuration.logger.debug(
            "connected",
            metadata: ["db.connection": "\(id)", "db.backend_pid": "\(backendPID)"])
    }

    /// Pins the settings that the text-format decoders rely on, whatever the server's defaults.
    private func configureSession(_ pointer: OpaquePointer) throws(PostgresError) {
        var script = """
            SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601';
            SET bytea_output = 'hex'; SET extra_float_digits = 3;
            SET standard_conforming_strings = on;
            """
        if let timeout = configuration.statementTimeoutMilliseconds {
            precondition(timeout > 0, "a statement timeout must be positive")
            script += " SET statement_timeout = \(timeout);"
        }
        if let role = configuration.role {
            script += " SET ROLE \(try quoteIdentifier(role));"
        }
        _ = try collect(PQexec(pointer, script), pointer)
    }

    // MARK: Statements

    /// Runs a statement and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws(PostgresError) -> PostgresRows {
        let pointer = try readyPointer()
        if let error = query.encodingError { throw error }
        return try await cancellable { () throws(PostgresError) -> PostgresRows in
            try collect(execute(query, on: pointer), pointer)
        }
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws(PostgresError) -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs SQL text that may hold several statements, with no parameters, through libpq's
    /// simple query protocol.
    ///
    /// This is the one way to run SQL that did not come from a `PostgresQuery`, and exists for
    /// schema migrations, whose files are part of the program. Never pass it text built from
    /// input.
    public func runScript(trustedSQL script: String) async throws(PostgresError) {
        let pointer = try readyPointer()
        guard !script.utf8.contains(0) else {
            throw PostgresError(.encoding, "an SQL script cannot contain a NUL character")
        }
        _ = try await cancellable { () throws(PostgresError) -> PostgresRows in
            try collect(PQexec(pointer, script), pointer)
        }
    }

    private func execute(_ query: PostgresQuery, on pointer: OpaquePointer) -> OpaquePointer? {
        withMarshalledParameters(query) { count, types, values, lengths, formats in
            PQexecParams(pointer, query.sql, count, types, values, lengths, formats, 0)
        }
    }

    /// Lays the query's parameters out as libpq wants them and calls `send` with them.
    ///
    /// One buffer holds every value, so each pointer stays valid for the whole call; libpq
    /// copies the values into its output buffer before the call returns.
    private func withMarshalledParameters<Result>(
        _ query: PostgresQuery,
        _ send: (
            Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> Result
    ) -> Result {
        let binds = query.binds
        precondition(binds.count <= Int(UInt16.max), "PostgreSQL takes at most 65535 parameters")
        var byteCount = 0
        for bind in binds {
            switch bind.value {
            case .null: break
            case .text(let text): byteCount += text.utf8.count + 1
            case .binary(let bytes): byteCount += bytes.count
            }
        }
        let storage = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(byteCount, 1), alignment: 1)
        defer { storage.deallocate() }
        guard let base = storage.baseAddress else { preconditionFailure("allocation returned no memory") }
        var values = [UnsafePointer<CChar>?](repeating: nil, count: binds.count)
        var lengths = [Int32](repeating: 0, count: binds.count)
        var formats = [Int32](repeating: 0, count: binds.count)
        var types = [Oid](repeating: 0, count: binds.count)
        var offset = 0
        for (index, bind) in binds.enumerated() {
            types[index] = bind.typeOID
            let start = base + offset
            switch bind.value {
            case .null:
                continue
            case .text(let text):
                let count = text.utf8.count
                UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + count])
                    .copyBytes(from: text.utf8)
                storage[offset + count] = 0
                offset += count + 1
            case .binary(let bytes):
                UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + bytes.count])
                    .copyBytes(from: bytes)
                lengths[index] = Int32(bytes.count)
                formats[index] = 1
                offset += bytes.count
            }
            values[index] = UnsafePointer(start.assumingMemoryBound(to: CChar.self))
        }
        return send(Int32(binds.count), types, values, lengths, formats)
    }

    // MARK: Pipelines

    /// Sends several statements in one round trip (libpq's pipeline mode) and returns each
    /// one's rows, in order.
    ///
    /// The server runs them one after another, exactly as if they had been sent one at a
    /// time; only the waiting between them is saved. When one fails, the ones after it do not
    /// run, and its error is thrown. Inside a transaction, that leaves the transaction failed,
    /// as any failed statement does.
    public func pipeline(_ queries: [PostgresQuery]) async throws(PostgresError) -> [PostgresRows] {
        try await pipeline(queries, resultFormat: 0, read: rows(of:))
    }

    /// `pipeline`, with every statement's results in PostgreSQL's binary format and kept as the
    /// server's bytes: for reading many rows without a `String` per value.
    public func binaryPipeline(_ queries: [PostgresQuery]) async throws(PostgresError) -> [PostgresBinaryRows]
    {
        try await pipeline(queries, resultFormat: 1, read: binaryRows(of:))
    }

    /// One statement's rows in PostgreSQL's binary format: `binaryPipeline` of one.
    public func binaryQuery(_ query: PostgresQuery) async throws(PostgresError) -> PostgresBinaryRows {
        try await binaryPipeline([query])[0]
    }

    private func pipeline<Rows: Sendable>(
        _ queries: [PostgresQuery], resultFormat: Int32, read: @escaping (OpaquePointer) -> Rows
    ) async throws(PostgresError) -> [Rows] {
        let pointer = try readyPointer()
        precondition(!queries.isEmpty, "a pipeline needs statements")
        for query in queries {
            if let error = query.encodingError { throw error }
        }
        return try await cancellable { () throws(PostgresError) -> [Rows] in
            try runPipeline(queries, resultFormat: resultFormat, on: pointer, read: read)
        }
    }

    /// Sends `queries` in pipeline mode, asking for results in `resultFormat` (0 text, 1
    /// binary), and reads each statement's result with `read`.
    private func runPipeline<Rows>(
        _ queries: [PostgresQuery], resultFormat: Int32, on pointer: OpaquePointer,
        read: (OpaquePointer) -> Rows
    ) throws(PostgresError) -> [Rows] {
        guard PQenterPipelineMode(pointer) == 1 else {
            throw PostgresError(.connection, lastErrorMessage(pointer))
        }
        var sent = 0
        for query in queries {
            let accepted = withMarshalledParameters(query) { count, types, values, lengths, formats in
                PQsendQueryParams(pointer, query.sql, count, types, values, lengths, formats, resultFormat)
            }
            guard accepted == 1 else { break }
            sent += 1
        }
        let synced = PQpipelineSync(pointer) == 1
        var rows: [Rows] = []
        var firstError: PostgresError?
        // Each statement's results end with a NULL; the sync point ends the pipeline.
        for _ in 0..<sent {
            while let result = PQgetResult(pointer) {
                defer { PQclear(result) }
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                    rows.append(read(result))
                case PGRES_PIPELINE_ABORTED:
                    break
                default:
                    if firstError == nil { firstError = error(from: result, pointer) }
                }
            }
        }
        if synced {
            while let result = PQgetResult(pointer) {
                let status = PQresultStatus(result)
                PQclear(result)
                if status == PGRES_PIPELINE_SYNC { break }
            }
        }
        _ = PQexitPipelineMode(pointer)
        if let firstError { throw firstError }
        guard sent == queries.count, synced, rows.count == queries.count else {
            throw PostgresError(.connection, lastErrorMessage(pointer))
        }
        return rows
    }

    /// Reads a result into Swift values and frees it.
    private func collect(
        _ result: OpaquePointer?, _ pointer: OpaquePointer
    ) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(.connection, lastErrorMessage(pointer))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_TUPLES_OK:
            return rows(of: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy(pointer)
            throw PostgresError(.misuse, "COPY cannot run through query(); use copyIn")
        default:
            throw error(from: result, pointer)
        }
    }

    private func rows(of result: OpaquePointer) -> PostgresRows {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var cells = [String?]()
        cells.reserveCapacity(Int(rowCount) * Int(columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                guard PQgetisnull(result, row, column) == 0 else {
                    cells.append(nil)
                    continue
                }
                let bytes = UnsafeBufferPointer(
                    start: UnsafeRawPointer(PQgetvalue(result, row, column))
                        .assumingMemoryBound(to: UInt8.self),
                    count: Int(PQgetlength(result, row, column)))
                cells.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result))) ?? Int(rowCount)
        return PostgresRows(columns: columns, cells: cells, affectedRows: affected, commandTag: tag)
    }

    /// The result's values copied, as the server's bytes, into one buffer.
    private func binaryRows(of result: OpaquePointer) -> PostgresBinaryRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var lengths = [Int32]()
        lengths.reserveCapacity(rowCount * columnCount)
        var starts = [Int]()
        starts.reserveCapacity(rowCount * columnCount)
        var byteCount = 0
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                starts.append(byteCount)
                guard PQgetisnull(result, row, column) == 0 else {
                    lengths.append(-1)
                    continue
                }
                let length = PQgetlength(result, row, column)
                lengths.append(length)
                byteCount += Int(length)
            }
        }
        let storage = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            var cell = 0
            for row in 0..<Int32(rowCount) {
                for column in 0..<Int32(columnCount) {
                    defer { cell += 1 }
                    let length = Int(lengths[cell])
                    guard length > 0, let destination = buffer.baseAddress,
                        let value = PQgetvalue(result, row, column)
                    else { continue }
                    (destination + starts[cell]).initialize(
                        from: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: length)
                }
            }
            initialized = byteCount
        }
        return PostgresBinaryRows(
            columns: columns, count: rowCount, storage: storage, starts: starts, lengths: lengths)
    }

    private func error(from result: OpaquePointer, _ pointer: OpaquePointer) -> PostgresError {
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, fieldCode(code)).map { String(cString: $0) }
        }
        var message = field("M") ?? String(cString: PQresultErrorMessage(result))
        if message.trimmingWhitespace().isEmpty { message = lastErrorMessage(pointer) }
        let broken = PQstatus(pointer) != CONNECTION_OK
        return PostgresError(
            broken ? .connection : .server,
            message.trimmingWhitespace(),
            sqlState: field("C").map(SQLState.init(rawValue:)),
            severity: field("V"),
            detail: field("D"),
            hint: field("H"),
            schema: field("s"),
            table: field("t"),
            column: field("c"),
            constraint: field("n"),
            position: field("P").flatMap { Int($0) })
    }

    private func lastErrorMessage(_ pointer: OpaquePointer) -> String {
        let message = String(cString: PQerrorMessage(pointer)).trimmingWhitespace()
        return message.isEmpty ? "the connection to the server failed" : message
    }

    /// The open handle, or an error when the connection cannot take a statement now.
    private func readyPointer() throws(PostgresError) -> OpaquePointer {
        guard let pointer = handle?.pointer else {
            throw PostgresError(.connection, "the connection is closed")
        }
        guard !isCopying else {
            throw PostgresError(.misuse, "the connection is in the middle of a COPY")
        }
        return pointer
    }

    /// Runs a blocking libpq call so that cancelling the task cancels the statement.
    ///
    /// The operation closure refers to `self`, which is what makes Swift isolate it to this
    /// actor: a closure that captured nothing of the actor would run on the cooperative pool,
    /// concurrently with the actor's own jobs. The precondition turns any regression of that
    /// into a crash rather than a data race on the `PGconn`.
    private func cancellable<T>(
        _ body: () throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        if Task.isCancelled {
            throw PostgresError(.cancelled, "the task was cancelled before the statement ran")
        }
        let canceller = self.canceller
        canceller.statementStarted()
        defer { canceller.statementFinished() }
        let result = await withTaskCancellationHandler {
            self.preconditionIsolated("libpq calls run only on the connection's own thread")
            return Result { () throws(PostgresError) -> T in try body() }
        } onCancel: {
            canceller.cancelRunningStatement()
        }
        return try result.get()
    }

    // MARK: COPY

    func beginCopy(_ statement: String) throws(PostgresError) {
        let pointer = try readyPointer()
        guard let result = PQexec(pointer, statement) else {
            throw PostgresError(.connection, lastErrorMessage(pointer))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COPY_IN else {
            if PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK {
                throw PostgresError(.misuse, "the statement is not a COPY … FROM STDIN")
            }
            throw error(from: result, pointer)
        }
        isCopying = true
    }

    func sendCopyData(_ bytes: [UInt8]) throws(PostgresError) {
        guard isCopying, let pointer = handle?.pointer else {
            throw PostgresError(.misuse, "no COPY is in progress")
        }
        guard !bytes.isEmpty else { return }
        let status = bytes.withUnsafeBytes { buffer in
            PQputCopyData(
                pointer, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
        }
        guard status == 1 else { throw PostgresError(.connection, lastErrorMessage(pointer)) }
    }

    /// Ends the COPY; with a `failure` message the server discards every row sent.
    func endCopy(failure: String?) throws(PostgresError) -> Int {
        guard isCopying, let pointer = handle?.pointer else {
            throw PostgresError(.misuse, "no COPY is in progress")
        }
        isCopying = false
        guard PQputCopyEnd(pointer, failure) == 1 else {
            throw PostgresError(.connection, lastErrorMessage(pointer))
        }
        var firstError: PostgresError?
        var rowCount = 0
        while let result = PQgetResult(pointer) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rowCount = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if firstError == nil {
                firstError = error(from: result, pointer)
            }
        }
        if let firstError { throw firstError }
        return rowCount
    }

    private func abandonCopy(_ pointer: OpaquePointer) {
        _ = PQputCopyEnd(pointer, "COPY is not allowed through query()")
        while let result = PQgetResult(pointer) { PQclear(result) }
    }

    /// Streams rows into a table with `COPY … FROM STDIN`, the fast path for bulk loads.
    ///
    /// `body` writes rows through the writer; when it returns, the COPY completes and the number
    /// of rows loaded is returned. When it throws, the COPY is aborted, the server discards
    /// every row, and the error is rethrown.
    public func copyIn(
        table: String,
        columns: [String],
        format: CopyFormat = .text,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresCopyWriter) async throws -> Void
    ) async throws -> Int {
        let statement = try CopyFormat.statement(table: table, columns: columns, format: format)
        try await beginCopy(statement)
        let writer = PostgresCopyWriter(connection: self, format: format)
        do {
            try await body(writer)
            try await writer.flush()
        } catch {
            _ = try? await endCopy(failure: "the client aborted the COPY: \(error)")
            throw error
        }
        return try await endCopy(failure: nil)
    }

    // MARK: Transactions

    /// Replaces the session's `statement_timeout` until the transaction under way ends, for work
    /// that reads more in one statement than a request may (an import's checks, a large
    /// publication's files). Milliseconds, as the server counts them; zero, as there, none.
    public func setTransactionStatementTimeout(_ timeout: Duration) async throws(PostgresError) {
        try await execute(
            "SELECT set_config('statement_timeout', \(String(timeout.wholeMilliseconds)), true)")
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    ///
    /// This makes a single attempt; `PostgresPool.withTransaction` adds the retry of
    /// serialization failures and deadlocks.
    @discardableResult
    public func withTransaction<Value>(
        _ level: IsolationLevel = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await begin(level)
        do {
            let value = try await body(self)
            try await commit()
            return value
        } catch {
            await rollbackIfOpen()
            throw error
        }
    }

    private func begin(_ level: IsolationLevel) async throws(PostgresError) {
        let pointer = try readyPointer()
        guard PQtransactionStatus(pointer) == PQTRANS_IDLE else {
            throw PostgresError(.misuse, "a transaction is already open on this connection")
        }
        try await execute(level.beginStatement)
    }

    /// Commits, and reports a transaction that had already failed: PostgreSQL answers COMMIT
    /// of a failed transaction with a silent ROLLBACK, which must never pass as success.
    private func commit() async throws(PostgresError) {
        let tag = try await query("COMMIT").commandTag
        guard tag == "COMMIT" else {
            throw PostgresError(
                .server, "the transaction failed earlier and was rolled back, not committed",
                sqlState: .inFailedTransaction)
        }
    }

    private func rollbackIfOpen() async {
        guard let pointer = handle?.pointer, !isCopying,
            PQtransactionStatus(pointer) != PQTRANS_IDLE
        else { return }
        _ = try? await execute("ROLLBACK")
    }

    public var transactionStatus: TransactionStatus {
        guard let pointer = handle?.pointer else { return .unknown }
        switch PQtransactionStatus(pointer) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failedTransaction
        default: return .unknown
        }
    }

    // MARK: Health

    /// Whether the connection can serve another user: open, outside any transaction or COPY,
    /// and never sent a cancel request that might still arrive.
    public var isReusable: Bool {
        guard let pointer = handle?.pointer else { return false }
        return PQstatus(pointer) == CONNECTION_OK && PQtransactionStatus(pointer) == PQTRANS_IDLE
            && !isCopying && !canceller.wasSent
    }

    /// `isReusable`, and the server has not closed the session behind our back.
    ///
    /// A backend that was terminated (`pg_terminate_backend`, a server restart) leaves an error
    /// message and end-of-file in the socket. Peeking at the socket without blocking finds
    /// that before a statement is sent, so the pool can replace the connection instead of
    /// failing the caller's first statement.
    public func checkAlive() -> Bool {
        guard isReusable, let pointer = handle?.pointer else { return false }
        // The error message and the end-of-file may arrive in separate reads, and libpq
        // reports the end only on the read that finds it, so keep reading while the socket
        // has something, a bounded number of times.
        for _ in 0..<4 {
            var descriptor = pollfd(fd: PQsocket(pointer), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            guard ready > 0 else {
                return ready == 0 && PQstatus(pointer) == CONNECTION_OK && !noticeSink.sessionIsEnding
            }
            guard PQconsumeInput(pointer) == 1 else { return false }
            while let notification = PQnotifies(pointer) { PQfreemem(notification) }
            guard PQstatus(pointer) == CONNECTION_OK, PQisBusy(pointer) == 0, !noticeSink.sessionIsEnding
            else { return false }
        }
        return false
    }

    // MARK: Notifications

    /// The notifications that have arrived for this session's `LISTEN`s, waiting up to
    /// `timeout` for one when none has yet. It blocks the connection's own thread while it
    /// waits, so it is for a connection kept for listening. A lost connection throws
    /// `.connection`: whatever was sent meanwhile is lost with it.
    public func notifications(waitingUpTo timeout: Duration) throws(PostgresError) -> [PostgresNotification] {
        let pointer = try readyPointer()
        var received = Self.bufferedNotifications(pointer)
        if received.isEmpty {
            var descriptor = pollfd(fd: PQsocket(pointer), events: Int16(POLLIN), revents: 0)
            // An interrupted wait (EINTR) is a wait that found nothing; the caller asks again.
            if poll(&descriptor, 1, Int32(clamping: max(0, timeout.wholeMilliseconds))) > 0 {
                guard PQconsumeInput(pointer) == 1 else {
                    throw PostgresError(.connection, lastErrorMessage(pointer))
                }
                received = Self.bufferedNotifications(pointer)
            }
        }
        guard PQstatus(pointer) == CONNECTION_OK, !noticeSink.sessionIsEnding else {
            throw PostgresError(.connection, "the server closed the listening session")
        }
        return received
    }

    /// The notifications libpq has already read off the socket.
    private static func bufferedNotifications(_ pointer: OpaquePointer) -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notification = PQnotifies(pointer) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra),
                    senderProcessID: notification.pointee.be_pid))
            PQfreemem(notification)
        }
        return received
    }

    /// Closes the session. Further statements fail with `.connection`.
    public func close() {
        guard handle != nil else { return }
        canceller.install(nil)
        handle = nil
        configuration.logger.debug("closed", metadata: ["db.connection": "\(id)"])
    }
}

/// Owns the `PGconn`; `PQfinish` runs when the connection lets go of it.
private final class ConnectionHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }
}

/// Calls `body` with a NULL-terminated C array of copies of `strings`, freed afterwards.
private func withCStringArray<Result>(
    _ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> Result
) -> Result {
    let copies = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { UnsafePointer($0) } + [nil])
}

extension Duration {
    /// The whole milliseconds of the duration, as the server's timeouts and `poll` count them.
    var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
