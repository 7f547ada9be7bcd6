import Foundation
import Postgres

/// The RFC 9162 Merkle trees the database keeps with the journal and the governance log
/// (SQL/0010): the hash of every complete subtree, so that a root or a proof of any size is a
/// few lookups (O(log n) of them), never a walk of the leaves.
struct TreeStore: Sendable {
    let table: String

    static let journal = TreeStore(table: "journal_tree_nodes")
    static let governance = TreeStore(table: "governance_tree_nodes")

    /// The root of the first `size` leaves; of no leaves, SHA-256 of nothing (RFC 9162).
    func root(size: Int64, in alliance: AllianceID, on connection: PostgresConnection) async throws -> Digest
    {
        try await TreeStore.roots([(self, size)], in: alliance, on: connection)[0]
    }

    /// The roots of several trees, as `root` gives each, their stored hashes read in one round
    /// trip.
    static func roots(
        _ trees: [(store: TreeStore, size: Int64)], in alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [Digest] {
        let nodes = try trees.map { try MerkleTree.rootNode(treeSize: $0.size) }
        let wanted = nodes.map { Array([$0].subtrees) }
        let reading = trees.indices.filter { !wanted[$0].isEmpty }
        let rows =
            reading.isEmpty
            ? []
            : try await connection.pipeline(
                reading.map { trees[$0].store.subtreesQuery(wanted[$0], in: alliance) })
        return try trees.indices.map { tree in
            guard trees[tree].size > 0, let read = reading.firstIndex(of: tree) else {
                return MerkleTree.emptyRoot
            }
            let stored = try TreeStore.subtrees(wanted[tree], from: rows[read], size: trees[tree].size)
            return try nodes[tree].hash(from: stored)
        }
    }

    /// The leaf at `leafIndex`, its inclusion proof in the tree of `size` leaves, and that
    /// tree's root: every stored hash they need read in one lookup.
    func inclusionProof(
        leafIndex: Int64, size: Int64, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> (leaf: Digest, proof: [Digest], root: Digest)
    {
        let reading = try inclusionProofReading(leafIndex: leafIndex, size: size, in: alliance)
        return try reading.proof(try await connection.query(reading.query))
    }

    /// What `inclusionProof` reads, as a query and what makes the proof of its rows: for a
    /// caller that sends the query with others.
    func inclusionProofReading(leafIndex: Int64, size: Int64, in alliance: AllianceID) throws
        -> (
            query: PostgresQuery,
            proof: (PostgresRows) throws -> (leaf: Digest, proof: [Digest], root: Digest)
        )
    {
        let path = try MerkleTree.inclusionPath(leafIndex: leafIndex, treeSize: size)
        let root = try MerkleTree.rootNode(treeSize: size)
        let leaf = MerkleSubtree(level: 0, index: leafIndex)
        let list = Array(path.subtrees.union(root.subtrees).union([leaf]))
        return (
            subtreesQuery(list, in: alliance),
            { rows in
                let stored = try TreeStore.subtrees(list, from: rows, size: size)
                guard let leafHash = stored[leaf] else { throw MerkleProofError.missingSubtree(leaf) }
                return (leafHash, try path.hashes(from: stored), try root.hash(from: stored))
            }
        )
    }

    /// The consistency proof that the tree of `newSize` leaves extends the tree of `oldSize`.
    func consistencyProof(
        from oldSize: Int64, to newSize: Int64, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> [Digest]
    {
        let path = try MerkleTree.consistencyPath(from: oldSize, to: newSize)
        return try path.hashes(
            from: try await subtrees(path.subtrees, size: newSize, in: alliance, on: connection))
    }

    /// The stored hashes of `wanted`, which all lie within the first `size` leaves.
    private func subtrees(
        _ wanted: Set<MerkleSubtree>, size: Int64, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [MerkleSubtree: Digest] {
        guard !wanted.isEmpty else { return [:] }
        let list = Array(wanted)
        return try TreeStore.subtrees(
            list, from: try await connection.query(subtreesQuery(list, in: alliance)), size: size)
    }

    /// The query of the stored hashes of `list`.
    private func subtreesQuery(_ list: [MerkleSubtree], in alliance: AllianceID) -> PostgresQuery {
        """
        SELECT n.level, n.index, n.hash FROM \(identifier: table) AS n
        JOIN unnest(\(list.map { Int64($0.level) })::bigint[], \(list.map(\.index))::bigint[]) AS w (level, index)
          ON n.level = w.level AND n.index = w.index
        WHERE n.alliance_id = \(alliance.rawValue)
        """
    }

    /// The hashes of `list` in `rows`, every one of them there.
    private static func subtrees(_ list: [MerkleSubtree], from rows: PostgresRows, size: Int64) throws
        -> [MerkleSubtree: Digest]
    {
        var stored: [MerkleSubtree: Digest] = [:]
        for row in rows {
            let subtree = MerkleSubtree(
                level: Int(try row.decode("level", as: Int16.self)), index: try row.decode("index"))
            stored[subtree] = try row.decode("hash")
        }
        if let missing = list.first(where: { stored[$0] == nil }) {
            throw LedgerError.treeNodeMissing(treeSize: size, node: missing.description)
        }
        return stored
    }

    /// SHA-256(0x00 ‖ entry hash): an entry's leaf.
    static func leaf(_ hash: Digest) -> Digest { MerkleTree.leafHash(hash.bytes) }
}
