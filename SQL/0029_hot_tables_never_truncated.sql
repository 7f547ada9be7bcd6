-- The small tables every write changes are never truncated by VACUUM.
--
-- When VACUUM finds empty pages at the end of a table it gives them back to the file system:
-- it takes the table's ACCESS EXCLUSIVE lock (whenever, in its retries over five seconds, no
-- one else holds a lock on it), truncates the file, and waits for the WAL to be flushed to disk
-- with that lock held. Every write in the meantime waits for the lock, so behind an import's
-- WAL writes a truncation made the next few writes of every alliance wait for an fsync.
--
-- month_totals_pending is emptied by every transaction that appends (SQL/0012, SQL/0023): every
-- autovacuum visit finds it all empty pages and truncates it, while every writer inserts into
-- it. journal_heads, account_balances, account_month_totals and journal_tree_tiles are updated
-- in place by every write, their tails emptied and refilled as versions come and go. Their
-- empty pages are kept and reused by later versions and rows through the free space map, as
-- they would be refilled within seconds anyway; VACUUM still prunes and frees every dead row.
--
-- No row changes.

ALTER TABLE month_totals_pending SET (vacuum_truncate = off);
ALTER TABLE journal_heads SET (vacuum_truncate = off);
ALTER TABLE account_balances SET (vacuum_truncate = off);
ALTER TABLE account_month_totals SET (vacuum_truncate = off);
ALTER TABLE journal_tree_tiles SET (vacuum_truncate = off);
