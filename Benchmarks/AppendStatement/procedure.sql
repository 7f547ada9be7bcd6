-- The append-statement benchmark's alliances and its procedure (see run).
--
-- Eight alliances of eight expense accounts each, and append_benchmark(batches, entries,
-- alliances): `batches` calls of ledger_append, each of `entries` entries spread over
-- `alliances` of the eight, every entry two postings between two of its alliance's accounts,
-- each call committed; it reports the mean time of the calls alone (not of building their
-- arrays), in µs, as a NOTICE. Entries chain from their heads with made-up hashes: the database
-- checks the chain's links, not how the hashes were made.

INSERT INTO alliances (slug, name) SELECT 'bench-' || g, 'Benchmark ' || g FROM generate_series(1, 8) AS g;
INSERT INTO accounts (alliance_id, code, type)
SELECT a.id, 'account:' || g, 'expense' FROM alliances AS a, generate_series(1, 8) AS g;

CREATE PROCEDURE append_benchmark(p_batches integer, p_entries integer, p_alliances integer)
LANGUAGE plpgsql AS $$
DECLARE
    first_alliance bigint := (SELECT min(id) FROM alliances);
    alliance bigint;
    alliance_ids bigint[]; sequences bigint[]; kinds text[]; effective_on date[]; recorded_at timestamptz[];
    recorded_by text[]; descriptions text[]; metadata jsonb[]; keys text[]; request_hashes bytea[];
    reverses bigint[]; previous_hashes bytea[]; hashes bytea[];
    posting_alliances bigint[]; posting_sequences bigint[]; lines smallint[]; accounts bigint[]; amounts bigint[];
    head_sequence bigint; head_hash bytea; debit bigint; credit bigint; amount bigint; hash bytea;
    started timestamptz;
    spent interval := '0';
BEGIN
    FOR batch IN 1 .. p_batches LOOP
        alliance_ids := '{}'; sequences := '{}'; kinds := '{}'; effective_on := '{}'; recorded_at := '{}';
        recorded_by := '{}'; descriptions := '{}'; metadata := '{}'; keys := '{}'; request_hashes := '{}';
        reverses := '{}'; previous_hashes := '{}'; hashes := '{}';
        posting_alliances := '{}'; posting_sequences := '{}'; lines := '{}'; accounts := '{}'; amounts := '{}';
        FOR k IN 0 .. p_entries - 1 LOOP
            -- Entries k and k + p_alliances go to the same alliance, a different set each batch.
            alliance := first_alliance + (batch * 5 + (k % p_alliances) * 8 / p_alliances) % 8;
            IF alliance = ANY (alliance_ids) THEN
                SELECT max(s) INTO head_sequence FROM unnest(alliance_ids, sequences) AS t (a, s) WHERE a = alliance;
                SELECT h INTO head_hash FROM unnest(alliance_ids, sequences, hashes) AS t (a, s, h)
                WHERE a = alliance AND s = head_sequence;
            ELSE
                SELECT sequence, journal_heads.hash INTO head_sequence, head_hash
                FROM journal_heads WHERE alliance_id = alliance;
            END IF;
            hash := sha256(head_hash || int8send(batch));
            SELECT id INTO debit FROM accounts WHERE alliance_id = alliance ORDER BY random() LIMIT 1;
            SELECT id INTO credit FROM accounts WHERE alliance_id = alliance AND id <> debit ORDER BY random() LIMIT 1;
            amount := 1 + (random() * 1000)::bigint;
            alliance_ids := alliance_ids || alliance; sequences := sequences || (head_sequence + 1);
            kinds := kinds || 'adjustment'::text; effective_on := effective_on || date '2025-05-14';
            recorded_at := recorded_at || now(); recorded_by := recorded_by || 'benchmark'::text;
            descriptions := descriptions || 'transfer'::text; metadata := metadata || '{}'::jsonb;
            keys := keys || NULL::text; request_hashes := request_hashes || sha256(hash);
            reverses := reverses || NULL::bigint; previous_hashes := previous_hashes || head_hash;
            hashes := hashes || hash;
            posting_alliances := posting_alliances || alliance || alliance;
            posting_sequences := posting_sequences || (head_sequence + 1) || (head_sequence + 1);
            lines := lines || 1::smallint || 2::smallint;
            accounts := accounts || debit || credit; amounts := amounts || amount || -amount;
        END LOOP;
        started := clock_timestamp();
        PERFORM ledger_append(alliance_ids, sequences, kinds, effective_on, recorded_at, recorded_by,
            descriptions, metadata, keys, request_hashes, reverses, previous_hashes, hashes,
            posting_alliances, posting_sequences, lines, accounts, amounts);
        spent := spent + (clock_timestamp() - started);
        COMMIT;
    END LOOP;
    RAISE NOTICE 'append_benchmark: % us per statement', round(extract(epoch FROM spent) * 1e6 / p_batches);
END
$$;
