public import Testing

extension TimeLimitTrait.Duration {
    /// The time limit of every test, set on every suite as `.timeLimit(.perTest)`.
    ///
    /// A test that runs out of time is cancelled and reported by name, so a hang names its
    /// test rather than silently stopping the run. Every test starts with the run and shares
    /// two cores with all the others, so even a short test can take as long as the whole run:
    /// about a minute here, perhaps three on a slower CI machine. Ten minutes leaves room for
    /// that, and is well inside the 25 minutes after which CI's watchdog ends the run.
    public static let perTest: Self = .minutes(10)
}
