-- Open-book statements, and what makes them cheap and provable.
--
-- - Per-account, per-month net totals and counts, kept in the same transaction as every
--   posting (a statement-level trigger over the inserted postings, set-based), so that a
--   statement's cost depends on partners × lines × months, not on the number of entries. A
--   reversal counts in the month of the entry it reverses, not the day it was recorded.
-- - The journal as an RFC 9162 Merkle tree per alliance: leaf SHA-256(0x00 ‖ entry hash),
--   node SHA-256(0x01 ‖ left ‖ right); the hash of every complete subtree is stored as the
--   entries arrive, so any root or proof is a handful of lookups. The governance log's records
--   are leaves already (their hash is the RFC 9162 leaf hash of their canonical JSON); its
--   complete subtrees are kept the same way.
-- - Published statements: frozen canonical JSON (RFC 8785), numbered per alliance, each naming
--   the hash of the one before, append-only; a restatement supersedes an earlier one with a
--   reason. Variance commentary entered before publishing. Partners' Ed25519 keys, and
--   signatures over a statement's checkpoint, append-only beside the statement.
--
-- Existing journals and logs are backfilled here.

-- Month totals ---------------------------------------------------------------------------------

CREATE TABLE account_month_totals (
    alliance_id bigint NOT NULL,
    account_id bigint NOT NULL,
    -- The first day of the month the postings count in.
    month date NOT NULL,
    -- The kind of the entries counted: spend and reversals apart, for the statement's counts.
    kind text NOT NULL,
    -- Net of the postings (debits positive), and how many there were.
    net bigint NOT NULL,
    postings integer NOT NULL,
    PRIMARY KEY (alliance_id, account_id, month, kind),
    FOREIGN KEY (alliance_id, account_id) REFERENCES accounts (alliance_id, id),
    CONSTRAINT account_month_totals_month_first CHECK (extract(day FROM month) = 1),
    CONSTRAINT account_month_totals_postings_positive CHECK (postings > 0)
);

-- The month a posting counts in: its entry's effective month, or for a reversal the effective
-- month of the entry it reverses, so that correcting a May invoice in December corrects May.
CREATE FUNCTION ledger_count_month_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
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

INSERT INTO account_month_totals (alliance_id, account_id, month, kind, net, postings)
SELECT p.alliance_id, p.account_id, date_trunc('month', coalesce(r.effective_on, e.effective_on))::date,
       e.kind, sum(p.amount)::bigint, count(*)::integer
FROM postings AS p
JOIN journal_entries AS e ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.sequence = e.reverses
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER postings_month_totals AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_count_month_totals();
CREATE TRIGGER account_month_totals_guard BEFORE INSERT OR UPDATE ON account_month_totals
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER account_month_totals_no_delete BEFORE DELETE ON account_month_totals
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER account_month_totals_no_truncate BEFORE TRUNCATE ON account_month_totals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Merkle trees ---------------------------------------------------------------------------------

-- The hash of every complete subtree: level 0 holds the leaves, level k the node covering
-- leaves [index·2^k, (index+1)·2^k).
CREATE TABLE journal_tree_nodes (
    alliance_id bigint NOT NULL,
    level smallint NOT NULL,
    index bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (alliance_id, level, index),
    CONSTRAINT journal_tree_nodes_place CHECK (level BETWEEN 0 AND 62 AND index >= 0),
    CONSTRAINT journal_tree_nodes_hash_length CHECK (length(hash) = 32)
);

-- The governance log's, the same shape (its constraints keep the journal table's names).
CREATE TABLE governance_tree_nodes (LIKE journal_tree_nodes INCLUDING ALL);

-- Adds leaf `p_leaf` at 0-based `p_index` to a tree and every subtree it completes: after leaf
-- i, the node of level k + 1 at (i + 1) / 2^(k + 1) − 1 is complete whenever 2^(k + 1) divides
-- i + 1. The table is named, as both trees keep the same shape.
CREATE FUNCTION ledger_tree_append(p_table regclass, p_alliance_id bigint, p_index bigint, p_leaf bytea)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_level smallint := 0;
    v_index bigint := p_index;
    v_hash bytea := p_leaf;
    v_left bytea;
BEGIN
    EXECUTE format('INSERT INTO %s (alliance_id, level, index, hash) VALUES ($1, 0, $2, $3)', p_table)
        USING p_alliance_id, p_index, p_leaf;
    WHILE v_index % 2 = 1 LOOP
        EXECUTE format('SELECT hash FROM %s WHERE alliance_id = $1 AND level = $2 AND index = $3', p_table)
            INTO v_left USING p_alliance_id, v_level, v_index - 1;
        v_hash := sha256('\x01'::bytea || v_left || v_hash);
        v_level := v_level + 1;
        v_index := v_index / 2;
        EXECUTE format('INSERT INTO %s (alliance_id, level, index, hash) VALUES ($1, $2, $3, $4)', p_table)
            USING p_alliance_id, v_level, v_index, v_hash;
    END LOOP;
END
$$;

-- Entries join the journal's tree in sequence order, in the statement that appends them.
CREATE FUNCTION ledger_grow_tree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT alliance_id, sequence, hash FROM inserted ORDER BY alliance_id, sequence LOOP
        PERFORM ledger_tree_append('journal_tree_nodes', item.alliance_id, item.sequence - 1,
                                   sha256('\x00'::bytea || item.hash));
    END LOOP;
    RETURN NULL;
END
$$;

-- A governance record's hash is its leaf hash already.
CREATE FUNCTION governance_grow_tree() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT alliance_id, sequence, hash FROM inserted ORDER BY alliance_id, sequence LOOP
        PERFORM ledger_tree_append('governance_tree_nodes', item.alliance_id, item.sequence - 1, item.hash);
    END LOOP;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT alliance_id, sequence, hash FROM journal_entries ORDER BY alliance_id, sequence LOOP
        PERFORM ledger_tree_append('journal_tree_nodes', item.alliance_id, item.sequence - 1,
                                   sha256('\x00'::bytea || item.hash));
    END LOOP;
    FOR item IN SELECT alliance_id, sequence, hash FROM governance_log ORDER BY alliance_id, sequence LOOP
        PERFORM ledger_tree_append('governance_tree_nodes', item.alliance_id, item.sequence - 1, item.hash);
    END LOOP;
END
$$;

CREATE TRIGGER journal_entries_grow_tree AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_grow_tree();
CREATE TRIGGER governance_log_grow_tree AFTER INSERT ON governance_log
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION governance_grow_tree();
CREATE TRIGGER journal_tree_nodes_guard BEFORE INSERT ON journal_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER governance_tree_nodes_guard BEFORE INSERT ON governance_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER journal_tree_nodes_append_only BEFORE UPDATE OR DELETE ON journal_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER governance_tree_nodes_append_only BEFORE UPDATE OR DELETE ON governance_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER journal_tree_nodes_no_truncate BEFORE TRUNCATE ON journal_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER governance_tree_nodes_no_truncate BEFORE TRUNCATE ON governance_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Commentary -----------------------------------------------------------------------------------

-- A partner's finance lead explains a line's variance before the statement is published; the
-- latest note of a period, partner and line is the one a statement freezes.
CREATE TABLE statement_commentary (
    alliance_id bigint NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    period text NOT NULL,
    partner_id bigint NOT NULL,
    budget_line_id bigint NOT NULL,
    text text NOT NULL,
    recorded_by bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    FOREIGN KEY (alliance_id, budget_line_id) REFERENCES budget_lines (alliance_id, id),
    FOREIGN KEY (alliance_id, recorded_by) REFERENCES people (alliance_id, id),
    CONSTRAINT statement_commentary_text_length CHECK (length(btrim(text)) BETWEEN 1 AND 2000),
    CONSTRAINT statement_commentary_period_length CHECK (length(period) BETWEEN 1 AND 40)
);
CREATE INDEX statement_commentary_period ON statement_commentary (alliance_id, period, partner_id, budget_line_id, id);

CREATE FUNCTION statement_commentary_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM people AS p JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id
                   WHERE p.alliance_id = NEW.alliance_id AND p.id = NEW.recorded_by AND p.removed_at IS NULL
                     AND p.partner_id = NEW.partner_id AND r.role = 'finance') THEN
        RAISE EXCEPTION 'only a finance lead of the partner comments on its variance'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'statement_commentary_by_own_finance';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER statement_commentary_check BEFORE INSERT ON statement_commentary
    FOR EACH ROW EXECUTE FUNCTION statement_commentary_check();
CREATE TRIGGER statement_commentary_append_only BEFORE UPDATE OR DELETE ON statement_commentary
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Published statements -------------------------------------------------------------------------

CREATE TABLE statements (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    -- S-0001 is 1.
    number integer NOT NULL,
    -- As the period parser writes it: 2025-10, FY2025-Q3, FY2025 or 2025-04..2025-09.
    period text NOT NULL,
    period_from date NOT NULL,
    period_to date NOT NULL,
    -- The statement's canonical JSON (RFC 8785), exactly as published, and its SHA-256.
    body bytea NOT NULL,
    hash bytea NOT NULL,
    previous_hash bytea,
    supersedes integer,
    reason text,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by bigint NOT NULL,
    -- The checkpoint's first line, as it was when published: what its signatures cover.
    origin text NOT NULL,
    -- The partners current at publication: who must co-sign it.
    partners bigint[] NOT NULL,
    journal_tree_size bigint NOT NULL,
    journal_root bytea NOT NULL,
    governance_tree_size bigint NOT NULL,
    governance_root bytea NOT NULL,
    PRIMARY KEY (alliance_id, number),
    FOREIGN KEY (alliance_id, published_by) REFERENCES people (alliance_id, id),
    FOREIGN KEY (alliance_id, supersedes) REFERENCES statements (alliance_id, number),
    CONSTRAINT statements_number_positive CHECK (number > 0),
    CONSTRAINT statements_hash_of_body CHECK (hash = sha256(body)),
    CONSTRAINT statements_chain CHECK ((number = 1) = (previous_hash IS NULL) AND length(previous_hash) = 32),
    CONSTRAINT statements_restated_with_reason CHECK (
        (supersedes IS NULL) = (reason IS NULL) AND length(btrim(reason)) BETWEEN 1 AND 2000),
    CONSTRAINT statements_supersede_once UNIQUE (alliance_id, supersedes),
    CONSTRAINT statements_supersede_earlier CHECK (supersedes < number),
    CONSTRAINT statements_period_order CHECK (period_to >= period_from),
    CONSTRAINT statements_roots CHECK (length(journal_root) = 32 AND length(governance_root) = 32),
    CONSTRAINT statements_origin CHECK (origin ~ '^[!-~]{1,200}$')
);

-- A statement continues the alliance's chain, restates the current statement of its period or
-- is the first of it, carries in its body what its columns say, is published by a finance lead
-- or board member, and only while the trial balance is zero.
CREATE FUNCTION statements_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_last statements%ROWTYPE;
    v_current integer;
    v_body jsonb := convert_from(NEW.body, 'UTF8')::jsonb;
BEGIN
    PERFORM 1 FROM alliances WHERE id = NEW.alliance_id FOR UPDATE;
    SELECT * INTO v_last FROM statements WHERE alliance_id = NEW.alliance_id ORDER BY number DESC LIMIT 1;
    IF NEW.number <> coalesce(v_last.number, 0) + 1 OR NEW.previous_hash IS DISTINCT FROM v_last.hash THEN
        RAISE EXCEPTION 'statement % does not continue the chain after %', NEW.number, v_last.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statements_chain';
    END IF;
    SELECT s.number INTO v_current FROM statements AS s
    WHERE s.alliance_id = NEW.alliance_id AND s.period = NEW.period
      AND NOT EXISTS (SELECT 1 FROM statements AS later
                      WHERE later.alliance_id = s.alliance_id AND later.supersedes = s.number);
    IF NEW.supersedes IS DISTINCT FROM v_current THEN
        RAISE EXCEPTION 'period % has statement %: a new one supersedes it, with a reason', NEW.period, v_current
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'statements_restate_current';
    END IF;
    IF v_body ->> 'number' IS DISTINCT FROM 'S-' || lpad(NEW.number::text, 4, '0')
       OR v_body -> 'period' ->> 'name' IS DISTINCT FROM NEW.period
       OR v_body ->> 'previousHash' IS DISTINCT FROM encode(NEW.previous_hash, 'hex') THEN
        RAISE EXCEPTION 'statement % says something else in its body', NEW.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statements_body_matches';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM people AS p JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id
                   WHERE p.alliance_id = NEW.alliance_id AND p.id = NEW.published_by AND p.removed_at IS NULL
                     AND r.role IN ('finance', 'board')) THEN
        RAISE EXCEPTION 'a statement is published by a finance lead or a board member'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'statements_published_by';
    END IF;
    IF (SELECT coalesce(sum(balance), 0) FROM account_balances WHERE alliance_id = NEW.alliance_id) <> 0 THEN
        RAISE EXCEPTION 'the trial balance is not zero: nothing is published'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statements_trial_balance';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER statements_check BEFORE INSERT ON statements
    FOR EACH ROW EXECUTE FUNCTION statements_check();
CREATE TRIGGER statements_append_only BEFORE UPDATE OR DELETE ON statements
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER statements_no_truncate BEFORE TRUNCATE ON statements
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Keys and signatures --------------------------------------------------------------------------

-- A partner's Ed25519 public keys, registered and revoked by its own board members.
CREATE TABLE partner_keys (
    alliance_id bigint NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    partner_id bigint NOT NULL,
    public_key bytea NOT NULL,
    registered_by bigint NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_by bigint,
    PRIMARY KEY (alliance_id, id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    FOREIGN KEY (alliance_id, registered_by) REFERENCES people (alliance_id, id),
    FOREIGN KEY (alliance_id, revoked_by) REFERENCES people (alliance_id, id),
    CONSTRAINT partner_keys_unique UNIQUE (alliance_id, public_key),
    CONSTRAINT partner_keys_length CHECK (length(public_key) = 32),
    CONSTRAINT partner_keys_revoked_by_someone CHECK ((revoked_at IS NULL) = (revoked_by IS NULL)),
    CONSTRAINT partner_keys_revoked_after CHECK (revoked_at >= registered_at)
);

-- Whether `p_person_id` is a board member of `p_partner_id` now.
CREATE FUNCTION person_is_partner_board(p_alliance_id bigint, p_person_id bigint, p_partner_id bigint)
RETURNS boolean LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM people AS p JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id
        WHERE p.alliance_id = p_alliance_id AND p.id = p_person_id AND p.partner_id = p_partner_id
          AND p.removed_at IS NULL AND r.role = 'board')
$$;

CREATE FUNCTION partner_keys_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.revoked_at IS NOT NULL OR NOT person_is_partner_board(NEW.alliance_id, NEW.registered_by, NEW.partner_id) THEN
            RAISE EXCEPTION 'a key is registered by a board member of its own partner'
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'partner_keys_by_own_board';
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.alliance_id, NEW.id, NEW.partner_id, NEW.public_key, NEW.registered_by, NEW.registered_at)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.partner_id, OLD.public_key, OLD.registered_by, OLD.registered_at)
       OR OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL THEN
        RAISE EXCEPTION 'a key changes only by being revoked, once'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'partner_keys_revoked_once';
    END IF;
    IF NOT person_is_partner_board(NEW.alliance_id, NEW.revoked_by, NEW.partner_id) THEN
        RAISE EXCEPTION 'a key is revoked by a board member of its own partner'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'partner_keys_by_own_board';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER partner_keys_check BEFORE INSERT OR UPDATE ON partner_keys
    FOR EACH ROW EXECUTE FUNCTION partner_keys_check();
CREATE TRIGGER partner_keys_no_delete BEFORE DELETE ON partner_keys
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Signatures over a statement's checkpoint: one per key, by a board member of the key's partner,
-- with a key registered and unrevoked when the signature is accepted. The library checks the
-- Ed25519 signature itself; the database checks who and which key.
CREATE TABLE statement_signatures (
    alliance_id bigint NOT NULL,
    statement_number integer NOT NULL,
    key_id bigint NOT NULL,
    partner_id bigint NOT NULL,
    signature bytea NOT NULL,
    signed_by bigint NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, statement_number, key_id),
    FOREIGN KEY (alliance_id, statement_number) REFERENCES statements (alliance_id, number),
    FOREIGN KEY (alliance_id, key_id) REFERENCES partner_keys (alliance_id, id),
    FOREIGN KEY (alliance_id, signed_by) REFERENCES people (alliance_id, id),
    CONSTRAINT statement_signatures_length CHECK (length(signature) = 64)
);

CREATE FUNCTION statement_signatures_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM partner_keys WHERE alliance_id = NEW.alliance_id AND id = NEW.key_id
                   AND partner_id = NEW.partner_id AND revoked_at IS NULL) THEN
        RAISE EXCEPTION 'key % is not a current key of the partner', NEW.key_id
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'statement_signatures_current_key';
    END IF;
    IF NOT person_is_partner_board(NEW.alliance_id, NEW.signed_by, NEW.partner_id) THEN
        RAISE EXCEPTION 'a statement is signed by a board member of the key''s partner'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'statement_signatures_by_own_board';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER statement_signatures_check BEFORE INSERT ON statement_signatures
    FOR EACH ROW EXECUTE FUNCTION statement_signatures_check();
CREATE TRIGGER statement_signatures_append_only BEFORE UPDATE OR DELETE ON statement_signatures
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Privileges -----------------------------------------------------------------------------------

REVOKE ALL ON account_month_totals, journal_tree_nodes, governance_tree_nodes, statement_commentary,
    statements, partner_keys, statement_signatures FROM PUBLIC;
GRANT SELECT ON account_month_totals, journal_tree_nodes, governance_tree_nodes TO alliance_ledger_service;
GRANT SELECT, INSERT ON statement_commentary, statements, partner_keys, statement_signatures
    TO alliance_ledger_service;
GRANT UPDATE (revoked_at, revoked_by) ON partner_keys TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE statement_commentary_id_seq, partner_keys_id_seq TO alliance_ledger_service;
REVOKE ALL ON FUNCTION ledger_tree_append(regclass, bigint, bigint, bytea) FROM PUBLIC;
