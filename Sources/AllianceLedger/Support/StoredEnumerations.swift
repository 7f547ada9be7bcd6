public import Postgres

// The enumerations read back from the database, each from its raw value: an unknown value is
// a decoding error (Postgres's `PostgresDecodable` for string-backed enumerations).
extension Abstention: PostgresDecodable {}
extension PartnerKind: PostgresDecodable {}
extension MeasureDirection: PostgresDecodable {}
extension OutcomeFrequency: PostgresDecodable {}
extension DecisionState: PostgresDecodable {}
extension VoteChoice: PostgresDecodable {}
extension Publication.State: PostgresDecodable {}
extension Role: PostgresDecodable {}
extension MeasurementState: PostgresDecodable {}
extension SupplierType: PostgresDecodable {}

extension PostgresRow {
    /// A column of values joined by commas (a `string_agg`), each read as a column of its own
    /// would be: an element the program does not know is a decoding error, never left out.
    func decodeList<Element: PostgresDecodable>(_ column: String, as type: Element.Type) throws(PostgresError)
        -> [Element]
    {
        let text = try decode(column, as: String.self)
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map {
            (part) throws(PostgresError) -> Element in
            guard let element = Element(postgresText: String(part)) else {
                throw PostgresError(
                    .decoding, "column \"\(column)\" holds an element that is not a valid \(Element.self)",
                    column: column)
            }
            return element
        }
    }
}
