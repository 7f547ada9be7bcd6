import Foundation

// Usage: embed-sql OUTPUT.swift FILE.sql...
//
// Writes a Swift source file holding each SQL file's exact text as a string literal. Every
// character that is not printable ASCII is written as a \u{…} escape, so the literal's value
// is byte-for-byte the file's content and the migration checksums match the files.

let arguments = CommandLine.arguments.dropFirst()
guard let outputPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: embed-sql OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}

func swiftLiteral(_ text: String) -> String {
    var literal = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": literal += "\\\\"
        case "\"": literal += "\\\""
        case "\n": literal += "\\n"
        case "\t": literal += "\\t"
        case "\r": literal += "\\r"
        case " "..."~": literal.unicodeScalars.append(scalar)
        default: literal += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return literal + "\""
}

var source = """
    // Generated from SQL/ by the EmbedSQLMigrations build plugin. Do not edit.

    extension SchemaMigrations {
        static let embeddedFiles: [(name: String, sql: String)] = [

    """
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let data = try Data(contentsOf: url)
    guard let text = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("embed-sql: \(path) is not valid UTF-8\n".utf8))
        exit(1)
    }
    source += "        (\(swiftLiteral(url.lastPathComponent)), \(swiftLiteral(text))),\n"
}
source += "    ]\n}\n"
try Data(source.utf8).write(to: URL(fileURLWithPath: outputPath), options: .atomic)
