import Foundation

// Usage: embed-files migrations OUTPUT.swift FILE.sql...
//        embed-files openapi OUTPUT.swift openapi.json
//
// Writes a Swift source file holding files' exact text as string literals, for the EmbedFiles
// build plugin. Every character that is not printable ASCII is written as a \u{…} escape, so a
// literal's value is byte-for-byte its file's content: the migration checksums match the files,
// and the server answers the OpenAPI document exactly as it is written.

let usage = """
    usage: embed-files migrations OUTPUT.swift FILE.sql...
           embed-files openapi OUTPUT.swift openapi.json

    """

/// Ends the build step with a message on standard error, which SwiftPM shows with the failure.
func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
    exit(status)
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

func text(ofFile path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        fail("\(path): error: cannot be read")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        fail("\(path): error: is not valid UTF-8")
    }
    return text
}

/// `SchemaMigrations.embeddedFiles`: each file's name and text, in the order given.
func migrations(_ paths: ArraySlice<String>) -> String {
    var source = """
        // Generated from SQL/ by the EmbedFiles build plugin. Do not edit.

        extension SchemaMigrations {
            static let embeddedFiles: [(name: String, sql: String)] = [

        """
    for path in paths {
        let name = URL(fileURLWithPath: path).lastPathComponent
        source += "        (\(swiftLiteral(name)), \(swiftLiteral(text(ofFile: path)))),\n"
    }
    return source + "    ]\n}\n"
}

/// `OpenAPIDocument.embeddedJSON`: the document's text. A file that is not a JSON object fails
/// the build here rather than the tests later.
func openAPIDocument(_ path: String) -> String {
    let text = text(ofFile: path)
    do {
        guard try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any] else {
            fail("\(path):1: error: is not a JSON object")
        }
    } catch {
        fail("\(path):1: error: is not valid JSON: \(error)")
    }
    return """
        // Generated from openapi.json by the EmbedFiles build plugin. Do not edit.

        extension OpenAPIDocument {
            static let embeddedJSON = \(swiftLiteral(text))
        }

        """
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else { fail(usage, status: 2) }
let output = arguments[1]
let inputs = arguments[2...]
let source: String
switch arguments[0] {
case "migrations": source = migrations(inputs)
case "openapi" where inputs.count == 1: source = openAPIDocument(inputs[inputs.startIndex])
default: fail(usage, status: 2)
}
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("\(output): error: cannot be written: \(error)")
}
