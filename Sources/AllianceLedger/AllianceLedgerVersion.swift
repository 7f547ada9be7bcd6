/// The version of the library, the command line tool and the service, which ship together.
public enum AllianceLedgerVersion {
    public static let current = "0.1.0"
}
