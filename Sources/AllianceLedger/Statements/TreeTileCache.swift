import Synchronization

/// The upper tiles of the trees that inclusion proofs were made in, and the hashes of each
/// tree's right edge, kept between proofs, so that a proof in a tree already seen reads only
/// the tiles of its first two tiers, whatever the tree's size, and hashes nothing.
///
/// Proofs are asked of a few sizes many times: a published statement's tree, by everyone who
/// checks an entry of it. A proof in a tree of n leaves wants, along its leaf's path, a tile
/// per tier, and the tree's right edge: the root, and the path's nodes that the tree's size
/// cuts short, each a fold of the root's complete subtrees (``MerkleNode/edgeHashes(from:)``),
/// from the tiles at each tier's end. The edge is the same for every proof of the tree, and
/// above the first two tiers there is one tile per 4,096 leaves, shared by the proofs of all
/// of them. So of each tree the cache keeps the edge's hashes and the tiles of tier 2 and
/// above (``keeps(_:)``): a later proof reads two or three tiles in one round trip. Proofs in
/// the journal as it is (no size asked) are not kept: each entry makes another tree.
///
/// A tree's stored hashes never change while the database stands (its tiles only grow,
/// SQL/0024), but a database can lose its last writes (a failover to a standby that had not
/// received them, a restore to a point in time) and then grow the same size again with other
/// entries. So a kept tree is known by its size **and its last leaf**: the leaf commits to every
/// entry before it (each entry's hash covers the one before), and every proof reads it again,
/// a tile of the first tier. A last leaf that differs means the history changed: what was kept
/// of that tree is forgotten and the proof read afresh.
///
/// Bounded: at most `trees` trees (the least recently used forgotten first), each with at most
/// `tilesPerTree` tiles (about a kilobyte each; past that, the tiles already kept serve and no
/// more are added). The default holds every tile it keeps of a tree of up to 3.9 million leaves,
/// for eight trees: within 8 MB.
final class TreeTileCache: Sendable {
    /// A tree of one log: its table (``TreeStore/table``), alliance and size.
    struct Tree: Hashable, Sendable {
        let table: String
        let alliance: AllianceID
        let size: Int64
    }

    /// What is kept of a tree: the last leaf it was read with, its tiles' bytes, and the
    /// hashes of the nodes on its right edge (``MerkleNode/edgeHashes(from:)``), which every
    /// proof in it would otherwise fold again.
    struct Kept: Sendable {
        var lastLeaf: Digest
        var tiles: [MerkleTile: [UInt8]]
        var edges: [Int64: Digest]
        var used: UInt64
    }

    let trees: Int
    let tilesPerTree: Int
    private let state = Mutex<(kept: [Tree: Kept], uses: UInt64)>(([:], 0))

    init(trees: Int = 8, tilesPerTree: Int = 1024) {
        self.trees = trees
        self.tilesPerTree = tilesPerTree
    }

    /// Whether a proof's tile is worth keeping for other proofs of its tree: one of tier 2 or
    /// above, whose subtrees (4,096 leaves or more each) are on the paths of many leaves.
    static func keeps(_ tile: MerkleTile) -> Bool {
        tile.tier >= 2
    }

    /// What is kept of `tree`, if anything.
    func kept(_ tree: Tree) -> Kept? {
        state.withLock { state in
            guard state.kept[tree] != nil else { return nil }
            state.uses += 1
            state.kept[tree]?.used = state.uses
            return state.kept[tree]
        }
    }

    /// Keeps `tiles` of `tree`, read with its last leaf `lastLeaf` — each that
    /// ``keeps(_:)`` admits — and its right edge's hashes. What was kept of the tree
    /// with another last leaf is forgotten first.
    func keep(_ tiles: [MerkleTile: [UInt8]], edges: [Int64: Digest], of tree: Tree, lastLeaf: Digest) {
        let admitted = tiles.filter { TreeTileCache.keeps($0.key) }
        state.withLock { state in
            state.uses += 1
            if state.kept[tree]?.lastLeaf != lastLeaf {
                state.kept[tree] = Kept(lastLeaf: lastLeaf, tiles: [:], edges: edges, used: 0)
            }
            state.kept[tree]?.used = state.uses
            // Changed in place, through the dictionary: a tree's entry taken out and put back
            // would copy all its tiles at each one added.
            for (tile, bytes) in admitted {
                let held = state.kept[tree]?.tiles[tile]?.count
                let room = (state.kept[tree]?.tiles.count ?? tilesPerTree) < tilesPerTree
                // A tile read later holds at least what an earlier read of it held; past the
                // bound, only tiles already kept are replaced.
                if held.map({ bytes.count > $0 }) ?? room { state.kept[tree]?.tiles[tile] = bytes }
            }
            while state.kept.count > trees,
                let oldest = state.kept.min(by: { $0.value.used < $1.value.used })?.key
            {
                state.kept[oldest] = nil
            }
        }
    }

    /// Forgets what is kept of `tree`: its history changed.
    func forget(_ tree: Tree) {
        state.withLock { $0.kept[tree] = nil }
    }
}
