-- The ledger: accounts, an append-only hash-chained journal of balanced entries, and balances
-- kept current in the same transaction as the postings that change them.
--
-- Every invariant is enforced here as well as in the Swift library:
--   * an entry's postings sum to zero and number at least two (checked at commit);
--   * entries and postings are append-only, for every role, and the service's role can only
--     read them and append through ledger_append();
--   * each alliance's entries are numbered 1, 2, 3, ... without gaps, and each links to the
--     hash of the one before (the chain head is locked for the whole append);
--   * a balance never crosses its account's floor;
--   * an entry is reversed at most once, by an entry whose postings mirror it exactly;
--   * an idempotency key is used once per alliance.

-- The role the service runs as (SET ROLE after connecting): it reads, and writes only through
-- the functions below. Roles are shared by every database of a cluster, so it may exist.
DO $$
BEGIN
    CREATE ROLE alliance_ledger_service NOLOGIN;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT alliance_ledger_service TO %I', current_user);
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO alliance_ledger_service;
GRANT SELECT, INSERT ON alliances TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE alliances_id_seq TO alliance_ledger_service;

-- Raises for any attempt to change rows of an append-only table.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege', HINT = 'correct a mistake with a reversal';
END
$$;

-- Raises unless the change comes from one of the ledger's own triggers (depth 2 or more), so
-- that balances and chain heads move only with the postings and entries that justify them.
CREATE FUNCTION ledger_refuse_direct_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION '% changes only through the ledger''s own triggers', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

-- True for a JSON object whose values are all strings: the only metadata shape the hash
-- encoding knows.
CREATE FUNCTION ledger_is_flat_text_object(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT jsonb_typeof(value) = 'object'
        AND NOT EXISTS (SELECT 1 FROM jsonb_each(value) AS e WHERE jsonb_typeof(e.value) <> 'string')
$$;

-- The hash that precedes an alliance's first entry: SHA-256 of "alliance-ledger genesis v1"
-- followed by the alliance id as 8 big-endian bytes.
CREATE FUNCTION ledger_genesis_hash(alliance_id bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT sha256(convert_to('alliance-ledger genesis v1', 'UTF8') || int8send(alliance_id))
$$;

-- Accounts ------------------------------------------------------------------------------------

CREATE TABLE accounts (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    -- Stable and public: statements and auditors use it, e.g. partner:slam:cost:STAFF.
    code text NOT NULL,
    type text NOT NULL,
    -- The lowest balance allowed, on the account's normal side (debit for assets and expenses,
    -- credit for the others); NULL for no floor.
    floor bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_pkey PRIMARY KEY (alliance_id, id),
    CONSTRAINT accounts_code_key UNIQUE (alliance_id, code),
    CONSTRAINT accounts_code_format CHECK (
        code ~ '^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$' AND length(code) <= 200),
    CONSTRAINT accounts_type CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense'))
);

-- One row per account, current after every append: reading a balance costs one row whatever the
-- length of the history.
CREATE TABLE account_balances (
    alliance_id bigint NOT NULL,
    account_id bigint NOT NULL,
    -- +1 for debit-normal accounts (asset, expense), -1 for the others.
    normal_side smallint NOT NULL,
    floor bigint,
    -- Signed: debits positive, credits negative, in the alliance's minor currency unit.
    balance bigint NOT NULL DEFAULT 0,
    -- The last entry that changed it.
    last_sequence bigint NOT NULL DEFAULT 0,
    CONSTRAINT account_balances_pkey PRIMARY KEY (alliance_id, account_id),
    CONSTRAINT account_balances_account_fkey FOREIGN KEY (alliance_id, account_id)
        REFERENCES accounts (alliance_id, id),
    CONSTRAINT account_balances_normal_side CHECK (normal_side IN (1, -1)),
    CONSTRAINT account_balances_floor CHECK (floor IS NULL OR balance * normal_side >= floor)
);

CREATE FUNCTION ledger_open_balance() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO account_balances (alliance_id, account_id, normal_side, floor)
    VALUES (NEW.alliance_id, NEW.id,
            CASE WHEN NEW.type IN ('asset', 'expense') THEN 1 ELSE -1 END, NEW.floor);
    RETURN NULL;
END
$$;

CREATE TRIGGER accounts_open_balance AFTER INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_open_balance();
CREATE TRIGGER accounts_append_only BEFORE UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER account_balances_guard BEFORE UPDATE ON account_balances
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER account_balances_no_delete BEFORE DELETE ON account_balances
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER account_balances_no_truncate BEFORE TRUNCATE ON account_balances
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

GRANT SELECT, INSERT ON accounts TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE accounts_id_seq TO alliance_ledger_service;
GRANT SELECT ON account_balances TO alliance_ledger_service;

-- The journal ------------------------------------------------------------------------------------

-- The end of each alliance's chain: the last sequence number and its hash.
CREATE TABLE journal_heads (
    alliance_id bigint PRIMARY KEY REFERENCES alliances (id),
    sequence bigint NOT NULL DEFAULT 0,
    hash bytea NOT NULL,
    CONSTRAINT journal_heads_hash_size CHECK (octet_length(hash) = 32)
);

CREATE FUNCTION ledger_open_journal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO journal_heads (alliance_id, hash) VALUES (NEW.id, ledger_genesis_hash(NEW.id));
    RETURN NULL;
END
$$;

CREATE TRIGGER alliances_open_journal AFTER INSERT ON alliances
    FOR EACH ROW EXECUTE FUNCTION ledger_open_journal();
INSERT INTO journal_heads (alliance_id, hash) SELECT id, ledger_genesis_hash(id) FROM alliances;

CREATE TRIGGER journal_heads_guard BEFORE UPDATE ON journal_heads
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_direct_change();
CREATE TRIGGER journal_heads_no_delete BEFORE DELETE ON journal_heads
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER journal_heads_no_truncate BEFORE TRUNCATE ON journal_heads
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
GRANT SELECT ON journal_heads TO alliance_ledger_service;

CREATE TABLE journal_entries (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    -- 1, 2, 3, ... per alliance, without gaps, in the order of the chain.
    sequence bigint NOT NULL,
    kind text NOT NULL,
    -- The day the business event belongs to (balances "as of" a date use it).
    effective_on date NOT NULL,
    -- When it was recorded: the time of the transaction that appended it.
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    description text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    idempotency_key text,
    -- SHA-256 of the request that produced the entry, to tell a retry from a reuse of its key.
    request_hash bytea NOT NULL,
    -- The entry this one reverses.
    reverses bigint,
    previous_hash bytea NOT NULL,
    -- SHA-256 over the entry's canonical encoding, its postings and previous_hash; the
    -- encoding is documented in Sources/AllianceLedger/Ledger/EntryEncoding.swift.
    hash bytea NOT NULL,
    CONSTRAINT journal_entries_pkey PRIMARY KEY (alliance_id, sequence),
    CONSTRAINT journal_entries_idempotency_key UNIQUE (alliance_id, idempotency_key),
    CONSTRAINT journal_entries_reverses_key UNIQUE (alliance_id, reverses),
    CONSTRAINT journal_entries_reverses_fkey FOREIGN KEY (alliance_id, reverses)
        REFERENCES journal_entries (alliance_id, sequence),
    CONSTRAINT journal_entries_sequence_positive CHECK (sequence > 0),
    CONSTRAINT journal_entries_kind CHECK (kind IN (
        'opening', 'spend', 'reversal', 'contract-payment', 'outcome-payment', 'risk-share',
        'adjustment')),
    CONSTRAINT journal_entries_reversal_link CHECK ((kind = 'reversal') = (reverses IS NOT NULL)),
    CONSTRAINT journal_entries_reverses_earlier CHECK (reverses < sequence),
    CONSTRAINT journal_entries_hash_sizes CHECK (
        octet_length(hash) = 32 AND octet_length(previous_hash) = 32
        AND octet_length(request_hash) = 32),
    CONSTRAINT journal_entries_metadata_flat CHECK (ledger_is_flat_text_object(metadata)),
    CONSTRAINT journal_entries_description_length CHECK (length(description) BETWEEN 1 AND 1000),
    CONSTRAINT journal_entries_recorded_by_length CHECK (length(recorded_by) BETWEEN 1 AND 200),
    CONSTRAINT journal_entries_idempotency_key_length CHECK (length(idempotency_key) BETWEEN 1 AND 200)
);

CREATE INDEX journal_entries_effective_on ON journal_entries (alliance_id, effective_on, sequence);

CREATE TABLE postings (
    alliance_id bigint NOT NULL,
    entry_sequence bigint NOT NULL,
    line smallint NOT NULL,
    account_id bigint NOT NULL,
    -- Signed minor units: debits positive, credits negative.
    amount bigint NOT NULL,
    CONSTRAINT postings_pkey PRIMARY KEY (alliance_id, entry_sequence, line),
    CONSTRAINT postings_entry_fkey FOREIGN KEY (alliance_id, entry_sequence)
        REFERENCES journal_entries (alliance_id, sequence),
    CONSTRAINT postings_account_fkey FOREIGN KEY (alliance_id, account_id)
        REFERENCES accounts (alliance_id, id),
    CONSTRAINT postings_amount_nonzero CHECK (amount <> 0),
    CONSTRAINT postings_line_positive CHECK (line > 0)
);

CREATE INDEX postings_account_history ON postings (alliance_id, account_id, entry_sequence)
    INCLUDE (amount);

-- Links each new entry to the chain: its sequence must follow the head's and its
-- previous_hash must be the head's hash; the head then moves to it. The head row is locked
-- until the transaction ends, so appends to one alliance are serialised and the order of the
-- chain is the order of commits.
CREATE FUNCTION ledger_chain_entry() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head journal_heads%ROWTYPE;
    reversed_kind text;
BEGIN
    SELECT * INTO head FROM journal_heads WHERE alliance_id = NEW.alliance_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alliance % has no journal', NEW.alliance_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'journal_entries_alliance_id_fkey';
    END IF;
    IF NEW.sequence <> head.sequence + 1 THEN
        RAISE EXCEPTION 'entry % does not follow entry % of alliance %',
            NEW.sequence, head.sequence, NEW.alliance_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_gap_free';
    END IF;
    IF NEW.previous_hash <> head.hash THEN
        RAISE EXCEPTION 'entry % does not link to the hash of entry %', NEW.sequence, head.sequence
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_chain_link';
    END IF;
    IF NEW.reverses IS NOT NULL THEN
        SELECT kind INTO reversed_kind FROM journal_entries
            WHERE alliance_id = NEW.alliance_id AND sequence = NEW.reverses;
        IF reversed_kind = 'reversal' THEN
            RAISE EXCEPTION 'entry % is itself a reversal and cannot be reversed', NEW.reverses
                USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_no_reversal_of_reversal';
        END IF;
    END IF;
    UPDATE journal_heads SET sequence = NEW.sequence, hash = NEW.hash
        WHERE alliance_id = NEW.alliance_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER journal_entries_chain BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_chain_entry();

-- At commit: the entry has at least two postings summing to zero, and a reversal's postings
-- are exactly the reversed entry's, negated.
CREATE FUNCTION ledger_check_entry() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    posting_count bigint;
    total numeric;
BEGIN
    SELECT count(*), coalesce(sum(amount), 0) INTO posting_count, total
        FROM postings WHERE alliance_id = NEW.alliance_id AND entry_sequence = NEW.sequence;
    IF posting_count < 2 THEN
        RAISE EXCEPTION 'entry % has % posting(s); an entry needs at least two',
            NEW.sequence, posting_count
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_two_postings';
    END IF;
    IF total <> 0 THEN
        RAISE EXCEPTION 'entry % is unbalanced: its postings sum to %', NEW.sequence, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_balanced';
    END IF;
    IF NEW.reverses IS NOT NULL AND EXISTS (
        (SELECT account_id, amount FROM postings
            WHERE alliance_id = NEW.alliance_id AND entry_sequence = NEW.sequence
         EXCEPT ALL
         SELECT account_id, -amount FROM postings
            WHERE alliance_id = NEW.alliance_id AND entry_sequence = NEW.reverses)
        UNION ALL
        (SELECT account_id, -amount FROM postings
            WHERE alliance_id = NEW.alliance_id AND entry_sequence = NEW.reverses
         EXCEPT ALL
         SELECT account_id, amount FROM postings
            WHERE alliance_id = NEW.alliance_id AND entry_sequence = NEW.sequence))
    THEN
        RAISE EXCEPTION 'entry % does not exactly negate entry %', NEW.sequence, NEW.reverses
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_reversal_mirrors';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER journal_entries_check AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry();

-- Applies each statement's postings to the balances, one UPDATE per account, in account order.
-- The floor CHECK on account_balances rejects a crossing under the row lock.
CREATE FUNCTION ledger_apply_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE account_balances AS b
        SET balance = b.balance + d.delta,
            last_sequence = greatest(b.last_sequence, d.last_sequence)
        FROM (SELECT alliance_id, account_id, sum(amount)::bigint AS delta,
                     max(entry_sequence) AS last_sequence
              FROM inserted GROUP BY alliance_id, account_id) AS d
        WHERE b.alliance_id = d.alliance_id AND b.account_id = d.account_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER postings_apply AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings();

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

GRANT SELECT ON journal_entries, postings TO alliance_ledger_service;

-- The service's write path --------------------------------------------------------------------

-- Locks an alliance's chain head for the rest of the transaction and returns it with the
-- transaction's time, which every entry appended in the transaction records.
CREATE FUNCTION ledger_lock_head(p_alliance_id bigint)
RETURNS TABLE (sequence bigint, hash bytea, recorded_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT h.sequence, h.hash, now() FROM journal_heads AS h
        WHERE h.alliance_id = p_alliance_id FOR UPDATE
$$;

-- Appends entries and their postings, given as parallel arrays (one element per entry, and one
-- per posting with the sequence of its entry). The service role can write the journal only
-- through this function, so postings can only arrive together with their entry.
CREATE FUNCTION ledger_append(
    p_alliance_id bigint,
    p_sequences bigint[], p_kinds text[], p_effective_on date[], p_recorded_at timestamptz,
    p_recorded_by text[], p_descriptions text[], p_metadata jsonb[], p_idempotency_keys text[],
    p_request_hashes bytea[], p_reverses bigint[], p_previous_hashes bytea[], p_hashes bytea[],
    p_posting_sequences bigint[], p_posting_lines smallint[], p_posting_accounts bigint[],
    p_posting_amounts bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_recorded_at <> now() THEN
        RAISE EXCEPTION 'entries record the time of the transaction that appends them'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entries_recorded_now';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_posting_sequences) AS s WHERE s <> ALL (p_sequences)) THEN
        RAISE EXCEPTION 'a posting belongs to no entry of this append'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'postings_entry_fkey';
    END IF;
    INSERT INTO journal_entries (
        alliance_id, sequence, kind, effective_on, recorded_at, recorded_by, description,
        metadata, idempotency_key, request_hash, reverses, previous_hash, hash)
    SELECT p_alliance_id, e.sequence, e.kind, e.effective_on, p_recorded_at, e.recorded_by,
           e.description, e.metadata, e.idempotency_key, e.request_hash, e.reverses,
           e.previous_hash, e.hash
    FROM unnest(p_sequences, p_kinds, p_effective_on, p_recorded_by, p_descriptions, p_metadata,
                p_idempotency_keys, p_request_hashes, p_reverses, p_previous_hashes, p_hashes)
        AS e (sequence, kind, effective_on, recorded_by, description, metadata, idempotency_key,
              request_hash, reverses, previous_hash, hash)
    ORDER BY e.sequence;
    INSERT INTO postings (alliance_id, entry_sequence, line, account_id, amount)
    SELECT p_alliance_id, p.sequence, p.line, p.account_id, p.amount
    FROM unnest(p_posting_sequences, p_posting_lines, p_posting_accounts, p_posting_amounts)
        AS p (sequence, line, account_id, amount)
    ORDER BY p.sequence, p.line;
END
$$;

REVOKE ALL ON FUNCTION ledger_lock_head(bigint), ledger_append(
    bigint, bigint[], text[], date[], timestamptz, text[], text[], jsonb[], text[], bytea[],
    bigint[], bytea[], bytea[], bigint[], smallint[], bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_lock_head(bigint), ledger_append(
    bigint, bigint[], text[], date[], timestamptz, text[], text[], jsonb[], text[], bytea[],
    bigint[], bytea[], bytea[], bigint[], smallint[], bigint[], bigint[])
    TO alliance_ledger_service;
