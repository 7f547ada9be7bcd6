-- Outcome measures and payments, and the settlement of risk/reward (gain/pain) shares.
--
-- The database holds these rules as well as the library:
-- - outcome terms and the partner side of risk/reward terms are set only by carried decisions
--   saying so, and never change; a year's terms cannot change once a payment or settlement of
--   that year is posted;
-- - a measurement is recorded only by a finance person of the alliance, for a measure of the
--   year's terms, and never once its period is paid; measurements are never changed or
--   deleted (the latest of a measure and period counts);
-- - a period's outcome payment and a year's settlement are recorded once, only by a carried
--   decision approving exactly that period or year, against the terms in force, and the
--   journal entry they name must be of their kind and move exactly the amount recorded.

-- Risk/reward: the partner side -----------------------------------------------------------------

-- Whether bands are well formed: band ends rising, in basis points of target, for every band
-- but the last; each band's share 0 to 10000.
CREATE FUNCTION risk_share_bands_valid(p_limits integer[], p_shares integer[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT cardinality(p_shares) >= 1
       AND cardinality(p_limits) = cardinality(p_shares) - 1
       AND NOT EXISTS (SELECT 1 FROM unnest(p_shares) AS s WHERE s IS NULL OR s NOT BETWEEN 0 AND 10000)
       AND NOT EXISTS (
           SELECT 1 FROM unnest(p_limits) WITH ORDINALITY AS l (upto, i)
           WHERE l.upto IS NULL OR l.upto <= 0 OR (i > 1 AND l.upto <= p_limits[i - 1]))
$$;

-- How much of a year's difference between target and actual cost falls to the partners as a
-- group: a share by bands for a gain and for a pain, optional caps, and the fee at risk. One row
-- per riskShare.setTerms decision, beside that decision's per-partner rows in risk_share_terms.
CREATE TABLE risk_share_partner_sides (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    financial_year integer NOT NULL,
    gain_band_limits integer[] NOT NULL,
    gain_band_shares integer[] NOT NULL,
    pain_band_limits integer[] NOT NULL,
    pain_band_shares integer[] NOT NULL,
    gain_cap bigint,
    pain_cap bigint,
    fee bigint,
    PRIMARY KEY (alliance_id, decision_id),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id),
    CONSTRAINT risk_share_partner_sides_year CHECK (financial_year BETWEEN 1900 AND 9999),
    CONSTRAINT risk_share_partner_sides_gain_bands CHECK (
        risk_share_bands_valid(gain_band_limits, gain_band_shares)),
    CONSTRAINT risk_share_partner_sides_pain_bands CHECK (
        risk_share_bands_valid(pain_band_limits, pain_band_shares)),
    CONSTRAINT risk_share_partner_sides_amounts CHECK (gain_cap >= 0 AND pain_cap >= 0 AND fee >= 0)
);

-- Terms set before the partner side existed gave the whole difference to the partners.
INSERT INTO risk_share_partner_sides (
    alliance_id, decision_id, financial_year, gain_band_limits, gain_band_shares, pain_band_limits,
    pain_band_shares)
SELECT DISTINCT alliance_id, decision_id, financial_year, '{}'::integer[], '{10000}'::integer[],
       '{}'::integer[], '{10000}'::integer[]
FROM risk_share_terms;

CREATE TRIGGER risk_share_partner_sides_append_only BEFORE UPDATE OR DELETE ON risk_share_partner_sides
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER risk_share_partner_sides_no_truncate BEFORE TRUNCATE ON risk_share_partner_sides
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- The terms in force for a year: those of the carried decision that set them last.
CREATE FUNCTION risk_share_terms_in_force(p_alliance_id bigint, p_financial_year integer)
RETURNS bigint LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT s.decision_id FROM risk_share_partner_sides AS s
    JOIN decisions AS d ON d.alliance_id = s.alliance_id AND d.id = s.decision_id
    WHERE s.alliance_id = p_alliance_id AND s.financial_year = p_financial_year
    ORDER BY d.closed_at DESC, d.id DESC LIMIT 1
$$;

-- Settlements, declared here so that setting terms can refuse a settled year.
CREATE TABLE risk_share_settlements (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    financial_year integer NOT NULL,
    terms_decision_id bigint NOT NULL,
    -- The sum of the year's budgets and its net spend when the decision carried.
    target bigint NOT NULL,
    actual bigint NOT NULL,
    -- What the partners received (positive) or bore (negative) in all.
    partner_side bigint NOT NULL,
    -- NULL when nothing moved.
    entry_sequence bigint,
    settled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, decision_id),
    CONSTRAINT risk_share_settlements_once_a_year UNIQUE (alliance_id, financial_year),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id),
    FOREIGN KEY (alliance_id, terms_decision_id) REFERENCES risk_share_partner_sides (alliance_id, decision_id),
    FOREIGN KEY (alliance_id, entry_sequence) REFERENCES journal_entries (alliance_id, sequence),
    CONSTRAINT risk_share_settlements_year CHECK (financial_year BETWEEN 1900 AND 9999),
    CONSTRAINT risk_share_settlements_amounts CHECK (target >= 0)
);

CREATE TRIGGER risk_share_settlements_append_only BEFORE UPDATE OR DELETE ON risk_share_settlements
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER risk_share_settlements_no_truncate BEFORE TRUNCATE ON risk_share_settlements
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

DROP FUNCTION risk_share_set_terms(bigint, integer, bigint[], integer[], integer[], bigint[], bigint[], bigint);

CREATE FUNCTION risk_share_set_terms(
    p_alliance_id bigint, p_financial_year integer, p_partner_ids bigint[], p_gain_shares integer[],
    p_pain_shares integer[], p_gain_caps bigint[], p_pain_caps bigint[],
    p_gain_band_limits integer[], p_gain_band_shares integer[], p_pain_band_limits integer[],
    p_pain_band_shares integer[], p_side_gain_cap bigint, p_side_pain_cap bigint, p_fee bigint,
    p_decision_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'riskShare.setTerms');
    IF EXISTS (SELECT 1 FROM risk_share_settlements
               WHERE alliance_id = p_alliance_id AND financial_year = p_financial_year) THEN
        RAISE EXCEPTION 'FY% is settled: its risk/reward terms can no longer change', p_financial_year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'risk_share_terms_settled';
    END IF;
    IF (SELECT sum(s) FROM unnest(p_gain_shares) AS s) IS DISTINCT FROM 10000
       OR (SELECT sum(s) FROM unnest(p_pain_shares) AS s) IS DISTINCT FROM 10000 THEN
        RAISE EXCEPTION 'gain shares and pain shares must each sum to 10000 basis points'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'risk_share_terms_sum';
    END IF;
    INSERT INTO risk_share_partner_sides (
        alliance_id, decision_id, financial_year, gain_band_limits, gain_band_shares,
        pain_band_limits, pain_band_shares, gain_cap, pain_cap, fee)
    VALUES (p_alliance_id, p_decision_id, p_financial_year, p_gain_band_limits, p_gain_band_shares,
            p_pain_band_limits, p_pain_band_shares, p_side_gain_cap, p_side_pain_cap, p_fee);
    INSERT INTO risk_share_terms (alliance_id, decision_id, financial_year, partner_id, gain_share,
                                  pain_share, gain_cap, pain_cap)
    SELECT p_alliance_id, p_decision_id, p_financial_year, t.partner_id, t.gain_share, t.pain_share,
           t.gain_cap, t.pain_cap
    FROM unnest(p_partner_ids, p_gain_shares, p_pain_shares, p_gain_caps, p_pain_caps)
        AS t (partner_id, gain_share, pain_share, gain_cap, pain_cap);
END
$$;

-- A posted entry's kind and the amount it moves (the sum of its debits), or a refusal.
CREATE FUNCTION settlement_require_entry(
    p_alliance_id bigint, p_sequence bigint, p_kind text, p_amount bigint)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_sequence IS NULL THEN
        IF p_amount <> 0 THEN
            RAISE EXCEPTION 'moving % needs a journal entry', p_amount
                USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_entry';
        END IF;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM journal_entries
                   WHERE alliance_id = p_alliance_id AND sequence = p_sequence AND kind = p_kind)
       OR (SELECT sum(amount) FILTER (WHERE amount > 0) FROM postings
           WHERE alliance_id = p_alliance_id AND entry_sequence = p_sequence)
          IS DISTINCT FROM abs(p_amount) THEN
        RAISE EXCEPTION 'entry % is not a % entry moving %', p_sequence, p_kind, abs(p_amount)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_entry';
    END IF;
END
$$;

-- Records the settlement against the terms in force, which it reads itself.
CREATE FUNCTION risk_share_settlement_record(
    p_alliance_id bigint, p_decision_id bigint, p_financial_year integer, p_target bigint,
    p_actual bigint, p_partner_side bigint, p_allocated bigint, p_entry_sequence bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM decision_require_carried(p_alliance_id, p_decision_id, 'riskShare.settle');
    IF NOT EXISTS (SELECT 1 FROM decisions WHERE alliance_id = p_alliance_id AND id = p_decision_id
                   AND action ->> 'year' = 'FY' || lpad(p_financial_year::text, 4, '0')) THEN
        RAISE EXCEPTION 'decision % does not settle FY%', p_decision_id, p_financial_year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_decision_year';
    END IF;
    IF risk_share_terms_in_force(p_alliance_id, p_financial_year) IS NULL THEN
        RAISE EXCEPTION 'FY% has no risk/reward terms', p_financial_year
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_terms_in_force';
    END IF;
    IF sign(p_allocated) * sign(p_partner_side) < 0 OR abs(p_allocated) > abs(p_partner_side) THEN
        RAISE EXCEPTION 'cannot allocate % of a partner side of %', p_allocated, p_partner_side
            USING ERRCODE = 'check_violation', CONSTRAINT = 'settlement_allocation';
    END IF;
    PERFORM settlement_require_entry(p_alliance_id, p_entry_sequence, 'risk-share', p_allocated);
    INSERT INTO risk_share_settlements (
        alliance_id, decision_id, financial_year, terms_decision_id, target, actual, partner_side,
        entry_sequence)
    VALUES (p_alliance_id, p_decision_id, p_financial_year,
            risk_share_terms_in_force(p_alliance_id, p_financial_year), p_target, p_actual,
            p_partner_side, p_entry_sequence);
END
$$;

-- Outcomes -------------------------------------------------------------------------------------

-- A year's outcome terms: the pool at stake (divided equally among the year's periods) and how
-- often it is paid. Measures and partners' shares follow in their own tables.
CREATE TABLE outcome_terms (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    financial_year integer NOT NULL,
    frequency text NOT NULL,
    pool bigint NOT NULL,
    PRIMARY KEY (alliance_id, decision_id),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id),
    CONSTRAINT outcome_terms_year CHECK (financial_year BETWEEN 1900 AND 9999),
    CONSTRAINT outcome_terms_frequency CHECK (frequency IN ('year', 'quarter', 'month')),
    CONSTRAINT outcome_terms_pool CHECK (pool >= 0)
);
CREATE INDEX outcome_terms_year ON outcome_terms (alliance_id, financial_year);

-- Whether a bands rule is well formed: starts from worst to best in the measure's direction,
-- each with a factor of 0 to 10000 basis points.
CREATE FUNCTION outcome_bands_valid(p_direction text, p_starts bigint[], p_factors integer[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT cardinality(p_starts) >= 1 AND cardinality(p_starts) = cardinality(p_factors)
       AND NOT EXISTS (SELECT 1 FROM unnest(p_factors) AS f WHERE f IS NULL OR f NOT BETWEEN 0 AND 10000)
       AND NOT EXISTS (
           SELECT 1 FROM unnest(p_starts) WITH ORDINALITY AS b (start, i)
           WHERE b.start IS NULL OR (i > 1 AND CASE p_direction
               WHEN 'higher' THEN b.start <= p_starts[i - 1]
               ELSE b.start >= p_starts[i - 1] END))
$$;

-- Values (baseline, target, floor, cap, band starts) are ten-thousandths of the measure's unit.
CREATE TABLE outcome_measures (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    code text NOT NULL,
    position integer NOT NULL,
    name text NOT NULL,
    unit text NOT NULL,
    direction text NOT NULL,
    baseline bigint,
    target bigint NOT NULL,
    -- Basis points of the pool.
    weight integer NOT NULL,
    rule text NOT NULL,
    floor bigint,
    cap bigint,
    band_starts bigint[],
    band_factors integer[],
    PRIMARY KEY (alliance_id, decision_id, code),
    CONSTRAINT outcome_measures_position_key UNIQUE (alliance_id, decision_id, position),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES outcome_terms (alliance_id, decision_id),
    CONSTRAINT outcome_measures_code_format CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    CONSTRAINT outcome_measures_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT outcome_measures_unit_length CHECK (length(unit) BETWEEN 1 AND 40),
    CONSTRAINT outcome_measures_direction CHECK (direction IN ('higher', 'lower')),
    CONSTRAINT outcome_measures_weight CHECK (weight BETWEEN 0 AND 10000),
    -- A linear rule starts at a floor worse than the target and may rise to a cap better than
    -- it; bands run from worst to best with factors of 0 to 10000 basis points.
    CONSTRAINT outcome_measures_rule CHECK (CASE rule
        WHEN 'threshold' THEN floor IS NULL AND cap IS NULL AND band_starts IS NULL
        WHEN 'linear' THEN floor IS NOT NULL AND band_starts IS NULL
            AND CASE direction WHEN 'higher' THEN floor < target AND (cap IS NULL OR cap > target)
                               ELSE floor > target AND (cap IS NULL OR cap < target) END
        WHEN 'bands' THEN floor IS NULL AND cap IS NULL
            AND outcome_bands_valid(direction, band_starts, band_factors)
        ELSE false END)
);

CREATE TABLE outcome_shares (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    partner_id bigint NOT NULL,
    share integer NOT NULL,
    PRIMARY KEY (alliance_id, decision_id, partner_id),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES outcome_terms (alliance_id, decision_id),
    FOREIGN KEY (alliance_id, partner_id) REFERENCES partners (alliance_id, id),
    CONSTRAINT outcome_shares_share CHECK (share BETWEEN 0 AND 10000)
);

CREATE FUNCTION outcome_terms_in_force(p_alliance_id bigint, p_financial_year integer)
RETURNS bigint LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT t.decision_id FROM outcome_terms AS t
    JOIN decisions AS d ON d.alliance_id = t.alliance_id AND d.id = t.decision_id
    WHERE t.alliance_id = p_alliance_id AND t.financial_year = p_financial_year
    ORDER BY d.closed_at DESC, d.id DESC LIMIT 1
$$;

CREATE TABLE outcome_payments (
    alliance_id bigint NOT NULL,
    decision_id bigint NOT NULL,
    financial_year integer NOT NULL,
    -- The period as periods are written everywhere: FY2025, FY2025-Q3 or 2025-10.
    period text NOT NULL,
    terms_decision_id bigint NOT NULL,
    -- The period's pool and what the measures earned of it.
    pool bigint NOT NULL,
    earned bigint NOT NULL,
    -- NULL when nothing was earned.
    entry_sequence bigint,
    paid_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, decision_id),
    CONSTRAINT outcome_payments_once_a_period UNIQUE (alliance_id, period),
    FOREIGN KEY (alliance_id, decision_id) REFERENCES decisions (alliance_id, id),
    FOREIGN KEY (alliance_id, terms_decision_id) REFERENCES outcome_terms (alliance_id, decision_id),
    FOREIGN KEY (alliance_id, entry_sequence) REFERENCES journal_entries (alliance_id, sequence),
    CONSTRAINT outcome_payments_amounts CHECK (pool >= 0 AND earned >= 0),
    CONSTRAINT outcome_payments_entry_when_earned CHECK ((earned = 0) = (entry_sequence IS NULL))
);
CREATE INDEX outcome_payments_year ON outcome_payments (alliance_id, financial_year);

CREATE FUNCTION outcome_set_terms(
    p_alliance_id bigint, p_decision_id bigint, p_financial_year integer, p_frequency text,
    p_pool bigint, p_measures jsonb, p_partner_ids bigint[], p_shares integer[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    INSERT INTO outcome_terms (alliance_id, decision_id, financial_year, frequency, pool)
    VALUES (p_alliance_id, p_decision_id, p_financial_year, p_frequency, p_pool);
    INSERT INTO outcome_measures (
        alliance_id, decision_id, code, position, name, unit, direction, baseline, target, weight,
        rule, floor, cap, band_starts, band_factors)
    SELECT p_alliance_id, p_decision_id, m.code, m.position, m.name, m.unit, m.direction, m.baseline,
           m.target, m.weight, m.rule, m.floor, m.cap, m.band_starts, m.band_factors
    FROM jsonb_to_recordset(p_measures) AS m (
        code text, position integer, name text, unit text, direction text, baseline bigint,
        target bigint, weight integer, rule text, floor bigint, cap bigint, band_starts bigint[],
        band_factors integer[]);
    INSERT INTO outcome_shares (alliance_id, decision_id, partner_id, share)
    SELECT p_alliance_id, p_decision_id, s.partner_id, s.share
    FROM unnest(p_partner_ids, p_shares) AS s (partner_id, share);
END
$$;

-- Measurements: append-only; the latest of a measure and period counts.
CREATE TABLE outcome_measurements (
    alliance_id bigint NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    financial_year integer NOT NULL,
    period text NOT NULL,
    measure text NOT NULL,
    -- Ten-thousandths of the measure's unit.
    value bigint NOT NULL,
    evidence text NOT NULL,
    recorded_by bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alliance_id, id),
    FOREIGN KEY (alliance_id, recorded_by) REFERENCES people (alliance_id, id),
    CONSTRAINT outcome_measurements_evidence_present CHECK (length(btrim(evidence)) BETWEEN 1 AND 2000),
    CONSTRAINT outcome_measurements_period_format CHECK (
        period ~ '^(FY[0-9]{4}(-Q[1-4])?|[0-9]{4}-(0[1-9]|1[0-2]))$')
);
CREATE INDEX outcome_measurements_period ON outcome_measurements (alliance_id, period, measure, id);

CREATE FUNCTION outcome_measurements_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM person_roles WHERE alliance_id = NEW.alliance_id
                   AND person_id = NEW.recorded_by AND role = 'finance') THEN
        RAISE EXCEPTION 'only a finance person of the alliance records outcome measurements'
            USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'outcome_measurements_finance';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM outcome_measures
                   WHERE alliance_id = NEW.alliance_id AND code = NEW.measure
                     AND decision_id = outcome_terms_in_force(NEW.alliance_id, NEW.financial_year)) THEN
        RAISE EXCEPTION 'FY% has no outcome measure %', NEW.financial_year, NEW.measure
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'outcome_measurements_measure';
    END IF;
    IF EXISTS (SELECT 1 FROM outcome_payments WHERE alliance_id = NEW.alliance_id AND period = NEW.period) THEN
        RAISE EXCEPTION 'outcomes for % are paid: their measurements can no longer change', NEW.period
            USING ERRCODE = 'check_violation', CONSTRAINT = 'outcome_measurements_paid';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER outcome_measurements_check BEFORE INSERT ON outcome_measurements
    FOR EACH ROW EXECUTE FUNCTION outcome_measurements_check();

-- Records the payment against the terms in force, which it reads itself.
CREATE FUNCTION outcome_payment_record(
    p_alliance_id bigint, p_decision_id bigint, p_financial_year integer, p_period text,
    p_pool bigint, p_earned bigint, p_entry_sequence bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    PERFORM settlement_require_entry(p_alliance_id, p_entry_sequence, 'outcome-payment', p_earned);
    INSERT INTO outcome_payments (
        alliance_id, decision_id, financial_year, period, terms_decision_id, pool, earned, entry_sequence)
    VALUES (p_alliance_id, p_decision_id, p_financial_year, p_period,
            outcome_terms_in_force(p_alliance_id, p_financial_year), p_pool, p_earned, p_entry_sequence);
END
$$;

CREATE TRIGGER outcome_terms_append_only BEFORE UPDATE OR DELETE ON outcome_terms
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_terms_no_truncate BEFORE TRUNCATE ON outcome_terms
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_measures_append_only BEFORE UPDATE OR DELETE ON outcome_measures
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_measures_no_truncate BEFORE TRUNCATE ON outcome_measures
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_shares_append_only BEFORE UPDATE OR DELETE ON outcome_shares
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_shares_no_truncate BEFORE TRUNCATE ON outcome_shares
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_measurements_append_only BEFORE UPDATE OR DELETE ON outcome_measurements
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_measurements_no_truncate BEFORE TRUNCATE ON outcome_measurements
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_payments_append_only BEFORE UPDATE OR DELETE ON outcome_payments
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER outcome_payments_no_truncate BEFORE TRUNCATE ON outcome_payments
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Privileges ------------------------------------------------------------------------------------

REVOKE ALL ON risk_share_partner_sides, risk_share_settlements, outcome_terms, outcome_measures,
    outcome_shares, outcome_measurements, outcome_payments FROM PUBLIC;
GRANT SELECT ON risk_share_partner_sides, risk_share_settlements, outcome_terms, outcome_measures,
    outcome_shares, outcome_measurements, outcome_payments TO alliance_ledger_service;
GRANT INSERT (alliance_id, financial_year, period, measure, value, evidence, recorded_by, recorded_at)
    ON outcome_measurements TO alliance_ledger_service;
REVOKE ALL ON FUNCTION
    risk_share_set_terms(bigint, integer, bigint[], integer[], integer[], bigint[], bigint[],
        integer[], integer[], integer[], integer[], bigint, bigint, bigint, bigint),
    risk_share_settlement_record(bigint, bigint, integer, bigint, bigint, bigint, bigint, bigint),
    outcome_set_terms(bigint, bigint, integer, text, bigint, jsonb, bigint[], integer[]),
    outcome_payment_record(bigint, bigint, integer, text, bigint, bigint, bigint)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    risk_share_set_terms(bigint, integer, bigint[], integer[], integer[], bigint[], bigint[],
        integer[], integer[], integer[], integer[], bigint, bigint, bigint, bigint),
    risk_share_settlement_record(bigint, bigint, integer, bigint, bigint, bigint, bigint, bigint),
    outcome_set_terms(bigint, bigint, integer, text, bigint, jsonb, bigint[], integer[]),
    outcome_payment_record(bigint, bigint, integer, text, bigint, bigint, bigint)
    TO alliance_ledger_service;
