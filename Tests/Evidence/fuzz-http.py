#!/usr/bin/env python3
"""HTTP fuzzing: schemathesis against the built `alliance-ledger serve`, sending each request as
one of the demo's callers, with three verdicts: no 5xx, no answer outside the OpenAPI document,
nothing written by a refused request.

The service runs on a private cluster loaded by `demo --tokens` (and a second demo alliance,
`other-alliance`, whose people are strangers to the first). Schemathesis reads the service's
own `/openapi.json` and generates requests from it, valid and invalid, through its phases
(examples, coverage, fuzzing, stateful), for at most `--seconds`. The hooks in
`schemathesis/hooks.py` give each request the token of a caller chosen at random: the operator,
every person of the demo alliance (admin, finance, board of each partner, the auditor), the
people of the other alliance, or nobody. Checks (`schemathesis/schemathesis.toml` and the
hooks):

- `not_a_server_error`: no 5xx;
- `status_code_conformance`, `content_type_conformance`, `response_headers_conformance`,
  `response_schema_conformance`: every answer is one the document describes;
- `negative_data_rejection`: every request the document forbids is refused;
- `valid_requests_accepted` (hooks.py, schemathesis's `positive_data_acceptance` but for the
  reasons a schema cannot state, listed there with why): every request the document allows is
  answered 2xx, 401, 403, 404 or 409: the document is as strict as the server. A valid request
  refused for another reason is listed and counted; it fails the run only with
  `--strict-document`, because a time-bounded run finds a different few each time, and CI must
  not fail by chance (the three verdicts of the issue do fail it);
- `missing_required_header`, `unsupported_method`, `allow_header_conformance`, `ignored_auth`;
- `nothing_written_by_a_refusal` (hooks.py): a refused request committed no row.

It prints PASS or FAIL with the figures and exits 1 on FAIL (2 when it cannot run).

    Tests/Evidence/fuzz-http.py [--binary …] [--seconds 150] [--seed 1] [--keep] [-- schemathesis options]
"""

import argparse
import collections
import importlib.util
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evidence import Installation, SetUpError, finish, locate_binary, log, workspace  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# The version these checks were written against: schemathesis's checks change between versions.
SCHEMATHESIS = "schemathesis==4.32.5"
OTHER_ALLIANCE = "other-alliance"


def ensure_schemathesis():
    # Ask for the CLI, not the package: this script's own folder holds a `schemathesis/` folder
    # (config and hooks), which Python finds as a namespace package when the real one is missing.
    if importlib.util.find_spec("schemathesis.cli") is None:
        log(f"installing {SCHEMATHESIS} with pip")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        SCHEMATHESIS], check=True)


def callers(installation):
    """Every caller the hooks choose among: {name: token}. No token at all, and tokens that are
    not valid, are schemathesis's own `ignored_auth` check's to try."""
    tokens = installation.load_demo()
    others = installation.tool("demo", "--alliance", OTHER_ALLIANCE, "--tokens").stdout
    for line in others.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("alt_") and parts[0] != "operator":
            tokens[f"{OTHER_ALLIANCE}:{parts[0]}"] = parts[1]
    return tokens


def run_schemathesis(installation, arguments, callers, log_path):
    environment = dict(os.environ)
    environment.update({
        "ALLIANCE_LEDGER_FUZZ_CALLERS": json.dumps(callers),
        "ALLIANCE_LEDGER_FUZZ_DATABASE": installation.connection_string(),
        "ALLIANCE_LEDGER_FUZZ_LOG": log_path,
        "ALLIANCE_LEDGER_FUZZ_SEED": str(arguments.seed),
        "ALLIANCE_LEDGER_FUZZ_LOOSE_LOG": os.path.join(installation.work, "loose.jsonl"),
        "ALLIANCE_LEDGER_FUZZ_STRICT_DOCUMENT": "1" if arguments.strict_document else "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "SCHEMATHESIS_HOOKS": os.path.join(HERE, "schemathesis", "hooks.py"),
    })
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", os.path.join(HERE, "schemathesis", "schemathesis.toml"), "--no-color", "run",
        *([os.path.abspath(arguments.document), "--url", f"http://127.0.0.1:{installation.port}"]
          if arguments.document else [f"http://127.0.0.1:{installation.port}/openapi.json"]),
        # positive_data_acceptance runs as hooks.py's valid_requests_accepted, which knows the
        # reasons for refusing a valid request that no schema can state.
        "--checks", "all", "--exclude-checks", "object_level_authorization,use_after_free,"
        "ensure_resource_availability,positive_data_acceptance",
        "--max-time", str(arguments.seconds), "--seed", str(arguments.seed), "--workers", "1",
        "--request-timeout", "30", *arguments.schemathesis]
    log(" ".join(command[2:]))
    return subprocess.run(command, env=environment, cwd=installation.work).returncode


def figures(log_path):
    if not os.path.exists(log_path):
        raise SetUpError("schemathesis sent no request")
    with open(log_path) as file:
        calls = [json.loads(line) for line in file if line.strip()]
    statuses = collections.Counter(call["status"] for call in calls)
    kinds = collections.Counter(caller_kind(call["caller"]) for call in calls)
    refused = [call for call in calls if call["status"] >= 400]
    committed = [call for call in refused if call["committed"]]
    wrote = [call for call in refused if call["written"]]
    server_errors = [call for call in calls if call["status"] >= 500]
    operations = {(call["method"], call["operation"]) for call in calls}
    return calls, statuses, kinds, refused, committed, wrote, server_errors, operations


def caller_kind(caller):
    if caller.startswith(f"{OTHER_ALLIANCE}:"):
        return "another alliance's person"
    if "@" in caller:
        return caller.split("@")[0] + " of this alliance"
    return caller


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=None, help="the built alliance-ledger (default: swift build's)")
    parser.add_argument("--seconds", type=int, default=150, help="schemathesis's time budget")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--document", default=None,
                        help="an OpenAPI file to test against instead of the service's own /openapi.json, "
                             "to try a change to the document before building it")
    parser.add_argument("--keep", action="store_true", help="keep the cluster, logs and report afterwards")
    parser.add_argument("--strict-document", action="store_true",
                        help="fail when a request the document allows is refused for a reason not listed in hooks.py")
    parser.add_argument("schemathesis", nargs="*", help="further options for schemathesis run, after --")
    arguments = parser.parse_args()
    try:
        binary = locate_binary(arguments.binary)
        ensure_schemathesis()
    except (SetUpError, subprocess.CalledProcessError) as error:
        print(error, file=sys.stderr)
        return 2
    work = workspace("fuzz-http")
    # Nothing but the requests may write while they run: the sweep waits a day between rounds.
    installation = Installation(binary, work, ["--decision-sweep-seconds", "86400"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    passed = False
    try:
        log(f"loading two demo alliances into a private cluster in {work}")
        tokens = callers(installation)
        # Autovacuum's ANALYZE commits transactions of its own; without it, every transaction
        # during a request is the request's.
        installation.psql("ALTER SYSTEM SET autovacuum = off")
        installation.psql("SELECT pg_reload_conf()")
        installation.start_service()
        log_path = os.path.join(work, "requests.jsonl")
        status = run_schemathesis(installation, arguments, tokens, log_path)
        calls, statuses, kinds, refused, committed, wrote, server_errors, operations = figures(log_path)
        print()
        print(f"HTTP fuzzing: {len(calls)} requests to {len(operations)} method and route pairs (the "
              f"document's and the methods it does not allow), schemathesis exit {status}")
        print("by caller: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
        print("by status: " + ", ".join(f"{code} × {count}" for code, count in sorted(statuses.items())))
        print(f"refused: {len(refused)}; of which committed a transaction: {len(committed)}; "
              f"wrote a row: {len(wrote)}")
        for call in wrote[:10]:
            print(f"  {call['method']} {call['operation']} as {call['caller']}: {call['status']}, "
                  f"wrote {call['written']}")
        loose = []
        if os.path.exists(os.path.join(work, "loose.jsonl")):
            with open(os.path.join(work, "loose.jsonl")) as file:
                loose = [json.loads(line) for line in file if line.strip()]
        print(f"valid by the document yet refused, for no reason listed in hooks.py: {len(loose)}")
        for call in loose[:20]:
            problem = call.get("problem") or {}
            print(f"  {call['method']} {call['operation']}: {call['status']} {problem.get('type')} "
                  f"{problem.get('field')}: {problem.get('detail')}")
        passed = status == 0 and not server_errors and not wrote and len(calls) > 0
        print(f"{'PASS' if passed else 'FAIL'}: {len(calls)} requests, {len(server_errors)} 5xx, "
              f"{'no' if status == 0 else 'some'} check failures (schemathesis exit {status}), "
              f"{len(wrote)} refused requests that wrote, {len(loose)} valid requests refused for no "
              f"listed reason")
    except SetUpError as error:
        print(f"FAIL: could not run: {error}", file=sys.stderr)
        return 2
    finally:
        finish(installation, work, passed, arguments.keep)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
