public import Dates
import Postgres

/// A ZIP archive (PKWARE APPNOTE 6.3) of files stored without compression: what a published
/// statement's `.zip` is. Written here rather than taken from a library because only writing is
/// needed, and stored entries are a local header, the bytes and a central directory entry each;
/// every unzip tool and Python's `zipfile` read them. Deterministic: the same files at the same
/// time make the same bytes, so the archive's hash can be its ETag.
public enum ZipArchive {
    /// Beyond these, an archive needs ZIP64, which this writer does not write.
    public static let maximumEntryBytes = Int(UInt32.max)
    public static let maximumEntries = Int(UInt16.max)

    public enum Failure: Error, Equatable {
        case tooLarge
    }

    /// The archive of `files`, in order, each dated `modified` (UTC; ZIP keeps local time in
    /// 2-second steps from 1980).
    public static func archive(_ files: [StatementFile], modified: Timestamp) throws(Failure) -> [UInt8] {
        guard files.count <= maximumEntries else { throw .tooLarge }
        let day = modified.calendarDate
        let seconds = Int((modified.microsecondsSince1970 / 1_000_000) % 86_400 + 86_400) % 86_400
        let time = UInt16(seconds / 3600) << 11 | UInt16(seconds / 60 % 60) << 5 | UInt16(seconds % 60 / 2)
        let date = UInt16(max(0, day.year - 1980)) << 9 | UInt16(day.month) << 5 | UInt16(day.day)
        var out: [UInt8] = []
        var central: [UInt8] = []
        for file in files {
            guard file.bytes.count <= maximumEntryBytes, out.count <= maximumEntryBytes else {
                throw .tooLarge
            }
            let name = Array(file.name.utf8)
            let crc = CRC32.checksum(file.bytes)
            let offset = UInt32(out.count)
            var common: [UInt8] = []
            common.append(le16: 20)  // version needed: 2.0
            common.append(le16: 1 << 11)  // names are UTF-8
            common.append(le16: 0)  // stored
            common.append(le16: time)
            common.append(le16: date)
            common.append(le32: crc)
            common.append(le32: UInt32(file.bytes.count))
            common.append(le32: UInt32(file.bytes.count))
            common.append(le16: UInt16(name.count))
            common.append(le16: 0)  // no extra field
            out.append(le32: 0x0403_4B50)
            out += common
            out += name
            out += file.bytes
            central.append(le32: 0x0201_4B50)
            central.append(le16: 0x0314)  // made by: Unix, 2.0
            central += common
            central.append(le16: 0)  // no comment
            central.append(le16: 0)  // disk 0
            central.append(le16: 0)  // internal attributes
            central.append(le32: UInt32(0o100644) << 16)  // a regular file, rw-r--r--
            central.append(le32: offset)
            central += name
        }
        guard out.count <= maximumEntryBytes, central.count <= maximumEntryBytes else { throw .tooLarge }
        let start = UInt32(out.count)
        out += central
        out.append(le32: 0x0605_4B50)
        out.append(le16: 0)
        out.append(le16: 0)
        out.append(le16: UInt16(files.count))
        out.append(le16: UInt16(files.count))
        out.append(le32: UInt32(central.count))
        out.append(le32: start)
        out.append(le16: 0)
        return out
    }
}

/// CRC-32 (ISO 3309, the polynomial ZIP and gzip use), a byte at a time from a table.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

extension [UInt8] {
    fileprivate mutating func append(le16 value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
