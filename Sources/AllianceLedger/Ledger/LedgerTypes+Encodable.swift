// The JSON shapes of the ledger's values: what the command line prints with --format json and
// what the HTTP API answers. Amounts are integer minor units; dates, instants and hashes are
// strings; an absent optional is an explicit null, so every key is always present. A type whose
// JSON is just its stored properties is `Encodable` where it is declared, its optionals
// `@ExplicitNull`; those here write a single value or a key computed from the value.

extension AllianceID: Encodable {
    /// The number alone, as every answer names an alliance's id.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Digest: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension AccountBalance: Encodable {
    // The account's code, type and floor, flattened beside the balance.
    private enum CodingKeys: String, CodingKey { case code, type, balance, normalBalance, floor }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(account.code, forKey: .code)
        try container.encode(account.type, forKey: .type)
        try container.encode(balance, forKey: .balance)
        try container.encode(normalBalance, forKey: .normalBalance)
        try container.encode(account.floor, forKey: .floor)
    }
}

extension TrialBalance: Encodable {
    // `balanced` is computed.
    private enum CodingKeys: String, CodingKey {
        case asOf, totalDebits, totalCredits, balanced
        case rows = "lines"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(asOf, forKey: .asOf)
        try container.encode(rows, forKey: .rows)
        try container.encode(totalDebits, forKey: .totalDebits)
        try container.encode(totalCredits, forKey: .totalCredits)
        try container.encode(isBalanced, forKey: .balanced)
    }
}

extension VerificationReport: Encodable {
    // `ok` is computed from the mismatch, the drifts and the head.
    private enum CodingKeys: String, CodingKey {
        case ok, entries, headHash, firstMismatch, balanceDrifts, headProblem
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isIntact, forKey: .ok)
        try container.encode(entries, forKey: .entries)
        try container.encode(headHash, forKey: .headHash)
        try container.encode(firstMismatch, forKey: .firstMismatch)
        try container.encode(balanceDrifts, forKey: .balanceDrifts)
        try container.encode(headProblem, forKey: .headProblem)
    }
}
