#!/usr/bin/env python3
"""Independent RFC 8785 vectors for the Swift canonical JSON (CanonicalJSONVectorTests).

Each vector is a JSON text as anyone might write it -- members in random order, white space,
strings with escapes or raw UTF-8 -- and its canonical form as the `rfc8785` package on PyPI
(a separate implementation of RFC 8785) writes it. The Swift test reads each text, writes it
canonically and compares the bytes. The values are the kinds a statement holds: null, booleans,
integers within +/-(2^53 - 1), strings, arrays and objects; keys include ones that sort one way
by UTF-16 code units (RFC 8785's order) and another by code points, and strings include every
control character.

Needs `pip install rfc8785==0.1.4`. Regenerate (the output is deterministic, so an unchanged
script and package rewrite the same bytes):

    python3 Tests/AllianceLedgerTests/Vectors/canonical_json_vectors.py \
        > Tests/AllianceLedgerTests/Vectors/canonical-json-vectors.json
"""

import json
import random

import rfc8785

LARGEST_INTEGER = 2**53 - 1

# Keys whose UTF-16 order differs from their code point order: U+1F600 and U+10000 are
# surrogate pairs (0xD83D 0xDE00, 0xD800 0xDC00), so they sort before U+E000, U+FB33 and U+FFFD
# by UTF-16 but after them by code point. The rest are RFC 8785 section 3.2.3's example keys,
# ASCII, prefixes of each other, and escapes.
KEYS = [
    "", "a", "ab", "b", "B", "1", "10", "2", "\r", "\u0080", "\u00f6", "\u20ac", "\ufb33",
    "\U0001f600", "\U00010000", "\ue000", "\ufffd", "\u00e9", "e\u0301", "key with space",
    "\"quoted\"", "back\\slash", "tab\tkey", "\u2028", "/", "\u007f", "\u0000",
]

# Pieces of strings: every control character, the characters JSON must or may escape, and
# characters of every UTF-8 length.
PIECES = [chr(c) for c in range(0x20)] + [
    "\"", "\\", "/", "\u007f", "\u0080", "\u2028", "\u2029", "\u00e9", "e\u0301", "\u20ac",
    "\ufb33", "\ufeff", "\U0001f600", "\U00010000", "\U0010ffff", "plain", " ", "'", "<>&",
]


def random_integer(rng):
    return rng.choice([
        0, 1, -1, LARGEST_INTEGER, -LARGEST_INTEGER, 2**31, -(2**31), 2**32, 10**15,
        rng.randint(-1000, 1000), rng.randint(-LARGEST_INTEGER, LARGEST_INTEGER),
    ])


def random_string(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))


def random_value(rng, depth):
    kinds = ["null", "bool", "integer", "string"] + (["array", "object"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "integer":
        return random_integer(rng)
    if kind == "string":
        return random_string(rng)
    if kind == "array":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = rng.sample(KEYS, rng.randint(0, 6))
    return {key: random_value(rng, depth + 1) for key in keys}


def written_freely(rng, value):
    """The value as JSON text that is not canonical: members in the order generated, white
    space, non-ASCII either escaped (surrogate pairs beyond the BMP) or raw."""
    return json.dumps(
        value,
        ensure_ascii=rng.choice([True, False]),
        indent=rng.choice([None, 1, 2]),
        separators=rng.choice([(",", ":"), (", ", ": "), (" ,", " : ")]),
    )


def vector(text):
    return {"text": text, "canonical": rfc8785.dumps(json.loads(text)).decode("utf-8")}


def main():
    rng = random.Random(8785)
    vectors = [vector(json.dumps({key: index for index, key in enumerate(KEYS)}))]
    vectors.append(vector(json.dumps(["".join(PIECES)])))
    # Documents as a statement is: an object at the top, nested.
    while len(vectors) < 200:
        value = random_value(rng, 0)
        if len(vectors) % 2 == 0:
            value = {key: random_value(rng, 1) for key in rng.sample(KEYS, rng.randint(1, 8))}
        vectors.append(vector(written_freely(rng, value)))
    document = {
        "about": "RFC 8785 vectors written by canonical_json_vectors.py beside this file: "
                 "canonical is what the rfc8785 package (PyPI) writes for text",
        "vectors": vectors,
    }
    # ASCII only, so that the file's bytes say exactly which code units each string holds.
    print(json.dumps(document, indent=1, ensure_ascii=True))


if __name__ == "__main__":
    main()
