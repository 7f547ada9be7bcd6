#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A serial executor with a thread of its own: one connection's jobs run on it, one at a time.
///
/// libpq's calls block the calling thread until the server answers. They must not run on
/// Swift's cooperative pool (one thread per core, two on our machines), and a dispatch queue
/// is no better: libdispatch may serve it from a pool just as narrow, and a few connections
/// waiting on the server then starve the one whose answer they wait for. A thread per
/// connection cannot be starved; the pool's fixed maximum bounds the number of threads.
final class ThreadExecutor: SerialExecutor {
    private let queue = JobQueue()

    init() {
        let queue = self.queue
        let executor = UnownedSerialExecutor(ordinary: self)
        startDetachedThread {
            queue.markCurrentThread()
            while let job = queue.next() {
                job.runSynchronously(on: executor)
            }
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets `preconditionIsolated()` confirm that a job runs on this executor's thread.
    func checkIsolated() {
        precondition(queue.isCurrentThread, "a connection's job ran off its own thread")
    }

    /// The owning actor is gone, so no job can arrive any more: let the thread end.
    deinit {
        queue.close()
    }
}

/// A FIFO of jobs that one thread consumes, blocking while it is empty.
///
/// `@unchecked Sendable`: every access to `jobs` and `closed` holds `mutex`.
private final class JobQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var closed = false
    private var thread: pthread_t?

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func markCurrentThread() {
        pthread_mutex_lock(mutex)
        thread = pthread_self()
        pthread_mutex_unlock(mutex)
    }

    var isCurrentThread: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    func push(_ job: UnownedJob) {
        pthread_mutex_lock(mutex)
        precondition(!closed, "a job arrived for an executor whose actor is gone")
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The next job, waiting for one; nil once the queue is closed and drained.
    func next() -> UnownedJob? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == jobs.count && !closed {
            pthread_cond_wait(condition, mutex)
        }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }

    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }
}

private final class ThreadBody {
    let run: () -> Void

    init(_ run: @escaping () -> Void) {
        self.run = run
    }
}

private func startDetachedThread(_ body: @escaping () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
        &thread, nil,
        { context in
            guard let context else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
    precondition(status == 0, "cannot start a thread for a database connection (error \(status))")
    pthread_detach(thread)
}
