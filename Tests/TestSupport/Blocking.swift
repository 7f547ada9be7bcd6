import Foundation
import Postgres

/// Runs blocking work (waiting for a process, a socket read) on a thread of its own.
///
/// The cooperative pool has one thread per core, two here; a test that blocked one while
/// another test's in-process server needed it to answer would deadlock the whole run.
public func runBlocking<Value: Sendable>(
    _ work: @escaping @Sendable () throws -> Value
) async throws -> Value {
    try await withExactlyOnceThrowingContinuation("a test waiting for blocking work") { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
