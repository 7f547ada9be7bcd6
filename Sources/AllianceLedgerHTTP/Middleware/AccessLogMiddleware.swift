import Foundation
import Hummingbird
import Logging

/// One log line per request once it is answered: method, route template (never the raw path,
/// whose ids would make every line unique), status, duration and who asked (never a token);
/// and the same request counted and timed in the metrics.
struct AccessLogMiddleware<Context: LedgerContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "unmatched"
        metrics.record(
            method: request.method.rawValue, route: route, status: response.status.code, seconds: seconds)
        context.logger.info(
            "request",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.route": .string(route),
                "http.status": .stringConvertible(response.status.code),
                "http.duration_ms": .string(Self.milliseconds(seconds)),
                "caller": .string(context.record.caller ?? "anonymous"),
            ])
        return response
    }

    /// Seconds as milliseconds with one decimal place ("0.4"), without `String(format:)`, whose
    /// formatting machinery showed in a profile of the public JSON under load.
    static func milliseconds(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
