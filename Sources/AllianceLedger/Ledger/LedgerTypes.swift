public import Dates
import Postgres

/// An alliance's internal identifier.
public struct AllianceID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64

    public init(_ rawValue: Int64) {
        precondition(rawValue > 0, "alliance ids are positive")
        self.rawValue = rawValue
    }

    public var description: String { String(rawValue) }

    public static func < (lhs: AllianceID, rhs: AllianceID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A stable, public account name such as `partner:slam:cost:STAFF`: segments of letters,
/// digits, `_` and `-`, joined by colons, at most 200 characters.
public struct AccountCode: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let rawValue: String

    public init(_ rawValue: String) throws(LedgerError) {
        guard AccountCode.isValid(rawValue) else { throw .invalidAccountCode(rawValue) }
        self.rawValue = rawValue
    }

    /// For codes read back from the database, which enforces the same format.
    init(trusted rawValue: String) {
        precondition(AccountCode.isValid(rawValue), "the database holds an invalid account code")
        self.rawValue = rawValue
    }

    static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 200 else { return false }
        return text.split(separator: ":", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty
                && segment.utf8.allSatisfy { byte in
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
                        || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x2D
                }
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: AccountCode, rhs: AccountCode) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What an account records. Assets and expenses are debit-normal: their balances are usually
/// positive (debits are positive amounts); the others are credit-normal.
public enum AccountType: String, CaseIterable, Sendable, Codable {
    case asset
    case liability
    case equity
    case income
    case expense

    /// +1 for debit-normal accounts, -1 for credit-normal ones.
    public var normalSide: Int64 {
        switch self {
        case .asset, .expense: 1
        case .liability, .equity, .income: -1
        }
    }
}

public struct Account: Hashable, Sendable {
    public let id: Int64
    public let alliance: AllianceID
    public let code: AccountCode
    public let type: AccountType
    /// The lowest balance allowed on the account's normal side, in minor units; nil for none.
    public let floor: Int64?
}

/// What a journal entry records.
public enum EntryKind: String, CaseIterable, Sendable, Codable {
    case opening
    case spend
    case reversal
    case contractPayment = "contract-payment"
    case outcomePayment = "outcome-payment"
    case riskShare = "risk-share"
    case adjustment
}

/// One line of an entry: a signed amount in minor units (debits positive) on an account.
public struct Posting: Hashable, Sendable, Encodable {
    /// 1-based position in the entry.
    public let line: Int
    public let accountID: Int64
    public let account: AccountCode
    public let amount: Int64

    /// The account's row id is the database's, not the wire's: the code names it.
    private enum CodingKeys: String, CodingKey { case line, account, amount }
}

/// A recorded journal entry. Immutable: a mistake is corrected by a reversal.
public struct JournalEntry: Hashable, Sendable, Encodable {
    public let alliance: AllianceID
    /// 1, 2, 3, … per alliance, without gaps, in the order of the chain.
    public let sequence: Int64
    public let kind: EntryKind
    public let effectiveOn: CalendarDate
    public let recordedAt: Timestamp
    public let recordedBy: String
    public let description: String
    public let metadata: [String: String]
    @ExplicitNull public private(set) var idempotencyKey: String?
    public let requestHash: Digest
    /// The entry this one reverses.
    @ExplicitNull public private(set) var reverses: Int64?
    public let previousHash: Digest
    public let hash: Digest
    public let postings: [Posting]

    /// The alliance is the one the caller asked about, so it is left out.
    private enum CodingKeys: String, CodingKey {
        case sequence, kind, effectiveOn, recordedAt, recordedBy, description, metadata
        case idempotencyKey, requestHash, reverses, previousHash, hash, postings
    }
}

/// A SHA-256 digest.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        self.bytes = bytes
    }

    /// Lowercase hexadecimal, 64 characters.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The result of a post or a reversal: the entry, and whether it was already recorded by an
/// earlier request with the same idempotency key.
public struct PostedEntry: Hashable, Sendable {
    public let entry: JournalEntry
    /// True when the answer repeats an earlier request's: nothing new was recorded.
    public let replayed: Bool
}
