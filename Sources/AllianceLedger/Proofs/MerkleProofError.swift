/// Why a Merkle root or proof could not be made, or why a proof does not prove what it is said
/// to.
public enum MerkleProofError: Error, Hashable, Sendable, CustomStringConvertible {
    case negativeTreeSize(Int64)
    /// An inclusion proof was asked for, or given, for a leaf outside the tree.
    case leafIndexOutOfRange(leafIndex: Int64, treeSize: Int64)
    /// A consistency proof was asked for, or given, other than from a non-empty tree to a tree
    /// at least as large.
    case treeSizesOutOfOrder(oldSize: Int64, newSize: Int64)
    /// The stored hashes lack a complete subtree that a root or proof needs.
    case missingSubtree(MerkleSubtree)
    /// The proof has fewer hashes than the path between the sizes it is for needs.
    case proofTooShort
    /// The proof has more hashes than the path between the sizes it is for needs.
    case proofTooLong
    /// The inclusion proof leads to another root.
    case rootMismatch
    /// The consistency proof does not lead to the old tree's root.
    case oldRootMismatch
    /// The consistency proof does not lead to the new tree's root.
    case newRootMismatch

    public var description: String {
        switch self {
        case .negativeTreeSize(let size): "a tree cannot have \(size) leaves"
        case .leafIndexOutOfRange(let leafIndex, let treeSize):
            "leaf \(leafIndex) is not in a tree of \(treeSize) leaves"
        case .treeSizesOutOfOrder(let oldSize, let newSize):
            "no consistency proof leads from a tree of \(oldSize) leaves to one of \(newSize)"
        case .missingSubtree(let subtree): "the \(subtree) is not stored"
        case .proofTooShort: "the proof has too few hashes for its tree sizes"
        case .proofTooLong: "the proof has too many hashes for its tree sizes"
        case .rootMismatch: "the inclusion proof does not lead to the tree's root"
        case .oldRootMismatch: "the consistency proof does not lead to the old tree's root"
        case .newRootMismatch: "the consistency proof does not lead to the new tree's root"
        }
    }
}
