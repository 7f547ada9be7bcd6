-- The ledger's triggers at a cost per entry that does not grow with history.
--
-- Measured with `import-benchmark --profile` (pg_stat_user_functions and auto_explain) on a
-- 20,000-row import: PostgreSQL spent, per row, 640 µs folding month totals, 320–890 µs
-- (growing) checking postings, and 280–340 µs growing the journal's tree.
--
-- A static statement in PL/pgSQL is planned once per session and the plan kept. Planned while
-- the journal was small, the commit-time fold of month totals (SQL/0012) scanned every entry
-- and posting with hash joins, and the postings trigger (SQL/0002) found each new posting's
-- entry by journal_entries_reverses_key on alliance_id alone, reading every entry of the
-- alliance: every later append of that session then cost more as the journal grew. A pool's
-- connections live for days while an alliance's journal grows from nothing.
--
-- So the statements of these triggers that read the journal for many entries at once run by
-- EXECUTE, planned for the statement at hand with the transition table's real size, and find
-- entries and postings by correlated subqueries, each a primary-key lookup whatever the
-- estimates:
--
-- - the fold takes each alliance's noted entries as one range (a transaction that noted ranges
--   holds that alliance's chain head until it commits, so its ranges are consecutive and
--   nobody else's entries lie between them): an index range scan, each cell still updated once
--   per transaction;
-- - a statement's new leaves join a Merkle tree together, level by level (SQL/0010 added them
--   one at a time, two or three dynamic statements each): about log2(n) statements for n
--   leaves;
-- - the entry and postings checks of a statement of 32 entries or more read their transition
--   tables in one statement each; the checks, their order, the constraint names and the
--   messages are SQL/0002's. Smaller statements, the journal writer's usual batches, keep
--   SQL/0002's lookups, one entry at a time with kept plans (see below).

-- Nothing is stored differently: no data moves.

CREATE OR REPLACE FUNCTION ledger_fold_month_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    noted record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM month_totals_pending WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    FOR noted IN
        SELECT alliance_id, min(first_sequence) AS first_sequence, max(last_sequence) AS last_sequence
        FROM month_totals_pending GROUP BY alliance_id ORDER BY alliance_id
    LOOP
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

-- Adds `p_leaves` to a tree as the leaves at 0-based indexes p_first_index, p_first_index + 1,
-- …, and every subtree they complete. The node of level k + 1 at index j covers the nodes of
-- level k at 2j and 2j + 1, and is complete when its right child is; so the new nodes of each
-- level are one run of indexes [low, high], and their new parents the run
-- [low / 2, (high + 1) / 2 - 1]. Each level is one statement, planned afresh (EXECUTE) for its
-- run. A child older than this call must already be in the tree; if one is not, the tree is
-- not whole and the append is refused.
CREATE FUNCTION ledger_tree_append_leaves(
    p_table regclass, p_alliance_id bigint, p_first_index bigint, p_leaves bytea[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_level integer := 0;
    v_low bigint := p_first_index;
    v_high bigint := p_first_index + coalesce(cardinality(p_leaves), 0) - 1;
    v_parents_low bigint;
    v_parents_high bigint;
    v_made bigint;
BEGIN
    IF v_high < v_low THEN
        RETURN;
    END IF;
    EXECUTE format(
        'INSERT INTO %s (alliance_id, level, index, hash)
         SELECT $1, 0, $2 + l.ordinality - 1, l.leaf FROM unnest($3) WITH ORDINALITY AS l (leaf, ordinality)',
        p_table)
        USING p_alliance_id, p_first_index, p_leaves;
    LOOP
        v_parents_low := v_low / 2;
        v_parents_high := (v_high + 1) / 2 - 1;
        EXIT WHEN v_parents_low > v_parents_high;
        -- The left child by a correlated subquery: a lookup by the whole primary key for each
        -- right child, whatever the planner estimates (as a join, an estimate of one right
        -- child made it scan the whole level for each). A missing left child makes the hash
        -- NULL, which the table refuses.
        EXECUTE format(
            'INSERT INTO %1$s (alliance_id, level, index, hash)
             SELECT $1, $2 + 1, r.index / 2,
                    sha256(''\x01''::bytea
                           || (SELECT l.hash FROM %1$s AS l
                               WHERE l.alliance_id = $1 AND l.level = $2 AND l.index = r.index - 1)
                           || r.hash)
             FROM %1$s AS r
             WHERE r.alliance_id = $1 AND r.level = $2 AND r.index BETWEEN $3 AND $4 AND r.index %% 2 = 1',
            p_table)
            USING p_alliance_id, v_level, 2 * v_parents_low + 1, 2 * v_parents_high + 1;
        GET DIAGNOSTICS v_made = ROW_COUNT;
        IF v_made <> v_parents_high - v_parents_low + 1 THEN
            PERFORM ledger_refuse(p_table::text || '_whole',
                format('the tree %s of alliance %s lacks nodes below level %s, indexes %s to %s',
                       p_table, p_alliance_id, v_level + 1, v_parents_low, v_parents_high));
        END IF;
        v_level := v_level + 1;
        v_low := v_parents_low;
        v_high := v_parents_high;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION ledger_tree_append_leaves(regclass, bigint, bigint, bytea[]) FROM PUBLIC;

-- Entries join the journal's tree in sequence order, in the statement that appends them: each
-- alliance's new entries, one run of sequences (journal_entries_check, which fires first, has
-- made sure they follow its head without a gap), together.
CREATE OR REPLACE FUNCTION ledger_grow_tree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT alliance_id, min(sequence) AS first_sequence, max(sequence) AS last_sequence,
               count(*) AS entries, array_agg(sha256('\x00'::bytea || hash) ORDER BY sequence) AS leaves
        FROM inserted GROUP BY alliance_id ORDER BY alliance_id
    LOOP
        IF item.last_sequence - item.first_sequence + 1 <> item.entries THEN
            PERFORM ledger_refuse('journal_entries_gap_free',
                format('the entries appended to alliance %s are not one run of sequences', item.alliance_id));
        END IF;
        PERFORM ledger_tree_append_leaves('journal_tree_nodes', item.alliance_id,
                                          item.first_sequence - 1, item.leaves);
    END LOOP;
    RETURN NULL;
END
$$;

-- A governance record's hash is its leaf hash already. Its records are gap-free too (SQL/0009);
-- a statement that logged a broken run would have put leaves in the wrong places, so it is
-- refused here as well.
CREATE OR REPLACE FUNCTION governance_grow_tree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT alliance_id, min(sequence) AS first_sequence, max(sequence) AS last_sequence,
               count(*) AS records, array_agg(hash ORDER BY sequence) AS leaves
        FROM inserted GROUP BY alliance_id ORDER BY alliance_id
    LOOP
        IF item.last_sequence - item.first_sequence + 1 <> item.records THEN
            PERFORM ledger_refuse('governance_log_gap_free',
                format('the records logged for alliance %s are not one run of sequences', item.alliance_id));
        END IF;
        PERFORM ledger_tree_append_leaves('governance_tree_nodes', item.alliance_id,
                                          item.first_sequence - 1, item.leaves);
    END LOOP;
    RETURN NULL;
END
$$;

DROP FUNCTION ledger_tree_append(regclass, bigint, bigint, bytea);

-- The statement triggers of every append. A statement of 32 entries or more (64 postings) is
-- checked in one statement over the transition table, by EXECUTE; a smaller one by SQL/0002's
-- lookups one entry at a time, whose plans are kept: planning the set-based statement for
-- every append cost the journal writer's small batches more than it saved them
-- (`ledger-benchmark`, 16 writers in 8 alliances: 31–38% of pgbench against 35–75% before).
CREATE OR REPLACE FUNCTION ledger_check_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    entries refcursor;
    one_by_one boolean;
    entry record;
    head journal_heads%ROWTYPE;
    current_alliance bigint;
    posting_count bigint;
    posting_total numeric;
    reversed_kind text;
    mismatched boolean;
BEGIN
    one_by_one := (SELECT count(*) FROM inserted) < 32;
    IF one_by_one THEN
        OPEN entries FOR
            SELECT alliance_id, sequence, previous_hash, hash, recorded_at, reverses
            FROM inserted ORDER BY alliance_id, sequence;
    ELSE
        OPEN entries FOR EXECUTE $entries$
            SELECT i.alliance_id, i.sequence, i.previous_hash, i.hash, i.recorded_at, i.reverses,
                   s.posting_count, s.posting_total,
                   CASE WHEN i.reverses IS NOT NULL THEN (
                       SELECT r.kind FROM journal_entries AS r
                       WHERE r.alliance_id = i.alliance_id AND r.sequence = i.reverses)
                   END AS reversed_kind,
                   CASE WHEN i.reverses IS NOT NULL THEN EXISTS (
                       (SELECT p.account_id, p.amount FROM postings AS p
                            WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.sequence
                        EXCEPT ALL
                        SELECT p.account_id, -p.amount FROM postings AS p
                            WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.reverses)
                       UNION ALL
                       (SELECT p.account_id, -p.amount FROM postings AS p
                            WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.reverses
                        EXCEPT ALL
                        SELECT p.account_id, p.amount FROM postings AS p
                            WHERE p.alliance_id = i.alliance_id AND p.entry_sequence = i.sequence))
                   ELSE false END AS mismatched
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
        IF one_by_one THEN
            SELECT count(*), coalesce(sum(amount), 0) INTO posting_count, posting_total
                FROM postings WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.sequence;
            reversed_kind := NULL;
            mismatched := false;
            IF entry.reverses IS NOT NULL THEN
                SELECT kind INTO reversed_kind FROM journal_entries
                    WHERE alliance_id = entry.alliance_id AND sequence = entry.reverses;
                mismatched := EXISTS (
                    (SELECT account_id, amount FROM postings
                        WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.sequence
                     EXCEPT ALL
                     SELECT account_id, -amount FROM postings
                        WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.reverses)
                    UNION ALL
                    (SELECT account_id, -amount FROM postings
                        WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.reverses
                     EXCEPT ALL
                     SELECT account_id, amount FROM postings
                        WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.sequence));
            END IF;
        ELSE
            posting_count := entry.posting_count;
            posting_total := entry.posting_total;
            reversed_kind := entry.reversed_kind;
            mismatched := entry.mismatched;
        END IF;
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
        IF posting_count < 2 THEN
            PERFORM ledger_refuse('journal_entries_two_postings',
                format('entry %s has %s posting(s); an entry needs at least two, inserted with it',
                       entry.sequence, posting_count));
        END IF;
        IF posting_total <> 0 THEN
            PERFORM ledger_refuse('journal_entries_balanced',
                format('entry %s is unbalanced: its postings sum to %s', entry.sequence, posting_total));
        END IF;
        IF entry.reverses IS NOT NULL THEN
            IF reversed_kind = 'reversal' THEN
                PERFORM ledger_refuse('journal_entries_no_reversal_of_reversal',
                    format('entry %s reverses entry %s, itself a reversal', entry.sequence, entry.reverses));
            END IF;
            IF mismatched THEN
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
            OR NOT EXISTS (
                SELECT 1 FROM journal_entries AS e
                WHERE e.alliance_id = i.alliance_id AND e.sequence = i.entry_sequence)
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
