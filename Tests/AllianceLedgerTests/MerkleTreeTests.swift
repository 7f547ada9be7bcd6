import AllianceLedger
import TestSupport
import Testing

/// The RFC 9162 Merkle tree as the ledger builds it: roots and proofs made from stored complete
/// subtrees, for every tree size up to `largestSize` and every leaf and old size in it, equal
/// to RFC 9162's recursive definitions over the plain leaves (`ReferenceMerkleTree`); the RFC's
/// own seven-leaf example; and the RFC's verifiers, which accept every proof made and refuse
/// every altered one.
@Suite(.timeLimit(.perTest)) struct MerkleTreeTests {
    static let largestSize = 300

    /// Leaves of random lengths, from none to 40 bytes, the same every run.
    static let leaves: [[UInt8]] = {
        var random = SplitMix(seed: 9162)
        return (0..<largestSize).map { _ in
            (0..<Int(random.next() % 41)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
    }()

    /// What a log stores as the leaves are appended: every complete subtree's hash.
    static let stored: [MerkleSubtree: Digest] = {
        var frontier = MerkleFrontier()
        var stored: [MerkleSubtree: Digest] = [:]
        for leaf in leaves {
            for completed in frontier.append(leafHash: MerkleTree.leafHash(leaf)) {
                stored[completed.subtree] = completed.hash
            }
        }
        return stored
    }()

    /// The leaf hashes of the reference tree, for verifying.
    static func leafHash(_ index: Int) -> Digest { MerkleTree.leafHash(leaves[index]) }

    /// Appending leaf by leaf stores exactly the subtrees each leaf completes, each with the
    /// hash RFC 9162 gives its leaves, and the frontier's root is the tree's root at every size;
    /// a frontier resumed from the stored subtrees is the same frontier.
    @Test func appendingStoresEveryCompleteSubtreeWithItsHash() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        var frontier = MerkleFrontier()
        #expect(frontier.root == reference.root(treeSize: 0))
        var stored: [MerkleSubtree: Digest] = [:]
        // What went wrong, by leaf: #expect in a loop this long would cost seconds.
        var wrong: [String] = []
        for (index, leaf) in Self.leaves.enumerated() {
            let completed = frontier.append(leafHash: MerkleTree.leafHash(leaf))
            if completed.map(\.subtree) != MerkleSubtree.completed(byAppendingLeafAt: Int64(index)) {
                wrong.append("leaf \(index) completes other subtrees")
            }
            for (subtree, hash) in completed {
                let leaves = Int(subtree.leaves.lowerBound)..<Int(subtree.leaves.upperBound)
                if leaves.upperBound != index + 1 || hash != reference.hash(leaves) {
                    wrong.append("leaf \(index) completes \(subtree) wrongly")
                }
                if stored.updateValue(hash, forKey: subtree) != nil {
                    wrong.append("\(subtree) completed twice")
                }
            }
            if frontier.treeSize != Int64(index + 1) || frontier.root != reference.root(treeSize: index + 1) {
                wrong.append("the root after leaf \(index) is wrong")
            }
            if try MerkleFrontier(treeSize: frontier.treeSize, stored: stored) != frontier {
                wrong.append("the frontier after leaf \(index) does not resume")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        // n leaves make 2n − (the binary digits 1 of n) complete subtrees, leaves included.
        #expect(stored.count == 2 * Self.largestSize - Self.largestSize.nonzeroBitCount)
        #expect(stored == Self.stored)
    }

    /// The root of every size from 0 is the fold of the complete subtrees the binary digits of
    /// the size name, which tile its leaves left to right, largest first.
    @Test func rootsFromStoredSubtreesAreRFC9162Roots() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        for size in 0...Self.largestSize {
            let node = try MerkleTree.rootNode(treeSize: Int64(size))
            #expect(node.leaves == 0..<Int64(size))
            #expect(node.subtrees.count == size.nonzeroBitCount)
            #expect(node.subtrees.map(\.leafCount) == node.subtrees.map(\.leafCount).sorted(by: >))
            #expect(Self.tiles(node.subtrees, node.leaves))
            let root = try node.hash(from: Self.stored)
            #expect(root == reference.root(treeSize: size), "size \(size)")
        }
        #expect(try MerkleTree.rootNode(treeSize: 0).hash(from: [:]) == MerkleTree.emptyRoot)
    }

    /// For every tree size n ≤ `largestSize` and every leaf in it, the inclusion proof made from
    /// stored subtrees is RFC 9162's PATH, byte for byte, needs O(log n) stored hashes, and
    /// verifies.
    @Test func inclusionProofsFromStoredSubtreesAreRFC9162Paths() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        var proofs = 0
        // The proofs that differ from the reference's or are not shaped as the plans promise.
        var wrong: [String] = []
        for size in 1...Self.largestSize {
            let root = reference.root(treeSize: size)
            for leaf in 0..<size {
                let path = try MerkleTree.inclusionPath(leafIndex: Int64(leaf), treeSize: Int64(size))
                let proof = try path.map { try $0.hash(from: Self.stored) }
                if proof != reference.inclusionProof(leafIndex: leaf, treeSize: size)
                    || !Self.isProofShaped(path, treeSize: size)
                {
                    wrong.append("leaf \(leaf) of \(size)")
                }
                try MerkleTree.verifyInclusion(
                    leafHash: Self.leafHash(leaf), leafIndex: Int64(leaf), treeSize: Int64(size),
                    proof: proof,
                    root: root)
                proofs += 1
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        #expect(proofs == Self.largestSize * (Self.largestSize + 1) / 2)
    }

    /// The hashes of a root's right edge, made once, serve every proof in its tree: for every
    /// tree size up to `largestSize`, the edge from the first leaf is the root, and the proof of
    /// every leaf made with the edge's hashes is RFC 9162's.
    @Test func aRootsEdgeHashesMakeEveryProofInItsTree() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        var wrong: [String] = []
        for size in 1...Self.largestSize {
            let edges = try MerkleTree.rootNode(treeSize: Int64(size)).edgeHashes(from: Self.stored)
            if edges[0] != reference.root(treeSize: size) || edges.count != size.nonzeroBitCount {
                wrong.append("edges of \(size)")
            }
            for leaf in 0..<size {
                let path = try MerkleTree.inclusionPath(leafIndex: Int64(leaf), treeSize: Int64(size))
                if try path.hashes(from: Self.stored, edges: edges)
                    != reference.inclusionProof(leafIndex: leaf, treeSize: size)
                {
                    wrong.append("leaf \(leaf) of \(size)")
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    /// For every tree size n ≤ `largestSize` and every old size 0 < m ≤ n, the consistency proof
    /// made from stored subtrees is RFC 9162's PROOF, byte for byte, needs O(log n) stored
    /// hashes, and verifies.
    @Test func consistencyProofsFromStoredSubtreesAreRFC9162Proofs() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        var proofs = 0
        // The proofs that differ from the reference's or are not shaped as the plans promise.
        var wrong: [String] = []
        for size in 1...Self.largestSize {
            let root = reference.root(treeSize: size)
            for old in 1...size {
                let path = try MerkleTree.consistencyPath(from: Int64(old), to: Int64(size))
                let proof = try path.map { try $0.hash(from: Self.stored) }
                if proof != reference.consistencyProof(from: old, to: size)
                    || !Self.isProofShaped(path, treeSize: size)
                {
                    wrong.append("\(old) to \(size)")
                }
                try MerkleTree.verifyConsistency(
                    oldSize: Int64(old), oldRoot: reference.root(treeSize: old), newSize: Int64(size),
                    newRoot: root, proof: proof)
                proofs += 1
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        #expect(proofs == Self.largestSize * (Self.largestSize + 1) / 2)
    }

    /// RFC 9162 §2.1.5's example, a tree of seven leaves: the nodes of its inclusion and
    /// consistency proofs are the ones the RFC names (a…f the leaves d0…d5, j the leaf d6, g, h
    /// and i the pairs, k the first four leaves, l the last three).
    @Test func theSevenLeafExampleOfRFC9162() throws {
        func inclusion(_ leaf: Int64) throws -> [Range<Int64>] {
            try MerkleTree.inclusionPath(leafIndex: leaf, treeSize: 7).map(\.leaves)
        }
        func consistency(_ old: Int64) throws -> [Range<Int64>] {
            try MerkleTree.consistencyPath(from: old, to: 7).map(\.leaves)
        }
        #expect(try inclusion(0) == [1..<2, 2..<4, 4..<7])  // [b, h, l]
        #expect(try inclusion(3) == [2..<3, 0..<2, 4..<7])  // [c, g, l]
        #expect(try inclusion(4) == [5..<6, 6..<7, 0..<4])  // [f, j, k]
        #expect(try inclusion(6) == [4..<6, 0..<4])  // [i, k]
        #expect(try consistency(3) == [2..<3, 3..<4, 0..<2, 4..<7])  // [c, d, g, l]
        #expect(try consistency(4) == [4..<7])  // [l]
        #expect(try consistency(6) == [4..<6, 6..<7, 0..<4])  // [i, j, k]
        #expect(try consistency(7) == [])
        // l is the one node that is not a complete subtree: the fold of i and j.
        let l = try MerkleTree.inclusionPath(leafIndex: 0, treeSize: 7)[2]
        #expect(l.subtrees == [MerkleSubtree(level: 1, index: 2), MerkleSubtree(level: 0, index: 6)])
        #expect(
            try l.hash(from: Self.stored)
                == MerkleTree.nodeHash(
                    try #require(Self.stored[MerkleSubtree(level: 1, index: 2)]),
                    try #require(Self.stored[MerkleSubtree(level: 0, index: 6)])))
    }

    /// Altering any hash of a proof, the leaf hash or a root by one bit, dropping or adding a
    /// hash, or claiming another leaf or size (with that size's root) fails verification: every
    /// bit of every hash in trees of up to 8 leaves; one random bit of every hash for every leaf
    /// and old size of trees up to 32 leaves, and for four random ones of each larger tree.
    /// (Hashing is slow in a debug build; which hash is altered matters, which bit does not.)
    @Test func verifiersRefuseAnyAlteredProofOrSize() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        var random = SplitMix(seed: 6962)
        // What verified although altered; one #expect per verification would cost more than it.
        var accepted: [String] = []
        var attempts = 0
        func refuse(_ context: String, _ verification: () throws -> Void) {
            attempts += 1
            if (try? verification()) != nil { accepted.append(context) }
        }
        for size in 1...Self.largestSize {
            let bits: (inout SplitMix) -> [Int] =
                size <= 8 ? { _ in Array(0..<256) } : { [Int($0.next() % 256)] }
            let points: (ClosedRange<Int>) -> [Int] = { range in
                guard size > 32 else { return Array(range) }
                return (0..<4).map { _ in range.lowerBound + Int(random.next() % UInt64(range.count)) }
            }
            let root = reference.root(treeSize: size)
            for leaf in points(0...size - 1) {
                let proof = reference.inclusionProof(leafIndex: leaf, treeSize: size)
                let hash = Self.leafHash(leaf)
                let context = "leaf \(leaf) of \(size)"
                for variant in Self.altered(proof, bits: bits(&random)) {
                    refuse(context) { try Self.verifyInclusion(hash, leaf, size, variant, root) }
                }
                for bit in bits(&random) {
                    refuse(context) {
                        try Self.verifyInclusion(Self.flip(hash, bit), leaf, size, proof, root)
                    }
                    refuse(context) {
                        try Self.verifyInclusion(hash, leaf, size, proof, Self.flip(root, bit))
                    }
                }
                for wrongSize in [size - 1, size + 1, 2 * size] where wrongSize <= Self.largestSize {
                    let wrongRoot = reference.root(treeSize: wrongSize)
                    refuse(context) { try Self.verifyInclusion(hash, leaf, wrongSize, proof, wrongRoot) }
                }
                for wrongLeaf in [leaf - 1, leaf + 1] where wrongLeaf >= 0 && wrongLeaf < size {
                    refuse(context) { try Self.verifyInclusion(hash, wrongLeaf, size, proof, root) }
                }
            }
            for old in points(1...size) {
                let proof = reference.consistencyProof(from: old, to: size)
                let oldRoot = reference.root(treeSize: old)
                let context = "\(old) to \(size)"
                for variant in Self.altered(proof, bits: bits(&random)) {
                    refuse(context) { try Self.verifyConsistency(old, oldRoot, size, root, variant) }
                }
                for bit in bits(&random) {
                    refuse(context) {
                        try Self.verifyConsistency(old, Self.flip(oldRoot, bit), size, root, proof)
                    }
                    refuse(context) {
                        try Self.verifyConsistency(old, oldRoot, size, Self.flip(root, bit), proof)
                    }
                }
                for wrongOld in [old - 1, old + 1] where wrongOld >= 1 && wrongOld <= size {
                    let wrongRoot = reference.root(treeSize: wrongOld)
                    refuse(context) { try Self.verifyConsistency(wrongOld, wrongRoot, size, root, proof) }
                }
                for wrongSize in [size - 1, size + 1] where wrongSize >= old && wrongSize <= Self.largestSize
                {
                    let wrongRoot = reference.root(treeSize: wrongSize)
                    refuse(context) { try Self.verifyConsistency(old, oldRoot, wrongSize, wrongRoot, proof) }
                }
            }
        }
        #expect(accepted.isEmpty, "altered proofs verified: \(accepted.prefix(10))")
        #expect(attempts > 100_000)
    }

    /// Sizes and leaves outside a tree are refused with the error that names them, and a
    /// subtree missing from storage is named.
    @Test func requestsOutsideTheTreeAreRefused() throws {
        #expect(throws: MerkleProofError.negativeTreeSize(-1)) { try MerkleTree.rootNode(treeSize: -1) }
        #expect(throws: MerkleProofError.leafIndexOutOfRange(leafIndex: 5, treeSize: 5)) {
            try MerkleTree.inclusionPath(leafIndex: 5, treeSize: 5)
        }
        #expect(throws: MerkleProofError.leafIndexOutOfRange(leafIndex: -1, treeSize: 5)) {
            try MerkleTree.inclusionPath(leafIndex: -1, treeSize: 5)
        }
        #expect(throws: MerkleProofError.leafIndexOutOfRange(leafIndex: 0, treeSize: 0)) {
            try MerkleTree.inclusionPath(leafIndex: 0, treeSize: 0)
        }
        #expect(throws: MerkleProofError.treeSizesOutOfOrder(oldSize: 0, newSize: 5)) {
            try MerkleTree.consistencyPath(from: 0, to: 5)
        }
        #expect(throws: MerkleProofError.treeSizesOutOfOrder(oldSize: 6, newSize: 5)) {
            try MerkleTree.consistencyPath(from: 6, to: 5)
        }
        let root = MerkleTree.leafHash([1])
        #expect(throws: MerkleProofError.treeSizesOutOfOrder(oldSize: 2, newSize: 1)) {
            try MerkleTree.verifyConsistency(oldSize: 2, oldRoot: root, newSize: 1, newRoot: root, proof: [])
        }
        #expect(throws: MerkleProofError.proofTooShort) {
            try MerkleTree.verifyConsistency(oldSize: 1, oldRoot: root, newSize: 2, newRoot: root, proof: [])
        }
        #expect(throws: MerkleProofError.proofTooLong) {
            try MerkleTree.verifyConsistency(
                oldSize: 2, oldRoot: root, newSize: 2, newRoot: root, proof: [root])
        }
        try MerkleTree.verifyConsistency(oldSize: 2, oldRoot: root, newSize: 2, newRoot: root, proof: [])
        #expect(throws: MerkleProofError.missingSubtree(MerkleSubtree(level: 2, index: 0))) {
            try MerkleTree.rootNode(treeSize: 5).hash(from: [MerkleSubtree(level: 0, index: 4): root])
        }
        #expect(throws: MerkleProofError.missingSubtree(MerkleSubtree(level: 0, index: 4))) {
            try MerkleFrontier(treeSize: 5, stored: [MerkleSubtree(level: 2, index: 0): root])
        }
        #expect(
            MerkleProofError.leafIndexOutOfRange(leafIndex: 5, treeSize: 5).description
                == "leaf 5 is not in a tree of 5 leaves")
    }

    /// A root is evidence only together with the size it was made for, as a checkpoint signs
    /// them: RFC 9162's verifier, given a proof, a root and a wrong size, may accept. Leaf 0's
    /// proof in the tree of 3 leaves, [d1's leaf hash, d2's], leads to that tree's root as well
    /// when the tree is said to have 4 leaves, because the path's shape is the same.
    @Test func aRootIsEvidenceOnlyWithItsSize() throws {
        var reference = ReferenceMerkleTree(leaves: Self.leaves)
        let proof = reference.inclusionProof(leafIndex: 0, treeSize: 3)
        let rootOfThree = reference.root(treeSize: 3)
        try MerkleTree.verifyInclusion(
            leafHash: Self.leafHash(0), leafIndex: 0, treeSize: 4, proof: proof, root: rootOfThree)
        #expect(throws: MerkleProofError.rootMismatch) {
            try MerkleTree.verifyInclusion(
                leafHash: Self.leafHash(0), leafIndex: 0, treeSize: 4, proof: proof,
                root: reference.root(treeSize: 4))
        }
    }

    /// Beyond the exhaustive sizes: random tree sizes up to 5,000 leaves, random leaves and old
    /// sizes in them (seeded, so a failure replays), each proof made from stored subtrees equal
    /// to the reference's and verified, and the same proof with one random bit flipped refused.
    @Test func randomProofsOfLargerTreesAreRFC9162Proofs() throws {
        var random = SplitMix(seed: 5000)
        let leaves: [[UInt8]] = (0..<5000).map { index in
            (0..<Int(random.next() % 33)).map { _ in UInt8(truncatingIfNeeded: random.next()) } + [
                UInt8(truncatingIfNeeded: index)
            ]
        }
        var frontier = MerkleFrontier()
        var stored: [MerkleSubtree: Digest] = [:]
        for leaf in leaves {
            for completed in frontier.append(leafHash: MerkleTree.leafHash(leaf)) {
                stored[completed.subtree] = completed.hash
            }
        }
        var reference = ReferenceMerkleTree(leaves: leaves)
        var wrong: [String] = []
        for _ in 0..<200 {
            let size = 1 + Int(random.next() % UInt64(leaves.count))
            let leaf = Int(random.next() % UInt64(size))
            let old = 1 + Int(random.next() % UInt64(size))
            let root = reference.root(treeSize: size)
            let inclusionPath = try MerkleTree.inclusionPath(leafIndex: Int64(leaf), treeSize: Int64(size))
            let inclusion = try inclusionPath.hashes(from: stored)
            if inclusion != reference.inclusionProof(leafIndex: leaf, treeSize: size) {
                wrong.append("leaf \(leaf) of \(size)")
            }
            try MerkleTree.verifyInclusion(
                leafHash: MerkleTree.leafHash(leaves[leaf]), leafIndex: Int64(leaf), treeSize: Int64(size),
                proof: inclusion, root: root)
            let consistencyPath = try MerkleTree.consistencyPath(from: Int64(old), to: Int64(size))
            let consistency = try consistencyPath.hashes(from: stored)
            if consistency != reference.consistencyProof(from: old, to: size) {
                wrong.append("\(old) to \(size)")
            }
            let oldRoot = reference.root(treeSize: old)
            try MerkleTree.verifyConsistency(
                oldSize: Int64(old), oldRoot: oldRoot, newSize: Int64(size), newRoot: root, proof: consistency
            )
            if !inclusion.isEmpty {
                let index = Int(random.next() % UInt64(inclusion.count))
                var altered = inclusion
                altered[index] = Self.flip(altered[index], Int(random.next() % 256))
                if (try? MerkleTree.verifyInclusion(
                    leafHash: MerkleTree.leafHash(leaves[leaf]), leafIndex: Int64(leaf),
                    treeSize: Int64(size), proof: altered, root: root)) != nil
                {
                    wrong.append("altered inclusion of \(leaf) in \(size) verified")
                }
            }
            if !consistency.isEmpty {
                let index = Int(random.next() % UInt64(consistency.count))
                var altered = consistency
                altered[index] = Self.flip(altered[index], Int(random.next() % 256))
                if (try? MerkleTree.verifyConsistency(
                    oldSize: Int64(old), oldRoot: oldRoot, newSize: Int64(size), newRoot: root, proof: altered
                ))
                    != nil
                {
                    wrong.append("altered consistency of \(old) to \(size) verified")
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    /// The plans need no hashing, so they hold for trees of any size `Int64` counts: a
    /// subtree's leaves and children, and proofs near the largest size.
    @Test func plansHoldForTheLargestTrees() throws {
        let subtree = MerkleSubtree(level: 3, index: 5)
        #expect(subtree.leaves == 40..<48 && subtree.leafCount == 8)
        #expect(subtree.children?.left == MerkleSubtree(level: 2, index: 10))
        #expect(subtree.children?.right == MerkleSubtree(level: 2, index: 11))
        #expect(MerkleSubtree(level: 0, index: 9).children == nil)
        #expect(
            MerkleSubtree.completed(byAppendingLeafAt: 11) == [
                MerkleSubtree(level: 0, index: 11), MerkleSubtree(level: 1, index: 5),
                MerkleSubtree(level: 2, index: 2),
            ])
        #expect(MerkleSubtree.completed(byAppendingLeafAt: 12) == [MerkleSubtree(level: 0, index: 12)])
        let largest = Int64.max
        #expect(try MerkleTree.rootNode(treeSize: largest).subtrees.count == 63)
        for (leaf, size) in [
            (largest - 1, largest), (0, largest), (largest / 2, largest), (1 << 61, 1 << 62),
        ] {
            let path = try MerkleTree.inclusionPath(leafIndex: leaf, treeSize: size)
            #expect(Self.isProofShaped(path, treeSize: Int(size)))
            #expect(path.count <= 63)
        }
        for (old, size) in [(1, largest), (largest - 1, largest), (1 << 40 + 3, largest), (1 << 61, 1 << 62)]
        {
            let path = try MerkleTree.consistencyPath(from: old, to: size)
            #expect(Self.isProofShaped(path, treeSize: Int(size)))
        }
    }

    /// Kept in tiles (as SQL/0024 keeps them: four levels of a 16-leaf span, in the order they
    /// complete), the subtrees make the root at every size as the leaves are appended, each
    /// going to the end of its tile; and at the end every complete subtree's hash is in its
    /// tile, and none that is not complete.
    @Test func tilesHoldEveryCompleteSubtreeInTheOrderTheyComplete() throws {
        var kept: [MerkleTile: [Digest]] = [:]
        var frontier = MerkleFrontier()
        var wrong: [String] = []
        func held(_ subtree: MerkleSubtree) -> Digest? {
            MerkleTile.hash(of: subtree, in: (kept[MerkleTile.holding(subtree).tile] ?? []).flatMap(\.bytes))
        }
        for leaf in Self.leaves {
            for (subtree, hash) in frontier.append(leafHash: MerkleTree.leafHash(leaf)) {
                let (tile, position) = MerkleTile.holding(subtree)
                if kept[tile, default: []].count != position {
                    wrong.append("\(subtree) is not the next hash of \(tile)")
                }
                kept[tile, default: []].append(hash)
            }
            let root = try MerkleTree.rootNode(treeSize: frontier.treeSize)
            let subtrees = root.subtrees.compactMap(held)
            if subtrees.count != root.subtrees.count || MerkleTree.fold(subtrees) != frontier.root {
                wrong.append("the root of \(frontier.treeSize) is not made from the tiles")
            }
        }
        for (subtree, hash) in Self.stored where held(subtree) != hash {
            wrong.append("\(subtree) is not held by its tile")
        }
        // 300 leaves: tiles of the first tier 0…18 (the last covering 12 leaves: 12 + 6 + 3 + 1
        // hashes), of the second 0 and 1 (the last covering 2: 2 + 1), of the third 0 (1).
        #expect(kept.count == 19 + 2 + 1)
        #expect(kept.values.filter { $0.count == MerkleTile.capacity }.count == 18 + 1)
        #expect(kept[MerkleTile(tier: 0, index: 18)]?.count == 22)
        #expect(kept[MerkleTile(tier: 1, index: 1)]?.count == 3)
        #expect(kept[MerkleTile(tier: 2, index: 0)]?.count == 1)
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        // Subtrees reaching past leaf 299, whose tiles hold some of what they need but not all.
        for (level, index) in [(4, Int64(18)), (1, 150), (5, 9), (8, 1), (2, 75), (0, 300), (3, 37)] {
            #expect(held(MerkleSubtree(level: level, index: index)) == nil, "level \(level), index \(index)")
        }
    }

    /// Where a subtree's hash is kept, for the smallest and the largest trees: a full tile
    /// holds 30, the leaves of its span at 0, 1, 3, 4, 7, … and the subtree they all make at 29.
    @Test func aSubtreesPlaceInItsTileIsWhereItCompletes() {
        #expect(MerkleTile.capacity == 30)
        // What a tile holds as its sixteen arrive: SQL/0024's CHECK on a tile's length.
        #expect(
            (0..<MerkleTile.width).map { MerkleTile.completed(through: $0) } == [
                1, 3, 4, 7, 8, 10, 11, 15, 16, 18, 19, 22, 23, 25, 26, 30,
            ])
        for (level, index, tier, tile, position) in [
            (0, Int64(0), 0, Int64(0), 0), (0, 1, 0, 0, 1), (1, 0, 0, 0, 2), (0, 2, 0, 0, 3), (2, 0, 0, 0, 6),
            (0, 17, 0, 1, 1), (1, 7, 0, 0, 27), (3, 1, 0, 0, 29), (3, 2, 0, 1, 14), (4, 0, 1, 0, 0),
            (7, 3, 1, 1, 29), (62, 0, 15, 0, 6), (61, 1, 15, 0, 5),
            (0, Int64.max - 1, 0, (Int64.max - 1) / 16, 25),
        ] {
            let holding = MerkleTile.holding(MerkleSubtree(level: level, index: index))
            #expect(holding.tile == MerkleTile(tier: tier, index: tile), "level \(level), index \(index)")
            #expect(holding.position == position, "level \(level), index \(index)")
        }
    }

    // MARK: - Helpers

    /// Whether `subtrees` cover `leaves` exactly, left to right.
    static func tiles(_ subtrees: [MerkleSubtree], _ leaves: Range<Int64>) -> Bool {
        var next = leaves.lowerBound
        for subtree in subtrees {
            guard subtree.leaves.lowerBound == next else { return false }
            next = subtree.leaves.upperBound
        }
        return next == leaves.upperBound
    }

    /// What every proof made from stored subtrees must be: nodes within the tree, each tiled
    /// by its subtrees, at most one of them more than one subtree (a node cut short by the
    /// tree's right edge), and no more stored hashes in all than twice the bits of the size.
    static func isProofShaped(_ path: [MerkleNode], treeSize: Int) -> Bool {
        let lookups = path.reduce(0) { $0 + $1.subtrees.count }
        return path.allSatisfy { $0.leaves.upperBound <= Int64(treeSize) && tiles($0.subtrees, $0.leaves) }
            && path.filter { $0.subtrees.count > 1 }.count <= 1
            && path.allSatisfy { $0.subtrees.count == 1 || $0.leaves.upperBound == Int64(treeSize) }
            && lookups <= 2 * (Int.bitWidth - treeSize.leadingZeroBitCount)
    }

    static func verifyInclusion(
        _ leafHash: Digest, _ leaf: Int, _ size: Int, _ proof: [Digest], _ root: Digest
    )
        throws
    {
        try MerkleTree.verifyInclusion(
            leafHash: leafHash, leafIndex: Int64(leaf), treeSize: Int64(size), proof: proof, root: root)
    }

    static func verifyConsistency(
        _ old: Int, _ oldRoot: Digest, _ size: Int, _ root: Digest, _ proof: [Digest]
    )
        throws
    {
        try MerkleTree.verifyConsistency(
            oldSize: Int64(old), oldRoot: oldRoot, newSize: Int64(size), newRoot: root, proof: proof)
    }

    /// `proof` altered: each hash with each of `bits` flipped, a hash added at either end, and
    /// each hash dropped.
    static func altered(_ proof: [Digest], bits: [Int]) -> [[Digest]] {
        var variants: [[Digest]] = []
        for index in proof.indices {
            for bit in bits {
                var variant = proof
                variant[index] = flip(proof[index], bit)
                variants.append(variant)
            }
            var shorter = proof
            shorter.remove(at: index)
            variants.append(shorter)
        }
        let extra = MerkleTree.leafHash([0xEE])
        variants.append(proof + [extra])
        variants.append([extra] + proof)
        return variants
    }

    static func flip(_ digest: Digest, _ bit: Int) -> Digest {
        var bytes = digest.bytes
        bytes[bit / 8] ^= 1 << (bit % 8)
        return Digest(bytes)
    }
}
