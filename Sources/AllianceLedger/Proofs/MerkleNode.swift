/// A node of an RFC 9162 Merkle tree of some size: the hash of the leaves `leaves`, as a root
/// or a proof carries it.
///
/// A node is either a complete subtree, or lies on the tree's right edge, where the tree's size
/// cuts it short: then its leaves run from a multiple of a power of two greater than their
/// number to the tree's size, and RFC 9162's split rule makes its hash a right fold of the
/// complete subtrees that the binary digits of that number name, largest first:
/// `H(s₁, H(s₂, … H(sₖ₋₁, sₖ)))` (``MerkleTree/fold(_:)``). The root of a tree of n leaves is
/// the node of leaves 0..<n; the empty tree's root covers no leaf and is
/// ``MerkleTree/emptyRoot``.
public struct MerkleNode: Hashable, Sendable {
    /// The indexes of the leaves it covers.
    public let leaves: Range<Int64>
    /// The complete subtrees whose hashes make its hash, left to right: one for a complete
    /// subtree, at most 63 for a node on the right edge.
    public let subtrees: [MerkleSubtree]

    /// The node of `leaves`, which must be one of some tree: its first leaf a multiple of the
    /// largest power of two not above its leaf count (every node RFC 9162's split rule makes
    /// is).
    init(leaves: Range<Int64>) {
        var subtrees: [MerkleSubtree] = []
        var start = leaves.lowerBound
        while start < leaves.upperBound {
            let level = 63 - (leaves.upperBound - start).leadingZeroBitCount
            precondition(start & ((1 << level) - 1) == 0, "\(leaves) is not a node of an RFC 9162 tree")
            subtrees.append(MerkleSubtree(level: level, index: start >> level))
            start += 1 << level
        }
        self.leaves = leaves
        self.subtrees = subtrees
    }

    /// Its hash, from the hashes of its complete subtrees that `subtreeHash` gives.
    public func hash<Failure: Error>(
        _ subtreeHash: (MerkleSubtree) throws(Failure) -> Digest
    ) throws(Failure) -> Digest {
        var hashes: [Digest] = []
        hashes.reserveCapacity(subtrees.count)
        for subtree in subtrees { hashes.append(try subtreeHash(subtree)) }
        return MerkleTree.fold(hashes)
    }

    /// Its hash, from stored hashes of complete subtrees.
    ///
    /// - Throws: ``MerkleProofError/missingSubtree(_:)`` naming the first of its subtrees that
    ///   `stored` lacks.
    public func hash(from stored: [MerkleSubtree: Digest]) throws(MerkleProofError) -> Digest {
        try hash { (subtree) throws(MerkleProofError) -> Digest in
            guard let hash = stored[subtree] else { throw .missingSubtree(subtree) }
            return hash
        }
    }

    /// The hashes of the nodes that its subtrees' suffixes make, by their first leaf: for a
    /// tree's root, every node on the tree's right edge (each ends at the tree's size, and
    /// its first leaf is one of the root's subtrees'), the root itself among them at its
    /// first leaf. What a proof in the tree folds, made once: k − 1 node hashes for k subtrees.
    ///
    /// - Throws: ``MerkleProofError/missingSubtree(_:)`` naming a subtree `stored` lacks.
    public func edgeHashes(from stored: [MerkleSubtree: Digest]) throws(MerkleProofError) -> [Int64: Digest] {
        var edges: [Int64: Digest] = [:]
        var folded: Digest?
        for subtree in subtrees.reversed() {
            guard let hash = stored[subtree] else { throw .missingSubtree(subtree) }
            let node = folded.map { MerkleTree.nodeHash(hash, $0) } ?? hash
            edges[subtree.leaves.lowerBound] = node
            folded = node
        }
        return edges
    }
}

extension Array where Element == MerkleNode {
    /// The complete subtrees whose hashes a store must read to hash these nodes: what to fetch
    /// for a root, an inclusion proof or a consistency proof, O(log n) of them.
    public var subtrees: Set<MerkleSubtree> { Set(flatMap(\.subtrees)) }

    /// The nodes' hashes, in order, from stored hashes of complete subtrees: the proof itself.
    ///
    /// - Throws: ``MerkleProofError/missingSubtree(_:)`` naming a subtree `stored` lacks.
    public func hashes(from stored: [MerkleSubtree: Digest]) throws(MerkleProofError) -> [Digest] {
        try hashes(from: stored, edges: [:])
    }

    /// The nodes' hashes, in order, as ``hashes(from:)`` makes them, but each node on the
    /// tree's right edge that `edges` (the root's ``MerkleNode/edgeHashes(from:)``) holds taken
    /// from there rather than folded again.
    public func hashes(from stored: [MerkleSubtree: Digest], edges: [Int64: Digest]) throws(MerkleProofError)
        -> [Digest]
    {
        var hashes: [Digest] = []
        hashes.reserveCapacity(count)
        for node in self {
            if node.subtrees.count > 1, let edge = edges[node.leaves.lowerBound] {
                hashes.append(edge)
            } else {
                hashes.append(try node.hash(from: stored))
            }
        }
        return hashes
    }
}
