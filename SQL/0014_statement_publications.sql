-- Publishing in the background: a statement of a large period takes longer to build, verify
-- and write out as files than an HTTP request should be held open (61 s at 100k entries), so
-- a publication can be asked for, answered at once, and carried out by the service.
--
-- - A publication request is pending until the statement is published (in the transaction
--   that publishes it, which also marks the request published and names the statement) or
--   it fails (with the problem the service reported, in a later transaction). A finished
--   request never changes again.
-- - An alliance has at most one pending publication: statements are numbered and chained one
--   after another, so two at once could only make one of them fail.
-- - Asked for only by a finance lead or a board member of the alliance, as publishing is; the
--   statement's own checks (statements_check) still decide whether it is published.
-- - The service, and any other instance of it, carries out a pending request by locking its
--   row (FOR UPDATE SKIP LOCKED) in the publishing transaction: one instance publishes it, and
--   one that stops half-way leaves it pending, to be carried out again.

CREATE TABLE statement_publications (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    -- As the period parser writes it, and for a restatement the statement superseded and why.
    period text NOT NULL,
    supersedes integer,
    reason text,
    -- The checkpoint's first line the statement will carry.
    origin text NOT NULL,
    requested_by bigint NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    state text NOT NULL DEFAULT 'pending',
    finished_at timestamptz,
    -- The statement it published.
    statement_number integer,
    -- Why it failed: {"status", "type", "title", "detail"}, as the service answers a problem.
    failure jsonb,
    PRIMARY KEY (alliance_id, id),
    FOREIGN KEY (alliance_id, requested_by) REFERENCES people (alliance_id, id),
    FOREIGN KEY (alliance_id, statement_number) REFERENCES statements (alliance_id, number),
    CONSTRAINT statement_publications_state CHECK (state IN ('pending', 'published', 'failed')),
    CONSTRAINT statement_publications_finished CHECK (
        (state = 'pending') = (finished_at IS NULL)
        AND (state = 'published') = (statement_number IS NOT NULL)
        AND (state = 'failed') = (failure IS NOT NULL)),
    CONSTRAINT statement_publications_failure_shape CHECK (
        failure IS NULL
        OR coalesce(
            jsonb_typeof(failure -> 'status') = 'number' AND jsonb_typeof(failure -> 'type') = 'string'
            AND jsonb_typeof(failure -> 'title') = 'string' AND jsonb_typeof(failure -> 'detail') = 'string',
            false)),
    CONSTRAINT statement_publications_restated_with_reason CHECK (
        (supersedes IS NULL) = (reason IS NULL) AND length(btrim(reason)) BETWEEN 1 AND 2000),
    CONSTRAINT statement_publications_period_format CHECK (period ~ '^[0-9A-Za-z.-]{4,40}$'),
    CONSTRAINT statement_publications_origin CHECK (origin ~ '^[!-~]{1,200}$')
);
-- One pending publication per alliance.
CREATE UNIQUE INDEX statement_publications_one_pending ON statement_publications (alliance_id)
    WHERE state = 'pending';
-- The service's sweep finds pending requests of every alliance.
CREATE INDEX statement_publications_pending ON statement_publications (requested_at)
    WHERE state = 'pending';

CREATE FUNCTION statement_publications_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'pending' THEN
            RAISE EXCEPTION 'a publication request starts pending'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_publications_state';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM people AS p
                       JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id
                       WHERE p.alliance_id = NEW.alliance_id AND p.id = NEW.requested_by AND p.removed_at IS NULL
                         AND r.role IN ('finance', 'board')) THEN
            RAISE EXCEPTION 'a statement is published by a finance lead or a board member'
                USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'statements_published_by';
        END IF;
        RETURN NEW;
    END IF;
    -- An update only finishes a pending request, and changes nothing of what was asked.
    IF OLD.state <> 'pending' THEN
        RAISE EXCEPTION 'publication request % is % and never changes again', OLD.id, OLD.state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_publications_finished';
    END IF;
    IF (NEW.alliance_id, NEW.id, NEW.period, NEW.supersedes, NEW.reason, NEW.origin, NEW.requested_by,
        NEW.requested_at)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.period, OLD.supersedes, OLD.reason, OLD.origin,
                         OLD.requested_by, OLD.requested_at) THEN
        RAISE EXCEPTION 'publication request % changes only by finishing', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_publications_finished';
    END IF;
    IF NEW.state = 'published' AND NOT EXISTS (
        SELECT 1 FROM statements AS s
        WHERE s.alliance_id = NEW.alliance_id AND s.number = NEW.statement_number AND s.period = NEW.period
          AND s.supersedes IS NOT DISTINCT FROM NEW.supersedes) THEN
        RAISE EXCEPTION 'publication request % did not publish statement %', OLD.id, NEW.statement_number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statement_publications_finished';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER statement_publications_check BEFORE INSERT OR UPDATE ON statement_publications
    FOR EACH ROW EXECUTE FUNCTION statement_publications_check();
CREATE TRIGGER statement_publications_no_delete BEFORE DELETE ON statement_publications
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER statement_publications_no_truncate BEFORE TRUNCATE ON statement_publications
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON statement_publications FROM PUBLIC;
GRANT SELECT, INSERT ON statement_publications TO alliance_ledger_service;
GRANT UPDATE (state, finished_at, statement_number, failure) ON statement_publications TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE statement_publications_id_seq TO alliance_ledger_service;
