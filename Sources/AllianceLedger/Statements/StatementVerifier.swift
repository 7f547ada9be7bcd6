import Crypto
import Foundation

/// What a verifier concluded about one property of a statement.
public struct VerificationCheck: Hashable, Sendable, Encodable {
    public enum Outcome: String, Sendable, Encodable {
        case passed
        case failed = "FAILED"
        case notChecked = "not checked"
    }

    public let name: String
    public let outcome: Outcome
    public let detail: String

    public init(_ name: String, _ outcome: Outcome, _ detail: String) {
        self.name = name
        self.outcome = outcome
        self.detail = detail
    }
}

/// A co-signature as a verifier is given it: the partner, the key's public half, the signature.
public struct SuppliedSignature: Hashable, Sendable {
    public let partner: String
    public let publicKey: [UInt8]
    public let signature: [UInt8]

    public init(partner: String, publicKey: [UInt8], signature: [UInt8]) {
        self.partner = partner
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// Checks a published statement from its bytes alone, with no database: its hash and canonical
/// form, the chain to the previous statement, every co-signature over the checkpoint its own
/// figures name, and every total and difference against its rows. One altered digit anywhere
/// fails a check that names where.
public enum StatementVerifier {
    /// The formats a verifier reads: every published version.
    public static let formats: Set<String> = [Statement.format]

    /// `filesHash` is the hash of the statement's `SHA256SUMS`, for a statement published with
    /// files: its checkpoint, which the signatures cover, ends with the files line.
    public static func verify(
        _ bytes: [UInt8], expectedHash: String? = nil, previous: [UInt8]? = nil,
        signatures: [SuppliedSignature]? = nil, trustedKeys: [String: Set<[UInt8]>]? = nil,
        filesHash: Digest? = nil
    ) -> [VerificationCheck] {
        var checks: [VerificationCheck] = []
        let hash = Digest(Array(SHA256.hash(data: bytes))).description
        if let expectedHash {
            checks.append(
                expectedHash == hash
                    ? .init("hash", .passed, "sha256:\(hash)")
                    : .init("hash", .failed, "the bytes hash to \(hash), not \(expectedHash)"))
        } else {
            checks.append(
                .init("hash", .passed, "sha256:\(hash) (computed; no published hash given to compare)"))
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            checks.append(.init("canonical form", .failed, error.description))
            return checks
        }
        checks.append(
            CanonicalJSON.isCanonical(bytes)
                ? .init("canonical form", .passed, "RFC 8785")
                : .init("canonical form", .failed, "the bytes are not RFC 8785 canonical JSON"))
        let format = document["format"]?.stringValue ?? "none"
        guard formats.contains(format) else {
            checks.append(.init("format", .failed, "\(format) is not a statement format this verifier reads"))
            return checks
        }
        checks.append(.init("format", .passed, format))
        checks.append(chain(document, previous: previous))
        checks.append(
            contentsOf: signatureChecks(
                document, hash: hash, filesHash: filesHash, signatures: signatures, trustedKeys: trustedKeys))
        checks.append(contentsOf: arithmetic(document))
        return checks
    }

    // MARK: The chain

    static func chain(_ document: JSONValue, previous: [UInt8]?) -> VerificationCheck {
        let previousHash = document["previousHash"]
        let number = document["number"]?.stringValue ?? "?"
        guard let previous else {
            if previousHash?.isNull == true {
                return .init(
                    "chain", number == "S-0001" ? .passed : .failed, "\(number) names no previous statement")
            }
            return .init(
                "chain", .notChecked,
                "no previous statement given (it names \(previousHash?.stringValue ?? "?"))")
        }
        let actual = Digest(Array(SHA256.hash(data: previous))).description
        guard previousHash?.stringValue == actual else {
            return .init(
                "chain", .failed,
                "the previous statement hashes to \(actual), not \(previousHash?.stringValue ?? "null")")
        }
        let previousNumber = (try? JSONValue(parsing: previous))?["number"]?.stringValue.flatMap(
            Statement.number)
        guard let previousNumber, Statement.number(number) == previousNumber + 1 else {
            return .init("chain", .failed, "the previous statement is not the one numbered before \(number)")
        }
        return .init("chain", .passed, "follows \(Statement.reference(previousNumber)) sha256:\(actual)")
    }

    // MARK: Signatures

    /// The checkpoint a statement's own figures name, with the files line when its
    /// `SHA256SUMS`'s hash is given: what its co-signatures cover.
    public static func checkpoint(of document: JSONValue, hash: String, filesHash: Digest? = nil) -> String? {
        guard let origin = document["header"]?["origin"]?.stringValue,
            let number = document["number"]?.stringValue,
            let integrity = document["integrity"],
            let treeSize = integrity["treeSize"]?.integerValue,
            let treeRoot = integrity["treeRoot"]?.stringValue.flatMap({ try? Digest(hex: $0) }),
            let governanceSize = integrity["governanceTreeSize"]?.integerValue,
            let governanceRoot = integrity["governanceTreeRoot"]?.stringValue.flatMap({ try? Digest(hex: $0) }
            )
        else { return nil }
        return "\(origin)\n\(treeSize)\n\(Data(treeRoot.bytes).base64EncodedString())\n"
            + "statement \(number) sha256:\(hash)\n"
            + "governance \(governanceSize) \(Data(governanceRoot.bytes).base64EncodedString())\n"
            + (filesHash.map(StatementFiles.filesLine) ?? "")
    }

    static func signatureChecks(
        _ document: JSONValue, hash: String, filesHash: Digest?, signatures: [SuppliedSignature]?,
        trustedKeys: [String: Set<[UInt8]>]?
    ) -> [VerificationCheck] {
        guard let signatures, !signatures.isEmpty else {
            return [.init("signatures", .notChecked, "no signatures given")]
        }
        guard let checkpoint = checkpoint(of: document, hash: hash, filesHash: filesHash) else {
            return [.init("signatures", .failed, "the statement does not name a complete checkpoint")]
        }
        var checks: [VerificationCheck] = []
        for signature in signatures {
            let fingerprint = Digest(Array(SHA256.hash(data: signature.publicKey))).description
            let name = "signature of \(signature.partner)"
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: signature.publicKey),
                key.isValidSignature(signature.signature, for: Data(checkpoint.utf8))
            else {
                checks.append(
                    .init(name, .failed, "does not verify over the checkpoint with key \(fingerprint)"))
                continue
            }
            if let trustedKeys {
                guard trustedKeys[signature.partner]?.contains(signature.publicKey) == true else {
                    checks.append(
                        .init(
                            name, .failed,
                            "key \(fingerprint) is not among the trusted keys of \(signature.partner)"))
                    continue
                }
                checks.append(.init(name, .passed, "key \(fingerprint) (trusted)"))
            } else {
                checks.append(
                    .init(name, .passed, "key \(fingerprint) (not pinned: pass --trusted-keys to pin)"))
            }
        }
        return checks
    }

    // MARK: Arithmetic

    static func arithmetic(_ document: JSONValue) -> [VerificationCheck] {
        var problems: [String] = []
        for section in ["budget", "yearToDate"] {
            guard let value = document[section] else {
                problems.append("\(section) is missing")
                continue
            }
            problems += budget(value, section)
        }
        problems += spend(document["spend"])
        problems += outcomes(document["outcomes"])
        problems += riskShare(document["riskShare"])
        if let integrity = document["integrity"], integrity["trialBalance"]?.integerValue != 0 {
            problems.append("integrity.trialBalance is not zero")
        }
        return [
            problems.isEmpty
                ? .init("arithmetic", .passed, "every total, variance and share adds up")
                : .init("arithmetic", .failed, problems.prefix(5).joined(separator: "; "))
        ]
    }

    private static func int(_ value: JSONValue?, _ key: String) -> Int64? { value?[key]?.integerValue }

    private static func budget(_ section: JSONValue, _ name: String) -> [String] {
        var problems: [String] = []
        let rows = section["rows"]?.arrayValue ?? []
        for (index, row) in rows.enumerated() {
            let place = "\(name).rows[\(index)]"
            guard let budget = int(row, "budget"), let actual = int(row, "actual"),
                let variance = int(row, "variance")
            else {
                problems.append("\(place) lacks a figure")
                continue
            }
            if variance != budget - actual { problems.append("\(place).variance is not budget − actual") }
            if let full = int(row, "fullYearBudget"), int(row, "remaining") != full - actual {
                problems.append("\(place).remaining is not fullYearBudget − actual")
            }
        }
        func sums(_ rows: [JSONValue]) -> [String: Int64] {
            var sums: [String: Int64] = [:]
            for key in ["budget", "actual", "variance", "fullYearBudget"] {
                sums[key] = rows.reduce(0) { $0 &+ (int($1, key) ?? 0) }
            }
            return sums
        }
        func check(_ total: JSONValue?, against rows: [JSONValue], _ place: String) {
            let expected = sums(rows)
            for key in ["budget", "actual", "variance"] where int(total, key) != expected[key] {
                problems.append("\(place).\(key) is not the sum of its rows")
            }
            if let full = int(total, "fullYearBudget"), full != expected["fullYearBudget"] {
                problems.append("\(place).fullYearBudget is not the sum of its rows")
            }
        }
        check(section["total"], against: rows, "\(name).total")
        for (group, field) in [("byPartner", "partner"), ("byLine", "budgetLine")] {
            for (index, total) in (section[group]?.arrayValue ?? []).enumerated() {
                let key = total["key"]?.stringValue
                check(
                    total, against: rows.filter { $0[field]?.stringValue == key },
                    "\(name).\(group)[\(index)]")
            }
        }
        return problems
    }

    private static func spend(_ section: JSONValue?) -> [String] {
        guard let section else { return ["spend is missing"] }
        var problems: [String] = []
        let rows = section["rows"]?.arrayValue ?? []
        for (index, row) in rows.enumerated()
        where int(row, "net") != (int(row, "entriesTotal") ?? 0) + (int(row, "reversalsTotal") ?? 0) {
            problems.append("spend.rows[\(index)].net is not entries plus reversals")
        }
        let total = section["total"]
        for key in ["entries", "entriesTotal", "reversals", "reversalsTotal", "net"]
        where int(total, key) != rows.reduce(0, { $0 &+ (int($1, key) ?? 0) }) {
            problems.append("spend.total.\(key) is not the sum of its rows")
        }
        return problems
    }

    private static func outcomes(_ section: JSONValue?) -> [String] {
        var problems: [String] = []
        for (index, period) in (section?["periods"]?.arrayValue ?? []).enumerated() {
            let place = "outcomes.periods[\(index)]"
            let measures = period["measures"]?.arrayValue ?? []
            for (m, measure) in measures.enumerated()
            where int(measure, "unearned") != (int(measure, "available") ?? 0) - (int(measure, "earned") ?? 0)
            {
                problems.append("\(place).measures[\(m)].unearned is not available − earned")
            }
            if int(period, "earned") != measures.reduce(0, { $0 &+ (int($1, "earned") ?? 0) }) {
                problems.append("\(place).earned is not the sum of its measures")
            }
            if int(period, "unearned") != (int(period, "pool") ?? 0) - (int(period, "earned") ?? 0) {
                problems.append("\(place).unearned is not pool − earned")
            }
            let allocations = period["allocations"]?.arrayValue ?? []
            if !allocations.isEmpty,
                allocations.reduce(0, { $0 &+ (int($1, "amount") ?? 0) }) != int(period, "earned")
            {
                problems.append("\(place).allocations do not add up to what was earned")
            }
        }
        return problems
    }

    private static func riskShare(_ section: JSONValue?) -> [String] {
        guard let section, !section.isNull else { return [] }
        var problems: [String] = []
        let target = int(section, "target") ?? 0
        let actual = int(section, "actual") ?? 0
        let difference = int(section, "difference")
        let partnerSide = int(section, "partnerSide") ?? 0
        if difference != target - actual { problems.append("riskShare.difference is not target − actual") }
        if int(section, "ownerSide") != (difference ?? 0) - partnerSide {
            problems.append("riskShare.ownerSide is not difference − partnerSide")
        }
        let allocated = (section["allocations"]?.arrayValue ?? []).reduce(0) {
            $0 &+ (int($1, "amount") ?? 0)
        }
        if allocated + (int(section, "unallocated") ?? 0) != partnerSide {
            problems.append("riskShare.allocations and unallocated do not add up to partnerSide")
        }
        return problems
    }
}
