-- Idempotency-Key for the HTTP API's creating requests that are not journal entries: alliances,
-- partners, budget lines, people and tokens. (Spend and reversals keep their key in the journal
-- itself, written in the same statement as the entry.)
--
-- A request claims its key before it runs and completes the claim with its answer, so a retry
-- gets the first answer again, and a retry that arrives while the first is still running is
-- told so instead of running twice. A claim that failed is released: a failed request changed
-- nothing, so running it again is safe.

CREATE TABLE http_idempotency_keys (
    -- Whose key it is: 'operator' or 'person:<id>'. Keys of different callers never collide.
    principal text NOT NULL,
    key text NOT NULL,
    -- SHA-256 of the method, the path and the body: the same key with another request is refused.
    request_hash bytea NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    status integer,
    -- The answer to replay; NULL for an answer that must never be stored, such as a new token.
    response_body bytea,
    PRIMARY KEY (principal, key),
    CONSTRAINT http_idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 200),
    CONSTRAINT http_idempotency_keys_hash_length CHECK (length(request_hash) = 32),
    CONSTRAINT http_idempotency_keys_completion CHECK ((completed_at IS NULL) = (status IS NULL)),
    CONSTRAINT http_idempotency_keys_status CHECK (status BETWEEN 200 AND 299),
    CONSTRAINT http_idempotency_keys_body_after_completion CHECK (
        response_body IS NULL OR completed_at IS NOT NULL)
);

-- Completed claims are final: a replay must answer exactly what the first request answered.
CREATE FUNCTION http_idempotency_keys_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.completed_at IS NOT NULL THEN
        RAISE EXCEPTION 'idempotency key % of % is completed and cannot change', OLD.key, OLD.principal
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE TRIGGER http_idempotency_keys_completed_are_final
    BEFORE UPDATE OR DELETE ON http_idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION http_idempotency_keys_refuse_change();

REVOKE ALL ON http_idempotency_keys FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON http_idempotency_keys TO alliance_ledger_service;
