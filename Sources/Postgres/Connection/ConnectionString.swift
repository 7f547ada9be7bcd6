import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A libpq connection string, `key=value …` or a `postgres://` URL, checked by libpq itself.
///
/// Everything libpq accepts works, including multi-host failover strings such as
/// `host=a,b target_session_attrs=read-write`: the string is handed to libpq unchanged, and
/// this type only reads it to fill defaults and to describe the target without the password.
public struct ConnectionString: Sendable, CustomStringConvertible {
    public let rawValue: String
    /// The options the string sets, keyed by libpq keyword (`host`, `dbname`, …).
    public let options: [String: String]

    public init(_ rawValue: String) throws(PostgresError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(rawValue, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                .invalidConnectionString,
                "invalid connection string: \(reason.trimmingWhitespace())")
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                options[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        self.rawValue = rawValue
        self.options = options
    }

    /// Builds a `key=value` connection string, quoting every value.
    public init(options: [String: String]) throws(PostgresError) {
        let parts = options.sorted { $0.key < $1.key }.map {
            "\($0.key)=\(ConnectionString.quoted($0.value))"
        }
        try self.init(parts.joined(separator: " "))
    }

    /// The same connection string with one option set, e.g. another `dbname`.
    public func setting(_ keyword: String, to value: String) throws(PostgresError) -> ConnectionString {
        var changed = options
        changed[keyword] = value
        return try ConnectionString(options: changed)
    }

    /// Quotes a value for a `key=value` connection string, as libpq reads it.
    public static func quoted(_ value: String) -> String {
        "'" + value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }

    /// The target without secrets: host, port, database and user, as libpq will read them.
    public var description: String {
        let shown = ["host", "hostaddr", "port", "dbname", "user"]
        let parts = shown.compactMap { key in options[key].map { "\(key)=\($0)" } }
        return parts.isEmpty ? "libpq defaults" : parts.joined(separator: " ")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
