import Foundation

/// A spend file for the import: realistic rows (a day within financial year FY2025, a partner,
/// a line, an amount with pence, a description with a comma that needs quoting, a supplier and
/// a unique invoice reference), written a megabyte at a time. Row `index` spends
/// `SpendFile.pence(index)`.
public enum SpendFile {
    public static func pence(_ index: Int) -> Int64 { Int64(index % 500_000 + 1) }

    /// Writes rows `first` through `rows` to `path` (so that a journal can grow by a second file
    /// with references of its own); answers the file's size in bytes. A line keeps to a row for
    /// `lineStride` × partners rows: with many lines, a stride of 12 gives every partner every
    /// line in every month, where 1 leaves most of those cells empty.
    @discardableResult
    public static func write(
        rows: Int, from first: Int = 1, partners: [String], lines: [String], lineStride: Int = 1,
        to path: String
    ) throws -> Int64 {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw BenchmarkFailure("cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var text = "date,partner,budget_line,amount,description,supplier,reference\n"
        for index in first...rows {
            let month = index % 12 + 1
            let day = index % 28 + 1
            let year = month >= 4 ? 2025 : 2026
            let pence = pence(index)
            text +=
                "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day),\(partners[index % partners.count]),"
                + "\(lines[index / (partners.count * lineStride) % lines.count]),\(pence / 100).\(pence % 100 < 10 ? "0" : "")\(pence % 100),"
                + "\"Invoice \(index % 9973), monthly charge\",Supplier \(index % 97) Ltd,INV-\(index)\n"
            if text.utf8.count >= 1 << 20 {
                handle.write(Data(text.utf8))
                text = ""
            }
        }
        handle.write(Data(text.utf8))
        // On disk before a run measures anything: left to the kernel, these pages would be
        // written out about 30 s later (vm.dirty_expire_centisecs), in the middle of what is
        // measured, and every commit's WAL flush would queue behind them.
        try handle.synchronize()
        try handle.close()
        return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }
}
