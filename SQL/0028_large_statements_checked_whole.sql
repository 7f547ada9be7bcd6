-- An import's statements checked as a whole, not entry by entry.
--
-- An import appends 250 entries of one alliance per statement, and two of the triggers still
-- treated such a statement entry by entry: ledger_check_entries fetched each entry from a cursor
-- with its postings' count and sum (an index lookup each) and ran a dozen PL/pgSQL comparisons
-- on it; ledger_apply_postings looked up each entry's postings and the entry itself again.
-- `import-benchmark --rows 100000 --no-writers --profile` measured them at 5.2 and 4.0 µs of
-- server time per imported row, of about 29 µs in ledger_append as a whole.
--
-- A large statement's entries are one run of sequences per alliance, following its head. The
-- triggers now check that as a whole first: for each alliance, its entries' links, order and
-- clock by window functions over the statement's entries; its postings by one range of the
-- postings' key (every entry of the run has a group of two or more postings summing to zero,
-- and the range holds the statement's postings and no others); its entries by one range of the
-- journal's key. When all of that holds, the entries are what the entry-by-entry checks would
-- have let through, and the head moves to each run's last entry. When anything does not, the
-- entry-by-entry checks run as before and refuse the first entry in order with the same
-- constraint and message: a refusal is never decided by the new query, only its absence.
--
-- Statements under 32 entries (64 postings), the journal writer's, are checked as before.
--
-- And the fold of an import's chunk into the month totals at commit (SQL/0023) looked up, for
-- every posting, the entry its entry reverses, to count a reversal in its original's month:
-- a subquery run for every posting though only a reversal has one. It now runs for reversals
-- alone (the fold's server time per imported row 3.8-4.2 -> 3.2-3.9 µs, two runs each).
--
-- Nothing stored changes.

CREATE OR REPLACE FUNCTION ledger_check_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    entries refcursor;
    entry record;
    -- The entry before the one being checked: the head, or the statement's entry before it.
    head journal_heads%ROWTYPE;
    current_alliance bigint;
    malformed record;
    statement_entries bigint;
    runs_in_order boolean;
    run_alliances bigint[];
    run_sequences bigint[];
    run_hashes bytea[];
    run_recorded_at timestamptz[];
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
    -- An entry's own values first, as when they were the table's constraints (before SQL/0027).
    IF malformed.violated IS NOT NULL THEN
        PERFORM ledger_refuse(malformed.violated,
            format('entry %s of alliance %s violates check constraint "%s"',
                   malformed.sequence, malformed.alliance_id, malformed.violated));
    END IF;
    statement_entries := (SELECT count(*) FROM inserted);
    IF statement_entries >= 32 THEN
        -- A large statement (an import's chunk appends 250 entries at a time) checked as a whole:
        -- each alliance's entries follow its head and each other, link, keep their order, are
        -- not ahead of the clock and reverse nothing; and the postings of the run's range make
        -- one group of two or more, summing to zero, per entry. One query, with a range of the
        -- postings per alliance, where the loop below fetches entry after entry and looks each
        -- one's postings up. Anything it does not find in order, the loop checks again entry by
        -- entry and names the first entry and rule broken, as before.
        --
        -- The heads first, locked in the order the loop takes them.
        PERFORM 1 FROM journal_heads AS h
        WHERE h.alliance_id = ANY (ARRAY(SELECT DISTINCT i.alliance_id FROM inserted AS i))
        ORDER BY h.alliance_id
        FOR UPDATE;
        SELECT bool_and(r.in_order), array_agg(r.alliance_id), array_agg(r.last_sequence),
               array_agg(r.last_hash), array_agg(r.last_recorded_at)
        INTO runs_in_order, run_alliances, run_sequences, run_hashes, run_recorded_at
        FROM (
            SELECT c.alliance_id,
                   (h.alliance_id IS NOT NULL
                    AND c.first_sequence = h.sequence + 1 AND c.first_previous_hash = h.hash
                    AND c.first_recorded_at >= h.recorded_at
                    AND c.linked AND c.reverses_none AND c.latest_recorded_at <= now() + interval '1 minute'
                    AND posted.whole) IS TRUE AS in_order,
                   c.last_sequence, c.last_hash, c.last_recorded_at
            FROM (
                SELECT w.alliance_id, count(*) AS entries,
                       min(w.sequence) AS first_sequence, max(w.sequence) AS last_sequence,
                       (array_agg(w.previous_hash) FILTER (WHERE w.before_sequence IS NULL))[1] AS first_previous_hash,
                       min(w.recorded_at) FILTER (WHERE w.before_sequence IS NULL) AS first_recorded_at,
                       (array_agg(w.hash) FILTER (WHERE w.after_sequence IS NULL))[1] AS last_hash,
                       min(w.recorded_at) FILTER (WHERE w.after_sequence IS NULL) AS last_recorded_at,
                       max(w.recorded_at) AS latest_recorded_at,
                       bool_and(w.before_sequence IS NULL
                                OR (w.sequence = w.before_sequence + 1 AND w.previous_hash = w.before_hash
                                    AND w.recorded_at >= w.before_recorded_at)) AS linked,
                       bool_and(w.reverses IS NULL) AS reverses_none
                FROM (
                    SELECT i.alliance_id, i.sequence, i.previous_hash, i.hash, i.recorded_at, i.reverses,
                           lag(i.sequence) OVER ordered AS before_sequence,
                           lag(i.hash) OVER ordered AS before_hash,
                           lag(i.recorded_at) OVER ordered AS before_recorded_at,
                           lead(i.sequence) OVER ordered AS after_sequence
                    FROM inserted AS i
                    WINDOW ordered AS (PARTITION BY i.alliance_id ORDER BY i.sequence)
                ) AS w
                GROUP BY w.alliance_id
            ) AS c
            LEFT JOIN journal_heads AS h ON h.alliance_id = c.alliance_id
            -- With the run gap-free (linked), its range holds the statement's entries alone.
            CROSS JOIN LATERAL (
                SELECT count(*) = c.entries AND coalesce(bool_and(g.postings >= 2 AND g.total = 0), false) AS whole
                FROM (SELECT count(*) AS postings, sum(p.amount) AS total
                      FROM postings AS p
                      WHERE p.alliance_id = c.alliance_id
                        AND p.entry_sequence BETWEEN c.first_sequence AND c.last_sequence
                      GROUP BY p.entry_sequence) AS g
            ) AS posted
        ) AS r;
        IF runs_in_order THEN
            UPDATE journal_heads AS h
            SET sequence = r.sequence, hash = r.hash, recorded_at = r.recorded_at
            FROM unnest(run_alliances, run_sequences, run_hashes, run_recorded_at)
                AS r (alliance_id, sequence, hash, recorded_at)
            WHERE h.alliance_id = r.alliance_id;
            RETURN NULL;
        END IF;
    END IF;
    IF statement_entries < 32 THEN
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

CREATE OR REPLACE FUNCTION ledger_apply_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
    accounts bigint;
    locked bigint;
    whole boolean;
    statement_postings bigint;
BEGIN
    statement_postings := (SELECT count(*) FROM inserted);
    IF statement_postings >= 64 THEN
        -- A large statement's entries are one run of sequences per alliance (an import's chunk
        -- always is). Then its postings are whole, and their entries there, exactly when the
        -- postings of the run's range number the statement's and its entries the run's: three
        -- counts per alliance over two index ranges, where the exact query below looks each
        -- entry up twice. Anything else, and the exact query finds the entry to name.
        SELECT bool_and(
                   m.sequences = m.last_sequence - m.first_sequence + 1
                   AND (SELECT count(*) FROM postings AS p
                        WHERE p.alliance_id = m.alliance_id
                          AND p.entry_sequence BETWEEN m.first_sequence AND m.last_sequence) = m.postings
                   AND (SELECT count(*) FROM journal_entries AS e
                        WHERE e.alliance_id = m.alliance_id
                          AND e.sequence BETWEEN m.first_sequence AND m.last_sequence) = m.sequences)
        INTO whole
        FROM (SELECT alliance_id, min(entry_sequence) AS first_sequence, max(entry_sequence) AS last_sequence,
                     count(DISTINCT entry_sequence) AS sequences, count(*) AS postings
              FROM inserted GROUP BY alliance_id) AS m;
    END IF;
    IF whole IS NOT TRUE THEN
        IF statement_postings < 64 THEN
            SELECT i.alliance_id, i.entry_sequence INTO item
            FROM (SELECT alliance_id, entry_sequence, count(*) AS postings FROM inserted
                  GROUP BY alliance_id, entry_sequence) AS i
            WHERE i.postings <> (
                    SELECT count(*) FROM postings AS p
                    WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.entry_sequence)
                -- A scalar subquery, not NOT EXISTS, for the reason SQL/0019 gives.
                OR (SELECT e.sequence FROM journal_entries AS e
                    WHERE e.alliance_id = i.alliance_id AND e.sequence = i.entry_sequence) IS NULL
            ORDER BY i.alliance_id, i.entry_sequence
            LIMIT 1;
        ELSE
            EXECUTE $orphans$
                SELECT i.alliance_id, i.entry_sequence
                FROM (SELECT alliance_id, entry_sequence, count(*) AS postings FROM inserted
                      GROUP BY alliance_id, entry_sequence) AS i
                WHERE i.postings <> (
                        SELECT count(*) FROM postings AS p
                        WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.entry_sequence)
                    -- A scalar subquery, not NOT EXISTS, for the reason SQL/0019 gives.
                    OR (SELECT e.sequence FROM journal_entries AS e
                        WHERE e.alliance_id = i.alliance_id AND e.sequence = i.entry_sequence) IS NULL
                ORDER BY i.alliance_id, i.entry_sequence
                LIMIT 1
            $orphans$ INTO item;
        END IF;
        IF item.alliance_id IS NOT NULL THEN
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
    -- The rows are locked in the order of the sort below them.
    PERFORM 1
    FROM account_balances AS b
    JOIN (SELECT DISTINCT alliance_id, account_id FROM inserted) AS m
        ON b.alliance_id = m.alliance_id AND b.account_id = m.account_id
    ORDER BY b.alliance_id, b.account_id
    FOR UPDATE OF b;
    GET DIAGNOSTICS locked = ROW_COUNT;
    SELECT count(*) INTO accounts FROM (SELECT DISTINCT alliance_id, account_id FROM inserted) AS m;
    IF locked <> accounts THEN
        SELECT m.alliance_id, m.account_id INTO item
        FROM (SELECT DISTINCT alliance_id, account_id FROM inserted) AS m
        WHERE NOT EXISTS (SELECT 1 FROM account_balances AS b
                          WHERE b.alliance_id = m.alliance_id AND b.account_id = m.account_id)
        ORDER BY m.alliance_id, m.account_id
        LIMIT 1;
        PERFORM ledger_refuse('postings_account_exists',
            format('a posting names account %s, which alliance %s does not have', item.account_id, item.alliance_id));
    END IF;
    UPDATE account_balances AS b
    SET balance = b.balance + m.delta, last_sequence = greatest(b.last_sequence, m.last_sequence)
    FROM (SELECT alliance_id, account_id, sum(amount)::bigint AS delta, max(entry_sequence) AS last_sequence
          FROM inserted GROUP BY alliance_id, account_id) AS m
    WHERE b.alliance_id = m.alliance_id AND b.account_id = m.account_id;
    RETURN NULL;
END
$$;

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
                   -- A reversal counts in its original's month; the lookup only for reversals.
                   date_trunc('month', CASE WHEN e.reverses IS NULL THEN e.effective_on ELSE coalesce(
                       (SELECT r.effective_on FROM journal_entries AS r
                        WHERE r.alliance_id = e.alliance_id AND r.sequence = e.reverses),
                       e.effective_on) END)::date,
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
