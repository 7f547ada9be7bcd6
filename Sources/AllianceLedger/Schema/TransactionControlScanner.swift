/// Finds a statement in a migration that would end the migrator's transaction.
///
/// Migrations run inside one transaction so that a failure leaves nothing behind; a `COMMIT`
/// in a file would commit half of the work and break that promise, so such files are refused
/// before anything runs. This is a lexer, not a parser: it skips comments, quoted strings,
/// quoted identifiers and dollar-quoted bodies (where `BEGIN … END` of PL/pgSQL lives), follows
/// SQL-standard `BEGIN ATOMIC … END` function bodies, and looks at the first word of every
/// top-level statement.
enum TransactionControlScanner {
    struct Finding: Equatable {
        let keyword: String
        let line: Int
    }

    static let transactionKeywords: Set<String> = ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"]

    static func firstTransactionControl(in sql: String) -> Finding? {
        var scanner = Cursor(Array(sql.unicodeScalars))
        var atStatementStart = true
        var previousWord = ""
        var atomicDepth = 0
        while let scalar = scanner.peek() {
            if scanner.skipTrivia() { continue }
            switch scalar {
            case ";":
                scanner.advance()
                atStatementStart = true
                continue
            case "'":
                scanner.skipQuoted(closing: "'", backslashEscapes: previousWord.uppercased() == "E")
            case "\"":
                scanner.skipQuoted(closing: "\"", backslashEscapes: false)
            case "$" where scanner.skipDollarQuoted():
                break
            case _ where scalar.properties.isAlphabetic || scalar == "_":
                let line = scanner.line
                let word = scanner.readWord().uppercased()
                if atStatementStart, transactionKeywords.contains(word) {
                    if word == "END", atomicDepth > 0 {
                        atomicDepth -= 1
                    } else {
                        return Finding(keyword: word, line: line)
                    }
                } else if word == "ATOMIC", previousWord == "BEGIN" {
                    atomicDepth += 1
                }
                previousWord = word
                atStatementStart = false
                continue
            default:
                scanner.advance()
            }
            previousWord = ""
            atStatementStart = false
        }
        return nil
    }

    private struct Cursor {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func advance() {
            if scalars[index] == "\n" { line += 1 }
            index += 1
        }

        /// Skips whitespace and comments; true if it skipped anything.
        mutating func skipTrivia() -> Bool {
            guard let scalar = peek() else { return false }
            if scalar.properties.isWhitespace {
                advance()
                return true
            }
            if scalar == "-", peek(1) == "-" {
                while let next = peek(), next != "\n" { advance() }
                return true
            }
            if scalar == "/", peek(1) == "*" {
                var depth = 0
                while peek() != nil {
                    if peek() == "/", peek(1) == "*" {
                        depth += 1
                        advance()
                    } else if peek() == "*", peek(1) == "/" {
                        depth -= 1
                        advance()
                        if depth == 0 {
                            advance()
                            break
                        }
                    }
                    advance()
                }
                return true
            }
            return false
        }

        mutating func skipQuoted(closing: Unicode.Scalar, backslashEscapes: Bool) {
            advance()
            while let scalar = peek() {
                advance()
                if backslashEscapes, scalar == "\\", peek() != nil {
                    advance()
                } else if scalar == closing {
                    guard peek() == closing else { return }
                    advance()
                }
            }
        }

        /// Skips `$tag$ … $tag$`; false (and nothing skipped) when `$` does not open one.
        mutating func skipDollarQuoted() -> Bool {
            var end = index + 1
            while end < scalars.count, scalars[end] != "$" {
                let scalar = scalars[end]
                guard
                    scalar.properties.isAlphabetic || scalar == "_"
                        || (end > index + 1 && ("0"..."9").contains(scalar))
                else { return false }
                end += 1
            }
            guard end < scalars.count else { return false }
            let delimiter = Array(scalars[index...end])
            for _ in delimiter { advance() }
            while peek() != nil {
                if Array(scalars[index..<min(index + delimiter.count, scalars.count)]) == delimiter {
                    for _ in delimiter { advance() }
                    return true
                }
                advance()
            }
            return true
        }

        mutating func readWord() -> String {
            var word = ""
            while let scalar = peek(),
                scalar.properties.isAlphabetic || scalar == "_" || ("0"..."9").contains(scalar)
            {
                word.unicodeScalars.append(scalar)
                advance()
            }
            return word
        }
    }
}
