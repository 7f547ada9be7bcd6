/// Where a log keeps its complete subtrees (``MerkleSubtree``): in tiles, as transparency logs
/// keep theirs, so that a proof reads a row per tier rather than one per subtree.
///
/// The tile of tier t and index k covers the subtrees of level 4t, indexes 16k to 16k + 15, and
/// holds their hashes and those of every complete subtree of the three levels above them within
/// that span: up to 16 + 8 + 4 + 2 = 30, in the order they complete (each of the sixteen, then
/// whatever it completes, lower level first), so that a tile only ever grows. A proof in a
/// tree of n leaves reads about log16 n tiles, and makes no hash of its own from them. The root
/// of a tile's sixteen is not in it: it is the next tier's next hash.
public struct MerkleTile: Hashable, Sendable, CustomStringConvertible {
    /// The levels one tier spans.
    public static let height = 4
    /// The subtrees of the tier's own level a tile covers.
    public static let width = 1 << height
    /// The hashes a full tile holds.
    public static let capacity = completed(through: width - 1)
    /// The highest tier a tree of up to `Int64.max` leaves has.
    public static let maximumTier = MerkleSubtree.maximumLevel / height

    /// The tile covers the subtrees of level `height` · `tier`.
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

    /// The number of hashes a tile holds once its subtrees of the tier's level `0...last` (of
    /// its own sixteen) are complete: each of them, and each subtree above them they complete.
    public static func completed(through last: Int) -> Int {
        let count = last + 1
        return count + count / 2 + count / 4 + count / 8
    }

    /// The tile that holds `subtree`'s hash, and its position among the tile's hashes.
    public static func holding(_ subtree: MerkleSubtree) -> (tile: MerkleTile, position: Int) {
        let rise = subtree.level % height
        // Its first descendant of the tier's level; its 2^rise descendants are aligned, so all
        // in one tile, and it completes with the last of them.
        let first = subtree.index << rise
        let last = Int(first % Int64(width)) + (1 << rise) - 1
        return (
            MerkleTile(tier: subtree.level / height, index: first / Int64(width)),
            completed(through: last - 1) + rise
        )
    }

    /// The hash of `subtree` in `tile`, the bytes of its tile (``holding(_:)``) as stored: its
    /// hashes in order, 32 bytes each. Nil when the tile does not hold it yet (a tile holds
    /// whole hashes only, so one cut short lacks its last rather than misreads it).
    public static func hash(of subtree: MerkleSubtree, in tile: [UInt8]) -> Digest? {
        let position = holding(subtree).position
        guard tile.count >= 32 * (position + 1) else { return nil }
        return Digest(Array(tile[32 * position..<32 * (position + 1)]))
    }

    public var description: String { "tile at tier \(tier), index \(index)" }
}
