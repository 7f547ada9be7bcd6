-- Imports append in chunks, each its own transaction, so that an import holds its alliance's
-- chain head for one chunk at a time and other writers interleave (before, a 300,000-row
-- import held it for minutes). An import is recorded here with how far it has got, in the same
-- transaction as each chunk it appends, so that after a crash it is known exactly which rows
-- are in, and importing the same file again resumes after them.
--
-- - An import is of one file (its SHA-256) into one alliance in one mode, by one caller.
-- - It moves only forward: the last line appended and the counts never go down, and once
--   finished it never changes again. Nothing is deleted.
-- - An alliance has at most one unfinished import of a file: the one to resume.

CREATE TABLE spend_imports (
    alliance_id bigint NOT NULL REFERENCES alliances (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    file_sha256 bytea NOT NULL,
    mode text NOT NULL,
    started_by text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    -- Data lines of the file, good or bad.
    rows integer NOT NULL,
    -- Every line of the file up to this one (the header is line 1, and a quoted field may
    -- span lines) is settled: recorded, a duplicate or refused.
    appended_through_line integer NOT NULL DEFAULT 0,
    recorded integer NOT NULL DEFAULT 0,
    duplicates integer NOT NULL DEFAULT 0,
    invalid integer NOT NULL DEFAULT 0,
    first_sequence bigint,
    last_sequence bigint,
    finished_at timestamptz,
    PRIMARY KEY (alliance_id, id),
    CONSTRAINT spend_imports_file_sha256 CHECK (length(file_sha256) = 32),
    CONSTRAINT spend_imports_mode CHECK (mode IN ('all-or-nothing', 'skip-invalid')),
    CONSTRAINT spend_imports_started_by CHECK (length(started_by) BETWEEN 1 AND 254),
    CONSTRAINT spend_imports_counts CHECK (
        rows >= 0 AND appended_through_line >= 0 AND recorded >= 0 AND duplicates >= 0
        AND invalid >= 0 AND recorded + duplicates + invalid <= rows),
    CONSTRAINT spend_imports_sequences CHECK (
        (recorded = 0) = (first_sequence IS NULL) AND (first_sequence IS NULL) = (last_sequence IS NULL)
        AND first_sequence <= last_sequence)
);
CREATE UNIQUE INDEX spend_imports_one_unfinished ON spend_imports (alliance_id, file_sha256)
    WHERE finished_at IS NULL;

CREATE FUNCTION spend_imports_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.finished_at IS NOT NULL THEN
        RAISE EXCEPTION 'import % is finished and never changes again', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'spend_imports_forward';
    END IF;
    IF (NEW.alliance_id, NEW.id, NEW.file_sha256, NEW.mode, NEW.started_by, NEW.started_at, NEW.rows)
       IS DISTINCT FROM (OLD.alliance_id, OLD.id, OLD.file_sha256, OLD.mode, OLD.started_by, OLD.started_at,
                         OLD.rows)
       OR NEW.appended_through_line < OLD.appended_through_line OR NEW.recorded < OLD.recorded
       OR NEW.duplicates < OLD.duplicates OR NEW.invalid < OLD.invalid
       OR NEW.first_sequence IS DISTINCT FROM coalesce(OLD.first_sequence, NEW.first_sequence)
       OR NEW.last_sequence < OLD.last_sequence THEN
        RAISE EXCEPTION 'import % only moves forward', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'spend_imports_forward';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER spend_imports_check BEFORE UPDATE ON spend_imports
    FOR EACH ROW EXECUTE FUNCTION spend_imports_check();
CREATE TRIGGER spend_imports_no_delete BEFORE DELETE ON spend_imports
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER spend_imports_no_truncate BEFORE TRUNCATE ON spend_imports
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON spend_imports FROM PUBLIC;
GRANT SELECT, INSERT ON spend_imports TO alliance_ledger_service;
GRANT UPDATE (appended_through_line, recorded, duplicates, invalid, first_sequence, last_sequence, finished_at)
    ON spend_imports TO alliance_ledger_service;
GRANT USAGE ON SEQUENCE spend_imports_id_seq TO alliance_ledger_service;
