-- Open data: what a published statement's files need.
--
-- - Optional spend fields for the UK transparency files, kept in the spend entry's metadata
--   (hashed with the entry, like its supplier and reference): `expenseType` and
--   `expenseTypeLabel` (a code in the partner's chart of accounts and its words),
--   `supplierType` (company, charity, public-body or individual), `supplierId` (a Companies
--   House or charity number, never an individual's) and `irrecoverableVat` (minor units).
--   Spend recorded before has none of them and is unchanged. The checks are NOT VALID, as in
--   0008: history is never rewritten, so rows recorded before are left as they are (none of them
--   has these keys), and every new row is checked.
-- - The UK transparency views' thresholds, alliance settings changed by alliance.setSettings.
-- - The files of a published statement (statement_files), written in the transaction that
--   publishes it and never changed, and the hash of its SHA256SUMS (statements.files_hash),
--   the checkpoint's files line.

ALTER TABLE journal_entries
    ADD CONSTRAINT journal_entries_spend_expense_type CHECK (
        (metadata ->> 'expenseType' IS NULL AND metadata ->> 'expenseTypeLabel' IS NULL)
        OR (metadata ->> 'expenseType' IS NOT NULL AND length(btrim(metadata ->> 'expenseType')) > 0
            AND length(metadata ->> 'expenseType') <= 50
            AND coalesce(length(metadata ->> 'expenseTypeLabel'), 0) <= 200)) NOT VALID,
    ADD CONSTRAINT journal_entries_spend_supplier_type CHECK (
        metadata ->> 'supplierType' IS NULL
        OR metadata ->> 'supplierType' IN ('company', 'charity', 'public-body', 'individual')) NOT VALID,
    ADD CONSTRAINT journal_entries_spend_supplier_id CHECK (
        metadata ->> 'supplierId' IS NULL
        OR (metadata ->> 'supplierId' ~ '^[A-Za-z0-9]([A-Za-z0-9-]{0,48}[A-Za-z0-9])?$'
            AND coalesce(metadata ->> 'supplierType', '') IN ('company', 'charity', 'public-body'))) NOT VALID,
    ADD CONSTRAINT journal_entries_spend_irrecoverable_vat CHECK (
        metadata ->> 'irrecoverableVat' IS NULL
        OR (metadata ->> 'irrecoverableVat' ~ '^(0|[1-9][0-9]{0,12})$'
            AND (metadata ->> 'irrecoverableVat')::bigint <= 1000000000000)) NOT VALID;

-- The UK transparency views' thresholds -------------------------------------------------------

-- Spend at or above these net amounts (minor units) appears in spend-over-500.csv (Local
-- Government Transparency Code) and spend-over-25000.csv (HM Treasury and NHS). Alliance
-- settings, changed only by a carried alliance.setSettings decision.
ALTER TABLE alliances
    ADD COLUMN local_transparency_threshold bigint NOT NULL DEFAULT 50000,
    ADD COLUMN central_transparency_threshold bigint NOT NULL DEFAULT 2500000,
    ADD CONSTRAINT alliances_transparency_thresholds CHECK (
        local_transparency_threshold BETWEEN 0 AND 1000000000000
        AND central_transparency_threshold BETWEEN 0 AND 1000000000000);

DROP FUNCTION alliances_apply_settings(bigint, bigint, text);
-- As in 0009, with the thresholds: each setting the decision names, the others left as they are.
CREATE FUNCTION alliances_apply_settings(
    p_alliance_id bigint, p_decision_id bigint, p_abstention text, p_local_transparency_threshold bigint,
    p_central_transparency_threshold bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'alliance.setSettings');
    UPDATE alliances
    SET abstention = coalesce(p_abstention, abstention),
        local_transparency_threshold = coalesce(p_local_transparency_threshold, local_transparency_threshold),
        central_transparency_threshold = coalesce(p_central_transparency_threshold, central_transparency_threshold)
    WHERE id = p_alliance_id;
END
$$;
REVOKE ALL ON FUNCTION alliances_apply_settings(bigint, bigint, text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION alliances_apply_settings(bigint, bigint, text, bigint, bigint)
    TO alliance_ledger_service;

-- The files of a published statement ------------------------------------------------------------

-- The SHA-256 of the statement's SHA256SUMS file: the checkpoint's `files` line. NULL for a
-- statement published before files existed, whose checkpoint (and every signature over it)
-- stays exactly as it was.
ALTER TABLE statements ADD COLUMN files_hash bytea,
    ADD CONSTRAINT statements_files_hash CHECK (length(files_hash) = 32);

-- Written in the transaction that publishes the statement and never changed afterwards: every
-- service instance serves the same bytes, and backups include them.
CREATE TABLE statement_files (
    alliance_id bigint NOT NULL,
    statement_number integer NOT NULL,
    name text NOT NULL,
    bytes bytea NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (alliance_id, statement_number, name),
    FOREIGN KEY (alliance_id, statement_number) REFERENCES statements (alliance_id, number),
    CONSTRAINT statement_files_hash_of_bytes CHECK (hash = sha256(bytes)),
    -- Plain names only: nothing a path could be made of.
    CONSTRAINT statement_files_name CHECK (name ~ '^([a-z0-9]+(-[a-z0-9]+)*\.(csv|json)|SHA256SUMS)$')
);

-- A file is added only in the transaction that inserted its statement, and only to a statement
-- published with files: a published statement never gains, loses or changes a file.
CREATE FUNCTION statement_files_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM statements AS s
                   WHERE s.alliance_id = NEW.alliance_id AND s.number = NEW.statement_number
                     AND s.files_hash IS NOT NULL AND s.xmin::text::bigint = txid_current() % 4294967296) THEN
        RAISE EXCEPTION 'statement %''s files are written when it is published, and never afterwards',
            NEW.statement_number
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'statement_files_at_publication';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER statement_files_check BEFORE INSERT ON statement_files
    FOR EACH ROW EXECUTE FUNCTION statement_files_check();
CREATE TRIGGER statement_files_append_only BEFORE UPDATE OR DELETE ON statement_files
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER statement_files_no_truncate BEFORE TRUNCATE ON statement_files
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- At commit, a statement published with files has them: its SHA256SUMS hashes to files_hash
-- and its statement.json is its body.
CREATE FUNCTION statements_files_present() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.files_hash IS NOT NULL AND (
        NOT EXISTS (SELECT 1 FROM statement_files WHERE alliance_id = NEW.alliance_id
                    AND statement_number = NEW.number AND name = 'SHA256SUMS' AND hash = NEW.files_hash)
        OR NOT EXISTS (SELECT 1 FROM statement_files WHERE alliance_id = NEW.alliance_id
                       AND statement_number = NEW.number AND name = 'statement.json' AND hash = NEW.hash)) THEN
        RAISE EXCEPTION 'statement % is published without the files its checkpoint names', NEW.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'statements_files_present';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER statements_files_present AFTER INSERT ON statements
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION statements_files_present();

REVOKE ALL ON statement_files FROM PUBLIC;
GRANT SELECT, INSERT ON statement_files TO alliance_ledger_service;
