-- Month totals counted once per transaction, not once per statement, for the bulk path.
--
-- SQL/0010 counts every INSERT INTO postings into account_month_totals at once, by
-- INSERT … ON CONFLICT DO UPDATE. A transaction that appends in many statements (the spend
-- import: one ledger_append per 1,000 entries, all in one transaction) updates the same cells
-- once per statement; every update leaves a version that nobody can prune until the
-- transaction ends, and every later update and read walks them. Measured: a 1,000,000-entry
-- import left a statement preview at 137 ms against 28 ms at 100,000 entries, and a cell read
-- after 500 updates costs 300,000 buffer visits instead of 700.
--
-- A transaction that sets `alliance_ledger.month_totals` to `at-commit` (SET LOCAL; the
-- importer does) has each statement note the range of entries it appended, one small row per
-- alliance, instead; at commit a deferred constraint trigger folds every range the transaction
-- noted in one set-based INSERT … ON CONFLICT: each cell is updated once. The setting only
-- changes when the totals are counted, never whether: the fold is a deferred constraint
-- trigger on the noted rows, so a transaction that notes a range cannot commit without
-- counting it (SET CONSTRAINTS … IMMEDIATE merely folds at once). Anyone who does not set it
-- counts as before.

-- Ranges of entries appended, not yet counted. Visible only to the transaction that noted
-- them: they are inserted and deleted by the same transaction, so outside a transaction the
-- table is always empty.
CREATE TABLE month_totals_pending (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alliance_id bigint NOT NULL,
    first_sequence bigint NOT NULL,
    last_sequence bigint NOT NULL,
    CONSTRAINT month_totals_pending_range CHECK (first_sequence BETWEEN 1 AND last_sequence)
);
REVOKE ALL ON month_totals_pending FROM PUBLIC;

CREATE OR REPLACE FUNCTION ledger_count_month_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF current_setting('alliance_ledger.month_totals', true) = 'at-commit' THEN
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

-- Fired at commit once per noted range; the first firing folds every range the transaction
-- noted (the only ones it can see) and deletes them, so the others find theirs gone.
CREATE FUNCTION ledger_fold_month_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM month_totals_pending WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    WITH ranges AS (
        DELETE FROM month_totals_pending RETURNING alliance_id, first_sequence, last_sequence
    )
    INSERT INTO account_month_totals AS t (alliance_id, account_id, month, kind, net, postings)
    SELECT p.alliance_id, p.account_id,
           date_trunc('month', coalesce(r.effective_on, e.effective_on))::date, e.kind,
           sum(p.amount)::bigint, count(*)::integer
    FROM ranges AS m
    JOIN journal_entries AS e ON e.alliance_id = m.alliance_id
        AND e.sequence BETWEEN m.first_sequence AND m.last_sequence
    JOIN postings AS p ON p.alliance_id = e.alliance_id AND p.entry_sequence = e.sequence
    LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.sequence = e.reverses
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (alliance_id, account_id, month, kind) DO UPDATE
        SET net = t.net + excluded.net, postings = t.postings + excluded.postings;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER month_totals_pending_fold AFTER INSERT ON month_totals_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_fold_month_totals();
