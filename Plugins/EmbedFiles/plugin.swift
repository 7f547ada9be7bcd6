import Foundation
import PackagePlugin

/// Compiles files of the package into the targets that ship them, so that the library and the
/// binary carry exactly what they were built with and never look for files at run time. Each
/// file stays the single source of truth: the generated Swift lives only in the build directory.
///
/// - `AllianceLedger`: the `SQL/*.sql` migrations, as `SchemaMigrations.embeddedFiles`; and the
///   package's `VERSION`, as `AllianceLedgerVersion.embedded`.
/// - `AllianceLedgerHTTP`: `OpenAPI/openapi.json`, as `OpenAPIDocument.embeddedJSON`. The build
///   fails when the document's `info.version` is not `VERSION`'s, so the two cannot drift apart.
///   And `Public/site.css`, the public pages' style sheet, as `PublicPage.embeddedStyle`.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let tool = try context.tool(named: "embed-files").url
        let versionFile = context.package.directoryURL.appending(path: "VERSION")
        func command(_ displayName: String, _ mode: String, _ inputs: [URL], into name: String) -> Command {
            let output = context.pluginWorkDirectoryURL.appending(path: name)
            return .buildCommand(
                displayName: displayName,
                executable: tool,
                arguments: [mode, output.path(percentEncoded: false)]
                    + inputs.map { $0.path(percentEncoded: false) },
                inputFiles: inputs,
                outputFiles: [output]
            )
        }
        switch target.name {
        case "AllianceLedger":
            let sqlDirectory = context.package.directoryURL.appending(path: "SQL")
            let files = try FileManager.default
                .contentsOfDirectory(at: sqlDirectory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            return [
                command(
                    "Embedding \(files.count) SQL migrations", "migrations", files,
                    into: "EmbeddedMigrations.swift"),
                command("Embedding VERSION", "version", [versionFile], into: "EmbeddedVersion.swift"),
            ]
        case "AllianceLedgerHTTP":
            let document = target.directoryURL.appending(path: "OpenAPI/openapi.json")
            let style = target.directoryURL.appending(path: "Public/site.css")
            return [
                command(
                    "Embedding the OpenAPI document", "openapi", [document, versionFile],
                    into: "EmbeddedOpenAPIDocument.swift"),
                command("Embedding the public pages' style", "style", [style], into: "EmbeddedStyle.swift"),
            ]
        default:
            throw UnknownTarget(name: target.name)
        }
    }
}

/// A target that names the plugin without the plugin knowing what to embed in it.
struct UnknownTarget: Error, CustomStringConvertible {
    let name: String

    var description: String { "EmbedFiles has nothing to embed in the target \(name)" }
}
