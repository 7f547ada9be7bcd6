import AllianceLedger
import ArgumentParser
import Dates
import Foundation

// The governance log: every governing act of an alliance (decisions and votes, budget changes,
// measurements, people, roles and tokens), hash-chained by the database. Auditors and admins
// read it with their --token; the operator reads it without one.

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify an alliance's governance log.",
        discussion: """
            Each record says what was done (decision.proposed, vote.cast, budget.changed, \
            role.granted, token.revoked, …), by whom (a person and their partner, the operator, a \
            carried decision or the service), when, and in which HTTP request. Records are only \
            ever appended, each hashed with the one before it. Readable by auditors and admins \
            (with --token) and by the operator.
            """,
        subcommands: [AuditListCommand.self, AuditVerifyCommand.self])
}

struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the governance log's records, newest first, a page at a time.",
        discussion:
            "When more records remain, the cursor for the next page is printed on standard error (and as nextCursor in JSON); --all lists every page instead."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @OptionGroup var paging: PageOptions

    func run() async throws {
        try await global.withLedger(alliance) { context in
            // Records name people by id; the table names them by e-mail too.
            let emails = Dictionary(
                uniqueKeysWithValues: try await AllianceDirectory(pool: context.ledger.pool).people(
                    in: context.alliance.id
                ).map { ($0.id, $0.email) })
            let layout = TableLayout<GovernanceRecord>(
                columns: ["sequence", "recorded at", "kind", "actor", "partner", "details", "request id"]
            ) { $0.row(emails: emails) }
            let log = GovernanceLog(pool: context.ledger.pool)
            try await output.emitListing(paging, of: "records", table: layout) { page in
                try await log.records(in: context.alliance.id, page: page, by: context.caller)
            }
        }
    }
}

extension GovernanceRecord {
    fileprivate func row(emails: [Int64: String]) -> [String] {
        [
            String(sequence), recordedAt.description, kind, actor.summary(emails: emails),
            actor.partner ?? "",
            details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
            requestID ?? "",
        ]
    }
}

extension GovernanceRecord.Actor {
    /// `ada@slam.nhs.uk (person 3, token 7)`, `operator (token 2)`, `decision`, …
    fileprivate func summary(emails: [Int64: String]) -> String {
        let tokenText = token.map { "token \($0)" }
        guard let person else { return kind + (tokenText.map { " (\($0))" } ?? "") }
        let name = emails[person] ?? "person \(person)"
        return "\(name) (" + (["person \(person)"] + [tokenText].compactMap { $0 }).joined(separator: ", ")
            + ")"
    }
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the governance log's hash chain; exit 1 if anything does not match.",
        discussion:
            "Reads the whole log on one snapshot and recomputes every record's hash here, independently of the database that wrote it. Reports the first record whose sequence, link or hash does not hold, or a head that does not name the last record."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let report = try await global.withLedger(alliance) { context in
            return try await GovernanceLog(pool: context.ledger.pool).verify(
                context.alliance.id, by: context.caller)
        }
        let rows = [
            ["records", String(report.records)], ["head hash", report.headHash?.description ?? "none"],
            [
                "first mismatch",
                report.firstMismatch.map { "record \($0.sequence): \($0.problem)" } ?? "none",
            ],
        ]
        try output.emit(table: TextTable(columns: ["check", "result"], rows: rows), json: report)
        guard report.ok else {
            throw CommandFailure(
                .failure, "the governance log of \(alliance.slug) does not verify (see above)")
        }
    }
}
