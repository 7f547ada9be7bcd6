import Foundation
import Postgres

/// The RFC 9162 Merkle trees the database keeps with the journal and the governance log
/// (SQL/0010): the hash of every complete subtree, in tiles of four levels (``MerkleTile``,
/// SQL/0024), so that a root or a proof of any size is a few rows (about log16 n of them),
/// never a walk of the leaves.
struct TreeStore: Sendable {
    let table: String

    static let journal = TreeStore(table: "journal_tree_tiles")
    static let governance = TreeStore(table: "governance_tree_tiles")

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
            : try await connection.binaryPipeline(
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
        // Without a cache there is nothing kept to find stale: the proof is always made.
        guard let found = try reading.proof(try await connection.binaryQuery(reading.query)) else {
            throw LedgerError.treeNodeMissing(
                treeSize: size, node: MerkleSubtree(level: 0, index: leafIndex).description)
        }
        return found
    }

    /// What `inclusionProof` reads, as a query (and the tiles it reads) and what makes the
    /// proof of its rows: for a caller that sends the query with others. With a cache, the
    /// query reads only the tiles the cache does not keep of the tree, and the first tier's
    /// tile of its last leaf, by which the kept tiles are checked to be of the same history
    /// (``TreeTileCache``); the proof is nil when they are not, and the caller reads again
    /// without the cache.
    func inclusionProofReading(
        leafIndex: Int64, size: Int64, in alliance: AllianceID, keptIn cache: TreeTileCache? = nil
    ) throws
        -> (
            query: PostgresQuery, tiles: Set<MerkleTile>,
            proof: (PostgresBinaryRows) throws -> (leaf: Digest, proof: [Digest], root: Digest)?
        )
    {
        let path = try MerkleTree.inclusionPath(leafIndex: leafIndex, treeSize: size)
        let root = try MerkleTree.rootNode(treeSize: size)
        let leaf = MerkleSubtree(level: 0, index: leafIndex)
        let tree = TreeTileCache.Tree(table: table, alliance: alliance, size: size)
        let kept = cache?.kept(tree)
        // With the right edge's hashes kept, only the path's complete subtrees are wanted: the
        // root and the path's nodes on the edge are among those hashes.
        let list =
            kept == nil
            ? Array(path.subtrees.union(root.subtrees).union([leaf]))
            : Array(Set(path.filter { $0.subtrees.count == 1 }.flatMap(\.subtrees)).union([leaf]))
        let lastLeaf = MerkleSubtree(level: 0, index: size - 1)
        var reading = Set(
            list.filter { subtree in
                kept.flatMap { $0.tiles[MerkleTile.holding(subtree).tile] }
                    .flatMap { MerkleTile.hash(of: subtree, in: $0) } == nil
            }
            .map { MerkleTile.holding($0).tile })
        if cache != nil { reading.insert(MerkleTile.holding(lastLeaf).tile) }
        return (
            tilesQuery(Array(reading), in: alliance), reading,
            { rows in
                let tiles = try TreeStore.tiles(rows)
                let readLastLeaf = TreeStore.hash(of: lastLeaf, in: tiles)
                if let cache {
                    guard let readLastLeaf else {
                        throw LedgerError.treeNodeMissing(treeSize: size, node: lastLeaf.description)
                    }
                    if let kept, kept.lastLeaf != readLastLeaf {
                        cache.forget(tree)
                        return nil
                    }
                }
                // The kept tiles are looked in, not copied: a tree may keep a thousand.
                let stored = try TreeStore.subtrees(list, from: tiles, kept: kept?.tiles ?? [:], size: size)
                let edges = try kept?.edges ?? root.edgeHashes(from: stored)
                if let cache, let readLastLeaf {
                    cache.keep(tiles, edges: edges, of: tree, lastLeaf: readLastLeaf)
                }
                guard let leafHash = stored[leaf] else { throw MerkleProofError.missingSubtree(leaf) }
                // The root is the edge's node from the first leaf.
                guard let rootHash = edges[0] else { throw MerkleProofError.missingSubtree(root.subtrees[0]) }
                return (leafHash, try path.hashes(from: stored, edges: edges), rootHash)
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

    /// The stored leaf hashes of `indexes`, by index: those of the first tier's tiles that
    /// hold them, read by one range of the key.
    func leaves(_ indexes: ClosedRange<Int64>, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [Int64: Digest]
    {
        let width = Int64(MerkleTile.width)
        let rows = try await connection.binaryQuery(
            """
            SELECT tier, index, hashes FROM \(identifier: table)
            WHERE alliance_id = \(alliance.rawValue) AND tier = 0
              AND index BETWEEN \(indexes.lowerBound / width) AND \(indexes.upperBound / width)
            """)
        let tiles = try TreeStore.tiles(rows)
        var leaves: [Int64: Digest] = [:]
        for index in indexes {
            leaves[index] = TreeStore.hash(of: MerkleSubtree(level: 0, index: index), in: tiles)
        }
        return leaves
    }

    /// The stored hashes of `wanted`, which all lie within the first `size` leaves.
    private func subtrees(
        _ wanted: Set<MerkleSubtree>, size: Int64, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [MerkleSubtree: Digest] {
        guard !wanted.isEmpty else { return [:] }
        let list = Array(wanted)
        return try TreeStore.subtrees(
            list, from: try await connection.binaryQuery(subtreesQuery(list, in: alliance)),
            size: size)
    }

    /// The query of the tiles that hold the hashes of `list`.
    private func subtreesQuery(_ list: [MerkleSubtree], in alliance: AllianceID) -> PostgresQuery {
        tilesQuery(Array(Set(list.map { MerkleTile.holding($0).tile })), in: alliance)
    }

    /// The query of `tiles`.
    private func tilesQuery(_ tiles: [MerkleTile], in alliance: AllianceID) -> PostgresQuery {
        """
        SELECT t.tier, t.index, t.hashes FROM \(identifier: table) AS t
        JOIN unnest(\(tiles.map { Int64($0.tier) })::bigint[], \(tiles.map(\.index))::bigint[]) AS w (tier, index)
          ON t.tier = w.tier AND t.index = w.index
        WHERE t.alliance_id = \(alliance.rawValue)
        """
    }

    /// The hashes of `list`, from the tiles in `rows`, every one of them there.
    private static func subtrees(_ list: [MerkleSubtree], from rows: PostgresBinaryRows, size: Int64) throws
        -> [MerkleSubtree: Digest]
    {
        try subtrees(list, from: try TreeStore.tiles(rows), size: size)
    }

    /// The hashes of `list`, from `tiles` or else `kept`, every one of them there.
    private static func subtrees(
        _ list: [MerkleSubtree], from tiles: [MerkleTile: [UInt8]], kept: [MerkleTile: [UInt8]] = [:],
        size: Int64
    ) throws -> [MerkleSubtree: Digest] {
        var stored: [MerkleSubtree: Digest] = [:]
        for subtree in list {
            guard let hash = hash(of: subtree, in: tiles) ?? hash(of: subtree, in: kept) else {
                throw LedgerError.treeNodeMissing(treeSize: size, node: subtree.description)
            }
            stored[subtree] = hash
        }
        return stored
    }

    /// The tiles in `rows` (columns `tier`, `index`, `hashes`), each as its bytes, from which
    /// only the hashes wanted are taken.
    private static func tiles(_ rows: PostgresBinaryRows) throws -> [MerkleTile: [UInt8]] {
        let tier = try rows.column("tier")
        let index = try rows.column("index")
        let hashes = try rows.column("hashes")
        var tiles: [MerkleTile: [UInt8]] = [:]
        for row in 0..<rows.count {
            let tile = MerkleTile(tier: Int(try rows.integer(row, tier)), index: try rows.integer(row, index))
            tiles[tile] = rows.withBytes(row, hashes) { $0.map { [UInt8]($0) } ?? [] }
        }
        return tiles
    }

    /// `subtree`'s hash in its tile among `tiles`; nil when the tile is not there or does not
    /// hold it.
    private static func hash(of subtree: MerkleSubtree, in tiles: [MerkleTile: [UInt8]]) -> Digest? {
        tiles[MerkleTile.holding(subtree).tile].flatMap { MerkleTile.hash(of: subtree, in: $0) }
    }

    /// SHA-256(0x00 ‖ entry hash): an entry's leaf.
    static func leaf(_ hash: Digest) -> Digest { MerkleTree.leafHash(hash.bytes) }
}
