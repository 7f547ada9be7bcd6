-- Less for PostgreSQL to prepare again for every statement that appends.
--
-- The journal writer appends about 8 entries a statement, and most of a statement's cost does not
-- depend on how many: a procedure calling ledger_append with batches of 4 and 8 entries (over 4 of
-- 8 alliances, committing each, on a quiet PostgreSQL 15) took about 1,100 and 1,340 µs. `perf` of
-- its backend found 16% of the time under ExecConstraints, half of that reading CHECK expressions
-- back from the catalogue: PostgreSQL reads and prepares a table's checks again for every
-- statement that writes it. For journal_entries that was fourteen expressions (24 kB of stored
-- expression text) and the inlining of ledger_is_flat_text_object's SQL; for the tree's tiles, a
-- list of sixteen constants, once per alliance in the statement. And the check trigger's query,
-- begun for every statement, carried a reversal's two subqueries (seven scans) for the rare
-- statement that has one. Three changes:
--
-- 1. The eleven checks of an entry's own values move into ledger_check_entries, the trigger that
--    already checks each statement's entries once they are in: one query over the statement's
--    entries alone, planned once per session for statements of every size (it reads no table,
--    so no plan of it goes stale as the journal grows). The conditions are the constraints' own,
--    and a row that breaks one is refused under the same name and SQLSTATE (23514,
--    check_violation), before the chain's checks as before. Two differences: a row that also
--    breaks a unique key or foreign key is refused by that first; and an UPDATE is not checked by
--    them, which the append-only trigger refuses anyway. The three on an entry's place in the
--    journal (sequence_positive, reverses_earlier, reversal_link) are small and stay on the table.
-- 2. The tiles' size check names its sixteen sizes as one constant array: the same rule, a third
--    of the text.
-- 3. A reversal's checks (the entry it reverses is not a reversal; it mirrors it) run as their own
--    query for the entries that are reversals, not as subqueries of every statement's query.
--
-- Measured with that procedure, the four states on one cluster in turn, 15 rounds of 500 batches
-- each: batches of 8 entries over 4 alliances, median 1,394 µs before, 1,294 after (1), 1,242
-- after (2), 1,202 after (3), 14% less; 8 entries for one alliance 1,109 → 918 µs; 250 entries
-- (an import's statement) 9,147 → 8,975 µs.
--
-- Nothing stored changes: every entry and tile was checked by the same conditions when written.

ALTER TABLE journal_entries
    DROP CONSTRAINT journal_entries_description_length,
    DROP CONSTRAINT journal_entries_effective_years,
    DROP CONSTRAINT journal_entries_hash_sizes,
    DROP CONSTRAINT journal_entries_idempotency_key_length,
    DROP CONSTRAINT journal_entries_kind,
    DROP CONSTRAINT journal_entries_metadata_flat,
    DROP CONSTRAINT journal_entries_recorded_by_length,
    DROP CONSTRAINT journal_entries_spend_expense_type,
    DROP CONSTRAINT journal_entries_spend_irrecoverable_vat,
    DROP CONSTRAINT journal_entries_spend_supplier_id,
    DROP CONSTRAINT journal_entries_spend_supplier_type;

CREATE OR REPLACE FUNCTION ledger_check_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    entries refcursor;
    entry record;
    -- The entry before the one being checked: the head, or the statement's entry before it.
    head journal_heads%ROWTYPE;
    current_alliance bigint;
    malformed record;
BEGIN
    -- The first entry, in order, that breaks a check of its own values, and which: a query of the
    -- statement's entries alone, so one plan suits every size.
    SELECT i.alliance_id, i.sequence, f.violated
        FROM inserted AS i
        CROSS JOIN LATERAL (SELECT CASE
                   WHEN (length(i.description) >= 1 AND length(i.description) <= 1000) IS FALSE
                       THEN 'journal_entries_description_length'
                   WHEN (i.effective_on >= '0001-01-01'::date AND i.effective_on <= '9999-12-31'::date) IS FALSE
                       THEN 'journal_entries_effective_years'
                   WHEN (octet_length(i.hash) = 32 AND octet_length(i.previous_hash) = 32
                         AND octet_length(i.request_hash) = 32) IS FALSE
                       THEN 'journal_entries_hash_sizes'
                   WHEN (length(i.idempotency_key) >= 1 AND length(i.idempotency_key) <= 200) IS FALSE
                       THEN 'journal_entries_idempotency_key_length'
                   WHEN (i.kind = ANY (ARRAY['opening', 'spend', 'reversal', 'contract-payment', 'outcome-payment',
                                             'risk-share', 'adjustment'])) IS FALSE
                       THEN 'journal_entries_kind'
                   WHEN ledger_is_flat_text_object(i.metadata) IS FALSE
                       THEN 'journal_entries_metadata_flat'
                   WHEN (length(i.recorded_by) >= 1 AND length(i.recorded_by) <= 254) IS FALSE
                       THEN 'journal_entries_recorded_by_length'
                   WHEN ((i.metadata ->> 'expenseType' IS NULL AND i.metadata ->> 'expenseTypeLabel' IS NULL)
                         OR (i.metadata ->> 'expenseType' IS NOT NULL
                             AND length(btrim(i.metadata ->> 'expenseType')) > 0
                             AND length(i.metadata ->> 'expenseType') <= 50
                             AND coalesce(length(i.metadata ->> 'expenseTypeLabel'), 0) <= 200)) IS FALSE
                       THEN 'journal_entries_spend_expense_type'
                   WHEN (i.metadata ->> 'irrecoverableVat' IS NULL
                         OR (i.metadata ->> 'irrecoverableVat' ~ '^(0|[1-9][0-9]{0,12})$'
                             AND (i.metadata ->> 'irrecoverableVat')::bigint <= 1000000000000)) IS FALSE
                       THEN 'journal_entries_spend_irrecoverable_vat'
                   WHEN (i.metadata ->> 'supplierId' IS NULL
                         OR (i.metadata ->> 'supplierId' ~ '^[A-Za-z0-9]([A-Za-z0-9-]{0,48}[A-Za-z0-9])?$'
                             AND coalesce(i.metadata ->> 'supplierType', '')
                                 = ANY (ARRAY['company', 'charity', 'public-body']))) IS FALSE
                       THEN 'journal_entries_spend_supplier_id'
                   WHEN (i.metadata ->> 'supplierType' IS NULL
                         OR i.metadata ->> 'supplierType' = ANY (ARRAY['company', 'charity', 'public-body', 'individual']))
                         IS FALSE
                       THEN 'journal_entries_spend_supplier_type'
               END AS violated) AS f
        WHERE f.violated IS NOT NULL
        ORDER BY i.alliance_id, i.sequence
        LIMIT 1
    INTO malformed;
    IF (SELECT count(*) FROM inserted) < 32 THEN
        OPEN entries FOR
            SELECT i.alliance_id, i.sequence, i.previous_hash, i.hash, i.recorded_at, i.reverses,
                   s.posting_count, s.posting_total
            FROM inserted AS i
            CROSS JOIN LATERAL (
                SELECT count(*) AS posting_count, coalesce(sum(p.amount), 0) AS posting_total
                FROM postings AS p WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.sequence
            ) AS s
            ORDER BY i.alliance_id, i.sequence;
    ELSE
        OPEN entries FOR EXECUTE $entries$
            SELECT i.alliance_id, i.sequence, i.previous_hash, i.hash, i.recorded_at, i.reverses,
                   s.posting_count, s.posting_total
            FROM inserted AS i
            CROSS JOIN LATERAL (
                SELECT count(*) AS posting_count, coalesce(sum(p.amount), 0) AS posting_total
                FROM postings AS p WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.sequence
            ) AS s
            ORDER BY i.alliance_id, i.sequence
        $entries$;
    END IF;
    -- An entry's own values first, as when they were the table's constraints (before SQL/0027).
    IF malformed.violated IS NOT NULL THEN
        PERFORM ledger_refuse(malformed.violated,
            format('entry %s of alliance %s violates check constraint "%s"',
                   malformed.sequence, malformed.alliance_id, malformed.violated));
    END IF;
    LOOP
        FETCH entries INTO entry;
        EXIT WHEN NOT FOUND;
        IF current_alliance IS DISTINCT FROM entry.alliance_id THEN
            IF current_alliance IS NOT NULL THEN
                UPDATE journal_heads SET sequence = head.sequence, hash = head.hash, recorded_at = head.recorded_at
                    WHERE alliance_id = current_alliance;
            END IF;
            current_alliance := entry.alliance_id;
            SELECT * INTO head FROM journal_heads WHERE alliance_id = current_alliance FOR UPDATE;
            IF NOT FOUND THEN
                PERFORM ledger_refuse('journal_entries_alliance', format('alliance %s has no journal', current_alliance));
            END IF;
        END IF;
        IF entry.sequence <> head.sequence + 1 THEN
            PERFORM ledger_refuse('journal_entries_gap_free',
                format('entry %s does not follow entry %s', entry.sequence, head.sequence));
        END IF;
        IF entry.previous_hash <> head.hash THEN
            PERFORM ledger_refuse('journal_entries_chain_link',
                format('entry %s does not link to the hash of entry %s', entry.sequence, head.sequence));
        END IF;
        IF entry.recorded_at < head.recorded_at THEN
            PERFORM ledger_refuse('journal_entries_recorded_in_order',
                format('entry %s is recorded earlier than entry %s', entry.sequence, head.sequence));
        END IF;
        IF entry.recorded_at > now() + interval '1 minute' THEN
            PERFORM ledger_refuse('journal_entries_recorded_not_ahead',
                format('entry %s is recorded more than a minute ahead of the database''s clock', entry.sequence));
        END IF;
        IF entry.posting_count < 2 THEN
            PERFORM ledger_refuse('journal_entries_two_postings',
                format('entry %s has %s posting(s); an entry needs at least two, inserted with it',
                       entry.sequence, entry.posting_count));
        END IF;
        IF entry.posting_total <> 0 THEN
            PERFORM ledger_refuse('journal_entries_balanced',
                format('entry %s is unbalanced: its postings sum to %s', entry.sequence, entry.posting_total));
        END IF;
        -- A reversal's checks, by a query of their own: rare, and the cursor's plan, begun for
        -- every statement, need not hold them.
        IF entry.reverses IS NOT NULL THEN
            IF (SELECT r.kind FROM journal_entries AS r
                WHERE r.alliance_id = entry.alliance_id AND r.sequence = entry.reverses) = 'reversal' THEN
                PERFORM ledger_refuse('journal_entries_no_reversal_of_reversal',
                    format('entry %s reverses entry %s, itself a reversal', entry.sequence, entry.reverses));
            END IF;
            IF EXISTS (
                (SELECT p.account_id, p.amount FROM postings AS p
                     WHERE p.alliance_id = entry.alliance_id AND p.entry_sequence = entry.sequence
                 EXCEPT ALL
                 SELECT p.account_id, -p.amount FROM postings AS p
                     WHERE p.alliance_id = entry.alliance_id AND p.entry_sequence = entry.reverses)
                UNION ALL
                (SELECT p.account_id, -p.amount FROM postings AS p
                     WHERE p.alliance_id = entry.alliance_id AND p.entry_sequence = entry.reverses
                 EXCEPT ALL
                 SELECT p.account_id, p.amount FROM postings AS p
                     WHERE p.alliance_id = entry.alliance_id AND p.entry_sequence = entry.sequence)) THEN
                PERFORM ledger_refuse('journal_entries_reversal_mirrors',
                    format('entry %s does not exactly negate entry %s', entry.sequence, entry.reverses));
            END IF;
        END IF;
        head.sequence := entry.sequence;
        head.hash := entry.hash;
        head.recorded_at := entry.recorded_at;
    END LOOP;
    CLOSE entries;
    IF current_alliance IS NOT NULL THEN
        UPDATE journal_heads SET sequence = head.sequence, hash = head.hash, recorded_at = head.recorded_at
            WHERE alliance_id = current_alliance;
    END IF;
    RETURN NULL;
END
$$;

-- The tiles' size check as one constant array rather than sixteen constants: the same rule.
ALTER TABLE journal_tree_tiles
    DROP CONSTRAINT journal_tree_tiles_hashes,
    ADD CONSTRAINT journal_tree_tiles_hashes CHECK (
        octet_length(hashes) % 32 = 0
        AND octet_length(hashes) / 32 = ANY ('{1, 3, 4, 7, 8, 10, 11, 15, 16, 18, 19, 22, 23, 25, 26, 30}'::integer[]));
ALTER TABLE governance_tree_tiles
    DROP CONSTRAINT journal_tree_tiles_hashes,
    ADD CONSTRAINT journal_tree_tiles_hashes CHECK (
        octet_length(hashes) % 32 = 0
        AND octet_length(hashes) / 32 = ANY ('{1, 3, 4, 7, 8, 10, 11, 15, 16, 18, 19, 22, 23, 25, 26, 30}'::integer[]));
