-- The checks and balances of the journal writer's appends as a few statements, not loops.
--
-- The journal writer appends a batch of a few entries per statement (about 8 for one busy
-- alliance; 3 or 4, from as many alliances, for eight), and for statements under 32 entries the
-- triggers kept SQL/0002's loops: for each entry, its postings' count and sum
-- (ledger_check_entries), its postings' count again and its entry's presence
-- (ledger_apply_postings); for each account posted to, an UPDATE of its balance with its
-- statement guard. A statement inside a PL/pgSQL function costs about 20 µs here whatever it
-- does, so a batch of eight entries paid for some 45 of them: `ledger-benchmark --profile`, 16
-- writers on one alliance, measured ledger_apply_postings at 59 µs and ledger_check_entries at
-- 24 µs of each entry's 213 µs in ledger_append.
--
-- Now the small statements run the queries that SQL/0018 and SQL/0019 run for large ones, but
-- static: planned once per session, as the loops' lookups were. Large statements (an import's)
-- keep running them by EXECUTE, planned for each statement on the journal as it then is:
-- tried static for every size, an import's session kept a plan made on a young journal (a
-- lookup of each posting's entry through journal_entries_reverses_key on the alliance alone,
-- reading its every entry) and a 100,000-row import took 86 s instead of 11. The two copies
-- of each query below are the same text. The balances are locked in (alliance, account) order,
-- as the loop took them, so that two appends never wait for each other's balances the wrong
-- way round, and moved by one UPDATE.
--
-- A plan kept for a session must also suit a journal that has grown since its statistics were
-- taken (autovacuum takes them again after a tenth's growth, and at most once a minute). With
-- statistics of 1,489 entries, the month totals' join (SQL/0010) was kept as a sequential scan
-- of the journal hashed against the statement's postings, and read all 10,416 entries a minute
-- later (2.2 ms a statement). Every statement an append runs finds rows by their keys, a few
-- per entry, for which neither a scan of a whole table nor a join by hashing or merging one is
-- ever the right plan: ledger_append, within which the triggers run and whose settings they
-- take, plans without them (SQL/0019 did the same for the tree's sequential scans). The fold at
-- commit (SQL/0023) runs after it and is planned as before.
--
-- Nothing is stored differently; every refusal names the same constraint as before.

ALTER FUNCTION ledger_append(
    bigint[], bigint[], text[], date[], timestamptz[], text[], text[], jsonb[], text[], bytea[],
    bigint[], bytea[], bytea[], bigint[], bigint[], smallint[], bigint[], bigint[])
    SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;

CREATE OR REPLACE FUNCTION ledger_check_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    entries refcursor;
    entry record;
    head journal_heads%ROWTYPE;
    current_alliance bigint;
BEGIN
    IF (SELECT count(*) FROM inserted) < 32 THEN
        OPEN entries FOR
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
            ORDER BY i.alliance_id, i.sequence;
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
        IF entry.reverses IS NOT NULL THEN
            IF entry.reversed_kind = 'reversal' THEN
                PERFORM ledger_refuse('journal_entries_no_reversal_of_reversal',
                    format('entry %s reverses entry %s, itself a reversal', entry.sequence, entry.reverses));
            END IF;
            IF entry.mismatched THEN
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
BEGIN
    IF (SELECT count(*) FROM inserted) < 64 THEN
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

-- SQL/0024's tree append, with fewer statements for the writer's appends of a leaf or two to
-- an alliance, which ran five queries a call (measured at 8 alliances: 0.9 calls and 105 µs
-- per entry): the leaves are checked and joined by a loop of expressions rather than two
-- queries over unnest, and the INSERT of new tiles (and its guard) runs only when there are
-- any, once every sixteen leaves. The same tiles, the same refusals.
CREATE OR REPLACE FUNCTION ledger_tree_append_leaves(
    p_tree text, p_alliance_id bigint, p_first_index bigint, p_leaves bytea[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_journal boolean := p_tree = 'journal';
    v_tier smallint := 0;
    -- The index, at the tier's level, of the first new hash, and the new hashes in order.
    v_first bigint := p_first_index;
    v_run bytea;
    -- The tier's next hashes: the roots of the tiles this append fills.
    v_roots bytea;
    -- The tile being filled, from its first hash; the tiles filled, and their indexes.
    v_tile bytea;
    v_tiles bytea[];
    v_indexes bigint[];
    v_count integer;
    v_local integer;
    v_left integer;
    v_hash bytea;
BEGIN
    IF NOT v_journal AND p_tree <> 'governance' THEN
        RAISE EXCEPTION '% is not a tree of the ledger', p_tree;
    END IF;
    IF coalesce(cardinality(p_leaves), 0) = 0 THEN
        RETURN;
    END IF;
    -- Expressions, not queries: PL/pgSQL evaluates these without the executor.
    v_run := ''::bytea;
    FOREACH v_hash IN ARRAY p_leaves LOOP
        IF octet_length(v_hash) IS DISTINCT FROM 32 THEN
            PERFORM ledger_refuse(p_tree || '_tree_tiles_hashes',
                format('a leaf appended to the %s tree of alliance %s is not a 32-byte hash', p_tree, p_alliance_id));
        END IF;
        v_run := v_run || v_hash;
    END LOOP;
    LOOP
        v_local := v_first % 16;
        v_tile := ''::bytea;
        IF v_local <> 0 THEN
            IF v_journal THEN
                SELECT hashes INTO v_tile FROM journal_tree_tiles
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_first / 16;
            ELSE
                SELECT hashes INTO v_tile FROM governance_tree_tiles
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_first / 16;
            END IF;
            IF octet_length(v_tile) IS DISTINCT FROM 32 * (v_local + v_local / 2 + v_local / 4 + v_local / 8) THEN
                PERFORM ledger_refuse(p_tree || '_tree_tiles_whole',
                    format('the %s tree of alliance %s does not end just before hash %s of level %s',
                           p_tree, p_alliance_id, v_first, 4 * v_tier));
            END IF;
        END IF;
        v_roots := ''::bytea;
        v_tiles := '{}';
        v_indexes := '{}';
        v_count := octet_length(v_run) / 32;
        FOR i IN 0 .. v_count - 1 LOOP
            v_local := (v_first + i) % 16;
            v_hash := substring(v_run FROM i * 32 + 1 FOR 32);
            v_tile := v_tile || v_hash;
            -- The subtrees of rise 1 to 4 this hash ends: the left half of rise r - 1 ended
            -- with the tile's hash v_local - 2^(r - 1).
            FOR r IN 1 .. 4 LOOP
                EXIT WHEN (v_local + 1) % (1 << r) <> 0;
                v_left := v_local - (1 << (r - 1));
                v_hash := sha256('\x01'::bytea
                                 || substring(v_tile FROM 32 * (v_left + v_left / 2 + v_left / 4 + v_left / 8 + r - 1) + 1
                                              FOR 32)
                                 || v_hash);
                IF r < 4 THEN
                    v_tile := v_tile || v_hash;
                ELSE
                    v_roots := v_roots || v_hash;
                END IF;
            END LOOP;
            IF v_local = 15 OR i = v_count - 1 THEN
                v_tiles := v_tiles || v_tile;
                v_indexes := v_indexes || (v_first + i) / 16;
                v_tile := ''::bytea;
            END IF;
        END LOOP;
        -- The tile continued, then those begun (a tile already there is a duplicate key: refused).
        IF v_first % 16 <> 0 THEN
            IF v_journal THEN
                UPDATE journal_tree_tiles SET hashes = v_tiles[1]
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_indexes[1];
            ELSE
                UPDATE governance_tree_tiles SET hashes = v_tiles[1]
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_indexes[1];
            END IF;
        END IF;
        -- Most appends only continue the tile that ends the tier: nothing to insert.
        IF cardinality(v_indexes) = 1 AND v_first % 16 <> 0 THEN
            NULL;
        ELSIF v_journal THEN
            INSERT INTO journal_tree_tiles (alliance_id, tier, index, hashes)
            SELECT p_alliance_id, v_tier, t.index, t.hashes
            FROM unnest(v_indexes, v_tiles) WITH ORDINALITY AS t (index, hashes, ordinality)
            WHERE t.ordinality > 1 OR v_first % 16 = 0;
        ELSE
            INSERT INTO governance_tree_tiles (alliance_id, tier, index, hashes)
            SELECT p_alliance_id, v_tier, t.index, t.hashes
            FROM unnest(v_indexes, v_tiles) WITH ORDINALITY AS t (index, hashes, ordinality)
            WHERE t.ordinality > 1 OR v_first % 16 = 0;
        END IF;
        EXIT WHEN v_roots = ''::bytea;
        v_run := v_roots;
        v_first := v_first / 16;
        v_tier := v_tier + 1;
    END LOOP;
END
$$;

