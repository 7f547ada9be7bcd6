-- Decisions of the alliance board: one vote per partner, carried only when the alliance's rule
-- of unanimity is met, and a carried decision's action applied in the same transaction.
--
-- The database holds the rules as well as the library:
-- - a decision opens through decision_open(), which numbers it and fixes its electorate (the
--   partners current on the day it opens), so no one can choose who votes;
-- - a vote is refused unless the decision is open, the partner is in the electorate and the
--   person is one of the partner's board members; votes are never changed or deleted;
-- - a decision's text, action and closing time never change; its state moves only from open,
--   to carried or failed when the rule is met, to rejected or lapsed at the closing time, or to
--   withdrawn by its proposer;
-- - budgets and partners' leaving dates change only through functions that require a carried
--   decision whose action says so, and apply it only once.

-- The rule each decision keeps: what the alliance's abstention setting was when it opened.
CREATE FUNCTION decision_rule_met(
    p_abstention text, p_electorate integer, p_approvals integer, p_objections integer,
    p_abstentions integer)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_abstention
        WHEN 'blocks' THEN p_electorate > 0 AND p_approvals = p_electorate
        ELSE p_objections = 0 AND p_approvals >= 1 AND p_approvals + p_abstentions = p_electorate
    END
$$;

CREATE TABLE decision_counters (
    alliance_id bigint PRIMARY KEY REFERENCES alliances (id),
    last_number integer NOT NULL
);

CREATE TABLE decisions (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    -- D-0001, D-0002, … within the alliance.
    number integer NOT NULL,
    title text NOT NULL,
    description text NOT NULL,
    -- NULL: a resolution recorded for the minutes, which changes nothing.
    action jsonb,
    proposer_id bigint NOT NULL,
    proposed_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    abstention text NOT NULL,
    state text NOT NULL DEFAULT 'open',
    closed_at timestamptz,
    -- Why a carried action could not apply.
    failure text,
    withdrawn_by bigint,
    PRIMARY KEY (alliance_id, id),
    CONSTRAINT decisions_number_key UNIQUE (alliance_id, number),
    FOREIGN KEY (alliance_id, proposer_id) REFERENCES people (alliance_id, id),
    CONSTRAINT decisions_number_positive CHECK (number > 0),
    CONSTRAINT decisions_title_present CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    CONSTRAINT decisions_description_length CHECK (length(description) <= 10000),
    CONSTRAINT decisions_action_type CHECK (
        action IS NULL OR action ->> 'type' IN (
            'budget.set', 'partner.admit', 'partner.remove', 'riskShare.setTerms',
            'outcomes.setTerms', 'outcomePayments.approve', 'riskShare.settle')),
    CONSTRAINT decisions_closes_after_opening CHECK (closes_at > proposed_at),
    CONSTRAINT decisions_abstention CHECK (abstention IN ('blocks', 'stands-aside')),
    CONSTRAINT decisions_state CHECK (
        state IN ('open', 'carried', 'rejected', 'lapsed', 'withdrawn', 'failed')),
    CONSTRAINT decisions_closed_when_not_open CHECK ((state = 'open') = (closed_at IS NULL)),
    CONSTRAINT decisions_closed_after_opening CHECK (closed_at >= proposed_at),
    CONSTRAINT decisions_failure_only_when_failed CHECK ((state = 'failed') = (failure IS NOT NULL)),
    CONSTRAINT decisions_withdrawn_by_proposer CHECK (
        (state = 'withdrawn') = (withdrawn_by IS NOT NULL) AND withdrawn_by = proposer_id),
    CONSTRAINT decisions_deadline_outcomes CHECK (
        state NOT IN ('rejected', 'lapsed') OR closed_at >= closes_at)
);
CREATE INDEX decisions_open ON decisions (closes_at) WHERE state = 'open';
CREATE INDEX decisions_state ON decisions (alliance_id, state, id);

-- The partners entitled to vote: fixed when the decision opens.
CREATE TABLE decision_electorate (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    partner_id bigint NOT NULL,
    PRIMARY KEY (alliance_id, decision_id, partner_id),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id)
);

-- Every vote and every change of vote. A partner's latest vote counts; two votes of one
-- partner at the same instant would leave "latest" undecided, so they are refused.
CREATE TABLE decision_votes (
    alliance_id bigint NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    decision_id bigint NOT NULL,
    partner_id bigint NOT NULL,
    person_id bigint NOT NULL,
    vote text NOT NULL,
    reason text,
    cast_at timestamptz NOT NULL,
    PRIMARY KEY (alliance_id, id),
    CONSTRAINT decision_votes_one_per_instant UNIQUE (alliance_id, decision_id, partner_id, cast_at),
    FOREIGN KEY (alliance_id, decision_id, partner_id)
        REFERENCES decision_electorate (alliance_id, decision_id, partner_id),
    FOREIGN KEY (alliance_id, person_id) REFERENCES people (alliance_id, id),
    CONSTRAINT decision_votes_vote CHECK (vote IN ('approve', 'object', 'abstain')),
    CONSTRAINT decision_votes_reason_length CHECK (length(reason) BETWEEN 1 AND 2000),
    CONSTRAINT decision_votes_objection_reason CHECK (vote <> 'object' OR btrim(reason) <> '')
);

-- The latest vote of each partner of the electorate: what counts.
CREATE FUNCTION decision_tally(p_alliance_id bigint, p_decision_id bigint,
    OUT electorate integer, OUT approvals integer, OUT objections integer, OUT abstentions integer)
LANGUAGE sql STABLE AS $$
    WITH latest AS (
        SELECT DISTINCT ON (partner_id) vote
        FROM decision_votes
        WHERE alliance_id = p_alliance_id AND decision_id = p_decision_id
        ORDER BY partner_id, cast_at DESC, id DESC
    )
    SELECT (SELECT count(*)::integer FROM decision_electorate
            WHERE alliance_id = p_alliance_id AND decision_id = p_decision_id),
           count(*) FILTER (WHERE vote = 'approve')::integer,
           count(*) FILTER (WHERE vote = 'object')::integer,
           count(*) FILTER (WHERE vote = 'abstain')::integer
    FROM latest
$$;

-- Opens a decision: numbers it within the alliance and fixes its electorate, the partners
-- current on the day it opens. The proposer must be a board member.
CREATE FUNCTION decision_open(
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
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN v_id;
END
$$;

-- A vote is taken only while the decision is open and before it closes, from a board member of
-- a partner of the electorate, for that partner.
CREATE FUNCTION decision_votes_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_decision decisions%ROWTYPE;
BEGIN
    SELECT * INTO v_decision FROM decisions
    WHERE alliance_id = NEW.alliance_id AND id = NEW.decision_id FOR UPDATE;
    IF v_decision.state <> 'open' OR NEW.cast_at >= v_decision.closes_at
       OR NEW.cast_at < v_decision.proposed_at THEN
        RAISE EXCEPTION 'decision % is not open for votes', NEW.decision_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_votes_while_open';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM people AS p
        JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id AND r.role = 'board'
        WHERE p.alliance_id = NEW.alliance_id AND p.id = NEW.person_id AND p.partner_id = NEW.partner_id)
    THEN
        RAISE EXCEPTION 'person % is not a board member of partner %', NEW.person_id, NEW.partner_id
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'decision_votes_own_partner';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER decision_votes_check BEFORE INSERT ON decision_votes
    FOR EACH ROW EXECUTE FUNCTION decision_votes_check();

-- What a decision may become, and when.
CREATE FUNCTION decisions_check_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_tally record;
    v_met boolean;
BEGIN
    IF (NEW.alliance_id, NEW.id, NEW.number, NEW.title, NEW.description, NEW.proposer_id,
        NEW.proposed_at, NEW.closes_at, NEW.abstention)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.number, OLD.title, OLD.description,
        OLD.proposer_id, OLD.proposed_at, OLD.closes_at, OLD.abstention)
       OR NEW.action IS DISTINCT FROM OLD.action THEN
        RAISE EXCEPTION 'a decision''s text, action and closing time cannot change once open'
            USING ERRCODE = 'insufficient_privilege', HINT = 'withdraw it and propose anew';
    END IF;
    IF OLD.state <> 'open' THEN
        RAISE EXCEPTION 'decision % is % and cannot change', OLD.id, OLD.state
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO v_tally FROM decision_tally(NEW.alliance_id, NEW.id);
    v_met := decision_rule_met(NEW.abstention, v_tally.electorate, v_tally.approvals,
                               v_tally.objections, v_tally.abstentions);
    IF NEW.state IN ('carried', 'failed') AND NOT v_met THEN
        RAISE EXCEPTION 'decision % cannot be %: not every partner agrees', NEW.id, NEW.state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decisions_carried_by_rule';
    END IF;
    IF NEW.state IN ('carried', 'failed') AND NEW.closed_at >= NEW.closes_at THEN
        RAISE EXCEPTION 'decision % closed at %', NEW.id, NEW.closes_at
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decisions_carried_by_rule';
    END IF;
    IF NEW.state = 'rejected' AND NOT (v_tally.objections > 0
        OR (NEW.abstention = 'blocks' AND v_tally.abstentions > 0)) THEN
        RAISE EXCEPTION 'decision % cannot be rejected: no partner objected or blocked', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decisions_rejected_by_votes';
    END IF;
    IF NEW.state = 'lapsed' AND (v_met OR v_tally.objections > 0
        OR (NEW.abstention = 'blocks' AND v_tally.abstentions > 0)) THEN
        RAISE EXCEPTION 'decision % cannot lapse: its votes decide it', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'decisions_lapsed_by_silence';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER decisions_check_change BEFORE UPDATE ON decisions
    FOR EACH ROW EXECUTE FUNCTION decisions_check_change();
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER decision_electorate_append_only BEFORE UPDATE OR DELETE ON decision_electorate
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER decision_electorate_no_truncate BEFORE TRUNCATE ON decision_electorate
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER decision_votes_append_only BEFORE UPDATE OR DELETE ON decision_votes
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER decision_votes_no_truncate BEFORE TRUNCATE ON decision_votes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Raises unless the decision is carried with an action of `p_type`: the guard of every function
-- that applies an action.
CREATE FUNCTION decision_require_carried(p_alliance_id bigint, p_decision_id bigint, p_type text)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM decisions WHERE alliance_id = p_alliance_id AND id = p_decision_id
                   AND state = 'carried' AND action ->> 'type' = p_type) THEN
        RAISE EXCEPTION 'only a carried % decision may do this', p_type
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'decision_carried';
    END IF;
END
$$;

-- Budgets: every figure names the carried decision that set it, applied once. -----------------

ALTER TABLE budgets ALTER COLUMN decision_id SET NOT NULL,
    ADD FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id);
ALTER TABLE budget_changes ALTER COLUMN decision_id SET NOT NULL,
    ADD FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id);
CREATE INDEX budget_changes_decision ON budget_changes (alliance_id, decision_id);

CREATE OR REPLACE FUNCTION budgets_apply(
    p_alliance_id bigint, p_financial_year integer, p_partner_ids bigint[],
    p_budget_line_ids bigint[], p_amounts bigint[], p_decision_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'budget.set');
    IF EXISTS (SELECT 1 FROM budget_changes
               WHERE alliance_id = p_alliance_id AND decision_id = p_decision_id) THEN
        RAISE EXCEPTION 'decision % has already set its budget', p_decision_id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'budget_changes_once_per_decision';
    END IF;
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

-- Partners admitted and removed by decisions. -------------------------------------------------

ALTER TABLE partners ADD COLUMN admitted_by bigint, ADD COLUMN removed_by bigint,
    ADD FOREIGN KEY (alliance_id, admitted_by) REFERENCES decisions (alliance_id, id),
    ADD FOREIGN KEY (alliance_id, removed_by) REFERENCES decisions (alliance_id, id),
    ADD CONSTRAINT partners_removed_by_decision CHECK (removed_by IS NULL OR left_on IS NOT NULL);

-- The service may add partners (an admin setting up the alliance, or a partner.admit decision)
-- but not change them; admission by decision is checked here.
CREATE FUNCTION partners_check_admission() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.admitted_by IS NOT NULL THEN
        PERFORM decision_require_carried(NEW.alliance_id, NEW.admitted_by, 'partner.admit');
    END IF;
    IF NEW.removed_by IS NOT NULL THEN
        RAISE EXCEPTION 'a partner is removed after joining, not on joining'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER partners_check_admission BEFORE INSERT ON partners
    FOR EACH ROW EXECUTE FUNCTION partners_check_admission();

-- Sets a partner's leaving date: only a carried partner.remove decision, and only once.
CREATE FUNCTION partners_remove(
    p_alliance_id bigint, p_partner_id bigint, p_left_on date, p_decision_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'partner.remove');
    UPDATE partners SET left_on = p_left_on, removed_by = p_decision_id
    WHERE alliance_id = p_alliance_id AND id = p_partner_id AND left_on IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'partner % has already left', p_partner_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'partners_leave_once';
    END IF;
END
$$;

-- Risk/reward share terms of a financial year: each partner's share of a gain and of a pain in
-- basis points (each side summing to 10000), with optional caps. The terms in force for a year
-- are those of the latest carried decision that set them.
CREATE TABLE risk_share_terms (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    financial_year integer NOT NULL,
    partner_id bigint NOT NULL,
    gain_share integer NOT NULL,
    pain_share integer NOT NULL,
    gain_cap bigint,
    pain_cap bigint,
    PRIMARY KEY (alliance_id, decision_id, partner_id),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    CONSTRAINT risk_share_terms_year CHECK (financial_year BETWEEN 1900 AND 9999),
    CONSTRAINT risk_share_terms_shares CHECK (
        gain_share BETWEEN 0 AND 10000 AND pain_share BETWEEN 0 AND 10000),
    CONSTRAINT risk_share_terms_caps CHECK (gain_cap >= 0 AND pain_cap >= 0)
);
CREATE INDEX risk_share_terms_year ON risk_share_terms (alliance_id, financial_year, decision_id);

CREATE FUNCTION risk_share_set_terms(
    p_alliance_id bigint, p_financial_year integer, p_partner_ids bigint[], p_gain_shares integer[],
    p_pain_shares integer[], p_gain_caps bigint[], p_pain_caps bigint[], p_decision_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'riskShare.setTerms');
    IF (SELECT sum(s) FROM unnest(p_gain_shares) AS s) IS DISTINCT FROM 10000
       OR (SELECT sum(s) FROM unnest(p_pain_shares) AS s) IS DISTINCT FROM 10000 THEN
        RAISE EXCEPTION 'gain shares and pain shares must each sum to 10000 basis points'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'risk_share_terms_sum';
    END IF;
    INSERT INTO risk_share_terms (alliance_id, decision_id, financial_year, partner_id, gain_share,
                                  pain_share, gain_cap, pain_cap)
    SELECT p_alliance_id, p_decision_id, p_financial_year, t.partner_id, t.gain_share, t.pain_share,
           t.gain_cap, t.pain_cap
    FROM unnest(p_partner_ids, p_gain_shares, p_pain_shares, p_gain_caps, p_pain_caps)
        AS t (partner_id, gain_share, pain_share, gain_cap, pain_cap);
END
$$;

CREATE TRIGGER risk_share_terms_append_only BEFORE UPDATE OR DELETE ON risk_share_terms
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER risk_share_terms_no_truncate BEFORE TRUNCATE ON risk_share_terms
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON decision_counters, decisions, decision_electorate, decision_votes, risk_share_terms
    FROM PUBLIC;
GRANT SELECT ON decisions, decision_electorate, decision_votes, risk_share_terms
    TO alliance_ledger_service;
GRANT INSERT ON decision_votes TO alliance_ledger_service;
GRANT UPDATE (state, closed_at, failure, withdrawn_by) ON decisions TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE decision_votes_id_seq TO alliance_ledger_service;
REVOKE ALL ON FUNCTION decision_open(bigint, text, text, jsonb, bigint, timestamptz, timestamptz),
    partners_remove(bigint, bigint, date, bigint),
    risk_share_set_terms(bigint, integer, bigint[], integer[], integer[], bigint[], bigint[], bigint)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION decision_open(bigint, text, text, jsonb, bigint, timestamptz, timestamptz),
    partners_remove(bigint, bigint, date, bigint),
    risk_share_set_terms(bigint, integer, bigint[], integer[], integer[], bigint[], bigint[], bigint)
    TO alliance_ledger_service;
