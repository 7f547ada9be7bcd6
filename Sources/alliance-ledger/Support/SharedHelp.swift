import ArgumentParser

/// The help of an option or argument that several commands take under the same name, written
/// once so that it reads the same wherever it appears.
extension ArgumentHelp {
    static let partnerSlug = ArgumentHelp("The partner's slug.")
    static let budgetLineCode = ArgumentHelp("The budget line's code.")
    static let spendID = ArgumentHelp("The spend's id (its journal sequence).")
    static let statementNumber = ArgumentHelp("The statement's number.", valueName: "S-0001")
}
