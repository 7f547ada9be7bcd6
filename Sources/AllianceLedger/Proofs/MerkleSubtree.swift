/// A complete subtree of an RFC 9162 Merkle tree: the 2^`level` leaves from `index` · 2^`level`.
///
/// Its hash never changes once its last leaf is appended, whatever is appended after, so it can
/// be stored when that leaf is: level 0 holds the leaf hashes, and the subtree at level k > 0,
/// index i is the node hash of the two at level k − 1, indexes 2i and 2i + 1. Every root and
/// proof of a tree of any size up to the leaves appended is then made of such stored hashes
/// (``MerkleTree``).
public struct MerkleSubtree: Hashable, Sendable, CustomStringConvertible {
    /// log2 of the number of leaves it covers: 0 for a single leaf.
    public let level: Int
    /// Its position among the subtrees of its level, from 0 at the left.
    public let index: Int64

    /// The highest level a tree of up to `Int64.max` leaves has.
    public static let maximumLevel = 62

    /// - Precondition: `level` is in `0...maximumLevel`, `index` is not negative, and the
    ///   subtree's leaves are numbered within `Int64`.
    public init(level: Int, index: Int64) {
        precondition((0...MerkleSubtree.maximumLevel).contains(level), "a subtree's level is 0...62")
        precondition(index >= 0 && index < Int64.max >> level, "a subtree's leaves are numbered within Int64")
        self.level = level
        self.index = index
    }

    /// The number of leaves it covers.
    public var leafCount: Int64 { 1 << level }

    /// The indexes of the leaves it covers.
    public var leaves: Range<Int64> { index << level..<(index + 1) << level }

    /// The two halves whose node hash is its hash; nil for a single leaf, whose hash is the
    /// leaf hash.
    public var children: (left: MerkleSubtree, right: MerkleSubtree)? {
        guard level > 0 else { return nil }
        return (
            MerkleSubtree(level: level - 1, index: 2 * index),
            MerkleSubtree(level: level - 1, index: 2 * index + 1)
        )
    }

    /// The subtrees that appending the leaf at `leafIndex` completes, level 0 first: the leaf's
    /// own, and each one that leaf ends. Storing these as each leaf is appended stores every
    /// complete subtree.
    public static func completed(byAppendingLeafAt leafIndex: Int64) -> [MerkleSubtree] {
        precondition(leafIndex >= 0 && leafIndex < Int64.max, "a leaf index is 0..<Int64.max")
        let highestLevel = (leafIndex + 1).trailingZeroBitCount
        return (0...highestLevel).map { MerkleSubtree(level: $0, index: leafIndex >> $0) }
    }

    public var description: String { "subtree at level \(level), index \(index)" }
}
