-- The planner's statistics of the journal brought up to date as soon as an import has grown
-- it, rather than when autovacuum next looks (within a minute or so, and not at all while the
-- import's own session keeps it busy).
--
-- Measured with `flat-cost-benchmark --sizes 10000,100000 --log-slow-statements 500`: a month
-- published just after a 90,000-row import took 2.2 s, not 0.14 s, all of it in the open-data
-- files' query of the month's spend. Its statistics still described the journal of a few
-- entries it had been: the planner, expecting three entries in the alliance, walked every one
-- of them against the month's candidates (a nested loop, 100k × the month). Publishing the
-- year's statement right after importing the year's spend is the ordinary order of work, and
-- the loop grows with the journal.
--
-- The rule is autovacuum's own (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor
-- × the rows the statistics last counted), applied to the entries the import appended, which
-- the statistics system may not have counted yet. ANALYZE reads a fixed sample of each table
-- (300 × default_statistics_target rows), so it costs the same at any size. The service role
-- owns no table and so cannot ANALYZE one; this function, which only its owner can change,
-- does it for it and takes no names.
--
-- Nothing is stored differently: no data moves.

CREATE FUNCTION ledger_refresh_statistics(p_appended bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    counted real;
BEGIN
    -- reltuples is -1 for a table never analyzed: then any import beyond the threshold counts.
    SELECT greatest(reltuples, 0) INTO counted FROM pg_class WHERE oid = 'journal_entries'::regclass;
    IF p_appended < current_setting('autovacuum_analyze_threshold')::bigint
        + current_setting('autovacuum_analyze_scale_factor')::real * counted THEN
        RETURN false;
    END IF;
    ANALYZE journal_entries, postings, journal_tree_nodes;
    RETURN true;
END $$;

REVOKE ALL ON FUNCTION ledger_refresh_statistics(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_refresh_statistics(bigint) TO alliance_ledger_service;
