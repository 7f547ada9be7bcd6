/// Where a log keeps its complete subtrees (``MerkleSubtree``): in tiles of sixteen hashes, as
/// transparency logs keep theirs.
///
/// The tile of tier t and index k holds the hashes of the subtrees of level 4t, indexes 16k to
/// 16k + 15, in order. The subtrees of the three levels between two tiers are not kept: a
/// subtree of level 4t + h is the root of 2^h consecutive hashes of one tile, made again when it
/// is read. A proof in a tree of n leaves then reads about log16 n tiles, one per tier, where it
/// would read about 2 log2 n subtrees kept one by one. A log appends to the tile that ends each
/// tier as subtrees complete; a tile once full never changes, and its root is the next tier's
/// next hash.
public struct MerkleTile: Hashable, Sendable, CustomStringConvertible {
    /// The levels one tier spans: a full tile's hashes are the leaves of a subtree this high.
    public static let height = 4
    /// The hashes a full tile holds.
    public static let width = 1 << height
    /// The highest tier a tree of up to `Int64.max` leaves has.
    public static let maximumTier = MerkleSubtree.maximumLevel / height

    /// The tile holds the subtrees of level `height` · `tier`.
    public let tier: Int
    /// Those of indexes `width` · `index` to `width` · `index` + `width` − 1.
    public let index: Int64

    /// - Precondition: `tier` is in `0...maximumTier` and `index` is not negative.
    public init(tier: Int, index: Int64) {
        precondition((0...MerkleTile.maximumTier).contains(tier), "a tile's tier is 0...15")
        precondition(index >= 0, "a tile's index is not negative")
        self.tier = tier
        self.index = index
    }

    /// The tile that holds what `subtree`'s hash is made of, and where in the tile those hashes
    /// are: the subtree's own hash where its level is a tier's, else the 2, 4 or 8 beneath it.
    public static func holding(_ subtree: MerkleSubtree) -> (tile: MerkleTile, hashes: Range<Int>) {
        let rise = subtree.level % height
        // The subtree's first descendant at its tier's level: 2^rise of them, aligned, so all in
        // one tile.
        let first = subtree.index << rise
        let offset = Int(first % Int64(width))
        return (
            MerkleTile(tier: subtree.level / height, index: first / Int64(width)),
            offset..<offset + (1 << rise)
        )
    }

    /// The hash of `subtree` from `hashes`, the hashes its tile (``holding(_:)``) holds, in
    /// order; nil when the tile does not hold all it needs.
    public static func hash(of subtree: MerkleSubtree, from hashes: [Digest]) -> Digest? {
        let (_, range) = holding(subtree)
        guard range.upperBound <= hashes.count else { return nil }
        var level = Array(hashes[range])
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map {
                MerkleTree.nodeHash(level[$0], level[$0 + 1])
            }
        }
        return level[0]
    }

    public var description: String { "tile at tier \(tier), index \(index)" }
}
