-- The journal's idempotency keys and reversal links, indexed only on the entries that have one.
--
-- journal_entries_idempotency_key (alliance_id, idempotency_key) and journal_entries_reverses_key
-- (alliance_id, reverses) were UNIQUE constraints, so every entry had a row in both indexes,
-- although an imported spend has no idempotency key and only a reversal reverses an entry (rows
-- whose column is NULL never conflict, and no lookup asks for them). Every append wrote two index
-- rows that nothing reads, and on a journal of millions of entries each index was as large as
-- the entries' other keys.
--
-- Now each is a unique index on the entries whose column is set, under the same name: a
-- repeated key or a second reversal of an entry is refused as before, naming the same
-- constraint. Every lookup by key or by reversed entry compares the column with `=`, which no
-- NULL satisfies, so it can still use the index. And a plan made on a journal never analysed
-- can no longer read an alliance's every entry through journal_entries_reverses_key for a lookup
-- by sequence (SQL/0025): the partial index serves only queries that ask for reversals.
--
-- No entry changes. Both indexes are built again here, with the journal locked against writes
-- while they are.

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_idempotency_key;
CREATE UNIQUE INDEX journal_entries_idempotency_key ON journal_entries (alliance_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_reverses_key;
CREATE UNIQUE INDEX journal_entries_reverses_key ON journal_entries (alliance_id, reverses)
    WHERE reverses IS NOT NULL;
