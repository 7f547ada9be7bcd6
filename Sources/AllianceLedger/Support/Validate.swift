/// The checks that requests' fields share, so that each limit has one definition: the
/// database's, which has the last word.
enum Validate {
    /// The longest e-mail address, RFC 5321's 254, in characters (code points) like every
    /// limit: the people table holds no longer, and the journal's `recorded_by`, which names
    /// the person who recorded an entry by their address, holds as long.
    static let maximumEmailLength = 254

    /// The length of `text` as PostgreSQL's `length()` counts it, and so as every limit of ours
    /// is stated: Unicode scalars (code points). Swift's `count` counts grapheme clusters, so
    /// "é" written as "e" and a combining acute is one `Character` but two code points, and a
    /// text within a limit by `count` can be beyond the same limit in the database.
    static func length(of text: some StringProtocol) -> Int {
        text.unicodeScalars.count
    }

    /// Required free text: not blank, at most `maximumLength` characters (code points), and
    /// without NUL, which PostgreSQL text cannot hold.
    static func text(_ text: String, field: String, maximumLength: Int) throws(LedgerError) {
        guard !isBlank(text) else {
            throw .invalidField(field, reason: "cannot be empty")
        }
        try withinLength(text, field: field, maximumLength: maximumLength)
        guard !text.utf8.contains(0) else {
            throw .invalidField(field, reason: "cannot contain a NUL character")
        }
    }

    /// Optional free text: may be empty, within a length, without NUL.
    static func optionalText(_ text: String, field: String, maximumLength: Int) throws(LedgerError) {
        if !text.isEmpty { try Validate.text(text, field: field, maximumLength: maximumLength) }
    }

    /// Refuses text longer than `maximumLength` characters (code points), saying how they count.
    static func withinLength(_ text: some StringProtocol, field: String, maximumLength: Int)
        throws(LedgerError)
    {
        guard let excess = excessLength(text, maximumLength: maximumLength) else { return }
        throw .invalidField(field, reason: excess)
    }

    /// Why `text` is too long, or nil when it is not: for checks that gather every reason at
    /// once, such as a spend file's rows.
    static func excessLength(_ text: some StringProtocol, maximumLength: Int) -> String? {
        // A code point is one to four bytes, so only a text of more bytes needs counting.
        guard text.utf8.count > maximumLength, length(of: text) > maximumLength else { return nil }
        return "is longer than \(maximumLength) characters (counted as Unicode code points)"
    }

    /// Nothing but white space, which a reader cannot tell from nothing.
    static func isBlank(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// An amount of minor units within ``Money/maximumAmount`` either way.
    static func amount(_ amount: Int64, field: String) throws(LedgerError) {
        guard amount.magnitude <= Money.maximumAmount.magnitude else {
            throw .invalidField(field, reason: amountBeyondBound)
        }
    }

    static let amountBeyondBound =
        "must be at most \(Money.maximumAmount) minor units either way "
        + "(\(Money.format(Money.maximumAmount, currency: "GBP")) in a currency of two decimals)"

    /// Lower-case letters, digits and inner hyphens: what URLs and account codes can carry.
    static func slug(_ text: String, field: String, maximumLength: Int) throws(LedgerError) {
        let bytes = Array(text.utf8)
        let allowed = bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
        guard !bytes.isEmpty, bytes.count <= maximumLength, allowed, bytes.first != 45, bytes.last != 45
        else {
            throw .invalidField(
                field,
                reason:
                    "must be 1 to \(maximumLength) lower-case letters, digits and inner hyphens, not \"\(text)\""
            )
        }
    }
}
