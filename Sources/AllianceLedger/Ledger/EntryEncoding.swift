import Crypto
import Dates
import Postgres

/// Everything a journal entry's hash covers: the entry without its own hash.
struct EntryContent: Hashable, Sendable {
    let alliance: AllianceID
    let sequence: Int64
    let kind: EntryKind
    let effectiveOn: CalendarDate
    let recordedAt: Timestamp
    let recordedBy: String
    let description: String
    let metadata: [String: String]
    let idempotencyKey: String?
    let requestHash: Digest
    let reverses: Int64?
    let previousHash: Digest
    let postings: [Posting]

    func sealed() -> JournalEntry {
        JournalEntry(
            alliance: alliance, sequence: sequence, kind: kind, effectiveOn: effectiveOn,
            recordedAt: recordedAt, recordedBy: recordedBy, description: description,
            metadata: metadata, idempotencyKey: idempotencyKey, requestHash: requestHash,
            reverses: reverses, previousHash: previousHash, hash: EntryEncoding.hash(self),
            postings: postings)
    }
}

extension JournalEntry {
    var content: EntryContent {
        EntryContent(
            alliance: alliance, sequence: sequence, kind: kind, effectiveOn: effectiveOn,
            recordedAt: recordedAt, recordedBy: recordedBy, description: description,
            metadata: metadata, idempotencyKey: idempotencyKey, requestHash: requestHash,
            reverses: reverses, previousHash: previousHash, postings: postings)
    }
}

/// The fixed binary encodings that the journal's hashes cover (version 1).
///
/// Integers are big-endian two's complement; `text` is a u32 byte count followed by the UTF-8
/// bytes; an optional is a u8 0 (absent) or a u8 1 followed by the value. Metadata is a u32
/// count followed by its pairs (text key, text value) sorted by the keys' UTF-8 bytes.
///
/// Entry hash = SHA-256 of:
///
///     "alliance-ledger entry v1" (24 ASCII bytes, no length)
///     u64 alliance id, u64 sequence, 32 bytes previous hash,
///     text kind, i32 effective date (days since 1970-01-01), i64 recorded at (microseconds
///     since 1970-01-01T00:00:00Z), text recorded by, text description, metadata,
///     optional text idempotency key, 32 bytes request hash, optional u64 reversed sequence,
///     u32 posting count, then for each posting in line order:
///         u16 line, u64 account id, text account code, i64 amount
///
/// Request hash = SHA-256 of "alliance-ledger request v1", u64 alliance id, text kind,
/// i32 effective date, text recorded by, text description, metadata, optional u64 reversed
/// sequence, u32 line count, then per line in request order: text account code, i64 amount.
/// (A reversal request has no lines: its postings follow from the entry it reverses.)
///
/// Genesis hash, the previous hash of an alliance's first entry = SHA-256 of
/// "alliance-ledger genesis v1" followed by the u64 alliance id; the database computes the
/// same value in `ledger_genesis_hash`.
enum EntryEncoding {
    static func hash(_ entry: EntryContent) -> Digest {
        var writer = CanonicalWriter(tag: "alliance-ledger entry v1")
        writer.u64(UInt64(entry.alliance.rawValue))
        writer.u64(UInt64(entry.sequence))
        writer.digest(entry.previousHash)
        writer.text(entry.kind.rawValue)
        writer.i32(Int32(entry.effectiveOn.daysSince1970))
        writer.i64(entry.recordedAt.microsecondsSince1970)
        writer.text(entry.recordedBy)
        writer.text(entry.description)
        writer.metadata(entry.metadata)
        writer.optionalText(entry.idempotencyKey)
        writer.digest(entry.requestHash)
        writer.optionalU64(entry.reverses.map(UInt64.init))
        writer.u32(UInt32(entry.postings.count))
        for posting in entry.postings {
            writer.u16(UInt16(posting.line))
            writer.u64(UInt64(posting.accountID))
            writer.text(posting.account.rawValue)
            writer.i64(posting.amount)
        }
        return writer.finish()
    }

    static func requestHash(_ request: EntryRequest, alliance: AllianceID) -> Digest {
        var writer = CanonicalWriter(tag: "alliance-ledger request v1")
        writer.u64(UInt64(alliance.rawValue))
        writer.text(request.kind.rawValue)
        writer.i32(Int32(request.effectiveOn.daysSince1970))
        writer.text(request.recordedBy)
        writer.text(request.description)
        writer.metadata(request.metadata)
        writer.optionalU64(nil)
        writer.u32(UInt32(request.postings.count))
        for line in request.postings {
            writer.text(line.account.rawValue)
            writer.i64(line.amount)
        }
        return writer.finish()
    }

    static func requestHash(_ request: ReversalRequest, alliance: AllianceID) -> Digest {
        var writer = CanonicalWriter(tag: "alliance-ledger request v1")
        writer.u64(UInt64(alliance.rawValue))
        writer.text(EntryKind.reversal.rawValue)
        writer.i32(Int32(request.effectiveOn.daysSince1970))
        writer.text(request.recordedBy)
        writer.text(request.reason)
        writer.metadata([:])
        writer.optionalU64(UInt64(request.sequence))
        writer.u32(0)
        return writer.finish()
    }

    static func genesisHash(_ alliance: AllianceID) -> Digest {
        var writer = CanonicalWriter(tag: "alliance-ledger genesis v1")
        writer.u64(UInt64(alliance.rawValue))
        return writer.finish()
    }
}

/// Appends values in the canonical encoding and hashes the result.
struct CanonicalWriter {
    private(set) var bytes: [UInt8]

    init(tag: StaticString) {
        bytes = Array(tag.description.utf8)
        bytes.reserveCapacity(512)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { append(bigEndian: value) }
    mutating func u32(_ value: UInt32) { append(bigEndian: value) }
    mutating func u64(_ value: UInt64) { append(bigEndian: value) }
    mutating func i32(_ value: Int32) { append(bigEndian: UInt32(bitPattern: value)) }
    mutating func i64(_ value: Int64) { append(bigEndian: UInt64(bitPattern: value)) }

    mutating func text(_ value: String) {
        let utf8 = Array(value.utf8)
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func digest(_ value: Digest) { bytes.append(contentsOf: value.bytes) }

    /// Empties the writer and starts it again with `tag`, keeping its buffer: the verifier
    /// hashes every entry with one writer.
    mutating func restart(tag: StaticString) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: UnsafeBufferPointer(start: tag.utf8Start, count: tag.utf8CodeUnitCount))
    }

    /// `text` of UTF-8 bytes as stored.
    mutating func text(utf8: UnsafeRawBufferPointer) {
        u32(UInt32(utf8.count))
        append(utf8)
    }

    /// Bytes as they are, with no count: a stored digest.
    mutating func raw(_ value: UnsafeRawBufferPointer) { append(value) }

    /// Whether the SHA-256 of what was written is `stored`.
    func finishMatches(_ stored: UnsafeRawBufferPointer) -> Bool {
        SHA256.hash(data: bytes).withUnsafeBytes { $0.elementsEqual(stored) }
    }

    mutating func optionalText(_ value: String?) {
        guard let value else { return u8(0) }
        u8(1)
        text(value)
    }

    mutating func optionalU64(_ value: UInt64?) {
        guard let value else { return u8(0) }
        u8(1)
        u64(value)
    }

    mutating func metadata(_ value: [String: String]) {
        u32(UInt32(value.count))
        for key in value.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            text(key)
            text(value[key] ?? "")
        }
    }

    func finish() -> Digest {
        Digest(Array(SHA256.hash(data: bytes)))
    }

    private mutating func append<Value: FixedWidthInteger>(bigEndian value: Value) {
        withUnsafeBytes(of: value.bigEndian) { append($0) }
    }

    /// Appends through a typed buffer, which `Array` copies in one go; a raw buffer it copies
    /// byte by byte.
    private mutating func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw.assumingMemoryBound(to: UInt8.self))
    }
}
