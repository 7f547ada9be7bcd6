public import Dates
import Foundation
import Postgres

/// Which entries a listing includes; every condition given must hold.
public struct JournalFilter: Hashable, Sendable {
    public var kinds: Set<EntryKind>
    /// Entries with a posting to this account.
    public var account: AccountCode?
    public var effectiveFrom: CalendarDate?
    public var effectiveTo: CalendarDate?
    public var recordedBy: String?
    /// Entries whose metadata has each of these keys with exactly this value.
    public var metadata: [String: String]

    public init(
        kinds: Set<EntryKind> = [], account: AccountCode? = nil, effectiveFrom: CalendarDate? = nil,
        effectiveTo: CalendarDate? = nil, recordedBy: String? = nil, metadata: [String: String] = [:]
    ) {
        self.kinds = kinds
        self.account = account
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
        self.recordedBy = recordedBy
        self.metadata = metadata
    }

    func conditions(alliance: AllianceID) throws -> PostgresQuery {
        var query: PostgresQuery = ""
        if !kinds.isEmpty {
            query.append(" AND kind = ANY(\(kinds.map(\.rawValue).sorted())::text[])")
        }
        if let account {
            query.append(
                """
                 AND EXISTS (SELECT 1 FROM postings AS p JOIN accounts AS a
                                 ON a.alliance_id = p.alliance_id AND a.id = p.account_id
                             WHERE p.alliance_id = e.alliance_id AND p.entry_sequence = e.sequence
                               AND a.code = \(account.rawValue))
                """)
        }
        if let effectiveFrom { query.append(" AND effective_on >= \(effectiveFrom)") }
        if let effectiveTo { query.append(" AND effective_on <= \(effectiveTo)") }
        if let recordedBy { query.append(" AND recorded_by = \(recordedBy)") }
        for key in metadata.keys.sorted() {
            query.append(" AND metadata ->> \(key) = \(metadata[key])")
        }
        return query
    }
}

/// A page of a listing: its size, its order, and where the previous page ended.
public struct PageRequest: Hashable, Sendable {
    public enum Order: String, Sendable {
        case newestFirst
        case oldestFirst
    }

    public static let maximumLimit = 1000

    public let limit: Int
    public let order: Order
    /// The `nextCursor` of the previous page; nil for the first page.
    public let cursor: String?

    public init(limit: Int = 100, order: Order = .newestFirst, cursor: String? = nil) throws(LedgerError) {
        guard (1...PageRequest.maximumLimit).contains(limit) else {
            throw .invalidPage("the limit must be from 1 to \(PageRequest.maximumLimit), not \(limit)")
        }
        self.limit = limit
        self.order = order
        self.cursor = cursor
    }

    /// The default first page: 100 entries, newest first.
    public init() {
        limit = 100
        order = .newestFirst
        cursor = nil
    }

    /// Cursors are opaque to clients: base64url of "<listing>:v1:<order>:<position>", so that a
    /// cursor of one listing is refused by another. Public for a page that starts after a known
    /// entry, as the flat-cost benchmark reads one deep in the journal.
    public func cursor(after sequence: Int64, listing: String = "journal") -> String {
        Data("\(listing):v1:\(order.rawValue):\(sequence)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The sequence the previous page ended at, or nil on the first page.
    func position(listing: String = "journal") throws(LedgerError) -> Int64? {
        guard let cursor else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let parts = Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }?
            .split(separator: ":")
        guard let parts, parts.count == 4, parts[0] == listing, parts[1] == "v1",
            parts[2] == order.rawValue, let sequence = Int64(parts[3]), sequence > 0
        else { throw .invalidPage("the cursor is not one this listing issued") }
        return sequence
    }
}

/// One page of any listing, as the command line's JSON and the HTTP API answer it:
/// `{"items": […], "nextCursor": "…" | null}`.
public struct ListPage<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Pass it to get the next page; nil on the last page.
    @ExplicitNull public private(set) var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension ListPage: Equatable where Item: Equatable {}
extension ListPage: Hashable where Item: Hashable {}

extension ListPage: Encodable where Item: Encodable {}

extension PageRequest {
    /// Pages a short listing held whole in memory (partners, lines, people), ordered by a
    /// positive id that only grows, oldest first whatever the requested order.
    public func page<Item>(of items: [Item], listing: String, id: (Item) -> Int64) throws(LedgerError)
        -> ListPage<Item>
    {
        let after = try position(listing: listing) ?? 0
        let remaining = items.filter { id($0) > after }.sorted { id($0) < id($1) }
        let page = Array(remaining.prefix(limit))
        let next = remaining.count > limit ? page.last.map { cursor(after: id($0), listing: listing) } : nil
        return ListPage(items: page, nextCursor: next)
    }
}
