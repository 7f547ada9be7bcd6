-- Outcome evidence people can trust: the partner that reports each measure, four-eyes review of
-- every measurement, and targets per outcome period.
--
-- The database holds these rules as well as the library:
-- - a measure of terms set from now on names the partner that reports it, and only that
--   partner's finance people record its measurements (a measure of earlier terms names none:
--   any finance person records it, as before);
-- - a measurement is provisional until it is reviewed, once: validated or rejected (with a
--   reason) by a finance person of another partner or by an auditor of no other partner than
--   another's; nobody reviews a figure of their own partner, a superseded figure or a paid one;
-- - a measure may carry its target (and floor, cap or bands) for every period of its year;
-- - a period's payment is recorded only when every measure's latest measurement is validated.
-- Measurements recorded before this change count as validated by this migration, and the
-- governance log says so.

-- Terms set before this change keep working without reporters; terms of decisions made from
-- now on must name them. The cut is the last decision that existed when this ran.
CREATE TABLE outcome_evidence_cut (
    last_decision_id bigint NOT NULL
);
INSERT INTO outcome_evidence_cut (last_decision_id) SELECT coalesce(max(id), 0) FROM decisions;
CREATE TRIGGER outcome_evidence_cut_append_only BEFORE UPDATE OR DELETE ON outcome_evidence_cut
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Reporters ---------------------------------------------------------------------------------

ALTER TABLE outcome_measures ADD COLUMN reporter_id bigint,
    ADD FOREIGN KEY (alliance_id, reporter_id) REFERENCES partners (alliance_id, id);

-- Targets per period ------------------------------------------------------------------------

-- Whether a measure's rule is well formed for one target: the outcome_measures_rule check, as a
-- function, so that each period's figures are held to it too.
CREATE FUNCTION outcome_rule_valid(
    p_rule text, p_direction text, p_target bigint, p_floor bigint, p_cap bigint, p_band_starts bigint[],
    p_band_factors integer[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(CASE p_rule
        WHEN 'threshold' THEN p_floor IS NULL AND p_cap IS NULL AND p_band_starts IS NULL
        WHEN 'linear' THEN p_floor IS NOT NULL AND p_band_starts IS NULL
            AND CASE p_direction WHEN 'higher' THEN p_floor < p_target AND (p_cap IS NULL OR p_cap > p_target)
                                 ELSE p_floor > p_target AND (p_cap IS NULL OR p_cap < p_target) END
        WHEN 'bands' THEN p_floor IS NULL AND p_cap IS NULL
            AND outcome_bands_valid(p_direction, p_band_starts, p_band_factors)
        ELSE false END, false)
$$;

-- A year's outcome periods under a frequency, in order, named as periods are everywhere.
CREATE FUNCTION outcome_year_periods(p_alliance_id bigint, p_financial_year integer, p_frequency text)
RETURNS text[] LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT CASE p_frequency
        WHEN 'year' THEN ARRAY['FY' || lpad(p_financial_year::text, 4, '0')]
        WHEN 'quarter' THEN ARRAY(
            SELECT 'FY' || lpad(p_financial_year::text, 4, '0') || '-Q' || q FROM generate_series(1, 4) AS q
            ORDER BY q)
        ELSE ARRAY(
            SELECT to_char(make_date(p_financial_year, a.financial_year_start_month, 1)
                           + make_interval(months => m), 'YYYY-MM')
            FROM alliances AS a, generate_series(0, 11) AS m WHERE a.id = p_alliance_id ORDER BY m)
    END
$$;

-- A measure's figures for one period of its year, when the terms set them per period; values
-- in ten-thousandths of the measure's unit, the rule's type the measure's own.
CREATE TABLE outcome_measure_periods (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    code text NOT NULL,
    period text NOT NULL,
    target bigint NOT NULL,
    floor bigint,
    cap bigint,
    band_starts bigint[],
    band_factors integer[],
    PRIMARY KEY (alliance_id, decision_id, code, period),
    FOREIGN KEY (alliance_id, decision_id, code) REFERENCES outcome_measures (alliance_id, decision_id, code),
    CONSTRAINT outcome_measure_periods_period_format CHECK (
        period ~ '^(FY[0-9]{4}(-Q[1-4])?|[0-9]{4}-(0[1-9]|1[0-2]))$')
);
CREATE TRIGGER outcome_measure_periods_append_only BEFORE UPDATE OR DELETE ON outcome_measure_periods
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_measure_periods_no_truncate BEFORE TRUNCATE ON outcome_measure_periods
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Setting terms: reporters and periods ---------------------------------------------------------

-- Each measure of `p_measures` may carry `reporter_id` (a partner) and `periods`, a list of
-- {period, target, floor, cap, band_starts, band_factors}.
CREATE OR REPLACE FUNCTION outcome_set_terms(
    p_alliance_id bigint, p_decision_id bigint, p_financial_year integer, p_frequency text,
    p_pool bigint, p_measures jsonb, p_partner_ids bigint[], p_shares integer[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_periods text[] := outcome_year_periods(p_alliance_id, p_financial_year, p_frequency);
    v_code text;
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'outcomes.setTerms');
    IF EXISTS (SELECT 1 FROM outcome_payments
               WHERE alliance_id = p_alliance_id AND financial_year = p_financial_year) THEN
        RAISE EXCEPTION 'FY% has outcome payments: its outcome terms can no longer change', p_financial_year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_terms_paid';
    END IF;
    IF (SELECT sum((m ->> 'weight')::integer) FROM jsonb_array_elements(p_measures) AS m) IS DISTINCT FROM 10000 THEN
        RAISE EXCEPTION 'measure weights must sum to 10000 basis points'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measures_weights';
    END IF;
    IF (SELECT sum(s) FROM unnest(p_shares) AS s) IS DISTINCT FROM 10000 THEN
        RAISE EXCEPTION 'outcome shares must sum to 10000 basis points'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_shares_sum';
    END IF;
    SELECT m ->> 'code' INTO v_code FROM jsonb_array_elements(p_measures) AS m
    WHERE coalesce(m ->> 'reporter_id', '') = ''
      AND p_decision_id > (SELECT last_decision_id FROM outcome_evidence_cut)
    LIMIT 1;
    IF v_code IS NOT NULL THEN
        RAISE EXCEPTION 'measure % names no reporting partner', v_code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measures_reporter';
    END IF;
    SELECT m ->> 'code' INTO v_code FROM jsonb_array_elements(p_measures) AS m
    WHERE jsonb_array_length(coalesce(m -> 'periods', '[]'::jsonb)) > 0
      AND (SELECT array_agg(p ->> 'period' ORDER BY p ->> 'period') FROM jsonb_array_elements(m -> 'periods') AS p)
          IS DISTINCT FROM (SELECT array_agg(v ORDER BY v) FROM unnest(v_periods) AS v)
    LIMIT 1;
    IF v_code IS NOT NULL THEN
        RAISE EXCEPTION 'measure % must set its figures for every period of FY%, once each: %', v_code,
            p_financial_year, array_to_string(v_periods, ', ')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measure_periods_cover_year';
    END IF;
    INSERT INTO outcome_terms (alliance_id, decision_id, financial_year, frequency, pool)
    VALUES (p_alliance_id, p_decision_id, p_financial_year, p_frequency, p_pool);
    INSERT INTO outcome_measures (
        alliance_id, decision_id, code, position, name, unit, direction, baseline, target, weight,
        rule, floor, cap, band_starts, band_factors, reporter_id)
    SELECT p_alliance_id, p_decision_id, m.code, m.position, m.name, m.unit, m.direction, m.baseline,
           m.target, m.weight, m.rule, m.floor, m.cap, m.band_starts, m.band_factors, m.reporter_id
    FROM jsonb_to_recordset(p_measures) AS m (
        code text, position integer, name text, unit text, direction text, baseline bigint,
        target bigint, weight integer, rule text, floor bigint, cap bigint, band_starts bigint[],
        band_factors integer[], reporter_id bigint);
    INSERT INTO outcome_measure_periods (
        alliance_id, decision_id, code, period, target, floor, cap, band_starts, band_factors)
    SELECT p_alliance_id, p_decision_id, m ->> 'code', p.period, p.target, p.floor, p.cap, p.band_starts,
           p.band_factors
    FROM jsonb_array_elements(p_measures) AS m,
         jsonb_to_recordset(coalesce(m -> 'periods', '[]'::jsonb)) AS p (
             period text, target bigint, floor bigint, cap bigint, band_starts bigint[], band_factors integer[]);
    SELECT p.code INTO v_code FROM outcome_measure_periods AS p
    JOIN outcome_measures AS m ON m.alliance_id = p.alliance_id AND m.decision_id = p.decision_id
        AND m.code = p.code
    WHERE p.alliance_id = p_alliance_id AND p.decision_id = p_decision_id
      AND NOT outcome_rule_valid(m.rule, m.direction, p.target, p.floor, p.cap, p.band_starts, p.band_factors)
    LIMIT 1;
    IF v_code IS NOT NULL THEN
        RAISE EXCEPTION 'measure %''s figures for a period do not fit its % rule', v_code,
            (SELECT rule FROM outcome_measures WHERE alliance_id = p_alliance_id AND decision_id = p_decision_id
             AND code = v_code)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measure_periods_rule';
    END IF;
    INSERT INTO outcome_shares (alliance_id, decision_id, partner_id, share)
    SELECT p_alliance_id, p_decision_id, s.partner_id, s.share
    FROM unnest(p_partner_ids, p_shares) AS s (partner_id, share);
END
$$;

-- Recording: only the reporting partner -------------------------------------------------------

CREATE OR REPLACE FUNCTION outcome_measurements_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_reporter_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM person_roles AS r JOIN people AS p ON p.alliance_id = r.alliance_id
                   AND p.id = r.person_id AND p.removed_at IS NULL
                   WHERE r.alliance_id = NEW.alliance_id AND r.person_id = NEW.recorded_by AND r.role = 'finance') THEN
        RAISE EXCEPTION 'only a finance person of the alliance records outcome measurements'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'outcome_measurements_finance';
    END IF;
    SELECT reporter_id INTO v_reporter_id FROM outcome_measures
    WHERE alliance_id = NEW.alliance_id AND code = NEW.measure
      AND decision_id = outcome_terms_in_force(NEW.alliance_id, NEW.financial_year);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'FY% has no outcome measure %', NEW.financial_year, NEW.measure
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'outcome_measurements_measure';
    END IF;
    IF v_reporter_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM people WHERE alliance_id = NEW.alliance_id AND id = NEW.recorded_by
                               AND partner_id = v_reporter_id) THEN
        RAISE EXCEPTION 'only a finance person of the partner that reports % records it', NEW.measure
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'outcome_measurements_reporter';
    END IF;
    IF EXISTS (SELECT 1 FROM outcome_payments WHERE alliance_id = NEW.alliance_id AND period = NEW.period) THEN
        RAISE EXCEPTION 'outcomes for % are paid: their measurements can no longer change', NEW.period
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measurements_paid';
    END IF;
    RETURN NEW;
END
$$;

-- Reviews: four eyes on every figure ----------------------------------------------------------

-- A measurement's review, once: validated (with an optional note) or rejected (with a reason).
-- A rejected figure stays rejected; a correction is a later measurement, provisional again.
CREATE TABLE outcome_measurement_reviews (
    alliance_id bigint NOT NULL,
    measurement_id bigint NOT NULL,
    verdict text NOT NULL,
    -- A validation's note (may be empty) or a rejection's reason.
    note text NOT NULL,
    -- Who reviewed it: a person, or this migration for the figures recorded before it.
    reviewer text NOT NULL,
    reviewed_by bigint,
    -- The role the person reviewed under: finance (of another partner) or auditor.
    reviewer_role text,
    reviewed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, measurement_id),
    FOREIGN KEY (alliance_id, measurement_id) REFERENCES outcome_measurements (alliance_id, id),
    FOREIGN KEY (alliance_id, reviewed_by) REFERENCES people (alliance_id, id),
    CONSTRAINT outcome_measurement_reviews_verdict CHECK (verdict IN ('validated', 'rejected')),
    CONSTRAINT outcome_measurement_reviews_note CHECK (length(note) <= 2000),
    CONSTRAINT outcome_measurement_reviews_reason CHECK (verdict = 'validated' OR length(btrim(note)) >= 1),
    CONSTRAINT outcome_measurement_reviews_reviewer CHECK (
        reviewer IN ('person', 'migration')
        AND (reviewer = 'person') = (reviewed_by IS NOT NULL)
        AND (reviewer = 'person') = (reviewer_role IS NOT NULL)
        AND (reviewer_role IS NULL OR reviewer_role IN ('finance', 'auditor')))
);

-- Measurements recorded before this change count as validated, and the governance log says so.
INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer)
SELECT alliance_id, id, 'validated', 'recorded before measurements were reviewed', 'migration'
FROM outcome_measurements;

SELECT governance_record(m.alliance_id, 'measurement.validated', 'migration', NULL, NULL,
    jsonb_build_object('measurement', m.id::text, 'measure', m.measure, 'period', m.period,
        'note', 'recorded before measurements were reviewed'), NULL)
FROM (SELECT * FROM outcome_measurements ORDER BY alliance_id, id) AS m
ORDER BY m.alliance_id, m.id;

CREATE FUNCTION outcome_measurement_reviews_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_measurement outcome_measurements%ROWTYPE;
    v_figure_partner_id bigint;
    v_reviewer people%ROWTYPE;
BEGIN
    IF NEW.reviewer <> 'person' THEN
        RAISE EXCEPTION 'only a person reviews a measurement'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'outcome_measurement_reviews_reviewer';
    END IF;
    SELECT * INTO v_measurement FROM outcome_measurements
    WHERE alliance_id = NEW.alliance_id AND id = NEW.measurement_id;
    SELECT partner_id INTO v_figure_partner_id FROM people
    WHERE alliance_id = NEW.alliance_id AND id = v_measurement.recorded_by;
    SELECT * INTO v_reviewer FROM people WHERE alliance_id = NEW.alliance_id AND id = NEW.reviewed_by;
    IF v_reviewer.removed_at IS NOT NULL OR NOT EXISTS (
        SELECT 1 FROM person_roles WHERE alliance_id = NEW.alliance_id AND person_id = NEW.reviewed_by
                                     AND role = NEW.reviewer_role) THEN
        RAISE EXCEPTION 'person % is not a finance person or an auditor of the alliance', NEW.reviewed_by
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'outcome_measurement_reviews_role';
    END IF;
    IF v_reviewer.partner_id IS NOT DISTINCT FROM v_figure_partner_id
       OR (NEW.reviewer_role = 'finance' AND v_reviewer.partner_id IS NULL) THEN
        RAISE EXCEPTION 'nobody reviews a figure of their own partner'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'outcome_measurement_reviews_other_partner';
    END IF;
    IF EXISTS (SELECT 1 FROM outcome_measurements WHERE alliance_id = NEW.alliance_id
               AND period = v_measurement.period AND measure = v_measurement.measure AND id > v_measurement.id) THEN
        RAISE EXCEPTION 'measurement % is superseded by a later one', NEW.measurement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measurement_reviews_latest';
    END IF;
    IF EXISTS (SELECT 1 FROM outcome_payments WHERE alliance_id = NEW.alliance_id
               AND period = v_measurement.period) THEN
        RAISE EXCEPTION 'outcomes for % are paid: their measurements can no longer change', v_measurement.period
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measurement_reviews_paid';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER outcome_measurement_reviews_check BEFORE INSERT ON outcome_measurement_reviews
    FOR EACH ROW EXECUTE FUNCTION outcome_measurement_reviews_check();
CREATE TRIGGER outcome_measurement_reviews_append_only BEFORE UPDATE OR DELETE ON outcome_measurement_reviews
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_measurement_reviews_no_truncate BEFORE TRUNCATE ON outcome_measurement_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Payments: only on validated figures ---------------------------------------------------------

CREATE OR REPLACE FUNCTION outcome_payment_record(
    p_alliance_id bigint, p_decision_id bigint, p_financial_year integer, p_period text,
    p_pool bigint, p_earned bigint, p_entry_sequence bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_code text;
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'outcomePayments.approve');
    IF NOT EXISTS (SELECT 1 FROM decisions WHERE alliance_id = p_alliance_id AND id = p_decision_id
                   AND action ->> 'period' = p_period) THEN
        RAISE EXCEPTION 'decision % does not approve outcome payments for %', p_decision_id, p_period
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_decision_period';
    END IF;
    IF outcome_terms_in_force(p_alliance_id, p_financial_year) IS NULL THEN
        RAISE EXCEPTION 'FY% has no outcome terms', p_financial_year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_terms_in_force';
    END IF;
    SELECT m.code INTO v_code FROM outcome_measures AS m
    WHERE m.alliance_id = p_alliance_id AND m.decision_id = outcome_terms_in_force(p_alliance_id, p_financial_year)
      AND NOT EXISTS (
          SELECT 1 FROM outcome_measurement_reviews AS r
          WHERE r.alliance_id = p_alliance_id AND r.verdict = 'validated'
            AND r.measurement_id = (SELECT max(x.id) FROM outcome_measurements AS x
                                    WHERE x.alliance_id = p_alliance_id AND x.period = p_period
                                      AND x.measure = m.code))
    ORDER BY m.position LIMIT 1;
    IF v_code IS NOT NULL THEN
        RAISE EXCEPTION 'the latest measurement of % for % is not validated', v_code, p_period
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_payments_validated';
    END IF;
    PERFORM settlement_require_entry(p_alliance_id, p_entry_sequence, 'outcome-payment', p_earned);
    INSERT INTO outcome_payments (
        alliance_id, decision_id, financial_year, period, terms_decision_id, pool, earned, entry_sequence)
    VALUES (p_alliance_id, p_decision_id, p_financial_year, p_period,
            outcome_terms_in_force(p_alliance_id, p_financial_year), p_pool, p_earned, p_entry_sequence);
END
$$;

-- Privileges ----------------------------------------------------------------------------------

REVOKE ALL ON outcome_evidence_cut, outcome_measure_periods, outcome_measurement_reviews FROM PUBLIC;
GRANT SELECT ON outcome_evidence_cut, outcome_measure_periods, outcome_measurement_reviews
    TO alliance_ledger_service;
GRANT INSERT (alliance_id, measurement_id, verdict, note, reviewer, reviewed_by, reviewer_role, reviewed_at)
    ON outcome_measurement_reviews TO alliance_ledger_service;
