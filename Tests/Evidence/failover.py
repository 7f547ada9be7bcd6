#!/usr/bin/env python3
"""Failover: the service keeps recording through the loss of its PostgreSQL primary, on
PostgreSQL's own streaming replication, and the public pages keep being served by a standby.

On loopback, three PostgreSQL servers take turns: A is the primary and B its streaming hot
standby (`pg_basebackup -R`). `alliance-ledger demo --tokens` loads the demo alliance into A,
and the built `alliance-ledger serve` runs on two multi-host connection strings naming all
three servers: writes `target_session_attrs=read-write`, the public pages and files
`prefer-standby` (`database.readUrl`). Then two rounds:

1. asynchronous replication: 16 clients record spend over HTTP, each request with its own
   Idempotency-Key and retried with it until answered; a reader fetches public pages all the
   while. A is killed with SIGKILL (the postmaster and every backend at once, as when a machine
   dies); after a second (what a failover manager takes to decide) B is promoted with
   `pg_ctl promote`; the clients go on.
2. synchronous replication: C is made B's standby (`pg_basebackup -R` from B) and B is set to
   wait for it (`synchronous_standby_names`); the same load, B is killed, C promoted.

Each round prints, read from the new primary: requests acknowledged (201), stored, lost
(acknowledged and not stored), duplicates (one key stored twice), the longest time without an
acknowledged write (the unavailability a client saw), how many attempts were answered 503 and
whether every one had `Retry-After`, whether any was answered with another 5xx, and whether the
public pages were served throughout. PASS needs: no duplicates, no answer but 201 or 503
(never 500), every 503 with Retry-After, writes acknowledged again after the promotion, every
public read served, `journal verify` passing on the new primary, and, with synchronous
replication, nothing acknowledged lost. Asynchronous replication may lose what was acknowledged
in the moment before the kill: the round reports how much, and does not fail for it (the
operator's trade-off, docs/operations.md).

    Tests/Evidence/failover.py [--binary .build/debug/alliance-ledger] [--clients 16]
                               [--load-seconds 4] [--keep]

Exits 0 on PASS, 1 on FAIL, 2 when it could not be set up.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evidence import (  # noqa: E402
    ALLIANCE, BASE, PARTNERS, SetUpError, free_port, http_request, locate_binary, log, psql_program, workspace)

MARK = "failover"
# What a failover manager takes to see the primary gone and decide to promote.
DETECTION_SECONDS = 1.0
PUBLIC_PATHS = ["/", f"/public/alliances/{ALLIANCE}", f"/public/alliances/{ALLIANCE}/statements/S-0001.json"]


def server_programs():
    """The directory of initdb, pg_ctl and pg_basebackup."""
    try:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if os.path.exists(os.path.join(found, "pg_ctl")):
            return found
    except (OSError, subprocess.CalledProcessError):
        pass
    root = "/usr/lib/postgresql"
    for version in sorted(os.listdir(root) if os.path.isdir(root) else [], key=int, reverse=True):
        candidate = os.path.join(root, version, "bin")
        if os.path.exists(os.path.join(candidate, "pg_ctl")):
            return candidate
    raise SetUpError("PostgreSQL's server programs are needed (Debian: apt-get install postgresql)")


class Server:
    """One PostgreSQL server on loopback, in a directory of the run. As root its programs run as
    `postgres`, since PostgreSQL refuses to run as root."""

    def __init__(self, name, work, programs):
        self.name = name
        self.work = work
        self.programs = programs
        self.data = os.path.join(work, name)
        self.port = free_port()
        self.log_file = os.path.join(work, f"{name}.log")

    def run(self, program, *arguments, timeout=300):
        command = [os.path.join(self.programs, program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise SetUpError(f"{program} {' '.join(arguments)} exited {result.returncode}:\n"
                             f"{result.stdout}{result.stderr}")
        return result.stdout

    def initialise(self):
        self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.configure(["wal_level = replica", "max_wal_senders = 8", "hot_standby = on", "fsync = on",
                        "synchronous_commit = on", "wal_keep_size = '256MB'"])

    def copy_of(self, primary):
        """A streaming hot standby of `primary`: its base backup, set to follow it (-R)."""
        self.run("pg_basebackup", "-D", self.data, "-h", "127.0.0.1", "-p", str(primary.port),
                 "-U", "postgres", "-R", "-X", "stream", "-c", "fast")
        self.configure([])

    def configure(self, settings):
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as conf:
            for line in [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                         f"unix_socket_directories = '{self.work}'", *settings]:
                conf.write(line + "\n")

    def set(self, setting, value):
        psql(self.port, f"ALTER SYSTEM SET {setting} = '{value}'")
        psql(self.port, "SELECT pg_reload_conf()")

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", self.log_file, "-w", "-t", "120", "start")

    def promote(self):
        self.run("pg_ctl", "-D", self.data, "-w", "-t", "120", "promote")

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self.run("pg_ctl", "-D", self.data, "-m", "immediate", "stop", timeout=60)
            except SetUpError:
                pass

    def kill(self):
        """SIGKILL to the postmaster and every process it started, at once: a machine that died."""
        with open(os.path.join(self.data, "postmaster.pid")) as file:
            postmaster = int(file.readline())
        children = []
        try:
            with open(f"/proc/{postmaster}/task/{postmaster}/children") as file:
                children = [int(pid) for pid in file.read().split()]
        except OSError:
            pass
        for pid in [postmaster, *children]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in [postmaster, *children]:
            while os.path.exists(f"/proc/{pid}") and not zombie(pid):
                time.sleep(0.01)


def zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().split(") ")[1].startswith("Z")
    except OSError:
        return False


def psql(port, sql, database="postgres"):
    result = subprocess.run(
        [psql_program(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
         f"host=127.0.0.1 port={port} user=postgres dbname={database}", "-c", sql],
        capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SetUpError(f"psql on port {port} failed: {result.stderr}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def wait_until(predicate, what, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (SetUpError, OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise SetUpError(f"{what} did not happen within {seconds} s")


def connection_string(servers, attributes):
    hosts = ",".join("127.0.0.1" for _ in servers)
    ports = ",".join(str(server.port) for server in servers)
    return (f"host={hosts} port={ports} user=postgres dbname=alliance_ledger connect_timeout=5 "
            f"target_session_attrs={attributes}")


# --- The load -------------------------------------------------------------------------------


class Figures:
    """What the clients and the reader saw, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = {}  # key -> monotonic time of the 201
        self.asked = set()
        self.statuses = {}  # status of every answered attempt (201, 503, …)
        self.without_retry_after = 0
        self.unanswered = 0  # attempts with no answer at all (a connection reset, a timeout)
        self.public = []  # (monotonic time, served?)

    def count(self, status):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1


def record_spend(port, token, partner, key, figures, give_up_at):
    """Posts one spend with its key until it is acknowledged: the same key and body each time."""
    body = json.dumps({"partner": partner, "budgetLine": "STAFF", "amount": 12345, "incurredOn": "2025-05-14",
                       "description": "Agency staff, recorded through a failover", "supplier": "Acme Staffing",
                       "reference": key}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key,
               "Connection": "close"}
    with figures.lock:
        figures.asked.add(key)
    while time.monotonic() < give_up_at:
        try:
            status, answer_headers, _ = http_request("POST", port, f"{BASE}/spend", body, headers, timeout=30)
        except (OSError, http.client.HTTPException):
            with figures.lock:
                figures.unanswered += 1
            time.sleep(0.1)
            continue
        figures.count(status)
        if status == 201:
            with figures.lock:
                figures.acknowledged[key] = time.monotonic()
            return
        if status == 503:
            if not any(name.lower() == "retry-after" for name in answer_headers):
                with figures.lock:
                    figures.without_retry_after += 1
            # Shorter than the Retry-After asked, to measure the unavailability finely.
            time.sleep(0.1)
            continue
        if status == 409:  # request-in-progress: the first attempt still holds the key
            time.sleep(0.1)
            continue
        return  # any other answer is counted and not retried


def client(number, port, finance, figures, stop, round_name):
    partner = PARTNERS[number % len(PARTNERS)]
    request = 0
    while not stop.is_set():
        key = f"{MARK}-{round_name}-c{number:02d}-r{request:05d}"
        record_spend(port, finance[partner], partner, key, figures, give_up_at=time.monotonic() + 90)
        request += 1


def reader(port, figures, stop):
    index = 0
    while not stop.is_set():
        path = PUBLIC_PATHS[index % len(PUBLIC_PATHS)]
        try:
            status, _, _ = http_request("GET", port, path, None, {"Connection": "close"}, timeout=10)
            served = status == 200
        except (OSError, http.client.HTTPException):
            served = False
        with figures.lock:
            figures.public.append((time.monotonic(), served))
        index += 1
        time.sleep(0.05)


# --- One round ------------------------------------------------------------------------------


def run_round(name, primary, standby, service_port, finance, arguments, binary, everyone):
    figures = Figures()
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(number, service_port, finance, figures, stop, name))
               for number in range(arguments.clients)]
    threads.append(threading.Thread(target=reader, args=(service_port, figures, stop)))
    for thread in threads:
        thread.start()
    time.sleep(arguments.load_seconds)
    killed_at = time.monotonic()
    primary.kill()
    log(f"{name}: killed the primary {primary.name} (SIGKILL to every process)")
    time.sleep(DETECTION_SECONDS)
    promote_started = time.monotonic()
    standby.promote()
    promoted_at = time.monotonic()
    log(f"{name}: promoted {standby.name} in {promoted_at - promote_started:.2f} s")
    time.sleep(arguments.load_seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    stragglers = sum(thread.is_alive() for thread in threads)

    keys = sorted(figures.acknowledged)
    stored = {}
    for key, count in psql(standby.port, f"""
            SELECT metadata->>'reference', count(*) FROM journal_entries
            WHERE kind = 'spend' AND metadata->>'reference' LIKE '{MARK}-{name}-%' GROUP BY 1""",
                           database="alliance_ledger"):
        stored[key] = int(count)
    lost = [key for key in keys if key not in stored]
    duplicates = [key for key, count in stored.items() if count > 1]
    unasked = [key for key in stored if key not in figures.asked]
    times = sorted(figures.acknowledged.values())
    after_kill = [moment for moment in times if moment >= killed_at - 1]
    gaps = [later - earlier for earlier, later in zip(after_kill, after_kill[1:])]
    first_after_kill = next((moment for moment in times if moment > killed_at), None)
    recovered = any(moment > promoted_at for moment in times)
    public_failures = sum(1 for _, served in figures.public if not served)
    public_during_outage = sum(1 for moment, served in figures.public if killed_at <= moment <= promoted_at and served)
    verify = subprocess.run(
        [binary, "journal", "verify", "--alliance", ALLIANCE, "--database-url",
         connection_string(everyone, "read-write"), "--log-level", "warning"],
        capture_output=True, text=True, timeout=600)
    verify_line = (verify.stdout.strip().splitlines() or verify.stderr.strip().splitlines() or [""])[-1]
    other_5xx = {status: count for status, count in figures.statuses.items() if status >= 500 and status != 503}
    others = {status: count for status, count in figures.statuses.items() if status not in (201, 503)}

    synchronous = name == "synchronous"
    failures = []
    if duplicates:
        failures.append(f"{len(duplicates)} keys stored twice")
    if unasked:
        failures.append(f"{len(unasked)} stored entries no client asked for")
    if other_5xx or others:
        failures.append(f"answers other than 201 and 503: {others}")
    if figures.without_retry_after:
        failures.append(f"{figures.without_retry_after} answers 503 without Retry-After")
    if not recovered:
        failures.append("no write was acknowledged after the promotion")
    if public_failures:
        failures.append(f"{public_failures} public reads not served")
    if verify.returncode != 0:
        failures.append(f"journal verify exited {verify.returncode}: {verify_line}")
    if stragglers:
        failures.append(f"{stragglers} clients still waiting after 120 s")
    if synchronous and lost:
        failures.append(f"{len(lost)} acknowledged entries lost with synchronous replication")

    print()
    print(f"round {name} replication: primary {primary.name} killed, {standby.name} promoted")
    print(f"  requests asked {len(figures.asked)}, acknowledged {len(keys)}, stored {len(stored)}, "
          f"lost {len(lost)}, duplicates {len(duplicates)}")
    print(f"  answers: " + ", ".join(f"{status} × {count}" for status, count in sorted(figures.statuses.items()))
          + f"; attempts without an answer: {figures.unanswered}")
    print(f"  first write acknowledged {first_after_kill - killed_at:.2f} s after the kill"
          if first_after_kill else "  no write acknowledged after the kill")
    print(f"  longest time without an acknowledged write: {max(gaps, default=0):.2f} s "
          f"(detection {DETECTION_SECONDS:.1f} s + promotion {promoted_at - promote_started:.2f} s "
          f"+ the service finding the new primary)")
    print(f"  public reads: {len(figures.public)}, not served {public_failures}, "
          f"served while no primary existed {public_during_outage}")
    print(f"  journal verify on the new primary: exit {verify.returncode}: {verify_line}")
    if lost and not synchronous:
        print(f"  (asynchronous replication: {len(lost)} acknowledged entr{'y' if len(lost) == 1 else 'ies'} "
              "committed on the old primary had not reached the standby; not a failure, the operator's trade-off)")
    print(f"  {'FAIL: ' + '; '.join(failures) if failures else 'PASS'}")
    return not failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=None, help="the built alliance-ledger (default: swift build's)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--load-seconds", type=float, default=4, help="load before each kill and after each promotion")
    parser.add_argument("--keep", action="store_true", help="keep the servers' directories and logs")
    arguments = parser.parse_args()
    try:
        binary = locate_binary(arguments.binary)
        programs = server_programs()
    except SetUpError as error:
        print(error, file=sys.stderr)
        return 2
    work = workspace("failover")
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
    servers = [Server(name, work, programs) for name in ("A", "B", "C")]
    a, b, c = servers
    service = None
    service_log = open(os.path.join(work, "service.log"), "ab")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    passed = False
    try:
        log(f"primary A on port {a.port}, in {work}")
        a.initialise()
        a.start()
        psql(a.port, "CREATE DATABASE alliance_ledger")
        writes = connection_string(servers, "read-write")
        demo = subprocess.run([binary, "demo", "--tokens", "--database-url", writes, "--log-level", "warning"],
                              capture_output=True, text=True, timeout=900)
        if demo.returncode != 0:
            raise SetUpError(f"demo exited {demo.returncode}: {demo.stderr}")
        tokens = dict(line.split() for line in demo.stdout.splitlines()
                      if len(line.split()) == 2 and line.split()[1].startswith("alt_"))
        finance = {partner: tokens.get(f"finance@{partner}.example.org") for partner in PARTNERS}
        if None in finance.values():
            raise SetUpError(f"demo --tokens printed no finance lead's token for some partner:\n{demo.stdout}")
        log("demo loaded; standby B from a base backup of A")
        b.copy_of(a)
        b.start()
        wait_until(lambda: psql(a.port, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0][0] == "1",
                   "B streaming from A")
        service_port = free_port()
        service = subprocess.Popen(
            [binary, "serve", "--database-url", writes, "--database-read-url",
             connection_string([b, c, a], "prefer-standby"), "--port", str(service_port),
             "--log-level", "notice", "--decision-sweep-seconds", "86400"],
            stdout=service_log, stderr=service_log, stdin=subprocess.DEVNULL)
        wait_until(lambda: http_request("GET", service_port, "/readyz", None, {}, timeout=5)[0] == 200,
                   "the service ready")
        log(f"service on port {service_port}; {arguments.clients} clients")
        first = run_round("asynchronous", a, b, service_port, finance, arguments, binary, servers)

        log("standby C from a base backup of B; B waits for C to commit")
        c.copy_of(b)
        c.start()
        wait_until(lambda: psql(b.port, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0][0] == "1",
                   "C streaming from B")
        b.set("synchronous_standby_names", "*")
        wait_until(lambda: psql(b.port, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")[0][0] == "1",
                   "C synchronous")
        second = run_round("synchronous", b, c, service_port, finance, arguments, binary, servers)
        passed = first and second
        print()
        print(f"{'PASS' if passed else 'FAIL'}: failover with {arguments.clients} clients, asynchronous then synchronous")
    except SetUpError as error:
        print(f"FAIL: could not run: {error}", file=sys.stderr)
        return 2
    finally:
        if service and service.poll() is None:
            service.send_signal(signal.SIGTERM)
            try:
                service.wait(timeout=60)
            except subprocess.TimeoutExpired:
                service.kill()
        service_log.close()
        for server in servers:
            server.stop()
        if arguments.keep or not passed:
            print(f"the servers' directories and the service's log are kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
