import Dates

/// A decision's state machine: where each event takes a decision, judged from its state, its
/// closing time and its rule alone, so that ``Decisions`` only reads, locks and writes, and
/// every path can be tested without a database.
///
/// Only an open decision moves, and only once: to carried, rejected, lapsed or withdrawn. A
/// carried decision whose action no longer fits the books is marked failed instead, in the
/// transaction that carried it; that is the books' answer to carrying, not an event here.
struct DecisionLifecycle: Hashable, Sendable {
    enum Event: Hashable, Sendable {
        /// A partner voted; the tally counts the current votes as the vote leaves them.
        case vote(DecisionTally)
        /// The proposer took it back.
        case withdrawal
        /// The closing time came; the tally counts the current votes then.
        case closingTime(DecisionTally)
    }

    let state: DecisionState
    let closesAt: Timestamp
    /// The rule it is decided by, fixed when it opened.
    let abstention: Abstention

    /// Why the decision takes no vote and no withdrawal at `now`: its state once it is closed,
    /// or that its closing time has passed; nil while it is open.
    func closedReason(at now: Timestamp) -> String? {
        guard state == .open else { return state.rawValue }
        return now < closesAt ? nil : "past its closing time"
    }

    /// The state `event` at `now` leaves the decision in; nil when the event cannot happen to
    /// it: anything once it is closed, a vote or a withdrawal from its closing time on, its
    /// closing time before it comes.
    func state(after event: Event, at now: Timestamp) -> DecisionState? {
        guard state == .open else { return nil }
        switch event {
        case .vote(let tally):
            guard closedReason(at: now) == nil else { return nil }
            // Carried the moment the rule is met: the vote that meets it applies the action.
            return tally.carries(under: abstention) ? .carried : .open
        case .withdrawal:
            return closedReason(at: now) == nil ? .withdrawn : nil
        case .closingTime(let tally):
            guard closesAt <= now else { return nil }
            // A tally that met the rule carried the decision with the vote that met it, so
            // only rejection or lapse remain; the database checks which.
            return tally.outcomeAtClose(under: abstention) == .rejected ? .rejected : .lapsed
        }
    }
}
