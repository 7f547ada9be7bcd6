-- Who takes part in an alliance and what it plans to spend: partners, budget lines, people
-- and their roles, API tokens, and budgets with their history. Spend itself is journal entries
-- of kind 'spend' (SQL/0002_ledger.sql); this file adds the index that finds them by partner
-- and external reference.
--
-- The service's role may add partners, lines, people, roles and tokens, and mark tokens used
-- or revoked; it cannot change or delete anything else. Budgets change only through
-- budgets_apply(), which the decisions of the alliance board call when carried.

CREATE TABLE partners (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    slug text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    joined_on date NOT NULL,
    left_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, id),
    CONSTRAINT partners_slug_key UNIQUE (alliance_id, slug),
    CONSTRAINT partners_slug_format CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    CONSTRAINT partners_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT partners_kind CHECK (
        kind IN ('commissioner', 'nhs-provider', 'local-authority', 'vcse', 'other')),
    CONSTRAINT partners_left_after_joining CHECK (left_on >= joined_on)
);

CREATE TABLE budget_lines (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    code text NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, id),
    CONSTRAINT budget_lines_code_key UNIQUE (alliance_id, code),
    -- Codes appear in account codes (partner:<slug>:cost:<CODE>), so they are kept plain.
    CONSTRAINT budget_lines_code_format CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    CONSTRAINT budget_lines_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200)
);

CREATE TABLE people (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    name text NOT NULL,
    email text NOT NULL,
    partner_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    CONSTRAINT people_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT people_email_format CHECK (
        length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$')
);
CREATE UNIQUE INDEX people_email_key ON people (alliance_id, lower(email));

CREATE TABLE person_roles (
    alliance_id bigint NOT NULL,
    person_id bigint NOT NULL,
    role text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, person_id, role),
    FOREIGN KEY (alliance_id, person_id) REFERENCES people (alliance_id, id),
    CONSTRAINT person_roles_role CHECK (role IN ('admin', 'finance', 'board', 'auditor'))
);

-- A token is shown once and kept only as its SHA-256. Operator tokens belong to no alliance:
-- they create alliances and their first people.
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alliance_id bigint,
    person_id bigint,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    FOREIGN KEY (alliance_id, person_id) REFERENCES people (alliance_id, id),
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_hash_length CHECK (length(token_hash) = 32),
    CONSTRAINT api_tokens_owner CHECK ((alliance_id IS NULL) = (person_id IS NULL)),
    CONSTRAINT api_tokens_revoked_after_creation CHECK (revoked_at >= created_at)
);
CREATE INDEX api_tokens_person ON api_tokens (alliance_id, person_id);

-- The figure currently set for each (financial year, partner, line), and every change to it.
-- decision_id names the decision that set it (the decisions migration adds the reference).
CREATE TABLE budgets (
    alliance_id bigint NOT NULL,
    financial_year integer NOT NULL,
    partner_id bigint NOT NULL,
    budget_line_id bigint NOT NULL,
    amount bigint NOT NULL,
    decision_id bigint,
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, financial_year, partner_id, budget_line_id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    FOREIGN KEY (alliance_id, budget_line_id) REFERENCES budget_lines (alliance_id, id),
    CONSTRAINT budgets_year CHECK (financial_year BETWEEN 1900 AND 9999),
    CONSTRAINT budgets_amount_not_negative CHECK (amount >= 0)
);

CREATE TABLE budget_changes (
    alliance_id bigint NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    financial_year integer NOT NULL,
    partner_id bigint NOT NULL,
    budget_line_id bigint NOT NULL,
    previous bigint,
    amount bigint NOT NULL,
    decision_id bigint,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    FOREIGN KEY (alliance_id, budget_line_id) REFERENCES budget_lines (alliance_id, id),
    CONSTRAINT budget_changes_amount_not_negative CHECK (amount >= 0)
);
CREATE INDEX budget_changes_year ON budget_changes (alliance_id, financial_year, id);

-- Sets the listed figures of one financial year and records each change, in one statement.
-- Figures not listed stay as they are.
CREATE FUNCTION budgets_apply(
    p_alliance_id bigint, p_financial_year integer, p_partner_ids bigint[],
    p_budget_line_ids bigint[], p_amounts bigint[], p_decision_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    WITH figures AS (
        SELECT f.partner_id, f.budget_line_id, f.amount
        FROM unnest(p_partner_ids, p_budget_line_ids, p_amounts) AS f (partner_id, budget_line_id, amount)
    ), changes AS (
        INSERT INTO budget_changes (
            alliance_id, financial_year, partner_id, budget_line_id, previous, amount, decision_id)
        SELECT p_alliance_id, p_financial_year, f.partner_id, f.budget_line_id, b.amount, f.amount,
               p_decision_id
        FROM figures AS f
        LEFT JOIN budgets AS b ON b.alliance_id = p_alliance_id AND b.financial_year = p_financial_year
            AND b.partner_id = f.partner_id AND b.budget_line_id = f.budget_line_id
        RETURNING 1
    )
    INSERT INTO budgets (alliance_id, financial_year, partner_id, budget_line_id, amount, decision_id)
    SELECT p_alliance_id, p_financial_year, f.partner_id, f.budget_line_id, f.amount, p_decision_id
    FROM figures AS f
    ON CONFLICT (alliance_id, financial_year, partner_id, budget_line_id) DO UPDATE
        SET amount = excluded.amount, decision_id = excluded.decision_id, set_at = now();
END
$$;

-- History stays: only budgets_apply() may move a figure, and nothing deletes.
CREATE TRIGGER budget_changes_append_only BEFORE UPDATE OR DELETE ON budget_changes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER budget_changes_no_truncate BEFORE TRUNCATE ON budget_changes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER budgets_no_delete BEFORE DELETE ON budgets
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER budgets_no_truncate BEFORE TRUNCATE ON budgets
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER partners_no_delete BEFORE DELETE ON partners
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER budget_lines_no_delete BEFORE DELETE ON budget_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Spend entries by partner and external reference: how an import finds what it already
-- recorded.
CREATE INDEX journal_entries_spend_reference ON journal_entries (
    alliance_id, (metadata ->> 'partner'), (metadata ->> 'reference'))
    WHERE kind = 'spend';

REVOKE ALL ON partners, budget_lines, people, person_roles, api_tokens, budgets, budget_changes
    FROM PUBLIC;
GRANT SELECT, INSERT ON partners, budget_lines, people, person_roles, api_tokens
    TO alliance_ledger_service;
GRANT UPDATE (last_used_at, revoked_at) ON api_tokens TO alliance_ledger_service;
GRANT SELECT ON budgets, budget_changes TO alliance_ledger_service;
REVOKE ALL ON FUNCTION budgets_apply(bigint, integer, bigint[], bigint[], bigint[], bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION budgets_apply(bigint, integer, bigint[], bigint[], bigint[], bigint)
    TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE partners_id_seq, budget_lines_id_seq, people_id_seq, api_tokens_id_seq
    TO alliance_ledger_service;
