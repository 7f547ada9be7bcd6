/// RFC 9162's verification algorithms, step by step as the RFC words them, so that a reader can
/// hold this beside §2.1.3.2 and §2.1.4.2. They take hashes a verifier was given and trust
/// nothing else; sizes and roots must come from a signed statement or checkpoint, since a root
/// proves nothing about a size it was not signed with.
extension MerkleTree {
    /// Checks that `proof` proves the leaf whose hash is `leafHash` is at `leafIndex` in the tree
    /// of `treeSize` leaves whose root is `root` (RFC 9162 §2.1.3.2).
    ///
    /// - Throws: ``MerkleProofError`` saying what does not hold.
    public static func verifyInclusion(
        leafHash: Digest, leafIndex: Int64, treeSize: Int64, proof: [Digest], root: Digest
    ) throws(MerkleProofError) {
        // 1.
        guard leafIndex >= 0, leafIndex < treeSize else {
            throw .leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize)
        }
        // 2., 3.
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        // 4.
        for p in proof {
            guard sn != 0 else { throw .proofTooLong }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        // 5.
        guard sn == 0 else { throw .proofTooShort }
        guard r == root else { throw .rootMismatch }
    }

    /// Checks that `proof` proves the tree of `newSize` leaves whose root is `newRoot` extends the
    /// tree of `oldSize` leaves whose root is `oldRoot` (RFC 9162 §2.1.4.2). For equal sizes, as
    /// between two statements with no entry between them, the proof must be empty and the roots
    /// equal.
    ///
    /// - Throws: ``MerkleProofError`` saying what does not hold.
    public static func verifyConsistency(
        oldSize: Int64, oldRoot: Digest, newSize: Int64, newRoot: Digest, proof: [Digest]
    ) throws(MerkleProofError) {
        guard oldSize > 0, oldSize <= newSize else {
            throw .treeSizesOutOfOrder(oldSize: oldSize, newSize: newSize)
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw .proofTooLong }
            guard oldRoot == newRoot else { throw .newRootMismatch }
            return
        }
        // 1.
        guard !proof.isEmpty else { throw .proofTooShort }
        // 2.
        let path = oldSize & (oldSize - 1) == 0 ? [oldRoot] + proof : proof
        // 3.
        var fn = oldSize - 1
        var sn = newSize - 1
        // 4.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // 5.
        var fr = path[0]
        var sr = path[0]
        // 6.
        for c in path.dropFirst() {
            guard sn != 0 else { throw .proofTooLong }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // 7.
        guard sn == 0 else { throw .proofTooShort }
        guard fr == oldRoot else { throw .oldRootMismatch }
        guard sr == newRoot else { throw .newRootMismatch }
    }
}
