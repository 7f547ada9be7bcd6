import Crypto
import Dates
import Foundation
import Postgres

extension Statements {
    /// What only the database can tell of a published statement: that the bytes are the ones
    /// stored, that every actual equals the ledger's as it stood at the statement's head
    /// (summed afresh from the postings, not from the month totals the statement was built
    /// from), and that the journal's tree still has the root the statement published and
    /// extends the previous statement's tree.
    public func verifyAgainstLedger(_ bytes: [UInt8], number: String, in alliance: Alliance) async throws
        -> [VerificationCheck]
    {
        guard let value = Statement.number(number) else { throw LedgerError.statementNotFound(number) }
        let document = try JSONValue(parsing: bytes)
        return try await pool.withTransaction(.repeatableRead) { connection in
            try await connection.execute("SET TRANSACTION READ ONLY")
            var checks: [VerificationCheck] = []
            let stored = try await connection.query(
                "SELECT body FROM statements WHERE alliance_id = \(alliance.id.rawValue) AND number = \(Int32(clamping: value))"
            ).first?.decode("body", as: Data.self)
            guard let stored else { throw LedgerError.statementNotFound(number) }
            checks.append(
                Array(stored) == bytes
                    ? .init("stored bytes", .passed, "\(number) is stored exactly so")
                    : .init("stored bytes", .failed, "the database stores other bytes as \(number)"))
            checks.append(try await Statements.ledgerFigures(document, in: alliance.id, on: connection))
            checks.append(
                contentsOf: try await Statements.trees(
                    document, number: value, in: alliance.id, on: connection))
            return checks
        }
    }

    /// Each row's actual against the postings of the period's cost accounts recorded up to the
    /// statement's head, a reversal counted in the month of what it reverses.
    static func ledgerFigures(
        _ document: JSONValue, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> VerificationCheck
    {
        guard let from = document["period"]?["from"]?.stringValue.flatMap({ CalendarDate(iso8601: $0) }),
            let to = document["period"]?["to"]?.stringValue.flatMap({ CalendarDate(iso8601: $0) }),
            let head = document["integrity"]?["headSequence"]?.integerValue
        else { return .init("ledger figures", .failed, "the statement names no period or head") }
        var ledger: [String: Int64] = [:]
        let postings = StatementBuilder.costPostings(in: alliance, through: head, countingFrom: from, to: to)
        for row in try await connection.query(
            "SELECT a.code, sum(p.amount)::bigint AS actual \(postings) GROUP BY a.code")
        {
            let parts = try row.decode("code", as: String.self).split(separator: ":")
            ledger["\(parts[1])/\(parts[3])"] = try row.decode("actual")
        }
        var mismatches: [String] = []
        var seen: Set<String> = []
        for row in document["budget"]?["rows"]?.arrayValue ?? [] {
            let key = "\(row["partner"]?.stringValue ?? "?")/\(row["budgetLine"]?.stringValue ?? "?")"
            seen.insert(key)
            let actual = row["actual"]?.integerValue ?? 0
            if actual != ledger[key] ?? 0 {
                mismatches.append("\(key): \(actual) published, \(ledger[key] ?? 0) in the ledger")
            }
        }
        for (key, actual) in ledger where !seen.contains(key) && actual != 0 {
            mismatches.append("\(key): \(actual) in the ledger, absent from the statement")
        }
        return mismatches.isEmpty
            ? .init("ledger figures", .passed, "every actual equals the ledger's up to entry \(head)")
            : .init("ledger figures", .failed, mismatches.prefix(5).joined(separator: "; "))
    }

    /// The journal's tree at the statement's size has the root it published, and extends the
    /// previous statement's tree (an RFC 9162 consistency proof, checked here).
    static func trees(
        _ document: JSONValue, number: Int, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> [VerificationCheck]
    {
        guard let size = document["integrity"]?["treeSize"]?.integerValue,
            let published = document["integrity"]?["treeRoot"]?.stringValue
        else { return [.init("journal tree", .failed, "the statement names no tree")] }
        let root = try await TreeStore.journal.root(size: size, in: alliance, on: connection)
        var checks: [VerificationCheck] = [
            root.description == published
                ? .init(
                    "journal tree", .passed, "the journal's tree of \(size) entries has the published root")
                : .init(
                    "journal tree", .failed,
                    "the journal's tree of \(size) entries has root \(root), not \(published)")
        ]
        guard number > 1,
            let previous = try await connection.query(
                """
                SELECT journal_tree_size, journal_root FROM statements
                WHERE alliance_id = \(alliance.rawValue) AND number = \(Int32(clamping: number - 1))
                """
            ).first
        else {
            checks.append(.init("tree consistency", .notChecked, "the first statement has no earlier tree"))
            return checks
        }
        let oldSize: Int64 = try previous.decode("journal_tree_size")
        let oldRoot: Digest = try previous.decode("journal_root")
        do {
            guard oldSize > 0 else {
                throw MerkleProofError.treeSizesOutOfOrder(oldSize: oldSize, newSize: size)
            }
            let proof = try await TreeStore.journal.consistencyProof(
                from: oldSize, to: size, in: alliance, on: connection)
            try MerkleTree.verifyConsistency(
                oldSize: oldSize, oldRoot: oldRoot, newSize: size, newRoot: root, proof: proof)
            checks.append(
                .init(
                    "tree consistency", .passed,
                    "the tree of \(size) entries extends \(Statement.reference(number - 1))'s of \(oldSize)"))
        } catch {
            checks.append(.init("tree consistency", .failed, "\(error)"))
        }
        return checks
    }
}
