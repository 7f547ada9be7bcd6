"""What the evidence scripts share: the built binary, a private cluster in a temporary
directory loaded by `demo --tokens`, the service on a fixed port, and the owner's psql."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ALLIANCE = "kestrelford-mental-health"
BASE = f"/v1/alliances/{ALLIANCE}"
PARTNERS = ["kestrelford-icb", "kestrelford-trust", "kestrelford-council", "harbour-lights", "open-door"]


class SetUpError(Exception):
    """A script could not be set up: no verdict, exit 2."""


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def locate_binary(given):
    """The built alliance-ledger: `given`, else swift build's."""
    binary = given or os.path.join(
        subprocess.run(["swift", "build", "--show-bin-path"], capture_output=True, text=True,
                       check=True).stdout.strip(), "alliance-ledger")
    if not os.access(binary, os.X_OK):
        raise SetUpError(f"no built alliance-ledger at {binary}: run swift build first")
    return os.path.abspath(binary)


def workspace(name):
    """A new temporary directory for one run. As root the embedded cluster runs as `postgres`,
    which must reach the data directory inside it."""
    work = tempfile.mkdtemp(prefix=f"alliance-ledger-{name}-")
    os.chmod(work, 0o755)
    return work


class Installation:
    """The built binary, its private durable cluster in `work`, and the service on a fixed
    port, so that clients find it again after a restart."""

    def __init__(self, binary, work, service_arguments=()):
        self.binary = binary
        self.work = work
        self.data_dir = os.path.join(work, "cluster")
        self.port = free_port()
        self.service_arguments = list(service_arguments)
        self.service = None
        self.service_log = open(os.path.join(work, "service.log"), "ab")

    def tool(self, *arguments, check=True):
        result = subprocess.run(
            [self.binary, *arguments, "--data-dir", self.data_dir, "--log-level", "warning"],
            capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise SetUpError(f"alliance-ledger {' '.join(arguments)} exited {result.returncode}:\n"
                             f"{result.stdout}{result.stderr}")
        return result

    def load_demo(self):
        """`demo --tokens`: the demo alliance, past its set-up (D-0001 has carried), and every
        token it printed, by holder (`operator`, `finance@kestrelford-trust.example.org`, …)."""
        output = self.tool("demo", "--tokens").stdout
        tokens = {}
        for line in output.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].startswith("alt_"):
                tokens[parts[0]] = parts[1]
        if "operator" not in tokens or len(tokens) < 2:
            raise SetUpError(f"demo --tokens printed no tokens:\n{output}")
        return tokens

    def start_service(self):
        self.service = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--port", str(self.port),
             "--log-level", "notice", *self.service_arguments],
            stdout=self.service_log, stderr=self.service_log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.service.poll() is not None:
                raise SetUpError(f"the service exited with {self.service.returncode}; "
                                 f"see {self.service_log.name}")
            try:
                status, _, _ = http_request("GET", self.port, "/readyz", None, {}, timeout=5)
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise SetUpError("the service did not become ready within 120 s")

    def kill_service(self):
        self.service.send_signal(signal.SIGKILL)
        self.service.wait()

    def stop_service(self):
        if self.service and self.service.poll() is None:
            self.service.send_signal(signal.SIGTERM)
            try:
                self.service.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill_service()

    def kill_postmaster(self):
        with open(os.path.join(self.data_dir, "pgdata", "postmaster.pid")) as file:
            pid = int(file.readline())
        os.kill(pid, signal.SIGKILL)
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.01)
        return pid

    def restart_postgres(self):
        """Starts the cluster again the way the tool does (crash recovery replays the WAL).
        Until the killed postmaster's backends have noticed and exited, their shared memory
        keeps a new postmaster from starting, so this tries again for a while."""
        deadline = time.monotonic() + 120
        attempts = 0
        while True:
            attempts += 1
            result = self.tool("db", "status", check=False)
            if result.returncode == 0:
                return attempts
            if time.monotonic() > deadline:
                raise SetUpError(f"PostgreSQL did not start again:\n{result.stderr}")
            time.sleep(0.5)

    def connection_string(self):
        return f"host={self.data_dir} port=5432 user=postgres dbname=alliance_ledger"

    def psql(self, sql):
        """Rows of `sql` run by the cluster's owner, as lists of strings."""
        result = subprocess.run(
            [psql_program(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             self.connection_string(), "-c", sql], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise SetUpError(f"psql failed: {result.stderr}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def close(self):
        self.stop_service()
        self.tool("db", "stop", check=False)
        self.service_log.close()


class PsqlSession:
    """One psql process of the owner, kept open, for queries that must cost a millisecond rather
    than a process start. Each query answers one line of space-separated fields."""

    def __init__(self, connection_string):
        self.process = subprocess.Popen(
            [psql_program(), "-X", "-q", "-A", "-t", "-F", " ", "-v", "ON_ERROR_STOP=1", connection_string],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def row(self, sql):
        self.process.stdin.write(sql.rstrip().rstrip(";") + ";\n")
        line = self.process.stdout.readline()
        if not line:
            raise SetUpError(f"psql ended while answering: {sql}")
        return line.split()

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def psql_program():
    found = shutil.which("psql")
    if found:
        return found
    versions = sorted(os.listdir("/usr/lib/postgresql")) if os.path.isdir("/usr/lib/postgresql") else []
    for version in reversed(versions):
        candidate = f"/usr/lib/postgresql/{version}/bin/psql"
        if os.path.exists(candidate):
            return candidate
    raise SetUpError("psql is needed for the owner's counts (Debian: apt-get install postgresql-client)")


def http_request(method, port, path, body, headers, timeout=30):
    """One request on a connection of its own; (status, headers, body). Raises OSError or
    http.client.HTTPException when no answer came."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def finish(installation, work, passed, keep):
    """Stops the service and the cluster; keeps `work` for a look when asked or on failure."""
    installation.close()
    if keep or not passed:
        print(f"the service's log and the cluster are kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
