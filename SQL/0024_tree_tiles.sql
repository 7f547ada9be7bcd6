-- The Merkle trees stored in tiles: sixteen hashes a row, so that a proof reads a handful of
-- rows however long the journal grows.
--
-- SQL/0010 stored the hash of every complete subtree as a row of its own, keyed by (level,
-- index). An inclusion proof in a tree of n leaves needs about 2 log2 n of them (the path and
-- the root's subtrees), each in a different part of the key and of the table. Measured with
-- `flat-cost-benchmark`: at 3,000,000 entries a proof read 32 nodes with 160 buffer visits, 38
-- of them from outside shared_buffers, and took 0.59–0.78 ms against 0.41–0.47 ms at 10,000
-- (1.46 and 1.68 times, and 1.39–1.42 times a small alliance's proof read at the same moments).
--
-- Now a tree is stored as transparency logs store theirs: a tile of tier t and index k holds the
-- hashes of the subtrees of level 4t, indexes 16k to 16k + 15, in order, 32 bytes each. A
-- subtree of level 4t + h (h < 4) is the root of 2^h consecutive hashes of one tile, made again
-- by whoever reads it (at most seven node hashes); so a proof in a tree of n leaves reads about
-- log16 n tiles, one per tier, and the tiles of the upper tiers are few and stay in memory. The
-- tile at the end of each tier fills as subtrees complete: appending continues it in place
-- (never otherwise: a stored hash never changes), and the hash of a tile of sixteen is the next
-- tier's next hash.
--
-- Every stored hash of SQL/0010's nodes at a level that is a multiple of four is carried into
-- the tiles here, in order; the others are the roots of those and are not stored any more. No
-- root or proof changes: they are made from the same hashes.

CREATE TABLE journal_tree_tiles (
    alliance_id bigint NOT NULL,
    -- The tile holds the subtrees of level 4 · tier.
    tier smallint NOT NULL,
    -- Those of indexes 16 · index to 16 · index + 15.
    index bigint NOT NULL,
    -- Their hashes in order, 32 bytes each: sixteen, or fewer at the end of a tier.
    hashes bytea NOT NULL,
    PRIMARY KEY (alliance_id, tier, index),
    CONSTRAINT journal_tree_tiles_place CHECK (tier BETWEEN 0 AND 15 AND index >= 0),
    CONSTRAINT journal_tree_tiles_hashes CHECK (octet_length(hashes) BETWEEN 32 AND 512
                                                AND octet_length(hashes) % 32 = 0)
);

-- The governance log's, the same shape (its constraints keep the journal table's names).
CREATE TABLE governance_tree_tiles (LIKE journal_tree_tiles INCLUDING ALL);

INSERT INTO journal_tree_tiles (alliance_id, tier, index, hashes)
SELECT alliance_id, level / 4, index / 16, string_agg(hash, ''::bytea ORDER BY index)
FROM journal_tree_nodes WHERE level % 4 = 0
GROUP BY alliance_id, level, index / 16;

INSERT INTO governance_tree_tiles (alliance_id, tier, index, hashes)
SELECT alliance_id, level / 4, index / 16, string_agg(hash, ''::bytea ORDER BY index)
FROM governance_tree_nodes WHERE level % 4 = 0
GROUP BY alliance_id, level, index / 16;

-- What was carried is whole: each tile has every hash from its first, and each alliance's first
-- tier holds one leaf per entry (per record) of its chain.
DO $$
DECLARE
    broken text;
BEGIN
    SELECT format('alliance %s''s journal, tier %s, tile %s', t.alliance_id, t.tier, t.index) INTO broken
    FROM journal_tree_tiles AS t
    WHERE octet_length(t.hashes) < 512 AND EXISTS (
        SELECT 1 FROM journal_tree_tiles AS n
        WHERE n.alliance_id = t.alliance_id AND n.tier = t.tier AND n.index > t.index)
    LIMIT 1;
    IF broken IS NULL THEN
        SELECT format('alliance %s''s governance log, tier %s, tile %s', t.alliance_id, t.tier, t.index)
            INTO broken
        FROM governance_tree_tiles AS t
        WHERE octet_length(t.hashes) < 512 AND EXISTS (
            SELECT 1 FROM governance_tree_tiles AS n
            WHERE n.alliance_id = t.alliance_id AND n.tier = t.tier AND n.index > t.index)
        LIMIT 1;
    END IF;
    IF broken IS NULL THEN
        SELECT format('alliance %s''s journal', h.alliance_id) INTO broken
        FROM journal_heads AS h
        WHERE h.sequence <> coalesce((SELECT sum(octet_length(hashes)) / 32 FROM journal_tree_tiles AS t
                                       WHERE t.alliance_id = h.alliance_id AND t.tier = 0), 0)
        LIMIT 1;
    END IF;
    IF broken IS NULL THEN
        SELECT format('alliance %s''s governance log', h.alliance_id) INTO broken
        FROM governance_heads AS h
        WHERE h.sequence <> coalesce((SELECT sum(octet_length(hashes)) / 32 FROM governance_tree_tiles AS t
                                       WHERE t.alliance_id = h.alliance_id AND t.tier = 0), 0)
        LIMIT 1;
    END IF;
    IF broken IS NOT NULL THEN
        RAISE EXCEPTION 'the stored tree of % lacks hashes: it cannot be carried into tiles', broken;
    END IF;
END
$$;

-- The root of a full tile's sixteen hashes: RFC 9162's node hash, SHA-256(0x01 ‖ left ‖ right),
-- four levels up.
CREATE FUNCTION ledger_tree_tile_root(p_hashes bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    v_level bytea := p_hashes;
    v_next bytea;
BEGIN
    WHILE octet_length(v_level) > 32 LOOP
        v_next := ''::bytea;
        FOR i IN 0 .. octet_length(v_level) / 64 - 1 LOOP
            v_next := v_next || sha256('\x01'::bytea || substring(v_level FROM i * 64 + 1 FOR 64));
        END LOOP;
        v_level := v_next;
    END LOOP;
    RETURN v_level;
END
$$;

-- Appends leaves `p_leaves` from 0-based `p_first_index` to a tree, `journal` or `governance`,
-- and every hash they complete up the tiers. At each tier the new hashes continue the tile
-- that ends the tier (which must end just before them) and fill new ones; each tile they fill
-- to sixteen gives the next tier its next hash. Static statements, one set per tree, for the
-- reason SQL/0019 gives (planning EXECUTE cost more than running the writer's small appends).
CREATE FUNCTION ledger_tree_append_leaves(
    p_tree text, p_alliance_id bigint, p_first_index bigint, p_leaves bytea[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET enable_seqscan = off AS $$
DECLARE
    v_journal boolean := p_tree = 'journal';
    v_tier smallint := 0;
    -- The index, at the tier's level, of the first new hash.
    v_first bigint := p_first_index;
    -- The tier's hashes from the start of the tile of v_first: those already stored there,
    -- then the new ones.
    v_run bytea;
    v_stored bytea;
    v_tile bigint;
    v_full integer;
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
        v_tile := v_first / 16;
        IF v_first % 16 <> 0 THEN
            IF v_journal THEN
                SELECT hashes INTO v_stored FROM journal_tree_tiles
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_tile;
            ELSE
                SELECT hashes INTO v_stored FROM governance_tree_tiles
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_tile;
            END IF;
            IF octet_length(v_stored) IS DISTINCT FROM 32 * (v_first % 16) THEN
                PERFORM ledger_refuse(p_tree || '_tree_tiles_whole',
                    format('the %s tree of alliance %s does not end just before hash %s of level %s',
                           p_tree, p_alliance_id, v_first, 4 * v_tier));
            END IF;
            v_run := v_stored || v_run;
            IF v_journal THEN
                UPDATE journal_tree_tiles SET hashes = substring(v_run FROM 1 FOR 512)
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_tile;
            ELSE
                UPDATE governance_tree_tiles SET hashes = substring(v_run FROM 1 FOR 512)
                WHERE alliance_id = p_alliance_id AND tier = v_tier AND index = v_tile;
            END IF;
        END IF;
        -- The tiles the run starts (a tile already there is a duplicate key: refused).
        IF v_journal THEN
            INSERT INTO journal_tree_tiles (alliance_id, tier, index, hashes)
            SELECT p_alliance_id, v_tier, v_tile + t.n, substring(v_run FROM t.n * 512 + 1 FOR 512)
            FROM generate_series(CASE WHEN v_first % 16 = 0 THEN 0 ELSE 1 END,
                                 (octet_length(v_run) - 1) / 512) AS t (n);
        ELSE
            INSERT INTO governance_tree_tiles (alliance_id, tier, index, hashes)
            SELECT p_alliance_id, v_tier, v_tile + t.n, substring(v_run FROM t.n * 512 + 1 FOR 512)
            FROM generate_series(CASE WHEN v_first % 16 = 0 THEN 0 ELSE 1 END,
                                 (octet_length(v_run) - 1) / 512) AS t (n);
        END IF;
        -- Every full tile of the run was filled by this append: its root is the next tier's.
        v_full := octet_length(v_run) / 512;
        EXIT WHEN v_full = 0;
        SELECT string_agg(ledger_tree_tile_root(substring(v_run FROM t.n * 512 + 1 FOR 512)), ''::bytea
                          ORDER BY t.n) INTO v_run
        FROM generate_series(0, v_full - 1) AS t (n);
        v_first := v_tile;
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
