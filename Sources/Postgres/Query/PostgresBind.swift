/// One parameter value as it travels to the server.
public struct PostgresBind: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case null
        /// PostgreSQL's text representation of the value.
        case text(String)
        /// PostgreSQL's binary representation (used for `bytea`, where text would double the size).
        case binary([UInt8])
    }

    public var value: Value
    /// The PostgreSQL type of the parameter; 0 lets the server infer it from the statement, as
    /// it does for a quoted literal.
    public var typeOID: UInt32

    public init(_ value: Value, typeOID: UInt32) {
        self.value = value
        self.typeOID = typeOID
    }

    public static let null = PostgresBind(.null, typeOID: 0)
}

/// Type OIDs of the built-in types this module binds. They are fixed by PostgreSQL's catalog.
public enum PostgresTypeOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let date: UInt32 = 1082
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    /// Lets the server infer the type from context, as for an untyped quoted literal.
    public static let unspecified: UInt32 = 0
}

/// A Swift value that can be sent as a statement parameter.
public protocol PostgresEncodable: Sendable {
    /// The value's representation on the wire.
    func postgresBind() throws(PostgresError) -> PostgresBind
}

/// A Swift value that can be read from a result column in PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// Reads a non-NULL value; nil when the text is not a valid value of this type.
    init?(postgresText text: String)
    /// The value that stands for SQL NULL, or nil when this type cannot represent NULL.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

/// A value that can travel both ways.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

/// A string-backed enumeration reads from its raw value: any other text is a decoding error,
/// never a default, so that a value the program does not know (a newer schema's, or an edited
/// row's) is reported rather than read as something else.
extension PostgresDecodable where Self: RawRepresentable, RawValue == String {
    public init?(postgresText text: String) {
        self.init(rawValue: text)
    }
}
