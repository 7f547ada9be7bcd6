-- Separation of duties, and the governance log.
--
-- Unanimity is the alliance's central control, so no one person may act for two partners:
-- - a partner's people are its own business: a role is granted by an admin of the same partner,
--   by the operator while the alliance is being set up (until its first carried decision), or
--   by a carried decision; every grant names its grantor, and a role ends rather than vanishes;
-- - a vote names the board appointment it is cast under, which held when the decision opened
--   and still holds when the vote is cast;
-- - once set up, partners and budget lines come only by carried decisions, the alliance's
--   settings change only by a carried decision, and the operator may only revoke tokens and
--   issue the first token of someone appointed by decision;
-- - every governing act is appended to the alliance's governance log, hash-chained with the
--   RFC 9162 leaf rule: each record's hash is SHA-256(0x00 ‖ its canonical JSON, RFC 8785),
--   and the canonical JSON names the previous record's hash. The database computes both, so
--   no one can append a record that does not continue the chain.
--
-- What the database can enforce is consistency, not who is calling (the service is one role);
-- the library checks the caller first, and the log records who it was.

-- Set-up ------------------------------------------------------------------------------------

-- An alliance is being set up until its first decision is carried.
CREATE FUNCTION alliance_in_setup(p_alliance_id bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM decisions WHERE alliance_id = p_alliance_id AND state = 'carried')
$$;

-- People ------------------------------------------------------------------------------------

-- An auditor appointed by decision belongs to no partner. A removed person keeps their row (the
-- log and their votes name it) but holds no role and no working token.
ALTER TABLE people ALTER COLUMN partner_id DROP NOT NULL,
    ADD COLUMN removed_at timestamptz,
    ADD CONSTRAINT people_removed_after_creation CHECK (removed_at >= created_at);

-- A removed person's address may be used again for someone new.
DROP INDEX people_email_key;
CREATE UNIQUE INDEX people_email_key ON people (alliance_id, lower(email)) WHERE removed_at IS NULL;

CREATE FUNCTION people_check_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.alliance_id, NEW.id, NEW.name, NEW.email, NEW.partner_id, NEW.created_at)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.name, OLD.email, OLD.partner_id, OLD.created_at)
       OR OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL THEN
        RAISE EXCEPTION 'a person changes only by being removed, once'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'people_removed_once';
    END IF;
    IF EXISTS (SELECT 1 FROM person_roles WHERE alliance_id = NEW.alliance_id AND person_id = NEW.id)
       OR EXISTS (SELECT 1 FROM api_tokens WHERE alliance_id = NEW.alliance_id AND person_id = NEW.id
                  AND revoked_at IS NULL) THEN
        RAISE EXCEPTION 'person % still holds a role or a working token', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'people_removed_without_powers';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER people_check_change BEFORE UPDATE ON people
    FOR EACH ROW EXECUTE FUNCTION people_check_change();
CREATE TRIGGER people_no_delete BEFORE DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Roles -------------------------------------------------------------------------------------

-- Every grant of a role, current or ended. `person_roles` becomes the view of the current ones,
-- so that every rule that asks "does this person hold this role" keeps asking it the same way.
ALTER TABLE person_roles RENAME TO role_grants;
ALTER TABLE role_grants DROP CONSTRAINT person_roles_pkey,
    DROP CONSTRAINT person_roles_role,
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY,
    -- Who granted it: an admin of the same partner, the operator during set-up, a carried
    -- decision, or this migration for the roles that existed before it.
    ADD COLUMN grantor text NOT NULL DEFAULT 'migration',
    ADD COLUMN grantor_person_id bigint,
    ADD COLUMN grantor_token_id bigint,
    ADD COLUMN grantor_decision_id bigint,
    ADD COLUMN ended_at timestamptz,
    -- Who ended it: an admin of the same partner, or the operator during set-up.
    ADD COLUMN ender text,
    ADD COLUMN ender_person_id bigint,
    ADD COLUMN ender_token_id bigint;
ALTER TABLE role_grants ALTER COLUMN grantor DROP DEFAULT,
    ADD PRIMARY KEY (alliance_id, id),
    ADD CONSTRAINT role_grants_role CHECK (role IN ('admin', 'finance', 'board', 'auditor')),
    ADD CONSTRAINT role_grants_grantor CHECK (grantor IN ('admin', 'operator', 'decision', 'migration')),
    ADD CONSTRAINT role_grants_grantor_named CHECK (
        (grantor = 'admin') = (grantor_person_id IS NOT NULL)
        AND (grantor = 'decision') = (grantor_decision_id IS NOT NULL)
        AND (grantor_token_id IS NULL OR grantor = 'operator')),
    ADD CONSTRAINT role_grants_ender CHECK (ender IN ('admin', 'operator')),
    ADD CONSTRAINT role_grants_ended_by_someone CHECK (
        (ended_at IS NULL) = (ender IS NULL)
        AND coalesce(ender = 'admin', false) = (ender_person_id IS NOT NULL)
        AND (ender_token_id IS NULL OR ender = 'operator')),
    ADD CONSTRAINT role_grants_ended_after_granting CHECK (ended_at >= granted_at),
    ADD FOREIGN KEY (alliance_id, grantor_person_id) REFERENCES people (alliance_id, id),
    ADD FOREIGN KEY (alliance_id, grantor_decision_id) REFERENCES decisions (alliance_id, id),
    ADD FOREIGN KEY (grantor_token_id) REFERENCES api_tokens (id),
    ADD FOREIGN KEY (alliance_id, ender_person_id) REFERENCES people (alliance_id, id),
    ADD FOREIGN KEY (ender_token_id) REFERENCES api_tokens (id);
CREATE UNIQUE INDEX role_grants_current ON role_grants (alliance_id, person_id, role) WHERE ended_at IS NULL;

CREATE VIEW person_roles AS
    SELECT alliance_id, person_id, role, granted_at, id AS grant_id FROM role_grants WHERE ended_at IS NULL;

-- Whether `p_person_id` is an admin of `p_partner_id` now: the right to manage its people.
CREATE FUNCTION person_is_partner_admin(p_alliance_id bigint, p_person_id bigint, p_partner_id bigint)
RETURNS boolean LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT p_partner_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM people AS p JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id
        WHERE p.alliance_id = p_alliance_id AND p.id = p_person_id AND p.partner_id = p_partner_id
          AND p.removed_at IS NULL AND r.role = 'admin')
$$;

-- A grant names a grantor who could grant it at that moment.
CREATE FUNCTION role_grants_check_grant() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_person people%ROWTYPE;
    v_action jsonb;
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
        SELECT action INTO v_action FROM decisions
        WHERE alliance_id = NEW.alliance_id AND id = NEW.grantor_decision_id AND state = 'carried';
        IF v_action IS NULL
           OR NOT ((NEW.role = 'admin' AND v_action ->> 'type' IN ('partner.admit', 'partner.appointAdmin'))
                   OR (NEW.role = 'auditor' AND v_action ->> 'type' = 'auditor.appoint')) THEN
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

-- A grant only ends, once, by an admin of the same partner or by the operator during set-up.
CREATE FUNCTION role_grants_check_end() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_partner_id bigint;
BEGIN
    IF (NEW.alliance_id, NEW.id, NEW.person_id, NEW.role, NEW.granted_at, NEW.grantor, NEW.grantor_person_id,
        NEW.grantor_token_id, NEW.grantor_decision_id)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.person_id, OLD.role, OLD.granted_at, OLD.grantor,
        OLD.grantor_person_id, OLD.grantor_token_id, OLD.grantor_decision_id)
       OR OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL THEN
        RAISE EXCEPTION 'a role grant changes only by ending, once'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_end_once';
    END IF;
    SELECT partner_id INTO v_partner_id FROM people WHERE alliance_id = NEW.alliance_id AND id = NEW.person_id;
    IF NEW.ender = 'admin' AND NOT person_is_partner_admin(NEW.alliance_id, NEW.ender_person_id, v_partner_id) THEN
        RAISE EXCEPTION 'person % is not an admin of the partner of person %', NEW.ender_person_id, NEW.person_id
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_by_own_admin';
    END IF;
    IF NEW.ender = 'operator' AND NOT alliance_in_setup(NEW.alliance_id) THEN
        RAISE EXCEPTION 'the operator ends roles only while the alliance is set up'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'role_grants_by_operator_in_setup';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER role_grants_check_grant BEFORE INSERT ON role_grants
    FOR EACH ROW EXECUTE FUNCTION role_grants_check_grant();
CREATE TRIGGER role_grants_check_end BEFORE UPDATE ON role_grants
    FOR EACH ROW EXECUTE FUNCTION role_grants_check_end();
CREATE TRIGGER role_grants_no_delete BEFORE DELETE ON role_grants
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER role_grants_no_truncate BEFORE TRUNCATE ON role_grants
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Tokens ------------------------------------------------------------------------------------

-- Who issued and who revoked each token. A person's token is issued by an admin of their
-- partner; by the operator during set-up, or as the first token of someone appointed by a
-- decision. A token is revoked by an admin of the person's partner, by the person, or by the
-- operator at any time (an incident); a revocation is never undone.
ALTER TABLE api_tokens ADD COLUMN issuer text NOT NULL DEFAULT 'migration',
    ADD COLUMN issuer_person_id bigint,
    ADD COLUMN issuer_token_id bigint,
    ADD COLUMN revoker text,
    ADD COLUMN revoker_person_id bigint,
    ADD COLUMN revoker_token_id bigint;
-- Tokens revoked before this migration name no revoker; from now on every revocation does.
UPDATE api_tokens SET revoker = 'migration' WHERE revoked_at IS NOT NULL;
ALTER TABLE api_tokens ALTER COLUMN issuer DROP DEFAULT,
    ADD CONSTRAINT api_tokens_issuer CHECK (issuer IN ('admin', 'operator', 'migration')),
    ADD CONSTRAINT api_tokens_issuer_named CHECK (
        (issuer = 'admin') = (issuer_person_id IS NOT NULL)
        AND (issuer_token_id IS NULL OR issuer = 'operator')),
    ADD CONSTRAINT api_tokens_revoker CHECK (revoker IN ('admin', 'self', 'operator', 'migration')),
    ADD CONSTRAINT api_tokens_revoked_by_someone CHECK (
        (revoked_at IS NULL) = (revoker IS NULL)
        AND coalesce(revoker = 'admin', false) = (revoker_person_id IS NOT NULL)
        AND (revoker_token_id IS NULL OR revoker = 'operator')),
    ADD FOREIGN KEY (alliance_id, issuer_person_id) REFERENCES people (alliance_id, id),
    ADD FOREIGN KEY (issuer_token_id) REFERENCES api_tokens (id),
    ADD FOREIGN KEY (alliance_id, revoker_person_id) REFERENCES people (alliance_id, id),
    ADD FOREIGN KEY (revoker_token_id) REFERENCES api_tokens (id);

CREATE FUNCTION api_tokens_check_issue() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_person people%ROWTYPE;
    v_allowed boolean;
BEGIN
    IF NEW.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'a token is issued before it is revoked' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.person_id IS NULL THEN
        -- An operator token: issued on the server by whoever runs it.
        IF NEW.issuer <> 'operator' THEN
            RAISE EXCEPTION 'operator tokens are issued by the operator'
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'api_tokens_issued_by_right';
        END IF;
        RETURN NEW;
    END IF;
    SELECT * INTO v_person FROM people WHERE alliance_id = NEW.alliance_id AND id = NEW.person_id;
    IF v_person.removed_at IS NOT NULL THEN
        RAISE EXCEPTION 'person % was removed', NEW.person_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'api_tokens_person_present';
    END IF;
    -- Computed apart: PL/pgSQL would end the IF's condition at the CASE's first THEN.
    v_allowed := CASE NEW.issuer
        WHEN 'admin' THEN person_is_partner_admin(NEW.alliance_id, NEW.issuer_person_id, v_person.partner_id)
        WHEN 'operator' THEN alliance_in_setup(NEW.alliance_id) OR (
            EXISTS (SELECT 1 FROM role_grants WHERE alliance_id = NEW.alliance_id AND person_id = NEW.person_id
                    AND grantor = 'decision' AND ended_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM api_tokens WHERE alliance_id = NEW.alliance_id
                            AND person_id = NEW.person_id))
        ELSE false
    END;
    IF NOT v_allowed THEN
        RAISE EXCEPTION 'no right to issue a token for person %', NEW.person_id
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'api_tokens_issued_by_right';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION api_tokens_check_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_partner_id bigint;
    v_allowed boolean;
BEGIN
    IF (NEW.id, NEW.alliance_id, NEW.person_id, NEW.token_hash, NEW.created_at, NEW.issuer,
        NEW.issuer_person_id, NEW.issuer_token_id)
       IS DISTINCT FROM (OLD.id, OLD.alliance_id, OLD.person_id, OLD.token_hash, OLD.created_at, OLD.issuer,
        OLD.issuer_person_id, OLD.issuer_token_id)
       OR (OLD.revoked_at IS NOT NULL AND (NEW.revoked_at, NEW.revoker, NEW.revoker_person_id, NEW.revoker_token_id)
           IS DISTINCT FROM (OLD.revoked_at, OLD.revoker, OLD.revoker_person_id, OLD.revoker_token_id)) THEN
        RAISE EXCEPTION 'a token changes only by being used and by being revoked, once'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'api_tokens_revoked_once';
    END IF;
    IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL THEN
        SELECT partner_id INTO v_partner_id FROM people WHERE alliance_id = NEW.alliance_id AND id = NEW.person_id;
        v_allowed := CASE NEW.revoker
            WHEN 'admin' THEN person_is_partner_admin(NEW.alliance_id, NEW.revoker_person_id, v_partner_id)
            WHEN 'self' THEN NEW.person_id IS NOT NULL
            WHEN 'operator' THEN true
            ELSE false
        END;
        IF NOT v_allowed THEN
            RAISE EXCEPTION 'no right to revoke token %', NEW.id
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'api_tokens_revoked_by_right';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER api_tokens_check_issue BEFORE INSERT ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION api_tokens_check_issue();
CREATE TRIGGER api_tokens_check_change BEFORE UPDATE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION api_tokens_check_change();
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Partners, budget lines and settings after set-up -------------------------------------------

ALTER TABLE budget_lines ADD COLUMN added_by bigint,
    ADD FOREIGN KEY (alliance_id, added_by) REFERENCES decisions (alliance_id, id);

CREATE OR REPLACE FUNCTION partners_check_admission() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.admitted_by IS NOT NULL THEN
        PERFORM decision_require_carried(NEW.alliance_id, NEW.admitted_by, 'partner.admit');
    ELSIF NOT alliance_in_setup(NEW.alliance_id) THEN
        RAISE EXCEPTION 'once the alliance is set up, a partner joins only by a carried partner.admit decision'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'partners_admitted_after_setup';
    END IF;
    IF NEW.removed_by IS NOT NULL THEN
        RAISE EXCEPTION 'a partner is removed after joining, not on joining'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION budget_lines_check_addition() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.added_by IS NOT NULL THEN
        PERFORM decision_require_carried(NEW.alliance_id, NEW.added_by, 'budgetLine.add');
    ELSIF NOT alliance_in_setup(NEW.alliance_id) THEN
        RAISE EXCEPTION 'once the alliance is set up, a budget line is added only by a carried budgetLine.add decision'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'budget_lines_added_after_setup';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER budget_lines_check_addition BEFORE INSERT ON budget_lines
    FOR EACH ROW EXECUTE FUNCTION budget_lines_check_addition();

-- The alliance's settings (today: whether an abstention blocks) change only by a carried
-- alliance.setSettings decision, which names each setting it changes.
CREATE FUNCTION alliances_apply_settings(p_alliance_id bigint, p_decision_id bigint, p_abstention text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'alliance.setSettings');
    UPDATE alliances SET abstention = coalesce(p_abstention, abstention) WHERE id = p_alliance_id;
END
$$;

-- Decisions: the new actions, and the board each opens with ----------------------------------

ALTER TABLE decisions DROP CONSTRAINT decisions_action_type,
    ADD CONSTRAINT decisions_action_type CHECK (
        action IS NULL OR action ->> 'type' IN (
            'budget.set', 'partner.admit', 'partner.remove', 'riskShare.setTerms',
            'outcomes.setTerms', 'outcomePayments.approve', 'riskShare.settle',
            'partner.appointAdmin', 'auditor.appoint', 'budgetLine.add', 'alliance.setSettings'));

-- The board appointments current when a decision opened, for the partners of its electorate:
-- the only appointments a vote on it may be cast under.
CREATE TABLE decision_board (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    partner_id bigint NOT NULL,
    appointment_id bigint NOT NULL,
    PRIMARY KEY (alliance_id, decision_id, appointment_id),
    FOREIGN KEY (alliance_id, decision_id, partner_id)
        REFERENCES decision_electorate (alliance_id, decision_id, partner_id),
    FOREIGN KEY (alliance_id, appointment_id) REFERENCES role_grants (alliance_id, id)
);
CREATE TRIGGER decision_board_append_only BEFORE UPDATE OR DELETE ON decision_board
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER decision_board_no_truncate BEFORE TRUNCATE ON decision_board
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Decisions opened before this migration: their board is every board appointment of their
-- electorate's people, as no appointment had ended.
INSERT INTO decision_board (alliance_id, decision_id, partner_id, appointment_id)
SELECT e.alliance_id, e.decision_id, e.partner_id, g.id
FROM decision_electorate AS e
JOIN people AS p ON p.alliance_id = e.alliance_id AND p.partner_id = e.partner_id
JOIN role_grants AS g ON g.alliance_id = p.alliance_id AND g.person_id = p.id AND g.role = 'board';

ALTER TABLE decision_votes ADD COLUMN appointment_id bigint;
ALTER TABLE decision_votes DISABLE TRIGGER decision_votes_append_only;
UPDATE decision_votes AS v SET appointment_id = g.id
FROM role_grants AS g
WHERE g.alliance_id = v.alliance_id AND g.person_id = v.person_id AND g.role = 'board';
ALTER TABLE decision_votes ENABLE TRIGGER decision_votes_append_only;
ALTER TABLE decision_votes ALTER COLUMN appointment_id SET NOT NULL,
    ADD FOREIGN KEY (alliance_id, decision_id, appointment_id)
        REFERENCES decision_board (alliance_id, decision_id, appointment_id);

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
    IF NOT EXISTS (SELECT 1 FROM person_roles AS r JOIN people AS p ON p.alliance_id = r.alliance_id
                   AND p.id = r.person_id AND p.removed_at IS NULL
                   WHERE r.alliance_id = p_alliance_id AND r.person_id = p_proposer_id AND r.role = 'board') THEN
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
    INSERT INTO decision_board (alliance_id, decision_id, partner_id, appointment_id)
    SELECT e.alliance_id, e.decision_id, e.partner_id, r.grant_id
    FROM decision_electorate AS e
    JOIN people AS p ON p.alliance_id = e.alliance_id AND p.partner_id = e.partner_id AND p.removed_at IS NULL
    JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id AND r.role = 'board'
    WHERE e.alliance_id = p_alliance_id AND e.decision_id = v_id;
    RETURN v_id;
END
$$;

-- A vote is taken only while the decision is open and before it closes, under a board
-- appointment of that partner that held when the decision opened and still holds.
CREATE OR REPLACE FUNCTION decision_votes_check() RETURNS trigger
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
        SELECT 1 FROM decision_board AS b
        JOIN person_roles AS r ON r.alliance_id = b.alliance_id AND r.grant_id = b.appointment_id
        JOIN people AS p ON p.alliance_id = r.alliance_id AND p.id = r.person_id AND p.removed_at IS NULL
        WHERE b.alliance_id = NEW.alliance_id AND b.decision_id = NEW.decision_id
          AND b.partner_id = NEW.partner_id AND b.appointment_id = NEW.appointment_id
          AND r.person_id = NEW.person_id AND r.role = 'board')
    THEN
        RAISE EXCEPTION 'person % holds no board appointment of partner % that held when decision % opened and holds now',
            NEW.person_id, NEW.partner_id, NEW.decision_id
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'decision_votes_own_partner';
    END IF;
    RETURN NEW;
END
$$;

-- The governance log --------------------------------------------------------------------------

CREATE TABLE governance_heads (
    alliance_id bigint PRIMARY KEY REFERENCES alliances (id),
    sequence bigint NOT NULL,
    hash bytea,
    recorded_at timestamptz,
    CONSTRAINT governance_heads_started CHECK ((sequence = 0) = (hash IS NULL) AND (hash IS NULL) = (recorded_at IS NULL))
);

CREATE TABLE governance_log (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    sequence bigint NOT NULL,
    -- What happened: decision.proposed, vote.cast, role.granted, … (README, "Governance log").
    kind text NOT NULL,
    -- Who did it: a person (and their partner), the operator (and its token), a carried decision,
    -- the service (a decision closing at its time), or the migration that started the log.
    actor text NOT NULL,
    actor_person_id bigint,
    actor_partner text,
    actor_token_id bigint,
    -- What it concerns, as flat text: ids, references, values.
    details jsonb NOT NULL,
    request_id text,
    recorded_at timestamptz NOT NULL,
    previous_hash bytea,
    hash bytea NOT NULL,
    PRIMARY KEY (alliance_id, sequence),
    CONSTRAINT governance_log_sequence_positive CHECK (sequence > 0),
    CONSTRAINT governance_log_kind CHECK (kind ~ '^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)+$'),
    CONSTRAINT governance_log_actor CHECK (actor IN ('person', 'operator', 'decision', 'service', 'migration')),
    CONSTRAINT governance_log_actor_named CHECK (
        (actor = 'person') = (actor_person_id IS NOT NULL)
        AND (actor_partner IS NULL OR actor = 'person')
        AND (actor_token_id IS NULL OR actor IN ('person', 'operator'))),
    CONSTRAINT governance_log_details CHECK (jsonb_typeof(details) = 'object'),
    CONSTRAINT governance_log_request_id CHECK (request_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
    CONSTRAINT governance_log_chain CHECK (
        (sequence = 1) = (previous_hash IS NULL) AND length(hash) = 32 AND length(previous_hash) = 32),
    FOREIGN KEY (alliance_id, actor_person_id) REFERENCES people (alliance_id, id),
    FOREIGN KEY (actor_token_id) REFERENCES api_tokens (id)
);

CREATE TRIGGER governance_log_append_only BEFORE UPDATE OR DELETE ON governance_log
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER governance_log_no_truncate BEFORE TRUNCATE ON governance_log
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- A record's canonical JSON (RFC 8785: keys sorted, no white space, strings escaped as
-- ECMAScript does, which is how PostgreSQL writes JSON strings too): the leaf that is hashed.
-- Details are text values under keys of ASCII letters and digits, so sorting them bytewise is
-- sorting them as RFC 8785 does.
CREATE FUNCTION governance_canonical(
    p_alliance_id bigint, p_sequence bigint, p_kind text, p_actor text, p_actor_person_id bigint,
    p_actor_partner text, p_actor_token_id bigint, p_details jsonb, p_request_id text,
    p_recorded_at timestamptz, p_previous_hash bytea)
RETURNS text LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT '{"actor":{"kind":' || to_jsonb(p_actor)::text
        || ',"partner":' || coalesce(to_jsonb(p_actor_partner)::text, 'null')
        || ',"person":' || coalesce(p_actor_person_id::text, 'null')
        || ',"token":' || coalesce(p_actor_token_id::text, 'null')
        || '},"alliance":' || p_alliance_id::text
        || ',"details":{' || coalesce(
            (SELECT string_agg(to_jsonb(d.key)::text || ':' || to_jsonb(d.value)::text, ',' ORDER BY d.key COLLATE "C")
             FROM jsonb_each_text(p_details) AS d), '') || '}'
        || ',"kind":' || to_jsonb(p_kind)::text
        || ',"previousHash":' || coalesce('"' || encode(p_previous_hash, 'hex') || '"', 'null')
        || ',"recordedAt":"' || to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"requestId":' || coalesce(to_jsonb(p_request_id)::text, 'null')
        || ',"sequence":' || p_sequence::text || '}'
$$;

-- Appends a record: the next sequence of the alliance's log, linked to the head, hashed here.
-- Only the owner calls it directly; the service appends through governance_append().
CREATE FUNCTION governance_record(
    p_alliance_id bigint, p_kind text, p_actor text, p_actor_person_id bigint, p_actor_token_id bigint,
    p_details jsonb, p_request_id text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_head governance_heads%ROWTYPE;
    v_partner text;
    v_at timestamptz;
    v_text text;
    v_hash bytea;
BEGIN
    IF EXISTS (SELECT 1 FROM jsonb_each(p_details) AS d
               WHERE d.key !~ '^[a-z][A-Za-z0-9]{0,39}$' OR jsonb_typeof(d.value) <> 'string') THEN
        RAISE EXCEPTION 'governance details are text under plain keys'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'governance_log_details';
    END IF;
    INSERT INTO governance_heads (alliance_id, sequence) VALUES (p_alliance_id, 0) ON CONFLICT DO NOTHING;
    SELECT * INTO v_head FROM governance_heads WHERE alliance_id = p_alliance_id FOR UPDATE;
    IF p_actor = 'person' THEN
        SELECT pa.slug INTO v_partner FROM people AS p
        LEFT JOIN partners AS pa ON pa.alliance_id = p.alliance_id AND pa.id = p.partner_id
        WHERE p.alliance_id = p_alliance_id AND p.id = p_actor_person_id;
    END IF;
    -- Records are stamped in the order they are appended.
    v_at := greatest(clock_timestamp(), v_head.recorded_at);
    v_text := governance_canonical(p_alliance_id, v_head.sequence + 1, p_kind, p_actor, p_actor_person_id,
        v_partner, p_actor_token_id, p_details, p_request_id, v_at, v_head.hash);
    v_hash := sha256('\x00'::bytea || convert_to(v_text, 'UTF8'));
    INSERT INTO governance_log (alliance_id, sequence, kind, actor, actor_person_id, actor_partner,
                                actor_token_id, details, request_id, recorded_at, previous_hash, hash)
    VALUES (p_alliance_id, v_head.sequence + 1, p_kind, p_actor, p_actor_person_id, v_partner,
            p_actor_token_id, p_details, p_request_id, v_at, v_head.hash, v_hash);
    UPDATE governance_heads SET sequence = v_head.sequence + 1, hash = v_hash, recorded_at = v_at
    WHERE alliance_id = p_alliance_id;
    RETURN v_head.sequence + 1;
END
$$;

CREATE FUNCTION governance_append(
    p_alliance_id bigint, p_kind text, p_actor text, p_actor_person_id bigint, p_actor_token_id bigint,
    p_details jsonb, p_request_id text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_actor = 'migration' THEN
        RAISE EXCEPTION 'only a migration appends as the migration'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'governance_log_actor';
    END IF;
    RETURN governance_record(p_alliance_id, p_kind, p_actor, p_actor_person_id, p_actor_token_id,
                             p_details, p_request_id);
END
$$;

-- The log starts with the roles held now, each with when it was granted.
SELECT governance_record(g.alliance_id, 'role.granted', 'migration', NULL, NULL,
    jsonb_build_object('person', g.person_id::text, 'role', g.role,
        'partner', coalesce(pa.slug, ''),
        'grantedAt', to_char(g.granted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), NULL)
FROM (SELECT * FROM role_grants ORDER BY alliance_id, granted_at, id) AS g
JOIN people AS p ON p.alliance_id = g.alliance_id AND p.id = g.person_id
LEFT JOIN partners AS pa ON pa.alliance_id = p.alliance_id AND pa.id = p.partner_id
ORDER BY g.alliance_id, g.granted_at, g.id;

-- Privileges ----------------------------------------------------------------------------------

REVOKE ALL ON role_grants, person_roles, governance_log, governance_heads, decision_board FROM PUBLIC;
GRANT SELECT, INSERT ON role_grants TO alliance_ledger_service;
GRANT UPDATE (ended_at, ender, ender_person_id, ender_token_id) ON role_grants TO alliance_ledger_service;
GRANT SELECT ON person_roles, governance_log, governance_heads, decision_board TO alliance_ledger_service;
GRANT INSERT ON decision_board TO alliance_ledger_service;
GRANT UPDATE (removed_at) ON people TO alliance_ledger_service;
REVOKE UPDATE (last_used_at, revoked_at) ON api_tokens FROM alliance_ledger_service;
GRANT UPDATE (last_used_at, revoked_at, revoker, revoker_person_id, revoker_token_id) ON api_tokens
    TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE role_grants_id_seq TO alliance_ledger_service;
REVOKE ALL ON FUNCTION governance_record(bigint, text, text, bigint, bigint, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION governance_append(bigint, text, text, bigint, bigint, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION governance_append(bigint, text, text, bigint, bigint, jsonb, text)
    TO alliance_ledger_service;
REVOKE ALL ON FUNCTION alliances_apply_settings(bigint, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION alliances_apply_settings(bigint, bigint, text) TO alliance_ledger_service;
