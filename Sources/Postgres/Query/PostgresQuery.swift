/// A SQL statement whose interpolated values travel as bind parameters, never as SQL text.
///
///     let query: PostgresQuery = "SELECT name FROM partners WHERE slug = \(slug)"
///     // sql: SELECT name FROM partners WHERE slug = $1, binds: [slug]
///
/// The literal parts must be compile-time string literals (`StaticString`), so text that came
/// from outside the program cannot become SQL by accident: injection is impossible by
/// construction. The one escape hatch, `\(identifier:)`, quotes a name as PostgreSQL does.
/// Queries compose with `append(_:)`, which renumbers the parameters of the appended part.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case sql(String)
        case parameter(Int)
    }

    private(set) var segments: [Segment]
    /// The values bound to `$1`, `$2`, … in order.
    public private(set) var binds: [PostgresBind]
    /// The first value that could not be encoded; reported when the query runs, because string
    /// interpolation itself cannot throw.
    private(set) var encodingError: PostgresError?

    public init(stringLiteral literal: StaticString) {
        segments = [.sql(literal.description)]
        binds = []
        encodingError = nil
    }

    public init(stringInterpolation interpolation: StringInterpolation) {
        self = interpolation.query
    }

    /// The statement text with `$n` placeholders.
    public var sql: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .sql(let part): text += part
            case .parameter(let index): text += "$\(index + 1)"
            }
        }
        return text
    }

    /// The statement text only; parameter values are never printed.
    public var description: String { sql }

    /// Appends another query, renumbering its parameters to follow this query's.
    public mutating func append(_ other: PostgresQuery) {
        let offset = binds.count
        for segment in other.segments {
            switch segment {
            case .sql(let part): segments.append(.sql(part))
            case .parameter(let index): segments.append(.parameter(index + offset))
            }
        }
        binds.append(contentsOf: other.binds)
        if encodingError == nil { encodingError = other.encodingError }
    }

    public static func + (lhs: PostgresQuery, rhs: PostgresQuery) -> PostgresQuery {
        var result = lhs
        result.append(rhs)
        return result
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        public typealias StringLiteralType = StaticString

        fileprivate var query: PostgresQuery

        public init(literalCapacity: Int, interpolationCount: Int) {
            query = PostgresQuery(segments: [], binds: [], encodingError: nil)
            query.segments.reserveCapacity(interpolationCount * 2 + 1)
            query.binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            query.segments.append(.sql(literal.description))
        }

        /// Binds a value as the next `$n` parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            bind(value)
        }

        /// Binds an optional value: nil travels as SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bind(value)
        }

        private mutating func bind(_ value: some PostgresEncodable) {
            do {
                query.binds.append(try value.postgresBind())
            } catch {
                query.binds.append(.null)
                if query.encodingError == nil { query.encodingError = error }
            }
            query.segments.append(.parameter(query.binds.count - 1))
        }

        /// Inserts a table, column or other name, quoted so that it is always read as one name.
        public mutating func appendInterpolation(identifier: String) {
            do {
                query.segments.append(.sql(try quoteIdentifier(identifier)))
            } catch {
                if query.encodingError == nil { query.encodingError = error }
            }
        }

        /// Inserts another query, renumbering its parameters.
        public mutating func appendInterpolation(_ fragment: PostgresQuery) {
            query.append(fragment)
        }
    }

    private init(segments: [Segment], binds: [PostgresBind], encodingError: PostgresError?) {
        self.segments = segments
        self.binds = binds
        self.encodingError = encodingError
    }
}

/// Quotes a name the way PostgreSQL's `quote_ident` does: wrapped in double quotes, with every
/// double quote doubled.
func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
    guard !name.isEmpty else {
        throw PostgresError(.encoding, "an SQL identifier cannot be empty")
    }
    guard !name.utf8.contains(0) else {
        throw PostgresError(.encoding, "an SQL identifier cannot contain a NUL character")
    }
    return "\"" + name.replacingAll("\"", with: "\"\"") + "\""
}

extension String {
    /// Replaces every occurrence of `target` without pulling in Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            if character == target {
                result += replacement
            } else {
                result.append(character)
            }
        }
        return result
    }
}
