-- Operations hardening (issue 18).

-- Tokens --------------------------------------------------------------------------------------

-- A token may be issued to expire. Its expiry is set once, at issue, after its creation; no
-- token is used after it (the library refuses an expired token as unknown, and the database
-- refuses to note a use after expiry). Revocation stays final: api_tokens_check_change refuses
-- any change to a revoked token, so revoked_at never goes back to NULL, whoever asks.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz,
    ADD CONSTRAINT api_tokens_expires_after_creation CHECK (expires_at > created_at),
    ADD CONSTRAINT api_tokens_used_before_expiry CHECK (last_used_at <= expires_at);

CREATE OR REPLACE FUNCTION api_tokens_check_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_partner_id bigint;
    v_allowed boolean;
BEGIN
    IF (NEW.id, NEW.alliance_id, NEW.person_id, NEW.token_hash, NEW.created_at, NEW.issuer,
        NEW.issuer_person_id, NEW.issuer_token_id, NEW.expires_at)
       IS DISTINCT FROM (OLD.id, OLD.alliance_id, OLD.person_id, OLD.token_hash, OLD.created_at, OLD.issuer,
        OLD.issuer_person_id, OLD.issuer_token_id, OLD.expires_at)
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

-- Listing a person's or the operator's tokens.
CREATE INDEX api_tokens_operator ON api_tokens (id) WHERE alliance_id IS NULL;

-- Privileges ----------------------------------------------------------------------------------

-- Before PostgreSQL 15 every role may create objects in the public schema, so a login meant to
-- hold only the service's rights (or any other role of the cluster) could add tables or
-- functions that the schema's own code might then find. Only the schema's owner creates here.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
