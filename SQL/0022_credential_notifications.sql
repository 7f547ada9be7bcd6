-- Every service instance told at once when a credential changes.
--
-- An instance keeps the callers it has authenticated for a few seconds (`http.credentialSeconds`,
-- 2 by default), so a token revoked through one instance, or on the command line, went on
-- working on the others until their copies expired. Now a revocation, a person's removal and a
-- change of roles send a notification on the channel `alliance_ledger_credentials` when their
-- transaction commits; each instance listens on a connection of its own and forgets every
-- caller it kept when one arrives. The lifetime stays the bound when an instance's listening
-- connection is down (it forgets everything again when it is back, as a notification sent
-- meanwhile is lost).
--
-- The payload names nothing: a caller is kept under its token, which the database never holds,
-- and changes are rare, so an instance starts afresh. One notification per statement, and
-- PostgreSQL folds identical ones of a transaction into one. The token's last use, which the
-- service writes in batches, notifies nobody: the triggers watch the columns that change who
-- may do what.

CREATE FUNCTION ledger_notify_credentials() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_notify('alliance_ledger_credentials', '');
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_notify_credentials AFTER UPDATE OF revoked_at ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_credentials();
CREATE TRIGGER people_notify_credentials AFTER UPDATE OF removed_at ON people
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_credentials();
CREATE TRIGGER role_grants_notify_credentials AFTER INSERT OR UPDATE OF ended_at ON role_grants
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_notify_credentials();
