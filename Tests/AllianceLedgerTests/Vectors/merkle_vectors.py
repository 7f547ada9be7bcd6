#!/usr/bin/env python3
"""Independent RFC 9162 vectors for the Swift Merkle tree (MerkleTreeVectorTests).

Written from the text of RFC 9162 section 2.1 alone -- MTH (2.1.1), PATH (2.1.3.1) and
PROOF/SUBPROOF (2.1.4.1), each function a transcription of the RFC's definition -- so that the
Swift code, which builds roots and proofs from stored subtrees, is checked against something
that shares none of its code. Only the standard library.

Regenerate (the output is deterministic, so an unchanged script rewrites the same bytes):

    python3 Tests/AllianceLedgerTests/Vectors/merkle_vectors.py \
        > Tests/AllianceLedgerTests/Vectors/merkle-vectors.json
"""

import hashlib
import json

# Tree sizes covered: the small cases, each side of powers of two, and one large tree.
SIZES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000]
# In trees larger than 33 leaves only these leaves and old sizes are covered, to keep the
# file small; smaller trees cover every one.
LARGE_TREE_POINTS = [0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 63, 64, 65, 99, 100, 255, 256, 257, 500, 511, 512, 513, 767, 998, 999, 1000]


def sha256(data):
    return hashlib.sha256(data).digest()


def k_for(n):
    """The largest power of two smaller than n (n > 1): where the RFC splits a list."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    """MTH(D[n]): the hash of an empty list is SHA-256 of nothing, of one entry its leaf
    hash, and of more the node hash of the two sides of the split."""
    n = len(d)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + d[0])
    k = k_for(n)
    return sha256(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m, d):
    """PATH(m, D[n]): the audit path of entry m."""
    n = len(d)
    if n == 1:
        return []
    k = k_for(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    """SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_for(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    """PROOF(m, D[n]); for m = n it is empty, SUBPROOF's own case."""
    return subproof(m, d, True)


def leaves(count):
    """Leaves of every length from 0 to 32 bytes, the longest the size of a journal entry's
    hash, made from nothing but their index."""
    return [sha256(b"alliance-ledger merkle vector leaf %d" % i)[: i % 33] for i in range(count)]


def hexes(hashes):
    return [h.hex() for h in hashes]


def main():
    data = leaves(max(SIZES))
    trees = []
    for n in SIZES:
        d = data[:n]
        points = range(n + 1) if n <= 33 else [p for p in LARGE_TREE_POINTS if p <= n]
        trees.append({
            "treeSize": n,
            "root": mth(d).hex(),
            "inclusion": [{"leafIndex": m, "proof": hexes(path(m, d))} for m in points if m < n],
            "consistency": [{"oldSize": m, "oldRoot": mth(d[:m]).hex(), "proof": hexes(proof(m, d))}
                            for m in points if 0 < m <= n],
        })
    document = {
        "about": "RFC 9162 Merkle tree vectors, written by merkle_vectors.py beside this file; "
                 "tree n is over the first n leaves",
        "leaves": [leaf.hex() for leaf in data],
        "trees": trees,
    }
    print(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
