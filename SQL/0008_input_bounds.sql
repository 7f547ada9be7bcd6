-- Bounds on what requests may store, the same as the library checks first, so that the
-- database never refuses what the library let through with an error no one can act on.

-- E-mail addresses are up to 254 characters (RFC 5321), and the journal records who recorded an
-- entry by their address: recorded_by held only 200, so a person with a longer address could be
-- added but could not record spend. The check is widened, never narrowed, so every entry
-- recorded so far still satisfies it.
ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_recorded_by_length,
    ADD CONSTRAINT journal_entries_recorded_by_length CHECK (length(recorded_by) BETWEEN 1 AND 254);

-- decision_open refused a decision without electorate as a bare check_violation, which could
-- not be told from a title or description beyond its limits: the refusal now names a
-- constraint of its own. Otherwise as in 0005.
CREATE OR REPLACE FUNCTION decision_open(
    p_alliance_id bigint, p_title text, p_description text, p_action jsonb, p_proposer_id bigint,
    p_proposed_at timestamptz, p_closes_at timestamptz)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_number integer;
    v_id bigint;
    v_day date := (p_proposed_at AT TIME ZONE 'UTC')::date;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM person_roles WHERE alliance_id = p_alliance_id
                   AND person_id = p_proposer_id AND role = 'board') THEN
        RAISE EXCEPTION 'only a board member may propose a decision'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO decision_counters AS c (alliance_id, last_number) VALUES (p_alliance_id, 1)
        ON CONFLICT (alliance_id) DO UPDATE SET last_number = c.last_number + 1
        RETURNING last_number INTO v_number;
    INSERT INTO decisions (alliance_id, number, title, description, action, proposer_id, proposed_at,
                           closes_at, abstention)
    SELECT p_alliance_id, v_number, p_title, p_description, p_action, p_proposer_id, p_proposed_at,
           p_closes_at, a.abstention
    FROM alliances AS a WHERE a.id = p_alliance_id
    RETURNING id INTO v_id;
    INSERT INTO decision_electorate (alliance_id, decision_id, partner_id)
    SELECT p_alliance_id, v_id, p.id FROM partners AS p
    WHERE p.alliance_id = p_alliance_id AND p.joined_on <= v_day
      AND (p.left_on IS NULL OR p.left_on >= v_day);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the alliance has no current partners to vote'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_electorate_present';
    END IF;
    RETURN v_id;
END
$$;

-- Days are years 1 to 9999 everywhere: what YYYY-MM-DD can write, and what the program reads
-- and writes. PostgreSQL itself would take 4713 BC to 5874897 AD, and a year 0 sent to it is 1
-- BC. The checks are NOT VALID: history cannot be rewritten, so rows from before this migration
-- are left as they are, and every new or changed row is checked.
ALTER TABLE alliances
    ADD CONSTRAINT alliances_contract_start_years
        CHECK (contract_start BETWEEN '0001-01-01' AND '9999-12-31') NOT VALID,
    ADD CONSTRAINT alliances_contract_end_years
        CHECK (contract_end BETWEEN '0001-01-01' AND '9999-12-31') NOT VALID;
ALTER TABLE partners
    ADD CONSTRAINT partners_joined_years CHECK (joined_on BETWEEN '0001-01-01' AND '9999-12-31') NOT VALID,
    ADD CONSTRAINT partners_left_years CHECK (left_on BETWEEN '0001-01-01' AND '9999-12-31') NOT VALID;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_effective_years
    CHECK (effective_on BETWEEN '0001-01-01' AND '9999-12-31') NOT VALID;
ALTER TABLE decisions ADD CONSTRAINT decisions_closes_years
    CHECK (closes_at < '10000-01-01 00:00:00+00') NOT VALID;

-- One amount is at most 10,000,000,000.00 in a currency of two decimals: 1e12 minor units, far
-- above any real invoice or budget line, yet small enough that over nine thousand of them sum
-- within 2^53 - 1, the largest integer a JSON reader holds exactly. The library refuses larger
-- amounts first (Money.maximumAmount); here no posting, budget figure, pool, cap or fee can
-- hold one either, whoever writes it. Like the date checks, NOT VALID leaves earlier rows alone.
ALTER TABLE postings ADD CONSTRAINT postings_amount_bound
    CHECK (amount BETWEEN -1000000000000 AND 1000000000000) NOT VALID;
ALTER TABLE budgets ADD CONSTRAINT budgets_amount_bound CHECK (amount <= 1000000000000) NOT VALID;
ALTER TABLE budget_changes ADD CONSTRAINT budget_changes_amount_bound
    CHECK (amount <= 1000000000000) NOT VALID;
ALTER TABLE outcome_terms ADD CONSTRAINT outcome_terms_pool_bound CHECK (pool <= 1000000000000) NOT VALID;
ALTER TABLE risk_share_terms ADD CONSTRAINT risk_share_terms_caps_bound
    CHECK (gain_cap <= 1000000000000 AND pain_cap <= 1000000000000) NOT VALID;
ALTER TABLE risk_share_partner_sides ADD CONSTRAINT risk_share_partner_sides_amounts_bound
    CHECK (gain_cap <= 1000000000000 AND pain_cap <= 1000000000000 AND fee <= 1000000000000) NOT VALID;
