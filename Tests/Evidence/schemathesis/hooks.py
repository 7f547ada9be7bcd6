"""Schemathesis hooks for Tests/Evidence/fuzz-http.py: every request is sent as one of the demo's
callers, and every refused request is checked to have written nothing.

The fuzzing script passes, in the environment:
  ALLIANCE_LEDGER_FUZZ_CALLERS   JSON {caller: token}
  ALLIANCE_LEDGER_FUZZ_DATABASE  the owner's connection string, for psql
  ALLIANCE_LEDGER_FUZZ_LOG       a file to append one JSON line per request to
  ALLIANCE_LEDGER_FUZZ_SEED      the seed of the choice of caller

**Nothing written by a refused request.** Requests are sent one at a time, and nothing else
writes to the database during the run (autovacuum is off, the decision sweep's interval is a
day). Before each request the hook reads where the database's transaction ids have got to; after
it, every transaction id assigned meanwhile was the request's. If the answer is a refusal (4xx
or 5xx) and one of those transactions committed, the rows it wrote are looked up by their
`xmin` in every table, and any found fail the request ("wrote N rows to T"). A refusal may roll
a transaction back (the database's own checks refuse many things) or commit one that only read
or locked; neither writes a row. One write is allowed: authentication records a token's last
use on its own row whatever the answer, so rows of api_tokens count only if something but
`last_used_at` changed. A deleted row leaves no version to find; the service deletes only
answers to idempotent requests older than an hour (the sweep), none during a run. Requests
schemathesis sends itself outside `case.call` (the probes of its `ignored_auth` check, which
carry no valid token) are not seen.
"""

import decimal
import json
import os
import random
import re
import sys

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from evidence import PsqlSession  # noqa: E402

CALLERS = json.loads(os.environ.get("ALLIANCE_LEDGER_FUZZ_CALLERS", "{}"))
CHOICE = random.Random(int(os.environ.get("ALLIANCE_LEDGER_FUZZ_SEED", "0")))
LOG = open(os.environ["ALLIANCE_LEDGER_FUZZ_LOG"], "a") if "ALLIANCE_LEDGER_FUZZ_LOG" in os.environ else None
# Valid requests refused for no listed reason: a failure with ALLIANCE_LEDGER_FUZZ_STRICT_DOCUMENT=1,
# otherwise one JSON line each in this file, for the script to report.
LOOSE = open(os.environ["ALLIANCE_LEDGER_FUZZ_LOOSE_LOG"], "a") if "ALLIANCE_LEDGER_FUZZ_LOOSE_LOG" in os.environ \
    else None
STRICT_DOCUMENT = os.environ.get("ALLIANCE_LEDGER_FUZZ_STRICT_DOCUMENT") == "1"
DATABASE = PsqlSession(os.environ["ALLIANCE_LEDGER_FUZZ_DATABASE"]) \
    if "ALLIANCE_LEDGER_FUZZ_DATABASE" in os.environ else None


def kind_of(caller):
    """`operator`, a role of this alliance (`finance`, …), or `another alliance`."""
    if ":" in caller:
        return "another alliance"
    return caller.split("@")[0]


KINDS = {}
for _caller in sorted(CALLERS):
    KINDS.setdefault(kind_of(_caller), []).append(_caller)
# Authentication records a token's last use on its own row (at most once a minute), whatever
# the answer turns out to be: the one write a refused request may cause, and only that column.
TOKEN_FINGERPRINT = ("SELECT coalesce(md5(string_agg((to_jsonb(t) - 'last_used_at')::text, ',' ORDER BY id)), '') "
                     "FROM api_tokens t")
# The caller each case was sent as, and the state before it was sent, by case.
_callers = {}
_before = {}
# What a refused request wrote, by case, for the check below to report.
_writes = {}
_tables = []


@schemathesis.auth(refresh_interval=None, retry_on=[])
class DemoCaller:
    """A caller chosen at random for each case: the operator, a person of the demo alliance, or
    a person of the other alliance. Given as schemathesis's own authentication, so that its
    `ignored_auth` check knows the token is meant to be valid and tries the request without."""

    def get(self, case, context):
        # A kind of caller first, then one of that kind, so that the operator and each role are
        # tried as often as the many people of the other alliance together.
        kind = CHOICE.choice(sorted(KINDS))
        caller = CHOICE.choice(KINDS[kind])
        _callers[id(case)] = caller
        return CALLERS[caller]

    def set(self, case, token, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {token}"


def state():
    """Where the database's transaction ids have got to, and the tokens but for their last use.
    The snapshot's xmax is one past the latest completed transaction; nothing is in flight
    between two requests, so it is where the next request's transactions start."""
    xmax, tokens = DATABASE.row(f"SELECT pg_snapshot_xmax(pg_current_snapshot()), ({TOKEN_FINGERPRINT})")
    return int(xmax), tokens


def rows_written_by(transaction):
    """{table: rows} whose current version transaction `transaction` wrote."""
    if not _tables:
        _tables.extend(DATABASE.row(
            "SELECT string_agg(quote_ident(tablename), ' ' ORDER BY tablename) FROM pg_tables "
            "WHERE schemaname = 'public'"))
    counts = " || ' ' || ".join(
        f"(SELECT count(*) FROM {table} WHERE xmin::text = '{transaction}')::text" for table in _tables)
    found = DATABASE.row(f"SELECT {counts}")
    return {table: int(count) for table, count in zip(_tables, found) if int(count)}


@schemathesis.hook
def before_call(context, case, kwargs):
    if DATABASE:
        _before[id(case)] = state()


@schemathesis.hook
def after_call(context, case, response):
    caller = _callers.pop(id(case), "none") if case.headers and "Authorization" in case.headers else "none"
    before = _before.pop(id(case), None)
    refused = response.status_code >= 400
    committed, written = [], {}
    if DATABASE and refused and before:
        after = state()
        for transaction in range(before[0], after[0]):
            status = DATABASE.row(f"SELECT pg_xact_status('{transaction}'::xid8)")
            if status and status[0] == "committed":
                committed.append(transaction)
                for table, count in rows_written_by(transaction).items():
                    written[table] = written.get(table, 0) + count
        if "api_tokens" in written and after[1] == before[1]:
            del written["api_tokens"]
    if written:
        _writes[id(case)] = written
    if LOG:
        entry = {"method": case.method.upper(), "operation": case.operation.path, "caller": caller,
                 "status": response.status_code, "committed": committed, "written": written,
                 "mode": case.meta.generation.mode.value if case.meta else None}
        if refused:
            entry["problem"] = problem_of(response)
        LOG.write(json.dumps(entry) + "\n")
        LOG.flush()


def problem_of(response):
    """The problem document's type, field and detail, when the answer is one."""
    try:
        problem = response.json()
        return {key: problem.get(key) for key in ("type", "field", "detail")}
    except (ValueError, AttributeError):
        return None


@schemathesis.check
def nothing_written_by_a_refusal(ctx, response, case):
    """A refused request (4xx or 5xx) wrote nothing: no transaction it ran committed a row, but
    for the last use authentication records on the token's own row."""
    written = _writes.pop(id(case), None)
    if written:
        tables = ", ".join(f"{count} row(s) to {table}" for table, count in sorted(written.items()))
        raise AssertionError(f"refused with {response.status_code}, yet it wrote {tables}")


# Refusals of requests the document allows, for reasons a JSON Schema cannot state: (problem
# type, field, a pattern of the detail, why no schema can say it). Anything else a valid request
# is refused for means the document is looser than the server, and fails the run.
UNSTATABLE_REASONS = [
    ("/problems/invalid-query", "cursor", r".*",
     "a cursor is the server's own opaque mark from an earlier page: a schema gives its alphabet, "
     "not which marks were issued"),
    ("/problems/invalid-field", "contractEnd", r"must be after contractStart",
     "an order between two fields: JSON Schema compares a value with constants, never with another value"),
    ("/problems/invalid-field", r"action\..*", r".*",
     "a decision's action is checked across its fields and against the alliance (floors worse than "
     "targets, shares summing to 10000, bands in rising order, partners and lines that exist)"),
    ("/problems/invalid-field", r"period", r"is not one of its periods|without terms",
     "whether a year has outcome terms, and whether they go by year, quarter or month, is in the "
     "terms in force, not the request"),
    ("/problems/invalid-field", r"incurredOn", r"contract|partner|member",
     "a spend's date must fall within the alliance's contract and the partner's membership: state"),
    ("/problems/idempotency-key-reused", r"Idempotency-Key", r".*",
     "a key names one request: whether it was used before is state, not shape"),
    ("/problems/import-rejected", None, r".*",
     "a CSV file is a string to a schema; its rows are checked as the README's import rules say"),
    ("/problems/invalid-field", "body", r"cannot be imported",
     "a CSV file is a string to a schema; its header is checked as the README's import rules say"),
    ("/problems/invalid-field", r"closesAt", r"must be in the future",
     "a schema has no clock"),
    ("/problems/invalid-field", r"value", r"at most four decimal places|must be a number",
     "`multipleOf: 0.0001` is judged in binary floating point by validators (0.0003 would fail "
     "it), so the document says it in words: a measure value is an exact decimal of four places "
     "(refused so only when the value sent had more)"),
    ("/problems/invalid-field", r".*", r"without a fraction or an exponent",
     "JSON Schema counts 154.0 an integer; the server reads amounts as written and refuses it, as "
     "the document says (refused only when the request held such a number)"),
]


def holds_a_written_fraction(value):
    """Whether a JSON value holds a number written with a fraction or an exponent."""
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(holds_a_written_fraction(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_a_written_fraction(item) for item in value)
    return False


def has_more_than_four_decimals(body):
    """Whether the request's `value` is a number with more than four decimal places."""
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return decimal.Decimal(repr(value)).as_tuple().exponent < -4


def unstatable_reason(response, case):
    """Why a schema could not have refused what `response` refused to `case`, or None."""
    try:
        problem = response.json()
    except (ValueError, AttributeError):
        return None
    if not isinstance(problem, dict):
        return None
    for kind, field, detail, why in UNSTATABLE_REASONS:
        if problem.get("type") != kind:
            continue
        if field is not None and not re.fullmatch(field, str(problem.get("field"))):
            continue
        if "fraction" in detail and not holds_a_written_fraction(case.body):
            continue
        if "four decimal" in detail and not has_more_than_four_decimals(case.body):
            continue
        if re.search(detail, str(problem.get("detail", ""))):
            return why
    return None


@schemathesis.check
def valid_requests_accepted(ctx, response, case):
    """Schemathesis's own positive_data_acceptance (which the script turns off), but for refusals
    listed in UNSTATABLE_REASONS: the document is as strict as the server wherever a schema can be."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if unstatable_reason(response, case):
            return None
        if STRICT_DOCUMENT or LOOSE is None:
            raise
        LOOSE.write(json.dumps({"method": case.method.upper(), "operation": case.operation.path,
                                "status": response.status_code, "problem": problem_of(response)}) + "\n")
        LOOSE.flush()
        return None
