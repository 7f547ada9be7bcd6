import AllianceLedger
import Synchronization

/// What the public routes keep in memory so that a popular statement costs little: a published
/// statement's bytes, which never change (statements are append-only), and each page as last
/// rendered together with everything it was rendered from besides those bytes (the alliance's
/// statement listings with their signatures, partners, budget lines and keys), so a page is
/// rendered again exactly when one of those has changed. Each store holds at most `limit`
/// entries and starts afresh when full.
final class PublicCache: Sendable {
    static let limit = 256

    struct Page: Sendable {
        let inputs: PageInputs
        let html: [UInt8]
        let hash: String
    }

    /// What a statement page shows besides the statement's own bytes.
    struct PageInputs: Hashable, Sendable {
        let listings: [StatementListing]
        let partners: [Partner]
        let lines: [BudgetLine]
        let keys: [PartnerKey]
    }

    private let statements = Mutex<[String: (bytes: [UInt8], hash: Digest)]>([:])
    private let pages = Mutex<[String: Page]>([:])

    func statement(_ number: String, of slug: String) -> (bytes: [UInt8], hash: Digest)? {
        statements.withLock { $0["\(slug)/\(number)"] }
    }

    func store(_ statement: (bytes: [UInt8], hash: Digest), number: String, of slug: String) {
        statements.withLock { stored in
            if stored.count >= Self.limit { stored.removeAll() }
            stored["\(slug)/\(number)"] = statement
        }
    }

    /// The page as last rendered, if it was rendered from `inputs`.
    func page(_ number: String, of slug: String, from inputs: PageInputs) -> Page? {
        pages.withLock { $0["\(slug)/\(number)"] }.flatMap { $0.inputs == inputs ? $0 : nil }
    }

    func store(_ page: Page, number: String, of slug: String) {
        pages.withLock { stored in
            if stored.count >= Self.limit { stored.removeAll() }
            stored["\(slug)/\(number)"] = page
        }
    }
}
