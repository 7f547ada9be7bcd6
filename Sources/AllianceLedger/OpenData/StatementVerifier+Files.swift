import Crypto
import Foundation

extension StatementVerifier {
    /// Checks a statement's files as unzipped into a folder, with no database: every file
    /// against `SHA256SUMS`, every CSV against `datapackage.json`'s bytes and hash, the statement
    /// itself as ``verify(_:expectedHash:previous:signatures:trustedKeys:filesHash:)`` does, and
    /// `checkpoint.txt` and every signature in `signatures.json` against the checkpoint its
    /// figures and `SHA256SUMS` name. One changed digit in any file fails a check that names it.
    ///
    /// `files` maps each file's name to its bytes.
    public static func verifyFiles(
        _ files: [String: [UInt8]], previous: [UInt8]? = nil, trustedKeys: [String: Set<[UInt8]>]? = nil
    ) -> [VerificationCheck] {
        guard let sums = files[StatementFiles.sums] else {
            return [.init("files", .failed, "there is no \(StatementFiles.sums) among the files")]
        }
        var checks: [VerificationCheck] = []
        let sumsHash = Digest(Array(SHA256.hash(data: sums)))
        let listed = parseSums(sums)
        var problems: [String] = []
        if listed == nil { problems.append("\(StatementFiles.sums) is not lines of `<sha256>  <name>`") }
        for (name, expected) in (listed ?? []) {
            guard let bytes = files[name] else {
                problems.append("\(name) is listed but missing")
                continue
            }
            let actual = Digest(Array(SHA256.hash(data: bytes))).description
            if actual != expected { problems.append("\(name) hashes to \(actual), not \(expected)") }
        }
        let unlisted = Set(files.keys).subtracting((listed ?? []).map(\.name)).subtracting([
            StatementFiles.sums, StatementFiles.checkpoint, StatementFiles.signatures,
        ])
        for name in unlisted.sorted() { problems.append("\(name) is not listed in \(StatementFiles.sums)") }
        checks.append(
            problems.isEmpty
                ? .init(
                    "files", .passed,
                    "\(listed?.count ?? 0) files match \(StatementFiles.sums) sha256:\(sumsHash)")
                : .init("files", .failed, problems.prefix(5).joined(separator: "; ")))
        checks.append(dataPackage(files))
        guard let body = files[StatementFiles.statement] else {
            checks.append(.init("statement", .failed, "there is no \(StatementFiles.statement)"))
            return checks
        }
        let expected = listed?.first { $0.name == StatementFiles.statement }?.hash
        let signatures = files[StatementFiles.signatures].map { parseSignatures($0) }
        if case .some(.none) = signatures {
            checks.append(
                .init("signatures", .failed, "\(StatementFiles.signatures) is not a list of signatures"))
        }
        checks += verify(
            body, expectedHash: expected, previous: previous, signatures: signatures ?? nil,
            trustedKeys: trustedKeys,
            filesHash: sumsHash)
        if let written = files[StatementFiles.checkpoint] {
            let document = try? JSONValue(parsing: body)
            let hash = Digest(Array(SHA256.hash(data: body))).description
            let computed = document.flatMap { checkpoint(of: $0, hash: hash, filesHash: sumsHash) }
            checks.append(
                computed.map { Array($0.utf8) } == written
                    ? .init(
                        "checkpoint", .passed, "\(StatementFiles.checkpoint) is the checkpoint the files name"
                    )
                    : .init(
                        "checkpoint", .failed,
                        "\(StatementFiles.checkpoint) is not the checkpoint of \(StatementFiles.statement) and \(StatementFiles.sums)"
                    ))
        }
        return checks
    }

    /// `SHA256SUMS`'s lines, or nil when one is not `<64 hex>  <name>`.
    static func parseSums(_ bytes: [UInt8]) -> [(name: String, hash: String)]? {
        guard let text = String(validating: bytes, as: UTF8.self), text.hasSuffix("\n") else { return nil }
        var listed: [(name: String, hash: String)] = []
        for line in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1].isEmpty, parts[0].count == 64,
                parts[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }), !parts[2].isEmpty
            else { return nil }
            listed.append((String(parts[2]), String(parts[0])))
        }
        return listed
    }

    /// `signatures.json`: a list of `{partner, publicKey, signature}`, nil when it is not one.
    static func parseSignatures(_ bytes: [UInt8]) -> [SuppliedSignature]? {
        guard let document = try? JSONValue(parsing: bytes), let list = document.arrayValue else {
            return nil
        }
        var signatures: [SuppliedSignature] = []
        for item in list {
            guard let partner = item["partner"]?.stringValue,
                let key = item["publicKey"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
                let signature = item["signature"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
            else { return nil }
            signatures.append(
                SuppliedSignature(partner: partner, publicKey: Array(key), signature: Array(signature)))
        }
        return signatures
    }

    /// Every resource of `datapackage.json` names a file that is there, with its bytes and
    /// SHA-256.
    static func dataPackage(_ files: [String: [UInt8]]) -> VerificationCheck {
        guard let bytes = files[StatementFiles.dataPackage] else {
            return .init("data package", .failed, "there is no \(StatementFiles.dataPackage)")
        }
        guard let document = try? JSONValue(parsing: bytes), let resources = document["resources"]?.arrayValue
        else {
            return .init("data package", .failed, "\(StatementFiles.dataPackage) has no resources")
        }
        var problems: [String] = []
        for resource in resources {
            guard let path = resource["path"]?.stringValue, let file = files[path] else {
                problems.append("a resource names no file that is there")
                continue
            }
            let hash = "sha256:" + Digest(Array(SHA256.hash(data: file))).description
            if resource["hash"]?.stringValue != hash {
                problems.append("\(path) does not have the hash it declares")
            }
            if resource["bytes"]?.integerValue != Int64(file.count) {
                problems.append("\(path) does not have the bytes it declares")
            }
        }
        return problems.isEmpty
            ? .init("data package", .passed, "\(resources.count) resources match their bytes and sha256")
            : .init("data package", .failed, problems.prefix(5).joined(separator: "; "))
    }
}
