import Foundation

// Usage: embed-files migrations OUTPUT.swift FILE.sql...
//        embed-files version OUTPUT.swift VERSION
//        embed-files openapi OUTPUT.swift openapi.json VERSION
//        embed-files style OUTPUT.swift site.css
//
// Writes a Swift source file holding files' exact text as string literals, for the EmbedFiles
// build plugin. Every character that is not printable ASCII is written as a \u{…} escape, so a
// literal's value is byte-for-byte its file's content: the migration checksums match the files,
// and the server answers the OpenAPI document exactly as it is written. VERSION is the one place
// the version is written: the binary reports it, and the OpenAPI document must say the same.

let usage = """
    usage: embed-files migrations OUTPUT.swift FILE.sql...
           embed-files version OUTPUT.swift VERSION
           embed-files openapi OUTPUT.swift openapi.json VERSION
           embed-files style OUTPUT.swift site.css

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
func migrations(_ paths: [String]) -> String {
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

/// The version in a VERSION file: one line such as `1.2.3` or `1.2.3-rc.1`.
func version(ofFile path: String) -> String {
    let version = text(ofFile: path).trimmingCharacters(in: .whitespacesAndNewlines)
    guard version.wholeMatch(of: #/[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?/#) != nil else {
        fail("\(path):1: error: \(swiftLiteral(version)) is not a version such as 1.2.3")
    }
    return version
}

/// `AllianceLedgerVersion.embedded`: the version VERSION holds.
func versionSource(_ path: String) -> String {
    """
    // Generated from VERSION by the EmbedFiles build plugin. Do not edit.

    extension AllianceLedgerVersion {
        static let embedded = \(swiftLiteral(version(ofFile: path)))
    }

    """
}

/// `OpenAPIDocument.embeddedJSON`: the document's text. A file that is not a JSON object, or
/// whose `info.version` is not VERSION's, fails the build here rather than a test or a client
/// later, so that the binary and the document it serves can never disagree on the version.
func openAPIDocument(_ path: String, versionFile: String) -> String {
    let text = text(ofFile: path)
    let document: [String: Any]
    do {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            fail("\(path):1: error: is not a JSON object")
        }
        document = object
    } catch {
        fail("\(path):1: error: is not valid JSON: \(error)")
    }
    let expected = version(ofFile: versionFile)
    let found = (document["info"] as? [String: Any])?["version"] as? String
    if found != expected {
        let line = lineOfInfoVersion(in: text)
        let written = found.map(swiftLiteral) ?? "missing"
        fail(
            "\(path):\(line): error: info.version is \(written) but \(versionFile) says "
                + "\(swiftLiteral(expected)); the binary and the OpenAPI document it serves carry one "
                + "version, so make info.version \(swiftLiteral(expected))")
    }
    return """
        // Generated from openapi.json by the EmbedFiles build plugin. Do not edit.

        extension OpenAPIDocument {
            static let embeddedJSON = \(swiftLiteral(text))
        }

        """
}

/// `PublicPage.embeddedStyle`: the public pages' style sheet, sent inline with each page.
func styleSource(_ path: String) -> String {
    """
    // Generated from site.css by the EmbedFiles build plugin. Do not edit.

    extension PublicPage {
        static let embeddedStyle = \(swiftLiteral(text(ofFile: path)))
    }

    """
}

/// The line of `"version"` in the `info` object, for an error message that leads to it; the
/// first line when the document does not have one.
func lineOfInfoVersion(in text: String) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let info = lines.firstIndex(where: { $0.contains("\"info\"") }),
        let version = lines[info...].firstIndex(where: { $0.contains("\"version\"") })
    else { return 1 }
    return version + 1
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else { fail(usage, status: 2) }
let output = arguments[1]
let inputs = Array(arguments.dropFirst(2))
let source: String
switch arguments[0] {
case "migrations": source = migrations(inputs)
case "version" where inputs.count == 1: source = versionSource(inputs[0])
case "openapi" where inputs.count == 2: source = openAPIDocument(inputs[0], versionFile: inputs[1])
case "style" where inputs.count == 1: source = styleSource(inputs[0])
default: fail(usage, status: 2)
}
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("\(output): error: cannot be written: \(error)")
}
