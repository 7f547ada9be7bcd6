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
