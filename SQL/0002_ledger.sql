-- The ledger: accounts, an append-only hash-chained journal of balanced entries, and balances
-- kept current in the same transaction as the postings that change them.
--
-- Every invariant is enforced here as well as in the Swift library:
--   * an entry's postings sum to zero and number at least two, and arrive with the entry;
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
    -- When the last entry was recorded: the next may not be recorded earlier.
    recorded_at timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00',
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

-- journal_entries and postings carry no per-row foreign keys: a foreign key checks each row
-- with a query of its own, which dominated the cost of an append. The statement-level
-- triggers below check the same references once per statement, for the whole batch.
CREATE TABLE journal_entries (
    alliance_id bigint NOT NULL,
    -- 1, 2, 3, ... per alliance, without gaps, in the order of the chain.
    sequence bigint NOT NULL,
    kind text NOT NULL,
    -- The day the business event belongs to (balances "as of" a date use it).
    effective_on date NOT NULL,
    -- When it was recorded, by the service's clock: never earlier than the entry before it, and
    -- never more than a minute ahead of the database's clock.
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
    CONSTRAINT postings_amount_nonzero CHECK (amount <> 0),
    CONSTRAINT postings_line_positive CHECK (line > 0)
);

CREATE INDEX postings_account_history ON postings (alliance_id, account_id, entry_sequence)
    INCLUDE (amount);

-- Raises a check violation naming `constraint`.
CREATE FUNCTION ledger_refuse(constraint_name text, message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = constraint_name;
END
$$;

-- After each statement that inserts entries, for all of them at once:
--   * the entries of each alliance continue its chain: sequences head+1, head+2, ... and each
--     previous_hash is the hash before it (the head's, for the first);
--   * recording times never go backwards along a chain, nor run ahead of the database's clock
--     by more than a minute;
--   * each entry has at least two postings, summing to zero (postings_apply makes sure they
--     all arrive in the same statement as their entry: INSERT them together, as ledger_append
--     does with a data-modifying WITH);
--   * a reversal mirrors the entry it reverses exactly, and no reversal is itself reversed;
-- then each alliance's head moves to its last new entry. The heads stay locked until the
-- transaction ends, so appends to one alliance are serialised and the chain's order is the
-- order of commits.
--
-- The transition table is read once; everything else is a primary-key lookup in a loop.
-- Queries on a transition table are planned afresh on every call, and set-based queries with
-- array parameters got cached plans that scanned a whole alliance; these lookups keep cheap,
-- correct plans for the session.
CREATE FUNCTION ledger_check_entries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    entry record;
    head journal_heads%ROWTYPE;
    current_alliance bigint;
    posting_count bigint;
    posting_total numeric;
    reversed_kind text;
BEGIN
    FOR entry IN
        SELECT alliance_id, sequence, previous_hash, hash, recorded_at, reverses
        FROM inserted ORDER BY alliance_id, sequence
    LOOP
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
        SELECT count(*), coalesce(sum(amount), 0) INTO posting_count, posting_total
            FROM postings WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.sequence;
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
            SELECT kind INTO reversed_kind FROM journal_entries
                WHERE alliance_id = entry.alliance_id AND sequence = entry.reverses;
            IF reversed_kind = 'reversal' THEN
                PERFORM ledger_refuse('journal_entries_no_reversal_of_reversal',
                    format('entry %s reverses entry %s, itself a reversal', entry.sequence, entry.reverses));
            END IF;
            IF EXISTS (
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
                    WHERE alliance_id = entry.alliance_id AND entry_sequence = entry.sequence))
            THEN
                PERFORM ledger_refuse('journal_entries_reversal_mirrors',
                    format('entry %s does not exactly negate entry %s', entry.sequence, entry.reverses));
            END IF;
        END IF;
        head.sequence := entry.sequence;
        head.hash := entry.hash;
        head.recorded_at := entry.recorded_at;
    END LOOP;
    IF current_alliance IS NOT NULL THEN
        UPDATE journal_heads SET sequence = head.sequence, hash = head.hash, recorded_at = head.recorded_at
            WHERE alliance_id = current_alliance;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER journal_entries_check AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_entries();

-- After each statement that inserts postings, for all of them at once: each belongs to an
-- entry, and to one whose postings all arrive in this statement (no adding to an entry later);
-- each names an account of its alliance; and the balances move, one UPDATE per account in
-- account order, under the floor CHECK of account_balances.
CREATE FUNCTION ledger_apply_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item record;
    recorded bigint;
BEGIN
    FOR item IN
        SELECT alliance_id, entry_sequence, count(*) AS postings FROM inserted
        GROUP BY alliance_id, entry_sequence
    LOOP
        SELECT count(*) INTO recorded FROM postings
            WHERE alliance_id = item.alliance_id AND entry_sequence = item.entry_sequence;
        IF recorded <> item.postings OR NOT EXISTS (
            SELECT 1 FROM journal_entries WHERE alliance_id = item.alliance_id AND sequence = item.entry_sequence)
        THEN
            PERFORM ledger_refuse('postings_with_their_entry',
                format('postings for entry %s of alliance %s must be inserted with the entry',
                       item.entry_sequence, item.alliance_id));
        END IF;
    END LOOP;
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

CREATE TRIGGER postings_apply AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings();

REVOKE ALL ON FUNCTION ledger_refuse(text, text) FROM PUBLIC;

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

-- Locks the chain heads of the given alliances, in id order, for the rest of the transaction,
-- and returns them with the database's clock. With p_skip_locked, a head another transaction
-- holds is skipped rather than waited for, so that a busy alliance never holds up the others.
CREATE FUNCTION ledger_lock_heads(p_alliance_ids bigint[], p_skip_locked boolean)
RETURNS TABLE (alliance_id bigint, sequence bigint, hash bytea, recorded_at timestamptz,
               clock timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_skip_locked THEN
        RETURN QUERY SELECT h.alliance_id, h.sequence, h.hash, h.recorded_at, now()
            FROM journal_heads AS h
            WHERE h.alliance_id = ANY (p_alliance_ids) ORDER BY h.alliance_id FOR UPDATE SKIP LOCKED;
    ELSE
        RETURN QUERY SELECT h.alliance_id, h.sequence, h.hash, h.recorded_at, now()
            FROM journal_heads AS h
            WHERE h.alliance_id = ANY (p_alliance_ids) ORDER BY h.alliance_id FOR UPDATE;
    END IF;
END
$$;

-- Appends entries and their postings in one statement, given as parallel arrays (one element
-- per entry, and one per posting with the alliance and sequence of its entry). The service
-- role writes the journal only through this function. PL/pgSQL rather than SQL, so that the
-- statement's plan is kept for the session.
CREATE FUNCTION ledger_append(
    p_alliance_ids bigint[], p_sequences bigint[], p_kinds text[], p_effective_on date[],
    p_recorded_at timestamptz[], p_recorded_by text[], p_descriptions text[], p_metadata jsonb[],
    p_idempotency_keys text[], p_request_hashes bytea[], p_reverses bigint[],
    p_previous_hashes bytea[], p_hashes bytea[],
    p_posting_alliance_ids bigint[], p_posting_sequences bigint[], p_posting_lines smallint[],
    p_posting_accounts bigint[], p_posting_amounts bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    WITH new_entries AS (
        INSERT INTO journal_entries (
            alliance_id, sequence, kind, effective_on, recorded_at, recorded_by, description,
            metadata, idempotency_key, request_hash, reverses, previous_hash, hash)
        SELECT e.alliance_id, e.sequence, e.kind, e.effective_on, e.recorded_at, e.recorded_by,
               e.description, e.metadata, e.idempotency_key, e.request_hash, e.reverses,
               e.previous_hash, e.hash
        FROM unnest(p_alliance_ids, p_sequences, p_kinds, p_effective_on, p_recorded_at,
                    p_recorded_by, p_descriptions, p_metadata, p_idempotency_keys,
                    p_request_hashes, p_reverses, p_previous_hashes, p_hashes)
            AS e (alliance_id, sequence, kind, effective_on, recorded_at, recorded_by, description,
                  metadata, idempotency_key, request_hash, reverses, previous_hash, hash)
        RETURNING 1
    )
    INSERT INTO postings (alliance_id, entry_sequence, line, account_id, amount)
    SELECT p.alliance_id, p.sequence, p.line, p.account_id, p.amount
    FROM unnest(p_posting_alliance_ids, p_posting_sequences, p_posting_lines, p_posting_accounts,
                p_posting_amounts)
        AS p (alliance_id, sequence, line, account_id, amount);
END
$$;

REVOKE ALL ON FUNCTION ledger_lock_heads(bigint[], boolean), ledger_append(
    bigint[], bigint[], text[], date[], timestamptz[], text[], text[], jsonb[], text[], bytea[],
    bigint[], bytea[], bytea[], bigint[], bigint[], smallint[], bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_lock_heads(bigint[], boolean), ledger_append(
    bigint[], bigint[], text[], date[], timestamptz[], text[], text[], jsonb[], text[], bytea[],
    bigint[], bytea[], bytea[], bigint[], bigint[], smallint[], bigint[], bigint[])
    TO alliance_ledger_service;
