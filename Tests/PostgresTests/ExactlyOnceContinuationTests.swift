import Postgres
import TestSupport
import Testing

/// Every path must resume a waiting task exactly once: a second resume stops the program in
/// every build, and a continuation dropped unresumed stops a debug build, rather than leaving
/// its task waiting for ever.
@Suite(.timeLimit(.perTest)) struct ExactlyOnceContinuationTests {
    @Test func theValueAndTheErrorReachTheWaitingTask() async throws {
        let value: Int = try await withExactlyOnceThrowingContinuation("a test's continuation") {
            continuation in
            continuation.resume(returning: 42)
        }
        #expect(value == 42)
        await #expect(throws: CancellationError.self) {
            let _: Int = try await withExactlyOnceThrowingContinuation("a test's continuation") {
                continuation in
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    @Test func aSecondResumeStopsTheProgram() async {
        await #expect(processExitsWith: .failure) {
            await withExactlyOnceContinuation("a test's continuation") { continuation in
                continuation.resume()
                continuation.resume()
            }
        }
    }

    #if DEBUG
        @Test func aContinuationDroppedWithoutAResumeStopsADebugBuild() async {
            await #expect(processExitsWith: .failure) {
                await withExactlyOnceContinuation("a test's continuation") {
                    (_: ExactlyOnceContinuation<Void, Never>) in
                }
            }
        }
    #endif
}
