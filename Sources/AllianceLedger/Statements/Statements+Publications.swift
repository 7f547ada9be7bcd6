public import Dates
import Foundation
public import Postgres

/// A statement published in the background (SQL/0014): asked for and checked at once, carried
/// out by the service, and read back by its id until it is published or has failed.
public struct Publication: Hashable, Sendable, Encodable {
    public enum State: String, Sendable, CaseIterable, Encodable {
        case pending
        case published
        case failed
    }

    /// Why a publication failed, as the service answers a problem (RFC 9457).
    public struct Failure: Codable, Hashable, Sendable {
        public let status: Int
        public let type: String
        public let title: String
        public let detail: String

        public init(status: Int, type: String, title: String, detail: String) {
            self.status = status
            self.type = type
            self.title = title
            self.detail = detail
        }
    }

    public let id: Int64
    public let period: String
    @ExplicitNull public private(set) var supersedes: String?
    @ExplicitNull public private(set) var reason: String?
    public let state: State
    /// The e-mail address of the finance lead or board member who asked, as listings name a
    /// statement's publisher.
    public let requestedBy: String
    public let requestedAt: Timestamp
    @ExplicitNull public private(set) var finishedAt: Timestamp?
    /// The statement it published, once published.
    @ExplicitNull public private(set) var statement: String?
    /// Why it failed, once failed.
    @ExplicitNull public private(set) var failure: Failure?
}

extension Statements {
    /// Asks for `request` to be published in the background: checked now as publishing checks
    /// it (publisher, period ended, restatement of the current statement), then recorded
    /// pending for the service to carry out (``carryOut(_:in:failure:)``). One publication of
    /// an alliance is pending at a time.
    public func requestPublication(
        _ request: PublicationRequest, origin: String, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> Publication {
        let (period, current, publisher) = try await Statements.admit(
            request, in: alliance, by: caller, now: clock(), on: connection)
        // Serialised with the alliance's other requests, so that the one-pending rule is told
        // as such rather than met as a unique violation of a race.
        try await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('statement publication ' || \(alliance.id.rawValue), 0))"
        )
        if let pending = try await connection.query(
            """
            SELECT id, period FROM statement_publications
            WHERE alliance_id = \(alliance.id.rawValue) AND state = 'pending'
            """
        ).first {
            throw LedgerError.exists(
                "publication \(try pending.decode("id", as: Int64.self)) (\(try pending.decode("period", as: String.self))) is under way: ask again when it has finished"
            )
        }
        let id = try await connection.query(
            """
            INSERT INTO statement_publications (alliance_id, period, supersedes, reason, origin, requested_by)
            VALUES (\(alliance.id.rawValue), \(period.description),
                    \(current.map { Int32($0.number) }), \(request.reason), \(origin),
                    \(publisher.id))
            RETURNING id
            """
        ).single().decode("id", as: Int64.self)
        return try await Statements.publication(id, in: alliance.id, on: connection)
    }

    /// Whether the journal holds more than `limit` entries in `period` (read no further than
    /// that): how the service tells a publication too large to carry out within a request.
    public func journal(of period: String, in alliance: Alliance, exceeds limit: Int) async throws -> Bool {
        let period = try Statements.period(period, of: alliance)
        return try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT count(*) AS entries FROM (
                    SELECT 1 FROM journal_entries
                    WHERE alliance_id = \(alliance.id.rawValue) AND effective_on BETWEEN \(period.first) AND \(period.last)
                    LIMIT \(Int64(limit) + 1)) AS bounded
                """
            ).single().decode("entries", as: Int64.self) > Int64(limit)
        }
    }

    /// A publication asked for in the alliance.
    public func publication(_ id: Int64, in alliance: AllianceID) async throws -> Publication {
        try await pool.withConnection { connection in
            try await Statements.publication(id, in: alliance, on: connection)
        }
    }

    /// The pending publications of every alliance, oldest first: what the service carries out.
    public func pendingPublications(limit: Int = 100) async throws -> [(alliance: AllianceID, id: Int64)] {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT alliance_id, id FROM statement_publications WHERE state = 'pending'
                ORDER BY requested_at, id LIMIT \(Int32(clamping: limit))
                """
            ).map { row in
                (AllianceID(try row.decode("alliance_id")), try row.decode("id", as: Int64.self))
            }
        }
    }

    /// Carries out a pending publication: publishes it, as the person who asked, in the
    /// transaction that marks it published. When publishing is refused, `failure` says how the
    /// refusal is answered and the publication is marked failed with it; an error it does not
    /// describe (nil: the database was lost, the service is stopping) leaves it pending, to be
    /// carried out again. Nil when it is not pending or another instance is carrying it out.
    /// `statementTimeout`, when given, replaces the session's for the publishing transaction:
    /// a large period's files are read in statements longer than a request's.
    @discardableResult
    public func carryOut(
        _ id: Int64, in alliance: AllianceID, statementTimeout: Duration? = nil,
        failure: @Sendable (any Error) -> Publication.Failure?
    ) async throws -> Publication? {
        do {
            return try await pool.withTransaction(.repeatableRead) { connection in
                if let statementTimeout {
                    try await connection.setTransactionStatementTimeout(statementTimeout)
                }
                guard
                    let row = try await connection.query(
                        """
                        SELECT period, supersedes, reason, origin, requested_by FROM statement_publications
                        WHERE alliance_id = \(alliance.rawValue) AND id = \(id) AND state = 'pending'
                        FOR UPDATE SKIP LOCKED
                        """
                    ).first
                else { return nil }
                let requestedBy: Int64 = try row.decode("requested_by")
                guard
                    let person = try await AllianceDirectory.people(
                        in: alliance, id: requestedBy, on: connection
                    )
                    .first
                else { throw LedgerError.personNotFound(String(requestedBy)) }
                let request = try PublicationRequest(
                    period: try row.decode("period"),
                    supersedes: try row.decode("supersedes", as: Int32?.self).map {
                        Statement.reference(Int($0))
                    },
                    reason: try row.decode("reason"))
                let listing = try await publish(
                    request, origin: try row.decode("origin"),
                    in: try await AllianceDirectory.alliance(alliance, on: connection),
                    by: Caller(identity: .person(person), tokenID: nil), on: connection)
                // The listing was numbered just now; a number that does not read back is an
                // error, never statement 0.
                guard let number = Statement.number(listing.number) else {
                    throw LedgerError.statementNotFound(listing.number)
                }
                try await connection.execute(
                    """
                    UPDATE statement_publications
                    SET state = 'published', finished_at = now(),
                        statement_number = \(Int32(number))
                    WHERE alliance_id = \(alliance.rawValue) AND id = \(id)
                    """)
                return try await Statements.publication(id, in: alliance, on: connection)
            }
        } catch {
            guard let failure = failure(error) else { throw error }
            return try await pool.withTransaction { connection in
                let failed = try await connection.execute(
                    """
                    UPDATE statement_publications
                    SET state = 'failed', finished_at = now(), failure = \(try String(decoding: JSONEncoder().encode(failure), as: UTF8.self))::jsonb
                    WHERE alliance_id = \(alliance.rawValue) AND id = \(id) AND state = 'pending'
                    """)
                guard failed > 0 else { return nil }
                return try await Statements.publication(id, in: alliance, on: connection)
            }
        }
    }

    static func publication(_ id: Int64, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> Publication
    {
        guard
            let row = try await connection.query(
                """
                SELECT r.id, r.period, r.supersedes, r.reason, r.state, p.email, r.requested_at, r.finished_at,
                       r.statement_number, r.failure::text AS failure
                FROM statement_publications AS r
                JOIN people AS p ON p.alliance_id = r.alliance_id AND p.id = r.requested_by
                WHERE r.alliance_id = \(alliance.rawValue) AND r.id = \(id)
                """
            ).first
        else { throw LedgerError.publicationNotFound(id) }
        let state = try row.decode("state", as: Publication.State.self)
        return Publication(
            id: try row.decode("id"), period: try row.decode("period"),
            supersedes: try row.decode("supersedes", as: Int32?.self).map { Statement.reference(Int($0)) },
            reason: try row.decode("reason"), state: state, requestedBy: try row.decode("email"),
            requestedAt: try row.decode("requested_at"), finishedAt: try row.decode("finished_at"),
            statement: try row.decode("statement_number", as: Int32?.self).map {
                Statement.reference(Int($0))
            },
            failure: try row.decode("failure", as: String?.self).map {
                try JSONDecoder().decode(Publication.Failure.self, from: Data($0.utf8))
            })
    }
}
