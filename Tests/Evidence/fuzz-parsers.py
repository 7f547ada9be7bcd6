#!/usr/bin/env python3
"""libFuzzer on the pure parsers: the CSV tokenizer, periods, amounts and strict JSON.

Builds `parser-fuzzer` (Tests/Fuzz/Sources, a target Package.swift has only when
ALLIANCE_LEDGER_FUZZ=1, built with `-sanitize=fuzzer` as is the parsers' module AllianceLedger) in
a scratch path of its own, `.build-fuzz`: a second full build, which is why CI does not run this. Then runs each parser for `--seconds`,
starting from the seeds in Tests/Fuzz/Seeds/<parser> and the corpus earlier runs left in
.build-fuzz/corpus/<parser>. A parser may refuse any input, but must not trap, and what it
accepts must read back the same (see ParserFuzzing.swift). A crashing input is kept in the run's
directory: make it a regular test (AllianceLedgerTests), fix the parser, and keep the input as a
seed.

It prints PASS or FAIL with the figures and exits 1 on FAIL (2 when it cannot build or run).

    Tests/Evidence/fuzz-parsers.py [--seconds 60] [--parsers csv,period,amount,json] [--no-build]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRATCH = os.path.join(ROOT, ".build-fuzz")
SEEDS = os.path.join(ROOT, "Tests", "Fuzz", "Seeds")
PARSERS = ["csv", "period", "amount", "json"]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def build():
    # Package.swift adds -sanitize=fuzzer to the parsers' module and the fuzzer when
    # ALLIANCE_LEDGER_FUZZ=1; given to every module, it breaks the build's own tools.
    command = ["swift", "build", "--scratch-path", SCRATCH, "--product", "parser-fuzzer"]
    log("building: ALLIANCE_LEDGER_FUZZ=1 " + " ".join(command))
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "ALLIANCE_LEDGER_FUZZ": "1"})
    if result.returncode != 0:
        return None
    log(f"built in {time.monotonic() - started:.0f} s")
    path = subprocess.run(command[:4] + ["--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "ALLIANCE_LEDGER_FUZZ": "1"}).stdout.strip()
    return os.path.join(path, "parser-fuzzer")


def fuzz(binary, parser, seconds, work):
    """Runs one parser; answers (passed, runs, coverage, corpus size, crash files, tail)."""
    corpus = os.path.join(SCRATCH, "corpus", parser)
    os.makedirs(corpus, exist_ok=True)
    artifacts = os.path.join(work, parser) + "-"
    command = [binary, f"-max_total_time={seconds}", "-rss_limit_mb=2048", "-timeout=10",
               "-print_final_stats=1", f"-artifact_prefix={artifacts}", corpus, os.path.join(SEEDS, parser)]
    result = subprocess.run(command, env={**os.environ, "ALLIANCE_LEDGER_FUZZ_TARGET": parser},
                            capture_output=True, text=True, errors="replace")
    output = result.stdout + result.stderr
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", output)
    coverage = re.findall(r"\bcov: (\d+)", output)
    crashes = [os.path.join(work, name) for name in sorted(os.listdir(work)) if name.startswith(parser + "-")]
    return (result.returncode == 0 and not crashes, int(runs[-1]) if runs else 0,
            int(coverage[-1]) if coverage else 0, len(os.listdir(corpus)), crashes,
            "\n".join(output.splitlines()[-30:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz each parser")
    parser.add_argument("--parsers", default=",".join(PARSERS))
    parser.add_argument("--no-build", action="store_true", help="use the parser-fuzzer already built")
    arguments = parser.parse_args()
    chosen = [name for name in arguments.parsers.split(",") if name]
    unknown = set(chosen) - set(PARSERS)
    if unknown:
        print(f"no such parser: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if arguments.no_build:
        binary = os.path.join(SCRATCH, "debug", "parser-fuzzer")
    else:
        binary = build()
    if not binary or not os.access(binary, os.X_OK):
        print("FAIL: could not build parser-fuzzer", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="alliance-ledger-fuzz-parsers-")
    rows = []
    for name in chosen:
        log(f"fuzzing {name} for {arguments.seconds} s")
        passed, runs, coverage, corpus, crashes, tail = fuzz(binary, name, arguments.seconds, work)
        rows.append((name, passed, runs, coverage, corpus, crashes))
        if not passed:
            print(tail)
    print()
    print(f"{'parser':<8} {'result':<6} {'inputs run':>12} {'coverage':>9} {'corpus':>7}")
    for name, passed, runs, coverage, corpus, crashes in rows:
        print(f"{name:<8} {'PASS' if passed else 'FAIL':<6} {runs:>12} {coverage:>9} {corpus:>7}")
        for crash in crashes:
            print(f"  crashing input kept: {crash}")
    passed = all(row[1] for row in rows)
    total = sum(row[2] for row in rows)
    print(f"{'PASS' if passed else 'FAIL'}: {len(rows)} parsers, {total} inputs, "
          f"{sum(len(row[5]) for row in rows)} crashing inputs")
    if passed:
        os.rmdir(work)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
