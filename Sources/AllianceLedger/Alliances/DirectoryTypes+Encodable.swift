// The JSON shapes of the directory, budgets and spend: what the command line prints with
// --format json and what the HTTP API answers. camelCase keys, amounts in integer minor units,
// dates and instants as strings, an absent optional as an explicit null. A type whose JSON is
// just its stored properties is `Encodable` where it is declared, its optionals `@ExplicitNull`;
// those here have keys or values of their own.

extension Person: Encodable {
    // The roles are a set: written sorted, so that the same person is the same bytes.
    private enum CodingKeys: String, CodingKey { case id, name, email, partner, roles, createdAt, removedAt }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(partner, forKey: .partner)
        try container.encode(roles.sorted(), forKey: .roles)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(removedAt, forKey: .removedAt)
    }
}

extension Spend: Encodable {
    // Written out because `sequence` is computed (a spend's id is its journal sequence, and the
    // JSON has both) and `replayed` is not part of the JSON; `supplierId` and `irrecoverableVat`
    // keep the JSON's capitalisation.
    private enum CodingKeys: String, CodingKey {
        case id, partner, budgetLine, amount, incurredOn, description, supplier, reference, recordedBy
        case recordedAt, sequence, hash, reversedBy, expenseType, supplierType, supplierId, irrecoverableVat
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(partner, forKey: .partner)
        try container.encode(budgetLine, forKey: .budgetLine)
        try container.encode(amount, forKey: .amount)
        try container.encode(incurredOn, forKey: .incurredOn)
        try container.encode(description, forKey: .description)
        try container.encode(supplier, forKey: .supplier)
        try container.encode(reference, forKey: .reference)
        try container.encode(expenseType, forKey: .expenseType)
        try container.encode(supplierType, forKey: .supplierType)
        try container.encode(supplierID, forKey: .supplierId)
        try container.encode(irrecoverableVAT, forKey: .irrecoverableVat)
        try container.encode(recordedBy, forKey: .recordedBy)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(hash, forKey: .hash)
        try container.encode(reversedBy, forKey: .reversedBy)
    }
}

extension GovernanceVerification: Encodable {
    // `ok` is computed.
    private enum CodingKeys: String, CodingKey { case ok, records, headHash, firstMismatch }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(records, forKey: .records)
        try container.encode(headHash?.description, forKey: .headHash)
        try container.encode(firstMismatch, forKey: .firstMismatch)
    }
}
