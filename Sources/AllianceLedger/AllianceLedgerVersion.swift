/// The version of the library, the command line tool and the service, which ship together.
///
/// It is written in one place, the package's `VERSION` file, which the `EmbedFiles` build plugin
/// compiles in. The same plugin refuses to build the service when the OpenAPI document's
/// `info.version` says otherwise, so `--version` and `GET /openapi.json` always agree.
public enum AllianceLedgerVersion {
    public static let current: String = embedded
}
