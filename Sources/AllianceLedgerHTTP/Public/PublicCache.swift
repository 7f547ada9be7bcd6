import AllianceLedger
import NIOCore
import Synchronization

/// What the public routes keep in memory so that a popular statement costs little: a published
/// statement's bytes, which never change (statements are append-only), and each page as last
/// rendered together with everything it was rendered from besides those bytes (the alliance's
/// statement listings with their signatures, partners, budget lines and keys), so a page is
/// rendered again exactly when one of those has changed — checked at most once per page lifetime
/// (`HTTPServiceConfiguration.publicPageLifetime`). Each store holds at most `limit` entries and
/// starts afresh when full.
final class PublicCache: Sendable {
    static let limit = 256

    struct Page: Sendable {
        let inputs: PageInputs
        /// The page's bytes, answered as they are: a buffer shares its storage with every
        /// answer instead of copying the page into each.
        let html: ByteBuffer
        let hash: String
        /// When the page was last found to match what it shows.
        var checkedAt: ContinuousClock.Instant = .now
    }

    /// What a statement page shows besides the statement's own bytes.
    struct PageInputs: Hashable, Sendable {
        let listings: [StatementListing]
        let partners: [Partner]
        let budgetLines: [BudgetLine]
        let keys: [PartnerKey]
    }

    /// A published statement's bytes, as the buffer every answer shares, and their hash.
    struct Frozen: Sendable {
        let buffer: ByteBuffer
        let hash: Digest
    }

    private let statements = Mutex<[String: Frozen]>([:])
    private let pages = Mutex<[String: Page]>([:])

    func statement(_ number: String, of slug: String) -> Frozen? {
        statements.withLock { $0["\(slug)/\(number)"] }
    }

    func store(_ statement: Frozen, number: String, of slug: String) {
        statements.withLock { stored in
            if stored.count >= Self.limit { stored.removeAll() }
            stored["\(slug)/\(number)"] = statement
        }
    }

    /// The page as last rendered, if it was found to match what it shows less than `lifetime`
    /// ago: served without asking the database again. When its lifetime is up, the first
    /// caller is answered nil and checks it, while the others are served the page until that
    /// check is done: one check per lifetime, never one per waiting request.
    func page(_ number: String, of slug: String, checkedWithin lifetime: Duration) -> Page? {
        guard lifetime > .zero else { return nil }
        return pages.withLock { stored in
            guard var page = stored["\(slug)/\(number)"] else { return nil }
            let now = ContinuousClock.now
            if now - page.checkedAt < lifetime { return page }
            page.checkedAt = now
            stored["\(slug)/\(number)"] = page
            return nil
        }
    }

    /// The page as last rendered, if it was rendered from `inputs`; it counts as checked now.
    func page(_ number: String, of slug: String, from inputs: PageInputs) -> Page? {
        pages.withLock { stored in
            guard var page = stored["\(slug)/\(number)"], page.inputs == inputs else { return nil }
            page.checkedAt = .now
            stored["\(slug)/\(number)"] = page
            return page
        }
    }

    func store(_ page: Page, number: String, of slug: String) {
        pages.withLock { stored in
            if stored.count >= Self.limit { stored.removeAll() }
            stored["\(slug)/\(number)"] = page
        }
    }
}
