/// The schema of Alliance Ledger: the files of `SQL/`, compiled into the library by the
/// `EmbedSQLMigrations` build plugin.
public enum SchemaMigrations {
    /// Every migration, in order. The build embeds the files, so a failure here is a bad file
    /// name committed to `SQL/`, which the test suite catches.
    public static func all() throws(SchemaMigrationError) -> [Migration] {
        var migrations: [Migration] = []
        for file in embeddedFiles {
            migrations.append(try Migration(fileName: file.name, sql: file.sql))
        }
        return migrations
    }
}
