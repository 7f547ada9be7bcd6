-- Fewer costs for every row an append writes.
--
-- Measured with `import-benchmark --profile --explain-ms 1` (pg_stat_user_functions and
-- auto_explain) on a 20,000-row import, per imported row:
--
-- - The check that a statement's postings came with their entries (SQL/0018, statements of 64
--   postings or more) took 8 ms per 250-entry statement, 33 µs a row: the planner turned its
--   `NOT EXISTS (… journal_entries …)` into a hashed subplan, a sequential scan of every
--   alliance's whole journal for each statement, chosen while the journal is under about
--   50,000 entries and growing with it. A scalar subquery cannot be hashed: it stays a
--   primary-key lookup per entry.
-- - The guards that let balances, chain heads, month totals and tree nodes change only
--   through the ledger's own triggers ran once per row (45,795 calls, 5–7 µs a row). They
--   ask only how deeply triggers are nested, which is the same for every row of a statement:
--   they now run once per statement, so a direct change is refused as before (even one that
--   changes no row).
-- - The metadata CHECK called a SQL function whose NOT EXISTS over jsonb_each cannot be
--   inlined, so every row ran the SQL-function executor: 9.8 µs a row against 1.1 µs for the
--   same test as one inlinable expression (jsonpath: every member's value is a string),
--   measured on 200,000 objects. Its answer is unchanged for every value, NULL included
--   (tested against the old body on objects, nested values, arrays, scalars and null); the
--   CHECK and the rows it has passed stay as they are.
--
-- Nothing is stored differently: no data moves.

CREATE OR REPLACE FUNCTION ledger_is_flat_text_object(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_typeof(value) = 'object'
        AND NOT jsonb_path_exists(value, 'strict $.* ? (@.type() != "string")', '{}', true)
$$;

DROP TRIGGER account_balances_guard ON account_balances;
CREATE TRIGGER account_balances_guard BEFORE UPDATE ON account_balances
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();
DROP TRIGGER journal_heads_guard ON journal_heads;
CREATE TRIGGER journal_heads_guard BEFORE UPDATE ON journal_heads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();
DROP TRIGGER account_month_totals_guard ON account_month_totals;
CREATE TRIGGER account_month_totals_guard BEFORE INSERT OR UPDATE ON account_month_totals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();
DROP TRIGGER journal_tree_nodes_guard ON journal_tree_nodes;
CREATE TRIGGER journal_tree_nodes_guard BEFORE INSERT ON journal_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();
DROP TRIGGER governance_tree_nodes_guard ON governance_tree_nodes;
CREATE TRIGGER governance_tree_nodes_guard BEFORE INSERT ON governance_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();

-- SQL/0018's, with the entry found by a scalar subquery in the check of large statements.
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

-- SQL/0018's tree growth, with static statements in place of EXECUTE. Planning the dynamic
-- statements cost more than running them for the journal writer's small statements: a loop
-- appending two leaves at a time took 514 µs a call with EXECUTE and 97 µs with the same
-- statements static (the same nodes, compared), and a batch of the writer grows the tree of
-- every alliance in it. A static statement keeps its plan for the session, so the function
-- runs with sequential scans off: the primary key, the tree table's only index, serves every
-- lookup whatever the statistics said when the plan was made (SQL/0018's concern). The two
-- trees are two tables, so each statement is written once for each.
CREATE OR REPLACE FUNCTION ledger_tree_append_leaves(
    p_table regclass, p_alliance_id bigint, p_first_index bigint, p_leaves bytea[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_journal boolean := p_table = 'journal_tree_nodes'::regclass;
    v_level integer := 0;
    v_low bigint := p_first_index;
    v_high bigint := p_first_index + coalesce(cardinality(p_leaves), 0) - 1;
    v_parents_low bigint;
    v_parents_high bigint;
    v_made bigint;
BEGIN
    IF NOT v_journal AND p_table <> 'governance_tree_nodes'::regclass THEN
        RAISE EXCEPTION '% is not a tree of the ledger', p_table;
    END IF;
    IF v_high < v_low THEN
        RETURN;
    END IF;
    IF v_journal THEN
        INSERT INTO journal_tree_nodes (alliance_id, level, index, hash)
        SELECT p_alliance_id, 0, p_first_index + l.ordinality - 1, l.leaf
        FROM unnest(p_leaves) WITH ORDINALITY AS l (leaf, ordinality);
    ELSE
        INSERT INTO governance_tree_nodes (alliance_id, level, index, hash)
        SELECT p_alliance_id, 0, p_first_index + l.ordinality - 1, l.leaf
        FROM unnest(p_leaves) WITH ORDINALITY AS l (leaf, ordinality);
    END IF;
    LOOP
        v_parents_low := v_low / 2;
        v_parents_high := (v_high + 1) / 2 - 1;
        EXIT WHEN v_parents_low > v_parents_high;
        -- The left child by a correlated subquery, a lookup by the whole primary key for each
        -- right child. A missing left child makes the hash NULL, which the table refuses.
        IF v_journal THEN
            INSERT INTO journal_tree_nodes (alliance_id, level, index, hash)
            SELECT p_alliance_id, v_level + 1, r.index / 2,
                   sha256('\x01'::bytea
                          || (SELECT l.hash FROM journal_tree_nodes AS l
                              WHERE l.alliance_id = p_alliance_id AND l.level = v_level AND l.index = r.index - 1)
                          || r.hash)
            FROM journal_tree_nodes AS r
            WHERE r.alliance_id = p_alliance_id AND r.level = v_level
              AND r.index BETWEEN 2 * v_parents_low + 1 AND 2 * v_parents_high + 1 AND r.index % 2 = 1;
        ELSE
            INSERT INTO governance_tree_nodes (alliance_id, level, index, hash)
            SELECT p_alliance_id, v_level + 1, r.index / 2,
                   sha256('\x01'::bytea
                          || (SELECT l.hash FROM governance_tree_nodes AS l
                              WHERE l.alliance_id = p_alliance_id AND l.level = v_level AND l.index = r.index - 1)
                          || r.hash)
            FROM governance_tree_nodes AS r
            WHERE r.alliance_id = p_alliance_id AND r.level = v_level
              AND r.index BETWEEN 2 * v_parents_low + 1 AND 2 * v_parents_high + 1 AND r.index % 2 = 1;
        END IF;
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
