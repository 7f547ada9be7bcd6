import Dispatch

/// Runs one connection's jobs, one at a time, on a private dispatch queue.
///
/// libpq's calls block the calling thread until the server answers. Swift's cooperative pool
/// has one thread per core (two on our machines), so a blocking call there would stall every
/// other task in the process. A serial queue gives each connection its own thread while it
/// works and the actor's one-job-at-a-time rule, which is exactly libpq's threading rule.
final class BlockingSerialExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async {
            job.runSynchronously(on: executor)
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
