// The wire form of statement listings, shared by the HTTP API and the command line's JSON.
// A listing's signatures and a publication are `Encodable` where they are declared, their
// optionals `@ExplicitNull`.

extension StatementListing: Encodable {
    // `cosignedByAll` is computed.
    private enum CodingKeys: String, CodingKey {
        case number, period, state, hash, previousHash, publishedAt, publishedBy, supersedes, reason,
            signatures
        case signedBy, partners, cosignedByAll
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(period, forKey: .period)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(hash.description, forKey: .hash)
        try container.encode(previousHash?.description, forKey: .previousHash)
        try container.encode(publishedAt, forKey: .publishedAt)
        try container.encode(publishedBy, forKey: .publishedBy)
        try container.encode(supersedes, forKey: .supersedes)
        try container.encode(reason, forKey: .reason)
        try container.encode(signatures, forKey: .signatures)
        try container.encode(signedBy, forKey: .signedBy)
        try container.encode(partners, forKey: .partners)
        try container.encode(cosignedByAll, forKey: .cosignedByAll)
    }
}
