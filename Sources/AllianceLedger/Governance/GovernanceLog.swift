import Crypto
public import Dates
import Foundation
public import Postgres

/// The request a governing act was made in, for the governance log: the HTTP service binds its
/// request id here, so that the log and the service's own log lines meet.
public enum RequestProvenance {
    @TaskLocal public static var requestID: String?
}

/// Who did a governing act.
public enum GovernanceActor: Hashable, Sendable {
    /// A person (with the token they used, when over HTTP), or the operator (its token, or the
    /// command line on the server without one).
    case caller(Caller)
    /// A carried decision doing what it says; its reference is in the record's details.
    case decision
    /// The service itself: a decision closing at its closing time.
    case service

    var kind: String {
        switch self {
        case .caller(let caller):
            switch caller.identity {
            case .operator: "operator"
            case .person: "person"
            }
        case .decision: "decision"
        case .service: "service"
        }
    }

    var personID: Int64? {
        if case .caller(let caller) = self, case .person(let person) = caller.identity {
            person.id
        } else {
            nil
        }
    }

    var tokenID: Int64? {
        if case .caller(let caller) = self { caller.tokenID } else { nil }
    }
}

/// One record of an alliance's governance log.
public struct GovernanceRecord: Hashable, Sendable, Encodable {
    public struct Actor: Hashable, Sendable, Encodable {
        /// person, operator, decision, service or migration.
        public let kind: String
        @ExplicitNull public private(set) var person: Int64?
        /// The person's partner when the record was made; nil for anyone of no partner.
        @ExplicitNull public private(set) var partner: String?
        @ExplicitNull public private(set) var token: Int64?
    }

    public let alliance: AllianceID
    public let sequence: Int64
    /// What happened: `decision.proposed`, `vote.cast`, `role.granted`, … (docs/operations.md lists them).
    public let kind: String
    public let actor: Actor
    /// What it concerns, as text: ids, references, values.
    public let details: [String: String]
    @ExplicitNull public private(set) var requestID: String?
    public let recordedAt: Timestamp
    @ExplicitNull public private(set) var previousHash: Digest?
    public let hash: Digest

    /// The alliance is the one the caller asked about, so it is left out; the request's id is
    /// `requestId` on the wire, as the HTTP API spells it.
    private enum CodingKeys: String, CodingKey {
        case sequence, kind, actor, details, recordedAt, previousHash, hash
        case requestID = "requestId"
    }

    /// The record's canonical JSON (RFC 8785), which its hash covers: every field but the hash,
    /// keys sorted, no white space. It must be byte for byte what the database writes
    /// (`governance_canonical`, SQL/0009), which writes ids in full.
    public var canonicalJSON: String {
        let record: JSONValue = [
            "actor": [
                "kind": .string(actor.kind), "partner": actor.partner.map(JSONValue.string) ?? .null,
                "person": actor.person.map(JSONValue.integer) ?? .null,
                "token": actor.token.map(JSONValue.integer) ?? .null,
            ],
            "alliance": .integer(alliance.rawValue),
            "details": .object(details.map { (key: $0.key, value: .string($0.value)) }),
            "kind": .string(kind),
            "previousHash": previousHash.map { .string($0.description) } ?? .null,
            "recordedAt": .string(recordedAt.description),
            "requestId": requestID.map(JSONValue.string) ?? .null,
            "sequence": .integer(sequence),
        ]
        do {
            return String(decoding: try record.canonicalBytes(limitingIntegers: false), as: UTF8.self)
        } catch {
            preconditionFailure("a record's keys are distinct and it nests two deep, yet: \(error)")
        }
    }

    /// The hash the record must carry: the RFC 9162 leaf hash of its canonical JSON,
    /// SHA-256(0x00 ‖ JSON), so that the log's records are the leaves of a Merkle tree as they
    /// stand.
    public var expectedHash: Digest {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Data(canonicalJSON.utf8))
        return Digest(Array(hasher.finalize()))
    }
}

/// What `GovernanceLog.verify` found.
public struct GovernanceVerification: Hashable, Sendable {
    public let records: Int64
    public let headHash: Digest?
    /// The first record whose hash, link or sequence is wrong, and how; nil when all hold.
    public let firstMismatch: VerificationReport.Mismatch?

    public var ok: Bool { firstMismatch == nil }
}

/// The alliance's governance log: every governing act, appended in the same transaction as the
/// act itself, hash-chained by the database (SQL/0009).
public struct GovernanceLog: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Appends a record of `kind` by `actor` to the alliance's log, inside the caller's
    /// transaction: it commits with the act or not at all.
    @discardableResult
    static func append(
        _ kind: String, by actor: GovernanceActor, details: [String: String], in alliance: AllianceID,
        on connection: PostgresConnection
    ) async throws -> Int64 {
        let encoded = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        return try await connection.query(
            """
            SELECT governance_append(\(alliance.rawValue), \(kind), \(actor.kind), \(actor.personID),
                                     \(actor.tokenID), \(encoded)::jsonb, \(RequestProvenance.requestID)) AS sequence
            """
        ).single().decode("sequence", as: Int64.self)
    }

    /// Who reads the log: it names people and partners, so those who oversee the alliance
    /// rather than everyone — its auditors and every partner's admins (and the operator).
    public static let readers: Set<Role> = [.auditor, .admin]

    /// The records, in the page's order, a page at a time; for `readers` only.
    public func records(in alliance: AllianceID, page: PageRequest, by caller: Caller) async throws
        -> ListPage<GovernanceRecord>
    {
        try caller.require(GovernanceLog.readers, in: alliance)
        let after = try page.position(listing: "governance")
        return try await pool.withConnection { connection in
            var query: PostgresQuery =
                "SELECT \(GovernanceLog.columns) FROM governance_log WHERE alliance_id = \(alliance.rawValue)"
            switch page.order {
            case .newestFirst:
                if let after { query.append(" AND sequence < \(after)") }
                query.append(" ORDER BY sequence DESC")
            case .oldestFirst:
                if let after { query.append(" AND sequence > \(after)") }
                query.append(" ORDER BY sequence")
            }
            query.append(" LIMIT \(Int64(page.limit + 1))")
            let rows = try await connection.query(query).map {
                try GovernanceLog.record($0, alliance: alliance)
            }
            let items = Array(rows.prefix(page.limit))
            let next =
                rows.count > page.limit
                ? items.last.map { page.cursor(after: $0.sequence, listing: "governance") } : nil
            return ListPage(items: items, nextCursor: next)
        }
    }

    /// Recomputes every record's canonical JSON and hash here, independently of the database
    /// that wrote them, and checks each links to the one before and the head to the last.
    public func verify(_ alliance: AllianceID, by caller: Caller) async throws -> GovernanceVerification {
        try caller.require(GovernanceLog.readers, in: alliance)
        return try await pool.withTransaction(.repeatableRead) { connection in
            try await connection.execute("SET TRANSACTION READ ONLY")
            let head = try await connection.query(
                "SELECT sequence, hash FROM governance_heads WHERE alliance_id = \(alliance.rawValue)"
            ).first
            let headSequence = try head?.decode("sequence", as: Int64.self) ?? 0
            let headHash = try head?.decode("hash", as: Data?.self).map { Digest(Array($0)) }
            var previous: Digest?
            var expected: Int64 = 1
            var after: Int64 = 0
            while true {
                let rows = try await connection.query(
                    """
                    SELECT \(GovernanceLog.columns) FROM governance_log
                    WHERE alliance_id = \(alliance.rawValue) AND sequence > \(after) ORDER BY sequence LIMIT 1000
                    """
                ).map { try GovernanceLog.record($0, alliance: alliance) }
                for record in rows {
                    let fault: String? =
                        if record.sequence != expected {
                            "sequence \(record.sequence) follows \(expected - 1)"
                        } else if record.previousHash != previous {
                            "does not link to the record before it"
                        } else if record.hash != record.expectedHash {
                            "its hash does not match its content"
                        } else { nil }
                    if let fault {
                        return GovernanceVerification(
                            records: expected - 1, headHash: headHash,
                            firstMismatch: .init(sequence: record.sequence, problem: fault))
                    }
                    previous = record.hash
                    expected += 1
                }
                guard let last = rows.last else { break }
                after = last.sequence
            }
            guard headSequence == expected - 1, headHash == previous else {
                return GovernanceVerification(
                    records: expected - 1, headHash: headHash,
                    firstMismatch: .init(
                        sequence: headSequence, problem: "the head does not name the last record"))
            }
            return GovernanceVerification(records: expected - 1, headHash: headHash, firstMismatch: nil)
        }
    }

    static let columns: PostgresQuery = """
        sequence, kind, actor, actor_person_id, actor_partner, actor_token_id, details::text AS details,
        request_id, recorded_at, previous_hash, hash
        """

    static func record(_ row: PostgresRow, alliance: AllianceID) throws -> GovernanceRecord {
        let details = try JSONDecoder().decode(
            [String: String].self, from: Data(try row.decode("details", as: String.self).utf8))
        return GovernanceRecord(
            alliance: alliance, sequence: try row.decode("sequence"), kind: try row.decode("kind"),
            actor: .init(
                kind: try row.decode("actor"), person: try row.decode("actor_person_id"),
                partner: try row.decode("actor_partner"), token: try row.decode("actor_token_id")),
            details: details, requestID: try row.decode("request_id"),
            recordedAt: try row.decode("recorded_at"),
            previousHash: try row.decode("previous_hash", as: Data?.self).map { Digest(Array($0)) },
            hash: Digest(Array(try row.decode("hash", as: Data.self))))
    }
}
