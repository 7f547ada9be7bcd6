import ArgumentParser

/// The help of an option or argument that several commands take under the same name, written
/// once so that it reads the same wherever it appears.
extension ArgumentHelp {
    static let partnerSlug = ArgumentHelp("The partner's slug.")
    static let budgetLineCode = ArgumentHelp("The budget line's code.")
    /// For an option named by ``NameSpecification/budgetLineOrFormerLine``.
    static let budgetLineCodeOrFormerLine = ArgumentHelp(
        "The budget line's code (--line is its former name).")
    static let spendID = ArgumentHelp("The spend's id (its journal sequence).")
    static let statementNumber = ArgumentHelp("The statement's number.", valueName: "S-0001")
    /// A person's id, as an argument (`<person-id>`) or an option's value (`--person <id>`).
    static func personID(valueName: String) -> ArgumentHelp {
        ArgumentHelp("The person's id (see `person list`).", valueName: valueName)
    }
}

extension NameSpecification {
    /// `--budget-line`, as the JSON says `budgetLine`, and `--line`, its name before issue 17, so
    /// that scripts written for it keep working. argument-parser cannot leave one name of an
    /// option out of help, and a second, private option would show `--budget-line` as optional
    /// in the usage line of a command that requires it: so help lists both, the first as the name.
    static let budgetLineOrFormerLine: NameSpecification = [.customLong("budget-line"), .customLong("line")]
}
