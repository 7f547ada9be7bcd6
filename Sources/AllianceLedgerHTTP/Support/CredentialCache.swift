import AllianceLedger
import Synchronization

/// Callers recently authenticated, and alliances recently looked up, kept for a few seconds so
/// that a busy client's requests do not each repeat the statement that reads them: the HTTP
/// benchmark measured that statement at close to half the cost of recording a spend.
///
/// What can change meanwhile: a token can be revoked, a person removed, a role granted or
/// ended. The database says so when it happens (SQL/0022) and `CredentialListener` makes the
/// cache forget every caller then; when that word cannot arrive, a change takes effect within
/// `lifetime`. Alliances are not changed by the service. Refusals are never kept, so an unknown
/// token costs its statement every time and cannot fill the cache.
final class CredentialCache: Sendable {
    struct Entry<Value: Sendable>: Sendable {
        let value: Value
        let expires: ContinuousClock.Instant
    }

    /// Past this many entries the cache starts afresh rather than grow without bound.
    static let capacity = 10_000

    let lifetime: Duration
    private let callers = Mutex<[String: Entry<Caller>]>([:])
    private let alliances = Mutex<[String: Entry<Alliance>]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func caller(token: String) -> Caller? {
        callers.withLock { Self.current($0[token]) }
    }

    /// Forgets every caller kept: a credential changed, or may have changed unheard.
    func forgetCallers() {
        callers.withLock { $0.removeAll() }
    }

    func alliance(slug: String) -> Alliance? {
        alliances.withLock { Self.current($0[slug]) }
    }

    func remember(_ caller: Caller, token: String) {
        guard lifetime > .zero else { return }
        let entry = Entry(value: caller, expires: .now + lifetime)
        callers.withLock { Self.store(entry, at: token, in: &$0) }
    }

    func remember(_ alliance: Alliance) {
        guard lifetime > .zero else { return }
        let entry = Entry(value: alliance, expires: .now + lifetime)
        alliances.withLock { Self.store(entry, at: alliance.slug, in: &$0) }
    }

    private static func current<Value: Sendable>(_ entry: Entry<Value>?) -> Value? {
        guard let entry, entry.expires > .now else { return nil }
        return entry.value
    }

    private static func store<Value: Sendable>(
        _ entry: Entry<Value>, at key: String, in entries: inout [String: Entry<Value>]
    ) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = entry
    }
}
