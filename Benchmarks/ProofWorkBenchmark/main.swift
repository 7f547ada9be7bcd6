import AllianceLedger
import Foundation
import Postgres

// The reader's own work in an inclusion proof, without the database: what
// `TreeStore.inclusionProofReading` does with the tiles a proof reads (SQL/0024). Plans the
// path and the root, finds the tiles, takes each as PostgreSQL sends it (the binary `bytea` of
// a full tile), takes every subtree's hash from its tile, and makes the proof and the root, as
// hex, for leaves spread over the tree (7919 × call mod size, as `flat-cost-benchmark` picks
// them). Twice: reading every tile and folding the tree's right edge for each proof, and as
// `Statements` does since its tile cache (upper tiles and the right edge's hashes kept from
// the tree's first proof). Printed per tree size, each against the smallest measured in the
// same run: how much of a proof's growth with the journal is the service's, not PostgreSQL's.
//
//     swift build --package-path Benchmarks -c release --product proof-work-benchmark
//     Benchmarks/.build/release/proof-work-benchmark

let clock = ContinuousClock()
let sizes: [Int64] = [10_800, 100_000, 1_000_000, 3_000_000]
let calls = 20_000
let rounds = 5

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

/// The median over `rounds` of the mean time of one proof's work, in µs, and the tiles read a
/// proof. `kept`: as `Statements` makes proofs since the tile cache — the tiles of tier 2 and
/// above and the right edge's hashes kept from the tree's first proof; each proof reads the
/// tiles of its path's complete subtrees below, and the first tier's tile of the last leaf.
func proofWork(size: Int64, kept: Bool) throws -> (microseconds: Double, tiles: Double) {
    let full = [UInt8](repeating: 0xab, count: 32 * MerkleTile.capacity)
    let lastLeafTile = MerkleTile.holding(MerkleSubtree(level: 0, index: size - 1)).tile
    var means: [Double] = []
    var tiles = 0
    for _ in 0..<rounds {
        tiles = 0
        var made = 0
        var keptTiles: [MerkleTile: [UInt8]] = [:]
        var keptEdges: [Int64: Digest]?
        let start = clock.now
        for call in 0..<calls {
            let leafIndex = Int64(call + 1) * 7919 % size
            let path = try MerkleTree.inclusionPath(leafIndex: leafIndex, treeSize: size)
            let root = try MerkleTree.rootNode(treeSize: size)
            let leaf = MerkleSubtree(level: 0, index: leafIndex)
            let list =
                keptEdges == nil
                ? Array(path.subtrees.union(root.subtrees).union([leaf]))
                : Array(Set(path.filter { $0.subtrees.count == 1 }.flatMap(\.subtrees)).union([leaf]))
            var read = Set(list.map { MerkleTile.holding($0).tile })
            if kept {
                read = read.filter { keptTiles[$0] == nil }
                read.insert(lastLeafTile)
            }
            tiles += read.count
            var bytes: [MerkleTile: [UInt8]] = [:]
            for tile in read { bytes[tile] = Array(full[...]) }
            var stored: [MerkleSubtree: Digest] = [:]
            for subtree in list {
                let tile = MerkleTile.holding(subtree).tile
                if let hash = bytes[tile].flatMap({ MerkleTile.hash(of: subtree, in: $0) })
                    ?? keptTiles[tile].flatMap({ MerkleTile.hash(of: subtree, in: $0) })
                {
                    stored[subtree] = hash
                }
            }
            let proof: [String]
            let rootHash: Digest
            if kept {
                let edges = try keptEdges ?? root.edgeHashes(from: stored)
                keptEdges = edges
                // What `TreeTileCache.keeps`: tier 2 and above.
                for (tile, tileBytes) in bytes where tile.tier >= 2 { keptTiles[tile] = tileBytes }
                proof = try path.hashes(from: stored, edges: edges).map(\.description)
                rootHash = edges[0] ?? MerkleTree.emptyRoot
            } else {
                proof = try path.hashes(from: stored).map(\.description)
                rootHash = try root.hash(from: stored)
            }
            made += proof.count + rootHash.description.count
        }
        means.append(microseconds(clock.now - start) / Double(calls))
        precondition(made > 0)
    }
    return (means.sorted()[rounds / 2], Double(tiles) / Double(calls))
}

print("proof-work-benchmark: \(calls) proofs per size, median of \(rounds) rounds")
for kept in [false, true] {
    print(
        kept ? "\nupper tiles and the right edge kept between proofs:" : "every tile read, every node folded:"
    )
    var first: Double?
    print("| tree size | tiles read | µs per proof | ÷ the smallest |")
    print("|---|---|---|---|")
    for size in sizes {
        let (work, tiles) = try proofWork(size: size, kept: kept)
        let base = first ?? work
        first = base
        print(
            "| \(size) | \(String(format: "%.1f", tiles)) | \(String(format: "%.1f", work)) | \(String(format: "%.2f", work / base)) |"
        )
    }
}
