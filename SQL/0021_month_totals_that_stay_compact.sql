-- The month totals kept compact, and read by month.
--
-- account_month_totals holds one row per account, month and kind, and every commit that posts
-- updates its rows in place: an import of a year's spend rewrites the year's rows once per
-- chunk. With pages filled to the brim, each new version of a row lands on another page, and
-- the table swells with dead versions faster than autovacuum clears them; vacuum then frees
-- the space but keeps the pages. Measured with `flat-cost-benchmark` (one alliance, five
-- partners, twenty lines): 1,260 rows in 47 pages after a 10,000-row import, 1,365 rows in 306
-- pages after 100,000, 1,470 in 350 after a million, where they fit in 15. A statement's read of
-- its year's totals scanned all of them: 0.44 ms at 10,000 entries, 0.63 ms at a million.
--
-- Half of each page is left free, so that a row's new version fits on its own page: the update
-- is then heap-only (no index changes, since no indexed column changes), and the dead version
-- is pruned the next time the page is read, without waiting for vacuum. The table is rewritten
-- once, here, at that fill. And a statement reads one alliance's year by an index on the month,
-- so that the read does not grow with other alliances' totals or other years'.
--
-- No total changes: the rows are the same; only their pages are.

ALTER TABLE account_month_totals SET (fillfactor = 50);

CREATE INDEX account_month_totals_months ON account_month_totals (alliance_id, month);

-- CLUSTER with a table name may run inside the migrator's transaction (VACUUM FULL may not);
-- it rewrites the table at the new fill. The table is not left marked for later CLUSTERs.
CLUSTER account_month_totals USING account_month_totals_pkey;
ALTER TABLE account_month_totals SET WITHOUT CLUSTER;

-- An import adds the months it covers to the totals as well as entries to the journal: the
-- statistics refreshed after it (SQL/0020) take them in too. The same rule, the same function.
CREATE OR REPLACE FUNCTION ledger_refresh_statistics(p_appended bigint) RETURNS boolean
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
    ANALYZE journal_entries, postings, journal_tree_nodes, account_month_totals;
    RETURN true;
END $$;
