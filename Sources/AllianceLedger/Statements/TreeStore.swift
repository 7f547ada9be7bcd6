import Crypto
import Foundation
import Postgres

/// The RFC 9162 Merkle trees the database keeps with the journal and the governance log
/// (SQL/0010): the hash of every complete subtree, so that a root of any size is a few lookups.
struct TreeStore: Sendable {
    let table: String

    static let journal = TreeStore(table: "journal_tree_nodes")
    static let governance = TreeStore(table: "governance_tree_nodes")

    /// The complete subtrees, left to right, whose fold is the root of the first `size` leaves:
    /// one per set bit of `size`, largest first (RFC 9162's split at the largest power of two).
    static func subtrees(of size: Int64) -> [(level: Int, index: Int64)] {
        var subtrees: [(level: Int, index: Int64)] = []
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            subtrees.append((level, start >> level))
            start += Int64(1) << level
        }
        return subtrees
    }

    /// The root of the first `size` leaves; of no leaves, SHA-256 of nothing (RFC 9162).
    func root(size: Int64, in alliance: AllianceID, on connection: PostgresConnection) async throws -> Digest
    {
        guard size > 0 else { return Digest(Array(SHA256.hash(data: Data()))) }
        let wanted = TreeStore.subtrees(of: size)
        var hashes: [[Int64]: Digest] = [:]
        for row in try await connection.query(
            """
            SELECT n.level, n.index, n.hash FROM \(identifier: table) AS n
            JOIN unnest(\(wanted.map { Int64($0.level) })::bigint[], \(wanted.map(\.index))::bigint[]) AS w (level, index)
              ON n.level = w.level AND n.index = w.index
            WHERE n.alliance_id = \(alliance.rawValue)
            """)
        {
            hashes[[Int64(try row.decode("level", as: Int16.self)), try row.decode("index")]] =
                try row.decode("hash")
        }
        let ordered = try wanted.map { subtree in
            guard let hash = hashes[[Int64(subtree.level), subtree.index]] else {
                throw LedgerError.invalidText(
                    field: "treeSize",
                    reason: "the tree has no subtree \(subtree.level)/\(subtree.index) for size \(size)")
            }
            return hash
        }
        return ordered.dropLast().reversed().reduce(ordered[ordered.count - 1]) { right, left in
            TreeStore.node(left, right)
        }
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    static func node(_ left: Digest, _ right: Digest) -> Digest {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.bytes)
        hasher.update(data: right.bytes)
        return Digest(Array(hasher.finalize()))
    }
}
