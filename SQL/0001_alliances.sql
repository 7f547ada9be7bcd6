-- Alliances: the root of every other table. One service hosts many alliances, and every row of
-- every other table carries the id of the alliance it belongs to.
CREATE TABLE alliances (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL,
    name text NOT NULL,
    -- ISO 4217 code; every amount of the alliance is an integer count of its minor unit.
    currency char(3) NOT NULL DEFAULT 'GBP',
    -- 4 = April, the UK public-sector year: FY2025 runs 1 Apr 2025 - 31 Mar 2026.
    financial_year_start_month smallint NOT NULL DEFAULT 4,
    contract_start date,
    contract_end date,
    -- Whether an abstention blocks a decision (unanimity) or stands aside.
    abstention text NOT NULL DEFAULT 'blocks',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alliances_slug_key UNIQUE (slug),
    CONSTRAINT alliances_slug_format CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    CONSTRAINT alliances_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT alliances_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT alliances_year_start_month CHECK (financial_year_start_month BETWEEN 1 AND 12),
    CONSTRAINT alliances_contract_dates CHECK (contract_end > contract_start),
    CONSTRAINT alliances_abstention CHECK (abstention IN ('blocks', 'stands-aside'))
);
