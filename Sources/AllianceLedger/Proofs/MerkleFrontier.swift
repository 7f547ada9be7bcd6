/// The right edge of an RFC 9162 Merkle tree as leaves are appended: the hashes of its root's
/// complete subtrees, from which appending a leaf makes the hashes of every subtree it
/// completes, and the root of every size on the way.
///
/// This is how the hashes of complete subtrees are made for storing, one leaf at a time or a
/// batch at a time: resume from the stored subtrees of the current root
/// (`MerkleTree.rootNode(treeSize:)`), append, and store what ``append(leafHash:)`` returns. It
/// also computes the root of a list of leaves in O(n) hashes and O(log n) memory.
public struct MerkleFrontier: Hashable, Sendable {
    /// The number of leaves appended.
    public private(set) var treeSize: Int64
    /// The hashes of the root's complete subtrees (`MerkleTree.rootNode(treeSize:)`'s), left to
    /// right.
    public private(set) var subtreeHashes: [Digest]

    /// The frontier of the empty tree.
    public init() {
        treeSize = 0
        subtreeHashes = []
    }

    /// The frontier of the tree of `treeSize` leaves, from stored hashes of complete subtrees:
    /// those of its root are read.
    ///
    /// - Throws: ``MerkleProofError/missingSubtree(_:)`` naming a subtree of the root that
    ///   `stored` lacks, or ``MerkleProofError/negativeTreeSize(_:)``.
    public init(treeSize: Int64, stored: [MerkleSubtree: Digest]) throws(MerkleProofError) {
        var hashes: [Digest] = []
        for subtree in try MerkleTree.rootNode(treeSize: treeSize).subtrees {
            guard let hash = stored[subtree] else { throw .missingSubtree(subtree) }
            hashes.append(hash)
        }
        self.treeSize = treeSize
        subtreeHashes = hashes
    }

    /// The root of the leaves appended.
    public var root: Digest { MerkleTree.fold(subtreeHashes) }

    /// Appends the leaf whose hash is `leafHash` (``MerkleTree/leafHash(_:)``), returning every
    /// subtree it completes with its hash, level 0 (the leaf itself) first: the subtrees of
    /// ``MerkleSubtree/completed(byAppendingLeafAt:)``.
    public mutating func append(leafHash: Digest) -> [(subtree: MerkleSubtree, hash: Digest)] {
        let leafIndex = treeSize
        var hash = leafHash
        var level = 0
        var completed = [(subtree: MerkleSubtree(level: 0, index: leafIndex), hash: hash)]
        // The root's smallest subtree has the level of the lowest binary digit 1 of the size:
        // while the new subtree is as large, the two make the next level's.
        while treeSize >> level & 1 == 1 {
            hash = MerkleTree.nodeHash(subtreeHashes.removeLast(), hash)
            level += 1
            completed.append((subtree: MerkleSubtree(level: level, index: leafIndex >> level), hash: hash))
        }
        subtreeHashes.append(hash)
        treeSize += 1
        return completed
    }
}
