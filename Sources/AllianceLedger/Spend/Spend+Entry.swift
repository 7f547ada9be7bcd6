extension Spend {
    /// A spend entry read back in the finance lead's terms. A field the entry holds but this
    /// cannot read (a supplier type or an irrecoverable VAT it does not know) is refused, never
    /// read as absent.
    init(entry: JournalEntry, reversedBy: Int64?, replayed: Bool) throws(LedgerError) {
        typealias Key = SpendBook.MetadataKey
        let metadata = entry.metadata
        guard let partner = metadata["partner"], let line = metadata["budgetLine"],
            let cost = entry.postings.first(where: { $0.amount > 0 })
        else {
            throw .invalidMetadata("of spend entry \(entry.sequence) lacks its partner or line")
        }
        var irrecoverableVAT: Int64?
        if let text = metadata[Key.irrecoverableVAT] {
            guard let vat = Int64(text, radix: 10), vat >= 0 else {
                throw .invalidMetadata(
                    "\(Key.irrecoverableVAT) of spend entry \(entry.sequence) is not a whole number of minor units"
                )
            }
            irrecoverableVAT = vat
        }
        var expenseType: ExpenseType?
        if let code = metadata[Key.expenseType] {
            expenseType = try ExpenseType(code: code, label: metadata[Key.expenseTypeLabel] ?? "")
        }
        var supplierType: SupplierType?
        if let text = metadata[Key.supplierType] {
            supplierType = try SupplierType(parsing: text, field: "supplierType")
        }
        self.init(
            id: entry.sequence, partner: partner, budgetLine: line, amount: cost.amount,
            incurredOn: entry.effectiveOn, description: entry.description,
            supplier: metadata["supplier"] ?? "", reference: metadata["reference"] ?? "",
            expenseType: expenseType, supplierType: supplierType,
            supplierID: metadata[Key.supplierID] ?? "", irrecoverableVAT: irrecoverableVAT,
            recordedBy: entry.recordedBy, recordedAt: entry.recordedAt, hash: entry.hash,
            reversedBy: reversedBy, replayed: replayed)
    }
}
