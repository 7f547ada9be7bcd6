-- Idempotency-Key: one mechanism for every creating request that is not a journal entry
-- (alliances, partners, budget lines, people, tokens, decisions, votes, withdrawals,
-- measurements and spend imports).
--
-- Until now such a request claimed its key, ran, and completed the claim with its answer in
-- three transactions. A crash between the change's commit and the completion left a claim that
-- a retry took over a minute later, so the change was made twice. From now on the service
-- writes the key, the request's fingerprint and the answer in the same transaction as the
-- change itself: a row exists exactly when the change committed, and it always holds the answer.
--
-- A key belongs to a caller: 'person:<id>' for a person's tokens, 'operator-token:<id>' for an
-- operator token (until now every operator token shared 'operator'). Answers are kept for the
-- service's retention (seven days by default) and then pruned by its background sweep through
-- http_idempotency_prune(), which never removes an answer younger than an hour.
--
-- What the earlier mechanism left behind:
-- * claims never completed belong to requests that died mid-way; the earlier rules let a retry
--   take them over after a minute, so they are removed;
-- * 'operator' claims cannot be told apart by token and no caller can name them any more, so
--   they are removed rather than kept unreachable;
-- * a key sent in the quoted form of the IETF draft ("abc", an sf-string) now means the same as
--   the bare abc, so stored quoted keys are rewritten to the bare form and a retry across the
--   upgrade still finds its answer; where the caller also used the bare spelling, that answer
--   is kept and the quoted one removed.

DROP TRIGGER http_idempotency_keys_completed_are_final ON http_idempotency_keys;
DROP FUNCTION http_idempotency_keys_refuse_change();

DELETE FROM http_idempotency_keys WHERE completed_at IS NULL OR principal = 'operator';

-- The content of a quoted key: what lies between the quotes, with \" and \\ read as " and \.
CREATE FUNCTION http_idempotency_key_unquoted(p_key text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_key ~ '^"([!#-\[\]-~]|\\["\\])+"$'
                THEN regexp_replace(substr(p_key, 2, length(p_key) - 2), '\\(["\\])', '\1', 'g')
           END
$$;

DELETE FROM http_idempotency_keys AS quoted
WHERE http_idempotency_key_unquoted(quoted.key) IS NOT NULL
  AND EXISTS (SELECT 1 FROM http_idempotency_keys AS bare
              WHERE bare.principal = quoted.principal
                AND bare.key = http_idempotency_key_unquoted(quoted.key));
UPDATE http_idempotency_keys SET key = http_idempotency_key_unquoted(key)
WHERE http_idempotency_key_unquoted(key) IS NOT NULL;

DROP FUNCTION http_idempotency_key_unquoted(text);

ALTER TABLE http_idempotency_keys
    DROP COLUMN claimed_at,
    ALTER COLUMN completed_at SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    -- Where a 201 answer's Location pointed, to give it again on a replay.
    ADD COLUMN location text,
    ADD CONSTRAINT http_idempotency_keys_principal_form
        CHECK (principal ~ '^(person|operator-token):[1-9][0-9]{0,18}$'),
    ADD CONSTRAINT http_idempotency_keys_key_form CHECK (key ~ '^[!-~]{1,128}$'),
    ADD CONSTRAINT http_idempotency_keys_location_form
        CHECK (location IS NULL OR (location ~ '^/[!-~]*$' AND length(location) <= 2000));

CREATE INDEX http_idempotency_keys_completed_at ON http_idempotency_keys (completed_at);

-- An answer is final: a replay must give exactly what the first request was given. Nobody
-- removes one younger than an hour, when a client may still be retrying.
CREATE FUNCTION http_idempotency_keys_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the answer to idempotency key % of % is final', OLD.key, OLD.principal
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.completed_at > now() - interval '1 hour' THEN
        RAISE EXCEPTION 'the answer to idempotency key % of % is less than an hour old', OLD.key, OLD.principal
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER http_idempotency_keys_answers_are_final
    BEFORE UPDATE OR DELETE ON http_idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION http_idempotency_keys_refuse_change();

-- Removes up to p_limit answers older than p_retention_seconds (at least an hour), oldest
-- first, and says how many it removed: the only way the service removes answers.
CREATE FUNCTION http_idempotency_prune(p_retention_seconds integer, p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_removed integer;
BEGIN
    IF p_retention_seconds IS NULL OR p_retention_seconds < 3600 THEN
        RAISE EXCEPTION 'answers to idempotent requests are kept at least 3600 seconds, not %',
            p_retention_seconds USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION 'a prune removes 1 to 100000 answers at a time, not %', p_limit
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM http_idempotency_keys
    WHERE (principal, key) IN (
        SELECT principal, key FROM http_idempotency_keys
        WHERE completed_at < now() - make_interval(secs => p_retention_seconds)
        ORDER BY completed_at
        LIMIT p_limit);
    GET DIAGNOSTICS v_removed = ROW_COUNT;
    RETURN v_removed;
END;
$$;

REVOKE ALL ON http_idempotency_keys FROM alliance_ledger_service;
GRANT SELECT, INSERT ON http_idempotency_keys TO alliance_ledger_service;
REVOKE ALL ON FUNCTION http_idempotency_prune(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION http_idempotency_prune(integer, integer) TO alliance_ledger_service;
