import AllianceLedger
import ArgumentParser
import Foundation

// Who a command acts as. The command line on the server is the operator, whom the library
// limits once an alliance is set up; it acts as a person only with that person's own API token,
// checked exactly as the HTTP service checks it. `--as` is the operator acting for someone
// before anyone has a token: only while the alliance is being set up.

/// A token as given, with where it came from, so that a message can name the source without
/// ever printing the token.
struct Credential {
    let token: String
    /// `--token` or `ALLIANCE_LEDGER_TOKEN`.
    let source: String
}

/// `--token`, or `ALLIANCE_LEDGER_TOKEN`: the API token of whoever the command acts as. Never a
/// setting of the configuration file, which is shared; never printed or logged.
struct TokenOption: ParsableArguments {
    static let environmentVariable = "ALLIANCE_LEDGER_TOKEN"

    @Option(
        name: .customLong("token"),
        help: ArgumentHelp(
            "Act as the holder of this API token, as the HTTP service would (env \(TokenOption.environmentVariable), which keeps it out of the process list and shell history). Without one, the command acts as the operator.",
            valueName: "token"))
    var flag: String?

    /// The flag's token, else the environment's; nil when neither gives one (an empty variable
    /// counts as unset, as for every setting).
    var credential: Credential? {
        if let flag { return Credential(token: flag, source: "--token") }
        return ProcessInfo.processInfo.environment[TokenOption.environmentVariable].nonEmpty.map {
            Credential(token: $0, source: TokenOption.environmentVariable)
        }
    }
}

extension DatabaseSession {
    /// The alliance named `slug` and who acts in it: the holder of the token, through the library
    /// call the HTTP service uses and with its rule that a person's token works in its own
    /// alliance only; without a token, the operator.
    func authenticate(_ credential: Credential?, in slug: String) async throws -> (Alliance, Caller) {
        guard let credential else { return (try await alliance(slug), .commandLine) }
        let found = try await authenticating(credential) { tokens in
            do {
                return try await tokens.authenticate(credential.token, in: slug)
            } catch LedgerError.forbidden {
                throw CommandFailure(
                    .failure, "\(credential.source): this token belongs to another alliance, not \(slug)")
            }
        }
        return (found.alliance, found.caller)
    }

    /// Who holds the token, for a command outside any alliance; the operator without one.
    func authenticate(_ credential: Credential?) async throws -> Caller {
        guard let credential else { return .commandLine }
        return try await authenticating(credential) { tokens in
            try await tokens.authenticate(credential.token)
        }
    }

    /// An unknown, revoked or expired token is refused with a message that names where it came
    /// from. A command is one use of its token, noted at once: the process ends soon after.
    private func authenticating<Value>(
        _ credential: Credential, _ body: (TokenStore) async throws -> Value
    ) async throws -> Value {
        let tokens = TokenStore(pool: pool)
        do {
            let value = try await body(tokens)
            try await tokens.flushUsage()
            return value
        } catch LedgerError.unauthenticated(let reason) {
            throw CommandFailure(.failure, "\(credential.source): \(reason)")
        }
    }
}

/// `--as <email>`: the person the operator acts for while the alliance is being set up, before
/// its people have tokens of their own.
struct ActAsOption: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "While the alliance is being set up (until its first decision is carried), act for this person of the alliance, by e-mail. Afterwards give the person's own --token.",
            valueName: "email"))
    var email: String?

    /// Who acts: the person `--as` names, while the alliance is set up; otherwise the token's
    /// holder. `who` names the person the command needs, e.g. "a board member", for the message
    /// when neither is given. Whether the caller may act is the library's to say.
    func caller(in context: LedgerContext, who: String) async throws -> Caller {
        let slug = context.alliance.slug
        guard let email else {
            guard context.tokenSource != nil else {
                throw CommandFailure(
                    .usage,
                    "this acts as \(who): give their token with --token (or \(TokenOption.environmentVariable)), or, while \(slug) is being set up, --as <email>"
                )
            }
            return context.caller
        }
        if let source = context.tokenSource {
            throw CommandFailure(.usage, "--as and \(source) exclude each other: the token says who acts")
        }
        guard try await AllianceSetup.isOpen(context.alliance.id, pool: context.ledger.pool) else {
            throw CommandFailure(
                .failure,
                "--as \(email): \(slug) is no longer being set up (its first decision has carried), so the command line acts for no one; act with your own token: --token <token> or \(TokenOption.environmentVariable)"
            )
        }
        return try await personCaller(email, in: context)
    }

    /// Runs `body` as `caller`; a refusal of the library's names who was refused, `--as <email>`
    /// or the token's holder, and exits 1.
    func acting<Value>(as caller: Caller, _ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch LedgerError.forbidden(let reason) {
            throw CommandFailure(.failure, "\(email.map { "--as \($0)" } ?? caller.name): \(reason)")
        }
    }
}

/// The person of the alliance with this e-mail, whatever its case, as a caller; exit code 3 when
/// there is none. For `--as`, whose roles the library checks.
func personCaller(_ email: String, in context: LedgerContext) async throws -> Caller {
    let people = try await AllianceDirectory(pool: context.ledger.pool).people(in: context.alliance.id)
    guard let person = people.first(where: { $0.email.lowercased() == email.lowercased() }) else {
        throw LedgerError.personNotFound(email)
    }
    return Caller(identity: .person(person), tokenID: nil)
}
