// The JSON shape of an import's report: what the command line prints with --format json and
// what the HTTP API answers. camelCase keys; an absent sequence is an explicit null.

extension SpendImportReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case mode, rows, recorded, duplicates, invalid, committed, firstSequence, lastSequence, errors
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mode, forKey: .mode)
        try container.encode(rows, forKey: .rows)
        try container.encode(recorded, forKey: .recorded)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(invalid, forKey: .invalid)
        try container.encode(committed, forKey: .committed)
        try container.encode(firstSequence, forKey: .firstSequence)
        try container.encode(lastSequence, forKey: .lastSequence)
        try container.encode(errors, forKey: .errors)
    }
}

extension SpendImportRowError: Encodable {
    private enum CodingKeys: String, CodingKey { case line, reason }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(reason, forKey: .reason)
    }
}
