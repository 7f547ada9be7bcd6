import Crypto

/// RFC 9162's Merkle tree (the Certificate Transparency v2 tree, RFC 6962's algorithm) over a
/// sequence of leaves: its hashes, and which complete subtrees (``MerkleSubtree``) make the root
/// and the proofs of a tree of any size.
///
/// Nothing here reads storage. A log stores the hash of every complete subtree as its leaves are
/// appended (``MerkleSubtree/completed(byAppendingLeafAt:)``, ``MerkleFrontier``); a root or a
/// proof for any size up to the leaves appended is then a list of ``MerkleNode``s, whose
/// subtrees are O(log n) lookups:
///
/// ```swift
/// let path = try MerkleTree.inclusionPath(leafIndex: 5, treeSize: 1000)
/// let stored = try await fetch(path.subtrees)  // [MerkleSubtree: Digest], by (level, index)
/// let proof = try path.hashes(from: stored)
/// ```
public enum MerkleTree {
    /// A leaf's hash: SHA-256(0x00 ‖ leaf).
    public static func leafHash(_ leaf: some Sequence<UInt8>) -> Digest {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(leaf))
        return Digest(Array(hasher.finalize()))
    }

    /// An interior node's hash: SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: Digest, _ right: Digest) -> Digest {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.bytes)
        hasher.update(data: right.bytes)
        return Digest(Array(hasher.finalize()))
    }

    /// The root of the tree of no leaves: SHA-256 of nothing.
    public static let emptyRoot = Digest(Array(SHA256.hash(data: [UInt8]())))

    /// The hash of a node from the hashes of its complete subtrees, left to right (a
    /// ``MerkleNode``'s `subtrees`): the right fold H(s₁, H(s₂, … H(sₖ₋₁, sₖ))), which is what
    /// RFC 9162's split rule makes of them; ``emptyRoot`` for none.
    public static func fold(_ subtreeHashes: [Digest]) -> Digest {
        guard var hash = subtreeHashes.last else { return emptyRoot }
        for left in subtreeHashes.dropLast().reversed() {
            hash = nodeHash(left, hash)
        }
        return hash
    }

    /// The root of the tree of `treeSize` leaves, as a node: its subtrees are the root's
    /// complete subtrees, one for each binary digit 1 of `treeSize`, largest first.
    ///
    /// - Throws: ``MerkleProofError/negativeTreeSize(_:)``.
    public static func rootNode(treeSize: Int64) throws(MerkleProofError) -> MerkleNode {
        guard treeSize >= 0 else { throw .negativeTreeSize(treeSize) }
        return MerkleNode(leaves: 0..<treeSize)
    }

    /// The inclusion proof (audit path) of the leaf at `leafIndex` in the tree of `treeSize`
    /// leaves, RFC 9162 §2.1.3.1: the nodes beside the path from the leaf to the root, the
    /// leaf's sibling first. At most one of them, the leaf's right-hand neighbour where the
    /// path leaves the tree's right edge, is not a complete subtree.
    ///
    /// - Throws: ``MerkleProofError/leafIndexOutOfRange(leafIndex:treeSize:)`` unless
    ///   0 ≤ `leafIndex` < `treeSize`.
    public static func inclusionPath(leafIndex: Int64, treeSize: Int64) throws(MerkleProofError)
        -> [MerkleNode]
    {
        guard leafIndex >= 0, leafIndex < treeSize else {
            throw .leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize)
        }
        // RFC 9162's PATH(m, D[n]) descends from the root and lists the sibling it passes after
        // the rest of the path below it; collected top down here, so reversed at the end.
        var siblings: [MerkleNode] = []
        var leaves: Range<Int64> = 0..<treeSize
        while leaves.count > 1 {
            let middle = leaves.lowerBound + largestPowerOfTwo(below: Int64(leaves.count))
            if leafIndex < middle {
                siblings.append(MerkleNode(leaves: middle..<leaves.upperBound))
                leaves = leaves.lowerBound..<middle
            } else {
                siblings.append(MerkleNode(leaves: leaves.lowerBound..<middle))
                leaves = middle..<leaves.upperBound
            }
        }
        return siblings.reversed()
    }

    /// The consistency proof that the tree of `newSize` leaves extends the tree of `oldSize`,
    /// RFC 9162 §2.1.4.1, deepest node first. For equal sizes it is empty (RFC 9162's
    /// SUBPROOF(n, D[n], true)). At most one of its nodes is not a complete subtree.
    ///
    /// - Throws: ``MerkleProofError/treeSizesOutOfOrder(oldSize:newSize:)`` unless
    ///   0 < `oldSize` ≤ `newSize`: the empty tree has no proof, as it needs none.
    public static func consistencyPath(from oldSize: Int64, to newSize: Int64) throws(MerkleProofError)
        -> [MerkleNode]
    {
        guard oldSize > 0, oldSize <= newSize else {
            throw .treeSizesOutOfOrder(oldSize: oldSize, newSize: newSize)
        }
        // RFC 9162's SUBPROOF(m, D[n], b), unrolled: `old` is m within the current node, and
        // `whole` is b, true while the old tree's root is the current node's left edge.
        var nodes: [MerkleNode] = []
        var leaves: Range<Int64> = 0..<newSize
        var old = oldSize
        var whole = true
        while old != Int64(leaves.count) {
            let half = largestPowerOfTwo(below: Int64(leaves.count))
            let middle = leaves.lowerBound + half
            if old <= half {
                nodes.append(MerkleNode(leaves: middle..<leaves.upperBound))
                leaves = leaves.lowerBound..<middle
            } else {
                nodes.append(MerkleNode(leaves: leaves.lowerBound..<middle))
                leaves = middle..<leaves.upperBound
                old -= half
                whole = false
            }
        }
        // The old tree's root is a node of the proof unless the verifier holds it already.
        if !whole { nodes.append(MerkleNode(leaves: leaves)) }
        return nodes.reversed()
    }

    /// The largest power of two smaller than `count`, which must be at least 2: where RFC 9162
    /// splits a node of `count` leaves.
    static func largestPowerOfTwo(below count: Int64) -> Int64 {
        precondition(count >= 2, "only a node of two or more leaves is split")
        return 1 << (63 - (count - 1).leadingZeroBitCount)
    }
}
