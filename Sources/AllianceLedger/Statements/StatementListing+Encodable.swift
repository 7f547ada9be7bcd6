// The wire form of statement listings and partner keys, shared by the HTTP API and the
// command line's JSON. Written out so that null fields stay in the document.

extension StatementListing: Encodable {
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

extension StatementListing.Signature: Encodable {
    private enum CodingKeys: String, CodingKey { case partner, key, signedAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partner, forKey: .partner)
        try container.encode(key, forKey: .key)
        try container.encode(at, forKey: .signedAt)
    }
}

extension Publication: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, period, supersedes, reason, state, requestedBy, requestedAt, finishedAt, statement, failure
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(period, forKey: .period)
        try container.encode(supersedes, forKey: .supersedes)
        try container.encode(reason, forKey: .reason)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(requestedBy, forKey: .requestedBy)
        try container.encode(requestedAt, forKey: .requestedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(statement, forKey: .statement)
        try container.encode(failure, forKey: .failure)
    }
}
