import Crypto
import Dates
import Foundation
import Postgres

/// Everything a statement's files are written from, read in the publication's transaction: the
/// statement's own figures, and the rows behind them that it only counts (every spend entry and
/// reversal of the period), the partners and lines, and the keys current at publication.
struct OpenDataSource {
    /// A spend entry or a reversal of one, counting in the period (a reversal in the period of
    /// the entry it reverses), with the fields of the spend it is or reverses.
    struct SpendLine {
        let sequence: Int64
        let isReversal: Bool
        let reverses: Int64?
        let date: CalendarDate
        let recordedAt: Timestamp
        let partner: String
        let budgetLine: String
        /// Signed: a reversal's is negative.
        let amount: Int64
        let description: String
        let supplier: String
        let reference: String
        let expenseCode: String
        let expenseLabel: String
        let supplierType: SupplierType?
        let supplierID: String
        let irrecoverableVAT: Int64?
        let hash: Digest

        /// The Transparency Code's rule: an individual's name and what they were paid for are
        /// personal data.
        var redacted: Bool { supplierType == .individual }
    }

    struct Key {
        let partner: String
        let publicKey: String
        let fingerprint: String
        let registeredAt: Timestamp
    }

    static let redactedSupplier = "Redacted personal data"
    static let redactionReason = "personal data: the supplier is an individual"

    let statement: Statement
    let alliance: Alliance
    let thresholds: TransparencyThresholds
    let partners: [Partner]
    let budgetLines: [BudgetLine]
    let spend: [SpendLine]
    let keys: [Key]

    var currency: String { alliance.currency }
    var number: String { statement.number ?? "preview" }
    var publishedAt: Timestamp { statement.header.publishedAt ?? Timestamp(Date()) }

    /// The statement's public address: the origin's host and path, with the public routes.
    var address: String {
        let origin = statement.header.origin ?? "localhost/alliances/\(alliance.slug)"
        let base =
            origin.hasSuffix("/alliances/\(alliance.slug)")
            ? String(origin.dropLast("/alliances/\(alliance.slug)".count)) : origin
        return "https://\(base)/public/alliances/\(alliance.slug)/statements/\(number)"
    }

    static func read(
        _ statement: Statement, alliance: Alliance, thresholds: TransparencyThresholds,
        on connection: PostgresConnection
    ) async throws -> OpenDataSource {
        let partners = try await connection.query(
            """
            SELECT \(AllianceDirectory.partnerColumns) FROM partners
            WHERE alliance_id = \(alliance.id.rawValue) ORDER BY slug
            """
        ).map(AllianceDirectory.partner)
        let budgetLines = try await connection.query(
            """
            SELECT \(AllianceDirectory.budgetLineColumns) FROM budget_lines
            WHERE alliance_id = \(alliance.id.rawValue) ORDER BY code
            """
        ).map(AllianceDirectory.budgetLine)
        let postings = StatementBuilder.costPostings(
            in: alliance.id, through: statement.integrity.headSequence, countingFrom: statement.period.from,
            to: statement.period.to)
        let spend = try await connection.query(
            """
            SELECT e.sequence, e.kind, e.reverses, e.effective_on, e.recorded_at, e.description, e.hash,
                   a.code, p.amount, coalesce(r.metadata, e.metadata) ->> 'supplier' AS supplier,
                   coalesce(r.metadata, e.metadata) ->> 'reference' AS reference, coalesce(r.metadata, e.metadata) ->> 'expenseType' AS expense_type,
                   coalesce(r.metadata, e.metadata) ->> 'expenseTypeLabel' AS expense_type_label,
                   coalesce(r.metadata, e.metadata) ->> 'supplierType' AS supplier_type, coalesce(r.metadata, e.metadata) ->> 'supplierId' AS supplier_id,
                   coalesce(r.metadata, e.metadata) ->> 'irrecoverableVat' AS irrecoverable_vat
            \(postings)
              AND (e.kind = 'spend' OR r.kind = 'spend')
            ORDER BY e.sequence
            """
        ).map { row in
            let code = try row.decode("code", as: String.self).split(separator: ":")
            // A reversal is read with the fields of the spend it reverses (the query's
            // coalesce), each a column: no JSON to parse per row.
            let vat = try row.decode("irrecoverable_vat", as: Int64?.self)
            let isReversal = try row.decode("kind", as: String.self) == "reversal"
            return SpendLine(
                sequence: try row.decode("sequence"), isReversal: isReversal,
                reverses: try row.decode("reverses"),
                date: try row.decode("effective_on"), recordedAt: try row.decode("recorded_at"),
                partner: String(code[1]), budgetLine: String(code[3]), amount: try row.decode("amount"),
                description: try row.decode("description"), supplier: try row.decode("supplier") ?? "",
                reference: try row.decode("reference") ?? "",
                expenseCode: try row.decode("expense_type") ?? "",
                expenseLabel: try row.decode("expense_type_label") ?? "",
                supplierType: try row.decode("supplier_type", as: SupplierType?.self),
                supplierID: try row.decode("supplier_id") ?? "",
                irrecoverableVAT: vat.map { isReversal ? -$0 : $0 }, hash: try row.decode("hash"))
        }
        let keys = try await connection.query(
            """
            SELECT p.slug, k.public_key, k.registered_at FROM partner_keys AS k
            JOIN partners AS p ON p.alliance_id = k.alliance_id AND p.id = k.partner_id
            WHERE k.alliance_id = \(alliance.id.rawValue) AND k.revoked_at IS NULL
            ORDER BY p.slug, k.id
            """
        ).map { row in
            let raw: Data = try row.decode("public_key")
            return Key(
                partner: try row.decode("slug"), publicKey: raw.base64EncodedString(),
                fingerprint: Digest(Array(SHA256.hash(data: raw))).description,
                registeredAt: try row.decode("registered_at"))
        }
        return OpenDataSource(
            statement: statement, alliance: alliance, thresholds: thresholds, partners: partners,
            budgetLines: budgetLines,
            spend: spend, keys: keys)
    }

    // MARK: Helpers

    func money(_ amount: Int64) -> String { Money.format(amount, currency: currency) }

    func money(_ amount: Int64?) -> [String] {
        amount.map { [money($0), String($0)] } ?? ["", ""]
    }

    func partnerName(_ slug: String) -> String { partners.first { $0.slug == slug }?.name ?? slug }

    func budgetLineName(_ code: String) -> String { budgetLines.first { $0.code == code }?.name ?? code }

    /// The financial year's start year, as the Fiscal Data Package writes `date:fiscal-year`.
    var fiscalYear: String { String(statement.period.financialYear.drop { !$0.isNumber }) }

    /// The OCDS roles of a partner: commissioners fund and pay, providers supply and are paid.
    static func roles(_ kind: PartnerKind) -> [String] {
        switch kind {
        case .commissioner, .localAuthority: ["funder", "payer"]
        case .nhsProvider, .vcse, .other: ["supplier", "payee"]
        }
    }
}
