/// Why the schema cannot be brought up to date. Descriptions are one line: what is wrong and
/// what to do.
public enum SchemaMigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)
    case missingVersion(Int)
    case checksumMismatch(name: String, recorded: String, current: String)
    case unknownAppliedMigration(version: Int, name: String)
    case migrationFailed(name: String, line: Int?, reason: String)
    case transactionControl(name: String, keyword: String, line: Int)
    case transactionEnded(name: String)

    public var description: String {
        switch self {
        case .badFileName(let name):
            "the migration file \(name) is misnamed: migrations are named NNNN_description.sql"
        case .duplicateVersion(let version):
            "two migration files share the number \(version): renumber one of them"
        case .missingVersion(let version):
            "migration number \(version) is missing: migrations are numbered 0001, 0002, … "
                + "without gaps"
        case .checksumMismatch(let name, let recorded, let current):
            "migration \(name) was changed after it was applied (applied checksum "
                + "\(recorded.prefix(12))…, file now \(current.prefix(12))…): restore the file "
                + "as it was applied and put the change in a new migration"
        case .unknownAppliedMigration(let version, let name):
            "the database has migration \(version) (\(name)), which this version of "
                + "alliance-ledger does not know: upgrade alliance-ledger before using this "
                + "database"
        case .migrationFailed(let name, let line, let reason):
            "migration \(name) failed\(line.map { " at line \($0)" } ?? ""): \(reason); "
                + "nothing was applied"
        case .transactionControl(let name, let keyword, let line):
            "migration \(name) has \(keyword) at line \(line): remove it, since every migration "
                + "runs inside the migrator's one transaction; nothing was applied"
        case .transactionEnded(let name):
            "migration \(name) ends the transaction it runs in: remove its BEGIN, COMMIT or "
                + "ROLLBACK, since every migration runs inside the migrator's transaction"
        }
    }
}
