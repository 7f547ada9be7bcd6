import AllianceLedger
import HTTPTypes
import TestSupport
import Testing

@testable import AllianceLedgerHTTP

/// The import limits as rules, without I/O: who is refused at once and who waits for a place.
@Suite(.timeLimit(.perTest)) struct ImportAdmissionTests {
    @Test func aCallerAndAnAllianceBeyondTheirLimitsAreRefusedAtOnceAndAdmittedOnceAPlaceIsFree() async throws
    {
        let admission = ImportAdmission(limits: .init(perCaller: 1, perAlliance: 2, holdingConnections: 1))
        let (alliance, other) = (AllianceID(1), AllianceID(2))
        try await admission.withUpload(by: "person:1", into: alliance) {
            let sameCaller = await Self.problem {
                try await admission.withUpload(by: "person:1", into: other) {}
            }
            #expect(sameCaller?.status == .tooManyRequests)
            #expect(sameCaller?.headers[.retryAfter] == "10")
            try await admission.withUpload(by: "person:2", into: alliance) {
                let third = await Self.problem {
                    try await admission.withUpload(by: "person:3", into: alliance) {}
                }
                #expect(third?.status == .tooManyRequests)
                try await admission.withUpload(by: "person:3", into: other) {}
            }
        }
        // Every place is given back.
        try await admission.withUpload(by: "person:1", into: alliance) {}
        try await admission.withUpload(by: "person:3", into: alliance) {}
    }

    /// A whole file waits for a place to hold a connection, and is refused 503 only when none
    /// comes free within the wait.
    @Test func anImportWaitsForAPlaceAndIsRefusedOnlyWhenNoneComesFree() async throws {
        // The wait is long for the part that must be admitted, short for the part that must be
        // refused: one 600 ms wait for both ran out behind a 300 ms hold under CI's load.
        let admission = ImportAdmission(
            limits: .init(perCaller: 5, perAlliance: 5, holdingConnections: 1, placeWait: .seconds(20)))
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        // Counted when the first gives its place back: the second, which starts while the first
        // holds it, must see that count. (A wall-clock bound raced the scheduler under load.)
        let firstFinished = Counter()
        async let first: Void = admission.withConnectionPlace {
            holding.yield()
            try await Task.sleep(for: .milliseconds(300))
            firstFinished.increment()
        }
        var signals = held.makeAsyncIterator()
        await signals.next()
        let finishedBeforeSecond = try await admission.withConnectionPlace { firstFinished.current }
        #expect(finishedBeforeSecond == 1, "the second did not wait for the first")
        try await first

        let impatient = ImportAdmission(
            limits: .init(perCaller: 5, perAlliance: 5, holdingConnections: 1, placeWait: .milliseconds(600)))
        async let long: Void = impatient.withConnectionPlace { try await Task.sleep(for: .seconds(2)) }
        try await Task.sleep(for: .milliseconds(100))
        let busy = await Self.problem { try await impatient.withConnectionPlace {} }
        #expect(busy?.status == .serviceUnavailable)
        #expect(busy?.type == "/problems/imports-busy")
        #expect(busy?.headers[.retryAfter] == "10")
        try await long
    }

    private static func problem(_ work: () async throws -> Void) async -> Problem? {
        do {
            try await work()
            return nil
        } catch {
            return error as? Problem
        }
    }
}
