import AllianceLedger
import ArgumentParser
import Foundation
import Synchronization

/// `--all-or-nothing` or `--skip-invalid`: the library's modes as flags. (The library's enum
/// cannot conform itself, as ArgumentParser is this target's own, internal import.)
enum ImportModeFlag: EnumerableFlag {
    case allOrNothing
    case skipInvalid

    var mode: SpendImportMode {
        switch self {
        case .allOrNothing: .allOrNothing
        case .skipInvalid: .skipInvalid
        }
    }

    static func help(for value: ImportModeFlag) -> ArgumentHelp? {
        switch value {
        case .allOrNothing: "Record nothing if any line is invalid (the default)."
        case .skipInvalid: "Record the valid lines and report the invalid ones."
        }
    }
}

struct SpendImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import spend from a CSV file.",
        discussion: """
            A finance person imports their own partner's spend with their --token; the operator \
            imports only while the alliance is being set up. The file is UTF-8 CSV with the header \
            date,partner,budget_line,amount,description,supplier,reference and one spend per \
            line: date YYYY-MM-DD, amount a decimal such as 1234.56, and a reference (e.g. an \
            invoice number) for every line. A line whose partner already recorded its reference \
            is skipped as a duplicate, so importing a file again records nothing twice. Every \
            invalid line is reported with its number and reasons; with invalid lines and without \
            --skip-invalid nothing is recorded and the exit code is 5.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: ArgumentHelp("The CSV file, or - for standard input.", valueName: "file"))
    var file: String
    @Flag var mode: ImportModeFlag = .allOrNothing

    func run() async throws {
        let chunks = file == "-" ? FileByteChunks.standardInput() : FileByteChunks(path: file)
        // A pipe has no size to show progress against; a file named `-` is read as `./-`.
        let size =
            chunks.readsStandardInput
            ? nil : (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? nil
        let progress = ImportProgressPrinter(
            fileSize: size, style: isatty(STDERR_FILENO) == 1 ? .bar : .lines)
        let report = try await global.withLedger(alliance) { context in
            defer { progress.finish() }
            return try await SpendImporter(ledger: context.ledger).importSpend(
                from: chunks, into: context.alliance, by: context.caller, mode: mode.mode,
                progress: progress.show)
        }
        try output.emit(table: report.table, json: report)
        if output.format != .json {
            if let line = report.resumedAfterLine, let id = report.importID {
                printError("import \(id) finished: lines up to \(line) were appended before it stopped")
            }
            for error in report.errors { printError(error.description) }
            if report.invalid > report.errors.count {
                printError("… and \(report.invalid - report.errors.count) more invalid lines")
            }
        }
        guard report.committed else {
            throw CommandFailure(
                .invalidInput,
                "\(counted(report.invalid, "invalid line")): nothing was recorded (correct them, or import with --skip-invalid)"
            )
        }
        if report.invalid > 0 { printError("\(counted(report.invalid, "invalid line")) not recorded") }
    }
}

extension SpendImportReport {
    var table: TextTable {
        TextTable(
            columns: [
                .number("import"), .number("rows"), .number("recorded"), .number("duplicates"),
                .number("invalid"),
                "committed", "entries",
            ],
            rows: [
                [
                    importID.map(String.init) ?? "", String(rows), String(recorded), String(duplicates),
                    String(invalid),
                    committed ? "yes" : "no",
                    firstSequence.map { first in
                        first == lastSequence ? "\(first)" : "\(first)–\(lastSequence ?? first)"
                    } ?? "",
                ]
            ])
    }
}

private func counted(_ count: Int, _ noun: String) -> String {
    count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
}

/// Shows an import's progress on standard error: a bar redrawn in place on a terminal, and
/// otherwise a plain line at most every few seconds and at the end of each phase, which a log
/// or CI output keeps readable.
final class ImportProgressPrinter: Sendable {
    enum Style {
        case bar
        case lines
    }

    private struct State {
        var lastShown: ContinuousClock.Instant?
        var latest: SpendImportProgress?
        /// What the last line or bar showed.
        var shown: SpendImportProgress?
    }

    private let fileSize: Int64?
    private let style: Style
    private let interval: Duration
    private let state = Mutex(State())

    init(fileSize: Int64?, style: Style) {
        self.fileSize = fileSize
        self.style = style
        interval = style == .bar ? .milliseconds(100) : .seconds(2)
    }

    @Sendable func show(_ progress: SpendImportProgress) {
        let text = state.withLock { state -> String in
            var text = ""
            let now = ContinuousClock.now
            // A plain line ends each phase with its final count.
            if style == .lines, let latest = state.latest, latest.phase != progress.phase,
                state.shown != latest
            {
                text += line(latest) + "\n"
            }
            state.latest = progress
            if state.lastShown.map({ now - $0 >= interval }) ?? true {
                state.lastShown = now
                state.shown = progress
                text += style == .bar ? "\r\u{1B}[2K" + bar(progress) : line(progress) + "\n"
            }
            return text
        }
        if !text.isEmpty { write(text) }
    }

    /// Shows the final count, and ends the bar's line.
    func finish() {
        let text = state.withLock { state -> String in
            guard let latest = state.latest else { return "" }
            switch style {
            case .bar: return "\r\u{1B}[2K" + bar(latest) + "\n"
            case .lines: return state.shown == latest ? "" : line(latest) + "\n"
            }
        }
        if !text.isEmpty { write(text) }
    }

    private func line(_ progress: SpendImportProgress) -> String {
        switch progress.phase {
        case .reading:
            "reading: \(progress.rowsRead) rows, \(megabytes(progress.bytesRead))"
                + (fileSize.map { " of \(megabytes($0))" } ?? "")
        case .posting: "checking and posting: \(progress.rowsChecked) of \(progress.rowsToCheck) rows"
        }
    }

    private func bar(_ progress: SpendImportProgress) -> String {
        let fraction: Double =
            switch progress.phase {
            case .reading: fileSize.map { $0 > 0 ? Double(progress.bytesRead) / Double($0) : 1 } ?? 0
            case .posting:
                progress.rowsToCheck > 0 ? Double(progress.rowsChecked) / Double(progress.rowsToCheck) : 1
            }
        let width = 30
        let filled = max(0, min(width, Int(fraction * Double(width))))
        let percent = Int((fraction * 100).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(percent)% " + line(progress)
    }

    private func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
