#!/usr/bin/env python3
"""Crash safety: no acknowledged request is lost and none is stored twice when the service or
PostgreSQL is killed under load.

32 clients record spend, propose decisions, vote and record outcome measurements over HTTP,
each request with its own Idempotency-Key, against the built `alliance-ledger serve` on a
private durable cluster loaded by `alliance-ledger demo --tokens`. While they do, the service is
killed with SIGKILL and started again, then PostgreSQL's postmaster is killed with SIGKILL and
started again (crash recovery), `--rounds` times each; each kill waits for a moment when one of
the service's writes is committing, so that some land after their answer is lost. A client retries every request it has no
answer to (no connection, a reset, a timeout, a 5xx, 409 request-in-progress) with the same key
and the same body until it is answered. Then, read by the database's owner:

- every acknowledged request is stored exactly once, and nothing is stored that no request
  asked for;
- every key has one entry (spend keeps its key in the journal entry; the other creations in
  http_idempotency_keys, whose stored answer names the thing stored);
- the answer a client was given names the thing stored (the same id, however many retries);
- `journal verify` and `audit verify` pass and `trial-balance` is zero.

It prints PASS or FAIL with the figures and exits 1 on FAIL (2 on a usage or set-up error).

    Tests/Evidence/crash-safety.py [--binary .build/debug/alliance-ledger] [--clients 32]
                                   [--rounds 3] [--load-seconds 4] [--keep]

A script rather than a Swift target: the faults come from outside the service (SIGKILL to it and
to the postmaster, restarts), which a separate process drives best; it uses only the shipped
binary and its public interfaces (`demo`, `serve`, HTTP, `journal verify`, `trial-balance`) plus
psql for the owner's counts, so it checks what an operator runs; and it costs no second build.
"""

import argparse
import http.client
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evidence import (  # noqa: E402
    ALLIANCE, BASE, PARTNERS, Installation, PsqlSession, SetUpError, finish, http_request, locate_binary, log, workspace)

# Every text this run stores carries this mark, so the checks count exactly its own rows.
MARK = "crash-safety"
# How long the clients may take, after the load stops, to have every request answered.
SETTLE_SECONDS = 180


def wait_for_commit_in_flight(installation, limit_seconds=10):
    """Waits until the service has a write committing in the database, so that a kill falls
    between the write reaching the database and its answer reaching the client: the moment
    idempotency keys exist for. A commit is a COMMIT running, or `ledger_append`, which commits
    the journal's batch in one statement. Answers how many were committing and how many of the
    service's statements were running or transactions open then (after `limit_seconds` without
    a commit, whatever they are)."""
    watcher = PsqlSession(installation.connection_string())
    query = ("SELECT count(*) FILTER (WHERE state = 'active' AND (query ILIKE 'commit%' "
             "OR query LIKE '%ledger_append%')), count(*) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid() "
             "AND backend_type = 'client backend' AND state IN ('active', 'idle in transaction')")
    try:
        deadline = time.monotonic() + limit_seconds
        while True:
            committing, busy = (int(field) for field in watcher.row(query))
            if committing or time.monotonic() > deadline:
                return committing, busy
    finally:
        watcher.close()


# --- The demo alliance and its callers ------------------------------------------------------


def callers(tokens):
    """Each partner's finance lead's and board member's tokens: D-0001 has carried, so the
    operator may no longer record spend, propose, vote or measure; each partner's people do."""
    finance = {partner: tokens.get(f"finance@{partner}.example.org") for partner in PARTNERS}
    board = {partner: tokens.get(f"board@{partner}.example.org") for partner in PARTNERS}
    if None in finance.values() or None in board.values():
        raise SetUpError("demo --tokens printed no finance or board token for some partner")
    return finance, board


def open_decisions(installation, board, count):
    """Decisions the voters vote on, proposed before the load and never carried: open-door
    never approves, so each stays open however the others vote."""
    numbers = []
    for index in range(count):
        partner = PARTNERS[index % len(PARTNERS)]
        body = json.dumps({"title": f"{MARK} ballot {index}",
                           "description": "Voted on under load while the service and PostgreSQL are killed"})
        status, headers, answer = http_request(
            "POST", installation.port, f"{BASE}/decisions", body.encode(), json_headers(board[partner]))
        if status != 201:
            raise SetUpError(f"proposing a ballot answered {status}: {answer!r}")
        numbers.append(json.loads(answer)["number"])
    return numbers


def json_headers(token, key=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Connection": "close"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


# --- Requests and clients -------------------------------------------------------------------


class Request:
    """One creation a client asks for, with the text that identifies what it stores."""

    def __init__(self, kind, key, path, body, token, mark):
        self.kind = kind
        self.key = key
        self.path = path
        self.body = json.dumps(body).encode()
        self.token = token
        self.mark = mark
        self.attempts = 0
        self.answer = None  # the JSON of the 201 that acknowledged it
        # Whether that 201 repeated an earlier attempt's: the attempt committed and its answer
        # was lost with the connection, the case the keys are for.
        self.replayed = False
        self.refusal = None  # an answer that is neither an acknowledgement nor worth a retry


class Figures:
    """What the clients saw, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.unanswered = {}  # why an attempt had no answer: "connection", "503", …

    def note_unanswered(self, reason):
        with self.lock:
            self.unanswered[reason] = self.unanswered.get(reason, 0) + 1


def make_request(client, number, finance, board, ballots):
    """The client's `number`th request: mostly spend, and every kind of governed creation."""
    partner = PARTNERS[client % len(PARTNERS)]
    mark = f"{MARK} c{client:02d} r{number:05d}"
    key = f"{MARK}-c{client:02d}-r{number:05d}"
    kind = ["spend", "spend", "decision", "vote", "spend", "measurement"][number % 6]
    if kind == "spend":
        body = {"partner": partner, "budgetLine": ["STAFF", "PREMISES"][number % 2],
                "amount": 1000 + random.randrange(1_000_000), "incurredOn": "2025-05-14",
                "description": "Agency staff, recorded under load", "supplier": "Acme Staffing",
                "reference": mark}
        return Request(kind, key, f"{BASE}/spend", body, finance[partner], mark)
    if kind == "decision":
        body = {"title": mark, "description": "A resolution proposed under load"}
        return Request(kind, key, f"{BASE}/decisions", body, board[partner], mark)
    if kind == "vote":
        # Each client votes on a ballot of its own for its partner, so that no two votes of one
        # partner on one ballot race for the same instant; open-door never approves.
        ballot = ballots[client % len(ballots)]
        choices = ["object", "abstain"] if partner == "open-door" else ["approve", "object", "abstain"]
        body = {"vote": choices[number % len(choices)], "reason": mark}
        return Request(kind, key, f"{BASE}/decisions/{ballot}/votes", body, board[partner], mark)
    body = {"measure": "CARE_PLANS", "period": "FY2025-Q4",
            "value": 80 + (number % 100) / 10, "evidence": mark}
    # The Trust reports CARE_PLANS in the demo's terms: only its finance lead records it.
    return Request(kind, key, f"{BASE}/outcomes/measurements", body, finance["kestrelford-trust"], mark)


def run_client(client, installation, figures, stop, finance, board, ballots):
    number = 0
    while not stop.is_set():
        request = make_request(client, number, finance, board, ballots)
        with figures.lock:
            figures.requests.append(request)
        send_until_answered(request, installation, figures)
        number += 1


def send_until_answered(request, installation, figures):
    deadline = time.monotonic() + SETTLE_SECONDS + 600
    pause = 0.05
    while time.monotonic() < deadline:
        request.attempts += 1
        try:
            status, headers, body = http_request(
                "POST", installation.port, request.path, request.body,
                json_headers(request.token, request.key))
        except (OSError, http.client.HTTPException) as error:
            figures.note_unanswered(type(error).__name__)
        else:
            if status == 201:
                request.answer = json.loads(body)
                request.replayed = any(name.lower() == "idempotent-replayed" and value == "true"
                                       for name, value in headers.items())
                return
            problem = problem_type(body)
            if status >= 500 or problem == "/problems/request-in-progress":
                figures.note_unanswered(f"{status} {problem or ''}".strip())
            else:
                request.refusal = f"{status} {body.decode(errors='replace')[:300]}"
                return
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 1.0)
    request.refusal = "still unanswered at the deadline"


def problem_type(body):
    try:
        return json.loads(body).get("type")
    except (ValueError, AttributeError):
        return None


# --- The load and the faults ----------------------------------------------------------------


def run_load(installation, arguments, finance, board, ballots, figures):
    stop = threading.Event()
    clients = [threading.Thread(target=run_client, daemon=True,
                                args=(index, installation, figures, stop, finance, board, ballots))
               for index in range(arguments.clients)]
    for thread in clients:
        thread.start()
    faults = []
    started = time.monotonic()
    for round_number in range(1, arguments.rounds + 1):
        time.sleep(arguments.load_seconds)
        committing, busy = wait_for_commit_in_flight(installation)
        installation.kill_service()
        log(f"round {round_number}: killed the service (SIGKILL) as {committing} of its writes committed, "
            f"with {busy} statements or transactions in the database, after {count_requests(figures)} requests")
        installation.start_service()
        faults.append("service")
        time.sleep(arguments.load_seconds)
        committing, busy = wait_for_commit_in_flight(installation)
        pid = installation.kill_postmaster()
        log(f"round {round_number}: killed the postmaster {pid} (SIGKILL) as {committing} of the service's "
            f"writes committed, with {busy} statements or transactions in the database, "
            f"after {count_requests(figures)} requests")
        attempts = installation.restart_postgres()
        log(f"round {round_number}: PostgreSQL started again (attempt {attempts})")
        faults.append("postmaster")
    time.sleep(arguments.load_seconds)
    stop.set()
    load_seconds = time.monotonic() - started
    for thread in clients:
        thread.join(timeout=SETTLE_SECONDS)
    stragglers = sum(thread.is_alive() for thread in clients)
    return faults, load_seconds, stragglers


def count_requests(figures):
    with figures.lock:
        return len(figures.requests)


# --- The checks -----------------------------------------------------------------------------


def stored_rows(installation):
    """What the database holds of this run, by the mark each request put in its text:
    kind -> {mark: [id, …]}."""
    alliance = f"(SELECT id FROM alliances WHERE slug = '{ALLIANCE}')"
    queries = {
        "spend": f"""SELECT metadata->>'reference', sequence, coalesce(idempotency_key, '')
                     FROM journal_entries WHERE alliance_id = {alliance} AND kind = 'spend'
                     AND metadata->>'reference' LIKE '{MARK} %'""",
        "decision": f"""SELECT title, number, '' FROM decisions
                        WHERE alliance_id = {alliance} AND title LIKE '{MARK} c%'""",
        "vote": f"""SELECT reason, id, '' FROM decision_votes
                    WHERE alliance_id = {alliance} AND reason LIKE '{MARK} %'""",
        "measurement": f"""SELECT evidence, id, '' FROM outcome_measurements
                           WHERE alliance_id = {alliance} AND evidence LIKE '{MARK} %'""",
    }
    stored = {}
    for kind, sql in queries.items():
        rows = {}
        for mark, identifier, key in installation.psql(sql):
            rows.setdefault(mark, []).append((identifier, key))
        stored[kind] = rows
    return stored


def stored_answers(installation):
    """The answers kept for the governed creations' keys: key -> [(status, answer JSON)]."""
    answers = {}
    for key, status, body in installation.psql(
            f"""SELECT key, coalesce(status::text, ''), coalesce(convert_from(response_body, 'UTF8'), '')
                FROM http_idempotency_keys WHERE key LIKE '{MARK}-%'"""):
        answers.setdefault(key, []).append((status, body))
    return answers


def named_by(kind, answer):
    """The id of what a 201's JSON names, as the checks read it from the database: the spend's
    sequence, the decision's number (`D-0012` is 12), the measurement's id; a vote is answered
    with its decision, so it names nothing of its own."""
    if kind in ("spend", "measurement"):
        return str(answer["id"])
    if kind == "decision":
        return str(int(answer["number"].removeprefix("D-")))
    return None


def check(installation, figures):
    stored = stored_rows(installation)
    answers = stored_answers(installation)
    kinds = ["spend", "decision", "vote", "measurement"]
    table = {kind: {"requests": 0, "acknowledged": 0, "retried": 0, "replayed": 0, "stored": 0,
                    "duplicates": 0, "lost": 0, "keys": 0} for kind in kinds}
    problems = []
    marks = {kind: set() for kind in kinds}
    for request in figures.requests:
        row = table[request.kind]
        marks[request.kind].add(request.mark)
        row["requests"] += 1
        row["retried"] += request.attempts > 1
        if request.refusal:
            problems.append(f"{request.kind} {request.key}: {request.refusal}")
        copies = stored[request.kind].get(request.mark, [])
        row["stored"] += len(copies)
        row["duplicates"] += max(0, len(copies) - 1)
        if request.answer is None:
            continue
        row["acknowledged"] += 1
        row["replayed"] += request.replayed
        if not copies:
            row["lost"] += 1
            problems.append(f"{request.kind} {request.key}: acknowledged but not stored")
            continue
        # What the answer named is what is stored, whichever attempt was answered.
        named = named_by(request.kind, request.answer)
        if named is not None and named not in [identifier for identifier, _ in copies]:
            problems.append(f"{request.kind} {request.key}: answered {named}, stored {copies}")
        # Every key one entry: spend in the journal entry itself, the others with their answer.
        if request.kind == "spend":
            # The journal keeps the key under its caller's name: `person:12/<key>`.
            keyed = [identifier for identifier, key in copies if key.partition("/")[2] == request.key]
            fine = len(keyed) == 1
        else:
            kept = answers.get(request.key, [])
            fine = len(kept) == 1 and kept[0][0] == "201" and (
                named is None or named_by(request.kind, json.loads(kept[0][1])) == named)
        row["keys"] += fine
        if not fine:
            problems.append(f"{request.kind} {request.key}: its key does not name one entry")
    for kind in kinds:
        for mark in stored[kind]:
            if mark not in marks[kind]:
                problems.append(f"{kind} stored that no request asked for: {mark}")
    if len(answers) != sum(table[kind]["requests"] for kind in kinds if kind != "spend"):
        problems.append(f"{len(answers)} kept answers for "
                        f"{sum(table[kind]['requests'] for kind in kinds if kind != 'spend')} governed requests")
    return table, problems


def check_books(installation):
    """journal verify, audit verify and the trial balance, run as an operator would."""
    results = []
    for command in (["journal", "verify"], ["audit", "verify"], ["trial-balance"]):
        outcome = installation.tool(*command, "--alliance", ALLIANCE, check=False)
        last = (outcome.stdout.strip().splitlines() or [""])[-1]
        results.append((" ".join(command), outcome.returncode, last))
    return results


def report(table, problems, books, faults, load_seconds, stragglers, figures, arguments):
    kinds = list(table)
    columns = ["requests", "acknowledged", "retried", "replayed", "stored", "duplicates", "lost", "keys"]
    print()
    print(f"crash safety: {arguments.clients} clients, {load_seconds:.1f} s of load, faults: "
          + ", ".join(f"SIGKILL {fault}" for fault in faults))
    print(f"{'kind':<12}" + "".join(f"{column:>14}" for column in columns))
    total = {column: 0 for column in columns}
    for kind in kinds:
        print(f"{kind:<12}" + "".join(f"{table[kind][column]:>14}" for column in columns))
        for column in columns:
            total[column] += table[kind][column]
    print(f"{'total':<12}" + "".join(f"{total[column]:>14}" for column in columns))
    print("(retried: sent more than once; replayed: answered by the replay of an earlier attempt that had "
          "committed; keys: keys that name exactly one stored entry)")
    retries = sum(request.attempts - 1 for request in figures.requests)
    print(f"attempts without an answer: {retries} "
          + "(" + ", ".join(f"{reason} × {count}" for reason, count in sorted(figures.unanswered.items())) + ")")
    for command, status, last in books:
        print(f"{command}: exit {status}: {last}")
    failed = bool(problems) or stragglers > 0 or any(status != 0 for _, status, _ in books) \
        or total["acknowledged"] != total["requests"] or total["lost"] or total["duplicates"] \
        or total["keys"] != total["requests"] or total["stored"] != total["requests"]
    for problem in problems[:20]:
        print(f"  {problem}")
    if len(problems) > 20:
        print(f"  … and {len(problems) - 20} more")
    if stragglers:
        print(f"  {stragglers} client(s) still waiting for an answer after {SETTLE_SECONDS} s")
    print(f"{'FAIL' if failed else 'PASS'}: {total['requests']} requests, {total['acknowledged']} acknowledged, "
          f"{total['retried']} retried ({total['replayed']} answered by a replay), {total['stored']} stored, "
          f"{total['duplicates']} duplicates, {total['lost']} lost")
    return not failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=None, help="the built alliance-ledger (default: swift build's)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="kills of the service and of PostgreSQL, each")
    parser.add_argument("--load-seconds", type=float, default=4, help="load before each kill and after the last")
    parser.add_argument("--keep", action="store_true", help="keep the cluster and logs for a look afterwards")
    arguments = parser.parse_args()
    try:
        binary = locate_binary(arguments.binary)
    except SetUpError as error:
        print(error, file=sys.stderr)
        return 2
    work = workspace("crash-safety")
    # The sweep closes decisions past their time; none of this run's are, and it must not add
    # writes of its own to what is counted.
    installation = Installation(binary, work, ["--decision-sweep-seconds", "86400"])
    # A stop from outside (CI's stage budget) still stops the service and the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    passed = False
    try:
        log(f"loading the demo into a private cluster in {work}")
        finance, board = callers(installation.load_demo())
        installation.start_service()
        ballots = open_decisions(installation, board, count=8)
        log(f"service on port {installation.port}; {arguments.clients} clients, "
            f"{arguments.rounds} round(s) of faults, {arguments.load_seconds} s of load between them")
        figures = Figures()
        faults, load_seconds, stragglers = run_load(installation, arguments, finance, board, ballots, figures)
        log("load stopped; every request answered" if not stragglers else "load stopped; some never answered")
        installation.stop_service()
        table, problems = check(installation, figures)
        books = check_books(installation)
        passed = report(table, problems, books, faults, load_seconds, stragglers, figures, arguments)
    except SetUpError as error:
        print(f"FAIL: could not run: {error}", file=sys.stderr)
        return 2
    finally:
        finish(installation, work, passed, arguments.keep)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
