-- Balances moved once per transaction in bulk, as the month totals are (SQL/0012), and kept
-- compact.
--
-- An import's chunk appends a batch at a time, each batch one statement, and each statement
-- moved every balance it touched (ledger_apply_postings): a chunk of forty batches wrote forty
-- versions of each of its balances, which nobody can prune before the chunk commits, so they
-- spilled onto new pages, and after vacuum the live rows were left scattered. Measured with
-- `flat-cost-benchmark` (one alliance, 105 accounts): reading the alliance's balances touched
-- 10 pages (heap and index) at 10,000 entries, 42 at 100,000 and 1,000,000, 104 at 3,000,000;
-- the table held its 105 rows in 9, 24 and 24 pages at the first three sizes, where 2 would do.
--
-- A transaction that sets `alliance_ledger.totals` to `at-commit` (SET LOCAL; the importer
-- does) now has its balances moved, like its month totals counted, at commit: the ranges of
-- entries its statements noted (month_totals_pending) are folded into both at once, each
-- balance updated once per transaction. The setting, formerly `alliance_ledger.month_totals`
-- and read under its new name only, changes when, never whether: the fold is a deferred
-- constraint trigger on the noted ranges, so nothing commits unmoved.
--
-- What the deferral changes: within such a transaction, account_balances shows the balances as
-- they were when it began, and the floor CHECK of account_balances judges the transaction's net
-- movement at commit, not each statement's. Between statements of one transaction nobody else
-- sees a balance, so a committed balance still never crosses its floor. The importer checks
-- every entry against the floors in Swift as it plans (BatchPlanner), from balances read with
-- the chain head held. A transaction that does not set it moves balances statement by statement
-- as before.
--
-- A noted range now moves money as well as counts: only the ledger's own triggers may note one
-- (the service role never could; now the owner cannot either).
--
-- account_balances is left half free per page, as account_month_totals is (SQL/0021), so that
-- a balance's new version stays on its page (heap-only, no index change) and the old one is
-- pruned the next time the page is read; the table is rewritten once, here.
--
-- No balance changes: the rows are the same; only their pages are.

CREATE TRIGGER month_totals_pending_guard BEFORE INSERT ON month_totals_pending
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();

CREATE OR REPLACE FUNCTION ledger_count_month_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF current_setting('alliance_ledger.totals', true) = 'at-commit' THEN
        -- One statement appends each alliance's entries as one run of sequence numbers, every
        -- posting with its entry (SQL/0002), so the run names exactly its postings.
        INSERT INTO month_totals_pending (alliance_id, first_sequence, last_sequence)
        SELECT alliance_id, min(entry_sequence), max(entry_sequence) FROM inserted GROUP BY alliance_id;
        RETURN NULL;
    END IF;
    INSERT INTO account_month_totals AS t (alliance_id, account_id, month, kind, net, postings)
    SELECT p.alliance_id, p.account_id,
           date_trunc('month', coalesce(r.effective_on, e.effective_on))::date, e.kind,
           sum(p.amount)::bigint, count(*)::integer
    FROM inserted AS p
    JOIN journal_entries AS e ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
    LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.sequence = e.reverses
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (alliance_id, account_id, month, kind) DO UPDATE
        SET net = t.net + excluded.net, postings = t.postings + excluded.postings;
    RETURN NULL;
END
$$;

-- SQL/0018's fold, which now moves the balances of each noted range too: one UPDATE per
-- alliance, each balance once. The transaction holds the alliance's chain head (its entries'
-- check took it, SQL/0002), and every statement that moves a balance of the alliance holds it
-- too, so no other transaction waits on these rows while holding one this one wants.
CREATE OR REPLACE FUNCTION ledger_fold_month_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    noted record;
    missing bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM month_totals_pending WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    FOR noted IN
        SELECT alliance_id, min(first_sequence) AS first_sequence, max(last_sequence) AS last_sequence
        FROM month_totals_pending GROUP BY alliance_id ORDER BY alliance_id
    LOOP
        -- The balances first, and the first account of the range that has no balance, if any:
        -- the account of a posting that names none of the alliance's, refused as
        -- ledger_apply_postings refuses it outside this mode (before the month totals' foreign
        -- key would, with a less telling name).
        EXECUTE $balances$
            WITH moved AS (
                SELECT p.account_id, sum(p.amount)::bigint AS delta, max(p.entry_sequence) AS last_sequence
                FROM postings AS p
                WHERE p.alliance_id = $1 AND p.entry_sequence BETWEEN $2 AND $3
                GROUP BY p.account_id
            ), updated AS (
                UPDATE account_balances AS b
                SET balance = b.balance + m.delta, last_sequence = greatest(b.last_sequence, m.last_sequence)
                FROM moved AS m
                WHERE b.alliance_id = $1 AND b.account_id = m.account_id
                RETURNING b.account_id
            )
            SELECT min(m.account_id) FROM moved AS m
            WHERE NOT EXISTS (SELECT 1 FROM updated AS u WHERE u.account_id = m.account_id)
        $balances$ INTO missing USING noted.alliance_id, noted.first_sequence, noted.last_sequence;
        IF missing IS NOT NULL THEN
            PERFORM ledger_refuse('postings_account_exists',
                format('a posting names account %s, which alliance %s does not have', missing, noted.alliance_id));
        END IF;
        EXECUTE $fold$
            INSERT INTO account_month_totals AS t (alliance_id, account_id, month, kind, net, postings)
            SELECT p.alliance_id, p.account_id,
                   date_trunc('month', coalesce(
                       (SELECT r.effective_on FROM journal_entries AS r
                        WHERE r.alliance_id = e.alliance_id AND r.sequence = e.reverses),
                       e.effective_on))::date,
                   e.kind, sum(p.amount)::bigint, count(*)::integer
            FROM journal_entries AS e
            JOIN postings AS p ON p.alliance_id = e.alliance_id AND p.entry_sequence = e.sequence
            WHERE e.alliance_id = $1 AND e.sequence BETWEEN $2 AND $3
            GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (alliance_id, account_id, month, kind) DO UPDATE
                SET net = t.net + excluded.net, postings = t.postings + excluded.postings
        $fold$ USING noted.alliance_id, noted.first_sequence, noted.last_sequence;
    END LOOP;
    DELETE FROM month_totals_pending;
    RETURN NULL;
END
$$;

-- SQL/0019's, with the balances left to the fold in a transaction that moves them at commit.
CREATE OR REPLACE FUNCTION ledger_apply_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
    refused bigint;
BEGIN
    IF (SELECT count(*) FROM inserted) < 64 THEN
        -- SQL/0002's lookups, one entry at a time.
        FOR item IN
            SELECT alliance_id, entry_sequence, count(*) AS postings FROM inserted
            GROUP BY alliance_id, entry_sequence
        LOOP
            SELECT count(*) INTO refused FROM postings
                WHERE alliance_id = item.alliance_id AND entry_sequence = item.entry_sequence;
            IF refused <> item.postings OR NOT EXISTS (
                SELECT 1 FROM journal_entries WHERE alliance_id = item.alliance_id AND sequence = item.entry_sequence)
            THEN
                PERFORM ledger_refuse('postings_with_their_entry',
                    format('postings for entry %s of alliance %s must be inserted with the entry',
                           item.entry_sequence, item.alliance_id));
            END IF;
        END LOOP;
        refused := 0;
    ELSE
        EXECUTE $orphans$
            SELECT i.alliance_id, i.entry_sequence
            FROM (SELECT alliance_id, entry_sequence, count(*) AS postings FROM inserted
                  GROUP BY alliance_id, entry_sequence) AS i
            WHERE i.postings <> (
                    SELECT count(*) FROM postings AS p
                    WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.entry_sequence)
                -- A scalar subquery, not NOT EXISTS: the planner may turn an EXISTS into a hash
                -- of the whole journal, built for every statement.
                OR (SELECT e.sequence FROM journal_entries AS e
                    WHERE e.alliance_id = i.alliance_id AND e.sequence = i.entry_sequence) IS NULL
            ORDER BY i.alliance_id, i.entry_sequence
            LIMIT 1
        $orphans$ INTO item;
        GET DIAGNOSTICS refused = ROW_COUNT;
        IF refused > 0 THEN
            PERFORM ledger_refuse('postings_with_their_entry',
                format('postings for entry %s of alliance %s must be inserted with the entry',
                       item.entry_sequence, item.alliance_id));
        END IF;
    END IF;
    IF current_setting('alliance_ledger.totals', true) = 'at-commit' THEN
        -- postings_month_totals, which fires next, notes this statement's range; the fold moves
        -- its balances at commit.
        RETURN NULL;
    END IF;
    FOR item IN
        SELECT alliance_id, account_id, sum(amount)::bigint AS delta, max(entry_sequence) AS last_sequence
        FROM inserted GROUP BY alliance_id, account_id ORDER BY alliance_id, account_id
    LOOP
        UPDATE account_balances
            SET balance = balance + item.delta, last_sequence = greatest(last_sequence, item.last_sequence)
            WHERE alliance_id = item.alliance_id AND account_id = item.account_id;
        IF NOT FOUND THEN
            PERFORM ledger_refuse('postings_account_exists',
                format('a posting names account %s, which alliance %s does not have', item.account_id, item.alliance_id));
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

ALTER TABLE account_balances SET (fillfactor = 50);

-- As SQL/0021 did for the month totals: CLUSTER with a table name may run inside the migrator's
-- transaction; it rewrites the table at the new fill, and the table is not left marked.
CLUSTER account_balances USING account_balances_pkey;
ALTER TABLE account_balances SET WITHOUT CLUSTER;
