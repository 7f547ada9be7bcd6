#!/usr/bin/env python3
"""Every command in the guides runs: the shell blocks of README.md and docs/*.md, run in order.

The convention (docs/README.md, "Commands in these guides"):

- a fenced block whose info string is `sh` is commands this script runs;
- `sh illustrative` is commands it does not run: they need what CI has not got (Docker, a
  failover manager, a second machine, a benchmark's release build) or are run elsewhere (the
  README's two commands are CI's `test` stage and `Tests/Evidence/browser-statement.py`); the
  guide says which beside the block;
- `sh background` is one long-running command (`alliance-ledger serve`) that the script starts
  in the background, waits for until `/readyz` answers, and stops when the guide's blocks are
  done;
- `bash`, `console` and `shell` blocks are refused, so that no command escapes by its spelling.

Each guide runs in a temporary directory of its own with a private embedded cluster in it
(`ALLIANCE_LEDGER_DATA_DIR`), `alliance-ledger` on PATH as the binary under test, and the
service's port in `ALLIANCE_LEDGER_HTTP_PORT` (a free one; the guides write
`${ALLIANCE_LEDGER_HTTP_PORT:-8080}`). Each block runs in a new `bash -e -o pipefail` that
starts from the variables, functions and working directory the guide's earlier blocks left, so
a walkthrough reads as one terminal session. A block passes when it exits 0: a command a guide
shows being refused says so in the guide (`|| echo "exit $?: refused"`).

The script also checks every relative link of those files, and its anchor, and fails on one
that leads nowhere; and that every command docs/command-line.md's overview names exists and
takes the options the overview gives it.

Prints PASS or FAIL per block with its time, then a summary; exits 0 when every block and link
passed, 1 when one failed, 2 when it could not start (no binary, or a program the guides use missing).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN, ILLUSTRATIVE, BACKGROUND = "run", "illustrative", "background"
BLOCK_TIMEOUT_SECONDS = 300
# Variables a block must not carry to the next: bash's own, and the script's.
DUMP_STATE = r"""
__dump_state() {
    local name
    {
        for name in $(compgen -v); do
            case "$name" in
                BASH* | FUNCNAME | GROUPS | PIPESTATUS | LINENO | RANDOM | SECONDS | SRANDOM | EPOCH* \
                    | SHELLOPTS | BASHOPTS | PPID | UID | EUID | OPTIND | OPTARG | _ | __* | HIST* | PWD | OLDPWD \
                    | COLUMNS | LINES | IFS | PS1 | PS2 | PS4 | COMP_WORDBREAKS | MAILCHECK | SHLVL | HOSTNAME \
                    | HOSTTYPE | MACHTYPE | OSTYPE | DIRSTACK | TERM | PATH | HOME) ;;
                *) declare -p "$name" 2>/dev/null | grep -v '^declare -[a-zA-Z]*r' || true ;;
            esac
        done
        declare -f | grep -v '^declare -fr' || true
        printf 'cd %q\n' "$PWD"
    } > "$__STATE.new" && mv "$__STATE.new" "$__STATE"
}
"""


class Block:
    def __init__(self, path, line, kind, text):
        self.path, self.line, self.kind, self.text = path, line, kind, text

    def name(self):
        return f"{os.path.relpath(self.path, ROOT)}:{self.line}"


def guides():
    docs = os.path.join(ROOT, "docs")
    names = sorted(name for name in os.listdir(docs) if name.endswith(".md"))
    return [os.path.join(ROOT, "README.md")] + [os.path.join(docs, name) for name in names]


def blocks_of(path):
    """The fenced blocks of a Markdown file that are shell, with what is to be done with each."""
    blocks, problems = [], []
    lines = open(path, encoding="utf-8").read().split("\n")
    index = 0
    while index < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})(.*)$", lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, info = opening.group(1), opening.group(2), opening.group(3).strip()
        body, start = [], index + 1
        index += 1
        while index < len(lines) and not re.match(r"^\s*" + re.escape(fence) + r"\s*$", lines[index]):
            body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index])
            index += 1
        index += 1
        words = info.split()
        language = words[0] if words else ""
        where = f"{os.path.relpath(path, ROOT)}:{start}"
        if language in ("bash", "console", "shell", "shell-session", "zsh"):
            problems.append(f"{where}: a `{language}` block; the guides write shell as `sh` (see docs/README.md)")
            continue
        if language != "sh":
            continue
        marks = set(words[1:])
        unknown = marks - {ILLUSTRATIVE, BACKGROUND}
        if unknown:
            problems.append(f"{where}: unknown mark {sorted(unknown)} after `sh`")
            continue
        kind = ILLUSTRATIVE if ILLUSTRATIVE in marks else BACKGROUND if BACKGROUND in marks else RUN
        blocks.append(Block(path, start, kind, "\n".join(body) + "\n"))
    return blocks, problems


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*|\*|_(?=\w)|(?<=\w)_", "", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(path):
    anchors, counts, fenced = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
            continue
        heading = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            number = counts.get(base, 0)
            counts[base] = number + 1
            anchors.add(base if number == 0 else f"{base}-{number}")
    return anchors


def broken_links(path):
    """Every relative link of a Markdown file whose file or anchor is not there."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1", "", text)
    text = re.sub(r"`[^`\n]*`", "", text)
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        where = os.path.relpath(path, ROOT)
        if not os.path.exists(destination):
            problems.append(f"{where}: link to {target}: no such file")
        elif anchor and destination.endswith(".md") and anchor not in anchors_of(destination):
            problems.append(f"{where}: link to {target}: no such heading")
    return problems


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(port, process, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


class Guide:
    """One guide's run: its directory, cluster, environment and the state its blocks share."""

    def __init__(self, path, binary, keep):
        self.path, self.keep = path, keep
        self.work = tempfile.mkdtemp(prefix="alliance-ledger-guide-")
        # As root the embedded cluster runs as `postgres`, which must reach the directory.
        os.chmod(self.work, 0o755)
        bin_dir = os.path.join(self.work, "bin")
        os.mkdir(bin_dir)
        os.symlink(binary, os.path.join(bin_dir, "alliance-ledger"))
        self.state = os.path.join(self.work, "state.sh")
        self.port = free_port()
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("ALLIANCE_LEDGER_") and key not in ("DATABASE_URL", "DATABASE_OWNER_URL",
                                                                            "DATABASE_READ_URL")}
        self.env.update({
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "ALLIANCE_LEDGER_DATA_DIR": os.path.join(self.work, "cluster"),
            "ALLIANCE_LEDGER_HTTP_PORT": str(self.port),
            "ALLIANCE_LEDGER_LOG_LEVEL": "warning",
            "REPOSITORY": ROOT,
        })
        with open(self.state, "w") as state:
            state.write(f"cd {self.work}\n")
        self.background = []

    def script_for(self, block):
        return (f"__STATE={self.state}\n{DUMP_STATE}\nsource \"$__STATE\"\nset -e -o pipefail\n"
                f"source {block}\n__dump_state\n")

    def run(self, block, number):
        source = os.path.join(self.work, f"block-{number}.sh")
        with open(source, "w") as file:
            file.write(block.text)
        if block.kind == BACKGROUND:
            return self.start_background(block, source, number)
        log_path = os.path.join(self.work, f"block-{number}.log")
        with open(log_path, "w") as log:
            # A session of its own, so that a block that hangs is stopped with whatever it started.
            process = subprocess.Popen(["bash", "-c", self.script_for(source)], env=self.env, cwd=self.work,
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
            try:
                status = process.wait(timeout=BLOCK_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                status = f"timeout after {BLOCK_TIMEOUT_SECONDS} s"
        return status == 0, status, open(log_path, errors="replace").read()

    def start_background(self, block, source, number):
        log_path = os.path.join(self.work, f"block-{number}.log")
        log = open(log_path, "w")
        process = subprocess.Popen(["bash", "-c", f"source {self.state}\nset -e\nsource {source}\n"],
                                   env=self.env, cwd=self.work, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.background.append(process)
        ready = wait_until_ready(self.port, process)
        return ready, "ready" if ready else "not ready", open(log_path, errors="replace").read()

    def close(self, passed):
        for process in self.background:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        subprocess.run(["alliance-ledger", "db", "stop"], env=self.env, cwd=self.work,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if passed and not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            print(f"  kept {self.work}", file=sys.stderr)


def synopsis_problems(path, binary):
    """The command line's overview (docs/command-line.md) is a `text` block of usage lines that
    nothing runs: each command it names must exist (`<command> --help` exits 0) and take every
    option the line and its continuation lines name, so the overview cannot drift from the binary."""
    lines = open(path, encoding="utf-8").read().split("\n")
    start = next((index for index, line in enumerate(lines) if line.strip() == "```text"), None)
    if start is None:
        return [f"{os.path.relpath(path, ROOT)}: no ```text block of commands"]
    entries = []
    for number, line in enumerate(lines[start + 1:], start + 2):
        if line.startswith("```"):
            break
        if line.startswith("alliance-ledger"):
            words = []
            for word in line.split()[1:]:
                if word[0] in "-<[(#" or not re.match(r"^[a-z][a-z|-]*$", word):
                    break
                words.append(word)
            entries.append((number, words, line))
        elif entries and line.startswith(" "):
            number0, words, text = entries[-1]
            entries[-1] = (number0, words, text + " " + line)
    problems = []
    for number, words, text in entries:
        # `show|history` names two subcommands, `alliance list|show` two after one group.
        paths = [[]]
        for word in words:
            paths = [prefix + [choice] for prefix in paths for choice in word.split("|")]
        # Option names only: before the line's explanation, which follows two or more spaces.
        options = set(re.findall(r"(?<![\w`])--[a-z][a-z-]*", re.split(r"\s{3,}[a-z(]", text.split("#")[0])[0]))
        where = f"{os.path.relpath(path, ROOT)}:{number}"
        helps = []
        for command in paths:
            result = subprocess.run([binary] + command + ["--help"], capture_output=True, text=True, timeout=60)
            if result.returncode != 0:
                problems.append(f"{where}: `alliance-ledger {' '.join(command)} --help` exits {result.returncode}")
            helps.append(result.stdout)
        # Where a line names two commands (`show|reverse`), an option belongs to one of them.
        missing = sorted(option for option in options if not any(option in text for text in helps))
        if missing:
            problems.append(f"{where}: `alliance-ledger {' '.join(words)}` takes no {', '.join(missing)}")
    return problems


def stop_on_signal(number, frame):
    """SIGTERM (CI's `timeout`) ends the run as an exception would, so each guide's service and
    cluster are stopped on the way out."""
    raise SystemExit(f"stopped by signal {number}")


def main():
    signal.signal(signal.SIGTERM, stop_on_signal)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "alliance-ledger"),
                        help="the built alliance-ledger (default: .build/debug/alliance-ledger)")
    parser.add_argument("--keep", action="store_true", help="keep every guide's directory")
    parser.add_argument("--list", action="store_true", help="list the blocks and run nothing")
    parser.add_argument("files", nargs="*", help="only these guides (default: README.md and docs/*.md)")
    arguments = parser.parse_args()
    paths = [os.path.abspath(path) for path in arguments.files] or guides()

    problems, plan = [], []
    for path in guides():
        problems += broken_links(path)
    for path in paths:
        blocks, found = blocks_of(path)
        problems += found
        plan.append((path, blocks))
    if arguments.list:
        for path, blocks in plan:
            for block in blocks:
                print(f"{block.kind:12} {block.name()}")
        return 0

    binary = os.path.abspath(arguments.binary)
    if not os.access(binary, os.X_OK):
        print(f"no binary at {binary}: swift build first, or pass --binary", file=sys.stderr)
        return 2
    for program in ("curl", "jq", "openssl", "unzip", "sha256sum"):
        if shutil.which(program) is None:
            print(f"the guides use {program}, which is not installed", file=sys.stderr)
            return 2

    for path in paths:
        if os.path.basename(path) == "command-line.md":
            problems += synopsis_problems(path, binary)

    started = time.monotonic()
    counts = {"passed": 0, "failed": 0, ILLUSTRATIVE: 0}
    for path, blocks in plan:
        runnable = [block for block in blocks if block.kind != ILLUSTRATIVE]
        counts[ILLUSTRATIVE] += len(blocks) - len(runnable)
        if not runnable:
            continue
        print(f"== {os.path.relpath(path, ROOT)}: {len(runnable)} blocks", flush=True)
        guide = Guide(path, binary, arguments.keep)
        guide_passed = True
        try:
            for number, block in enumerate(runnable, 1):
                began = time.monotonic()
                passed, status, output = guide.run(block, number)
                took = time.monotonic() - began
                print(f"{'PASS' if passed else 'FAIL'} {block.name()} ({took:.1f} s)", flush=True)
                if passed:
                    counts["passed"] += 1
                    continue
                counts["failed"] += 1
                guide_passed = False
                print(f"  status: {status}; its output's last lines:")
                for line in output.rstrip("\n").split("\n")[-25:]:
                    print(f"  | {line}")
        finally:
            guide.close(guide_passed)
    for problem in problems:
        print(f"FAIL {problem}")
    run = counts["passed"] + counts["failed"]
    took = time.monotonic() - started
    ok = counts["failed"] == 0 and not problems
    print(f"{'PASS' if ok else 'FAIL'}: {run} blocks run in {took:.0f} s, {counts['passed']} passed, "
          f"{counts['failed']} failed; {counts[ILLUSTRATIVE]} illustrative; {len(problems)} link or "
          f"convention problems")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
