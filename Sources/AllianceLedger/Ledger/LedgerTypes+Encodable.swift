// The JSON shapes of the ledger's values: what the command line prints with --format json and
// what the HTTP API answers. Amounts are integer minor units; dates, instants and hashes are
// strings; an absent optional is an explicit null, so every key is always present.

extension Digest: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Posting: Encodable {
    private enum CodingKeys: String, CodingKey { case line, account, amount }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(account, forKey: .account)
        try container.encode(amount, forKey: .amount)
    }
}

extension JournalEntry: Encodable {
    private enum CodingKeys: String, CodingKey {
        case sequence, kind, effectiveOn, recordedAt, recordedBy, description, metadata
        case idempotencyKey, requestHash, reverses, previousHash, hash, postings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(kind, forKey: .kind)
        try container.encode(effectiveOn, forKey: .effectiveOn)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(recordedBy, forKey: .recordedBy)
        try container.encode(description, forKey: .description)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(idempotencyKey, forKey: .idempotencyKey)
        try container.encode(requestHash, forKey: .requestHash)
        try container.encode(reverses, forKey: .reverses)
        try container.encode(previousHash, forKey: .previousHash)
        try container.encode(hash, forKey: .hash)
        try container.encode(postings, forKey: .postings)
    }
}

extension AccountBalance: Encodable {
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
    private enum CodingKeys: String, CodingKey { case asOf, lines, totalDebits, totalCredits, balanced }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(asOf, forKey: .asOf)
        try container.encode(lines, forKey: .lines)
        try container.encode(totalDebits, forKey: .totalDebits)
        try container.encode(totalCredits, forKey: .totalCredits)
        try container.encode(isBalanced, forKey: .balanced)
    }
}

extension TrialBalance.Line: Encodable {
    private enum CodingKeys: String, CodingKey { case account, type, debit, credit }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(account, forKey: .account)
        try container.encode(type, forKey: .type)
        try container.encode(debit, forKey: .debit)
        try container.encode(credit, forKey: .credit)
    }
}

extension VerificationReport: Encodable {
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
