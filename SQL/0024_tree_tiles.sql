-- The Merkle trees stored in tiles: a row holds a 16-leaf span of four levels, so that a proof
-- reads a handful of rows however long the journal grows.
--
-- SQL/0010 stored the hash of every complete subtree as a row of its own, keyed by (level,
-- index). An inclusion proof in a tree of n leaves needs about 2 log2 n of them (the path and
-- the root's subtrees), each in a different part of the key and of the table. Measured with
-- `flat-cost-benchmark`: at 3,000,000 entries a proof read 32 nodes with 160 buffer visits, 38
-- of them from outside shared_buffers, and took 0.59–0.78 ms against 0.41–0.47 ms at 10,000
-- (1.46 and 1.68 times, and 1.39–1.42 times a small alliance's proof read at the same moments).
--
-- Now a tree is stored in tiles, as transparency logs store theirs: the tile of tier t and index
-- k covers the subtrees of level 4t, indexes 16k to 16k + 15, and holds their hashes and those
-- of every complete subtree of the three levels above them within that span (up to 16 + 8 + 4
-- + 2 = 30), in the order they complete: each of the sixteen, then whatever it completes, lower
-- level first. A proof in a tree of n leaves reads about log16 n tiles, one per tier, and the
-- tiles of the upper tiers are few and stay in memory; every hash it needs is stored, none made
-- again. (Storing only the sixteen and making the levels between on reading was tried first:
-- at 3,000,000 entries that hashing was half of the reader's own work, 50 µs a proof.) The tile
-- that ends each tier grows as subtrees complete: appending continues it in place (never
-- otherwise: a stored hash never changes); a tile's sixteen complete give the next tier its
-- next hash, their root.
--
-- Every stored hash of SQL/0010's nodes is carried into the tiles here, in that order, once the
-- old trees are found whole; a tile's root is carried as the next tier's. No root or proof
-- changes: they are the same hashes.

CREATE TABLE journal_tree_tiles (
    alliance_id bigint NOT NULL,
    -- The tile covers the subtrees of level 4 · tier,
    tier smallint NOT NULL,
    -- those of indexes 16 · index to 16 · index + 15.
    index bigint NOT NULL,
    -- Their hashes and those of the complete subtrees of the three levels above them within the
    -- span, in the order they complete, 32 bytes each: thirty, or fewer at the end of a tier.
    hashes bytea NOT NULL,
    PRIMARY KEY (alliance_id, tier, index),
    CONSTRAINT journal_tree_tiles_place CHECK (tier BETWEEN 0 AND 15 AND index >= 0),
    -- Whole hashes, as many as the first m of the sixteen and what they complete make:
    -- m + m/2 + m/4 + m/8 for m from 1 to 16.
    CONSTRAINT journal_tree_tiles_hashes CHECK (
        octet_length(hashes) % 32 = 0
        AND octet_length(hashes) / 32 IN (1, 3, 4, 7, 8, 10, 11, 15, 16, 18, 19, 22, 23, 25, 26, 30))
);

-- The governance log's, the same shape (its constraints keep the journal table's names).
CREATE TABLE governance_tree_tiles (LIKE journal_tree_tiles INCLUDING ALL);

-- The old trees are checked whole, then carried. Each alliance's holds a leaf per entry (per
-- record) and every complete subtree of them: 2n − (the binary digits 1 of n) in all, for n
-- leaves. A node of level l and index i goes to tier l / 4, at rise r = l % 4 within it; its
-- first descendant of the tier's level is i << r, so its tile is (i << r) / 16, and it
-- completes with the last of them, (i + 1) << r, after every node an earlier one completed.
DO $$
DECLARE
    tree record;
    broken text;
BEGIN
    FOR tree IN SELECT * FROM (VALUES ('journal', 'journal_heads'), ('governance', 'governance_heads')) AS t (name, heads)
    LOOP
        EXECUTE format($check$
            SELECT format('alliance %%s''s %s tree', h.alliance_id)
            FROM %I AS h
            LEFT JOIN (SELECT alliance_id, count(*) AS nodes, count(*) FILTER (WHERE level = 0) AS leaves
                       FROM %I GROUP BY alliance_id) AS n ON n.alliance_id = h.alliance_id
            WHERE (coalesce(n.leaves, 0), coalesce(n.nodes, 0))
                  <> (h.sequence, 2 * h.sequence - length(replace(h.sequence::bit(64)::text, '0', '')))
            LIMIT 1
            $check$, tree.name, tree.heads, tree.name || '_tree_nodes') INTO broken;
        IF broken IS NOT NULL THEN
            RAISE EXCEPTION 'the stored % lacks hashes: it cannot be carried into tiles', broken;
        END IF;
        EXECUTE format($carry$
            INSERT INTO %I (alliance_id, tier, index, hashes)
            SELECT alliance_id, level / 4, (index << (level %% 4)) / 16,
                   string_agg(hash, ''::bytea ORDER BY (index + 1) << (level %% 4), level)
            FROM %I
            GROUP BY alliance_id, level / 4, (index << (level %% 4)) / 16
            $carry$, tree.name || '_tree_tiles', tree.name || '_tree_nodes');
    END LOOP;
END
$$;

-- Appends leaves `p_leaves` from 0-based `p_first_index` to a tree, `journal` or `governance`,
-- and every subtree they complete, up the tiers. At each tier the new hashes continue the tile
-- that ends the tier (which must hold exactly what comes before them) and fill new ones; each
-- hash is followed in its tile by the subtrees it completes there, each the node hash of its
-- left half (stored earlier in the tile) and its right (just made); a tile's sixteen complete
-- give the next tier its next hash. Static statements, one set per tree, for the reason SQL/0019
-- gives (planning EXECUTE cost more than running the writer's small appends).
--
-- Within a tile, the subtrees completed by its first m hashes number
-- m + m/2 + m/4 + m/8 (integer division); the subtree of rise r (0 to 3) whose last hash is the
-- tile's ℓth (from 0) is at that count for m = ℓ, plus r.
CREATE FUNCTION ledger_tree_append_leaves(
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
    IF EXISTS (SELECT 1 FROM unnest(p_leaves) AS l (leaf) WHERE octet_length(l.leaf) IS DISTINCT FROM 32) THEN
        PERFORM ledger_refuse(p_tree || '_tree_tiles_hashes',
            format('a leaf appended to the %s tree of alliance %s is not a 32-byte hash', p_tree, p_alliance_id));
    END IF;
    SELECT string_agg(l.leaf, ''::bytea ORDER BY l.ordinality) INTO v_run
    FROM unnest(p_leaves) WITH ORDINALITY AS l (leaf, ordinality);
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
        IF v_journal THEN
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

REVOKE ALL ON FUNCTION ledger_tree_append_leaves(text, bigint, bigint, bytea[]) FROM PUBLIC;

-- SQL/0018's, appending to the tiles.
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
        PERFORM ledger_tree_append_leaves('journal', item.alliance_id, item.first_sequence - 1, item.leaves);
    END LOOP;
    RETURN NULL;
END
$$;

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
        PERFORM ledger_tree_append_leaves('governance', item.alliance_id, item.first_sequence - 1, item.leaves);
    END LOOP;
    RETURN NULL;
END
$$;

-- A tile changes only by growing: its new hashes begin with all of its old ones.
CREATE FUNCTION ledger_tree_tile_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.alliance_id, NEW.tier, NEW.index) IS DISTINCT FROM (OLD.alliance_id, OLD.tier, OLD.index)
        OR octet_length(NEW.hashes) <= octet_length(OLD.hashes)
        OR substring(NEW.hashes FROM 1 FOR octet_length(OLD.hashes)) <> OLD.hashes
    THEN
        RAISE EXCEPTION '% is append-only: a tile may only grow', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER journal_tree_tiles_guard BEFORE INSERT OR UPDATE ON journal_tree_tiles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER governance_tree_tiles_guard BEFORE INSERT OR UPDATE ON governance_tree_tiles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER journal_tree_tiles_grow_only BEFORE UPDATE ON journal_tree_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_tree_tile_grows();
CREATE TRIGGER governance_tree_tiles_grow_only BEFORE UPDATE ON governance_tree_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_tree_tile_grows();
CREATE TRIGGER journal_tree_tiles_no_delete BEFORE DELETE ON journal_tree_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER governance_tree_tiles_no_delete BEFORE DELETE ON governance_tree_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER journal_tree_tiles_no_truncate BEFORE TRUNCATE ON journal_tree_tiles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER governance_tree_tiles_no_truncate BEFORE TRUNCATE ON governance_tree_tiles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

GRANT SELECT ON journal_tree_tiles, governance_tree_tiles TO alliance_ledger_service;

DROP FUNCTION ledger_tree_append_leaves(regclass, bigint, bigint, bytea[]);
DROP TABLE journal_tree_nodes, governance_tree_nodes;

-- SQL/0021's, analyzing the tiles where it analyzed the nodes.
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
    ANALYZE journal_entries, postings, journal_tree_tiles, account_month_totals;
    RETURN true;
END $$;
