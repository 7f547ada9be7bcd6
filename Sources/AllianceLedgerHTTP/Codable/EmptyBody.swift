import AllianceLedger

/// The body of an operation that takes no fields (issuing a token, withdrawing a decision,
/// removing a person, revoking a token): no body, or `{}`; any field is refused as unknown.
struct EmptyBody: JSONRequest {
    enum Field: CodingKey, CaseIterable {}

    init(from decoder: any Decoder) throws {
        _ = try decoder.strictContainer(Field.self)
    }
}
