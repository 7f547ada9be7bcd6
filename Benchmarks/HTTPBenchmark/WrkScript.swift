/// The Lua script wrk runs: every request a POST of a spend with a reference no other request
/// uses, taking the five finance leads' tokens in turn; every answer's status counted, so
/// that a single non-2xx is seen (wrk's own summary counts only 4xx and 5xx, as "status"
/// errors) and the first one's body is kept to say why.
///
/// Arguments after `--`: a reference prefix, then `partner=token` pairs.
enum WrkScript {
    static let text = #"""
        local threads = {}

        -- Runs in wrk's main Lua state once per thread, before any request: numbers the
        -- threads, whose own states cannot see each other, so their references stay apart.
        function setup(thread)
            table.insert(threads, thread)
            thread:set("thread_number", #threads)
        end

        function init(args)
            prefix = args[1]
            leads = {}
            for index = 2, #args do
                local partner, token = args[index]:match("^([^=]+)=(.+)$")
                table.insert(leads, { partner = partner, token = token })
            end
            lines = { "STAFF", "PREMISES" }
            path = wrk.path
            sent = 0
            succeeded = 0
            failed = 0
            first_failure = ""
        end

        function request()
            sent = sent + 1
            local lead = leads[(sent % #leads) + 1]
            local body = string.format(
                '{"partner":"%s","budgetLine":"%s","amount":%d,"incurredOn":"2025-05-14",'
                    .. '"description":"Agency staff, May","supplier":"Acme Staffing","reference":"%s-%d-%d"}',
                lead.partner, lines[math.random(#lines)], math.random(1, 50000), prefix, thread_number, sent)
            return wrk.format("POST", path, {
                ["Authorization"] = "Bearer " .. lead.token,
                ["Content-Type"] = "application/json",
            }, body)
        end

        function response(status, headers, body)
            if status >= 200 and status < 300 then
                succeeded = succeeded + 1
            else
                failed = failed + 1
                if first_failure == "" then
                    first_failure = status .. " " .. body
                end
            end
        end

        -- One line the benchmark parses; latencies in microseconds.
        function done(summary, latency, requests)
            local succeeded_all, failed_all, sample = 0, 0, ""
            for _, thread in ipairs(threads) do
                succeeded_all = succeeded_all + thread:get("succeeded")
                failed_all = failed_all + thread:get("failed")
                local failure = thread:get("first_failure")
                if sample == "" and failure ~= nil then
                    sample = failure
                end
            end
            local errors = summary.errors
            io.write(string.format(
                "RESULT requests=%d duration_us=%d succeeded=%d failed=%d socket_errors=%d timeouts=%d p50_us=%.0f p99_us=%.0f\n",
                summary.requests, summary.duration, succeeded_all, failed_all,
                errors.connect + errors.read + errors.write, errors.timeout,
                latency:percentile(50), latency:percentile(99)))
            if sample ~= "" then
                io.write("FIRST_FAILURE " .. sample:gsub("\n", " ") .. "\n")
            end
        end
        """#
}
