-- Decision actions in a stored form the library owns.
--
-- Until now `decisions.action` held an action's public wire JSON, `type` and all, and the
-- library read every row back through the wire decoder. The wire format is the API's and must
-- stay as it is; the stored form is the library's, and must read back as the decision was voted
-- on however the API grows. So a decision now keeps:
-- - `action_type`: the kind of action, one of `decision_action_types`, a table rather than a
--   CHECK so that the migration adding a kind adds a row instead of rewriting a list;
-- - `action_format`: which stored form of that kind `action` holds. A kind whose fields change
--   adds a format, and the library keeps reading every older one;
-- - `action`: the kind's fields in that form. Format 1, which every kind has today, is the wire
--   fields without `type`: each existing row is carried forward as it was, less its type. Its
--   `year` and `period` keep their wire form, which the guards of risk_share_settle and
--   outcome_payment_record read; a later format of those kinds must keep them or replace the
--   guards.
-- All three or none: a decision without action is a resolution for the minutes.
--
-- Nothing hashed holds an action: the governance log and published statements name only its
-- type, which does not change. Every chain verifies after this as before it.

CREATE TABLE decision_action_types (
    type text PRIMARY KEY
);
INSERT INTO decision_action_types (type) VALUES
    ('budget.set'), ('partner.admit'), ('partner.remove'), ('riskShare.setTerms'), ('outcomes.setTerms'),
    ('outcomePayments.approve'), ('riskShare.settle'), ('partner.appointAdmin'), ('auditor.appoint'),
    ('budgetLine.add'), ('alliance.setSettings');
CREATE TRIGGER decision_action_types_append_only BEFORE UPDATE OR DELETE ON decision_action_types
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

ALTER TABLE decisions DROP CONSTRAINT decisions_action_type,
    ADD COLUMN action_type text REFERENCES decision_action_types (type),
    ADD COLUMN action_format smallint;

-- A decision's action never changes once it opens (decisions_check_change refuses it, and
-- refuses any change to a closed decision): the trigger stands aside for this one rewrite of
-- the stored form, which changes no action's meaning.
ALTER TABLE decisions DISABLE TRIGGER decisions_check_change;
UPDATE decisions SET action_type = action ->> 'type', action_format = 1, action = action - 'type'
WHERE action IS NOT NULL;
ALTER TABLE decisions ENABLE TRIGGER decisions_check_change;

ALTER TABLE decisions
    ADD CONSTRAINT decisions_action_stored CHECK (
        (action IS NULL) = (action_type IS NULL) AND (action IS NULL) = (action_format IS NULL)),
    ADD CONSTRAINT decisions_action_format_positive CHECK (action_format > 0),
    ADD CONSTRAINT decisions_action_fields CHECK (jsonb_typeof(action) = 'object' AND NOT action ? 'type');

-- The stored form is as fixed as the rest of an open decision.
CREATE OR REPLACE FUNCTION decisions_check_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_tally record;
    v_met boolean;
BEGIN
    IF (NEW.alliance_id, NEW.id, NEW.number, NEW.title, NEW.description, NEW.proposer_id,
        NEW.proposed_at, NEW.closes_at, NEW.abstention)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.number, OLD.title, OLD.description,
        OLD.proposer_id, OLD.proposed_at, OLD.closes_at, OLD.abstention)
       OR (NEW.action_type, NEW.action_format, NEW.action)
          IS DISTINCT FROM (OLD.action_type, OLD.action_format, OLD.action) THEN
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


-- Guards that name the kind of action read it from its column.
CREATE OR REPLACE FUNCTION decision_require_carried(p_alliance_id bigint, p_decision_id bigint, p_type text)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM decisions WHERE alliance_id = p_alliance_id AND id = p_decision_id
                   AND state = 'carried' AND action_type = p_type) THEN
        RAISE EXCEPTION 'only a carried % decision may do this', p_type
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'decision_carried';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION role_grants_check_grant() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_person people%ROWTYPE;
    v_action_type text;
BEGIN
    SELECT * INTO v_person FROM people WHERE alliance_id = NEW.alliance_id AND id = NEW.person_id;
    IF v_person.removed_at IS NOT NULL THEN
        RAISE EXCEPTION 'person % was removed', NEW.person_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'role_grants_person_present';
    END IF;
    IF v_person.partner_id IS NULL AND NEW.role <> 'auditor' THEN
        RAISE EXCEPTION 'a person of no partner can only be an auditor'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'role_grants_partnerless_auditor';
    END IF;
    IF NEW.ended_at IS NOT NULL THEN
        RAISE EXCEPTION 'a role is granted before it ends' USING ERRCODE = 'check_violation';
    END IF;
    CASE NEW.grantor
    WHEN 'admin' THEN
        IF NOT person_is_partner_admin(NEW.alliance_id, NEW.grantor_person_id, v_person.partner_id) THEN
            RAISE EXCEPTION 'person % is not an admin of the partner of person %', NEW.grantor_person_id,
                NEW.person_id USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_by_own_admin';
        END IF;
    WHEN 'operator' THEN
        IF NOT alliance_in_setup(NEW.alliance_id) THEN
            RAISE EXCEPTION 'the operator grants roles only while the alliance is set up'
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_by_operator_in_setup';
        END IF;
    WHEN 'decision' THEN
        SELECT action_type INTO v_action_type FROM decisions
        WHERE alliance_id = NEW.alliance_id AND id = NEW.grantor_decision_id AND state = 'carried';
        IF v_action_type IS NULL
           OR NOT ((NEW.role = 'admin' AND v_action_type IN ('partner.admit', 'partner.appointAdmin'))
                   OR (NEW.role = 'auditor' AND v_action_type = 'auditor.appoint')) THEN
            RAISE EXCEPTION 'only a carried decision appointing a % grants it', NEW.role
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_by_decision';
        END IF;
    ELSE
        RAISE EXCEPTION 'roles are granted by an admin, the operator or a decision'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_grantor';
    END CASE;
    RETURN NEW;
END
$$;

-- A decision opens with its action's type, format and fields.
DROP FUNCTION decision_open(bigint, text, text, jsonb, bigint, timestamptz, timestamptz);
CREATE FUNCTION decision_open(
    p_alliance_id bigint, p_title text, p_description text, p_action_type text, p_action_format smallint,
    p_action jsonb, p_proposer_id bigint, p_proposed_at timestamptz, p_closes_at timestamptz)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_number integer;
    v_id bigint;
    v_day date := (p_proposed_at AT TIME ZONE 'UTC')::date;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM person_roles AS r JOIN people AS p ON p.alliance_id = r.alliance_id
                   AND p.id = r.person_id AND p.removed_at IS NULL
                   WHERE r.alliance_id = p_alliance_id AND r.person_id = p_proposer_id AND r.role = 'board') THEN
        RAISE EXCEPTION 'only a board member may propose a decision'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO decision_counters AS c (alliance_id, last_number) VALUES (p_alliance_id, 1)
        ON CONFLICT (alliance_id) DO UPDATE SET last_number = c.last_number + 1
        RETURNING last_number INTO v_number;
    INSERT INTO decisions (alliance_id, number, title, description, action_type, action_format, action,
                           proposer_id, proposed_at, closes_at, abstention)
    SELECT p_alliance_id, v_number, p_title, p_description, p_action_type, p_action_format, p_action,
           p_proposer_id, p_proposed_at, p_closes_at, a.abstention
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
    INSERT INTO decision_board (alliance_id, decision_id, partner_id, appointment_id)
    SELECT e.alliance_id, e.decision_id, e.partner_id, r.grant_id
    FROM decision_electorate AS e
    JOIN people AS p ON p.alliance_id = e.alliance_id AND p.partner_id = e.partner_id AND p.removed_at IS NULL
    JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id AND r.role = 'board'
    WHERE e.alliance_id = p_alliance_id AND e.decision_id = v_id;
    RETURN v_id;
END
$$;

REVOKE ALL ON decision_action_types FROM PUBLIC;
GRANT SELECT ON decision_action_types TO alliance_ledger_service;
REVOKE ALL ON FUNCTION decision_open(bigint, text, text, text, smallint, jsonb, bigint, timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION decision_open(bigint, text, text, text, smallint, jsonb, bigint, timestamptz, timestamptz)
    TO alliance_ledger_service;
