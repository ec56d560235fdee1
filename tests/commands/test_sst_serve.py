"""`allennlp sst-serve` as a command: its defaults, an unsafe archive, a busy port, and SIGTERM."""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time

import pytest

from sst_elmo.commands.sst_serve import LISTENING, SstServe
from tests.conftest import PROJECT_ROOT, rearchive

# `sst-serve` (the console script) without depending on the venv's bin/ being on PATH.
COMMAND = [sys.executable, "-c", "from sst_elmo.cli import sst_serve; sst_serve()"]


def parse(*argv):
    parser = argparse.ArgumentParser()
    SstServe().add_subparser(parser.add_subparsers())
    return parser.parse_args(["sst-serve", "model.tar.gz", *argv])


def test_defaults_bind_to_loopback_and_batch():
    args = parse()
    assert (args.host, args.port, args.max_batch_size, args.max_batch_delay_ms) == ("127.0.0.1", 8000, 32, 5.0)
    assert args.max_body_bytes == 1024 * 1024 and args.threads >= args.max_batch_size


@pytest.mark.parametrize("argv", [["--max-batch-size", "0"], ["--max-batch-delay-ms", "-1"], ["--threads", "0"],
                                  ["--max-batch-delay-ms", "nan"]])
def test_bad_settings_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse(*argv)


def run_command(*argv, timeout=120):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([*COMMAND, *argv], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)


def test_an_unsafe_archive_is_refused_in_one_line(model_archive):
    escaping = tarfile.TarInfo("../escaped.txt")
    crafted = rearchive(model_archive, {}, extra=[(escaping, b"written outside")])
    result = run_command(crafted, "--port", "0")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip() and "Warning" not in line
             and "pkg_resources" not in line]
    assert len(lines) == 1, result.stderr
    assert "outside the extraction directory" in lines[0] and crafted in lines[0]
    assert LISTENING not in result.stderr
    assert not (model_archive.parent / "escaped.txt").exists()


def test_a_busy_port_is_one_line(model_archive):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_command(str(model_archive / "model.tar.gz"), "--port", str(taken.getsockname()[1]))
    assert result.returncode == 1 and "cannot listen on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


class Server:
    """`sst-serve ARCHIVE --port 0 ...` in a child process."""

    def __init__(self, archive, *argv):
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen([*COMMAND, archive, "--port", "0", *argv], stderr=subprocess.PIPE,
                                        stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
                                        env=env, cwd=PROJECT_ROOT)
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 120
        while not any(LISTENING in line for line in self.lines):
            assert self.process.poll() is None and time.monotonic() < deadline, "".join(self.lines)
            time.sleep(0.1)
        self.port = int(re.search(r":(\d+)/", next(line for line in self.lines if LISTENING in line)).group(1))

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    def wait(self, timeout):
        """The exit status, once the process and its output have ended."""
        status = self.process.wait(timeout)
        self._reader.join(timeout)
        return status

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)


def post(port, body, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/predict", json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_sigterm_finishes_the_requests_in_flight_then_exits_0(model_archive):
    server = Server(str(model_archive / "model.tar.gz"))
    try:
        assert post(server.port, {"sentence": "A fine film."})[0] == 200
        # A request in flight: its head and half its body are in when SIGTERM comes.
        body = json.dumps({"sentence": "The film shines , and the acting is fine ."}).encode()
        in_flight = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        in_flight.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while not any("stopping" in line for line in server.lines):
            assert time.monotonic() < deadline, "".join(server.lines)
            time.sleep(0.05)
        with pytest.raises(OSError):  # no new connections once stopping
            post(server.port, {"sentence": "Too late ."}, timeout=5)
        assert server.process.poll() is None  # still finishing the request in flight
        in_flight.sendall(body[10:])
        response = b""
        while not response.endswith(b"}") and (chunk := in_flight.recv(65536)):
            response += chunk
        in_flight.close()
        head, _, payload = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and json.loads(payload)["tokens"][:2] == ["The", "film"]
        assert server.wait(30) == 0
        assert any("stopped (0 request(s) unfinished)" in line for line in server.lines), "".join(server.lines)
    finally:
        server.close()


def test_sigint_too_and_a_request_unfinished_at_the_drain_timeout_is_exit_status_1(model_archive):
    server = Server(str(model_archive / "model.tar.gz"), "--drain-timeout", "1")
    try:
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        stalled.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100\r\n\r\n{")  # never finished
        time.sleep(0.5)
        start = time.monotonic()
        server.process.send_signal(signal.SIGINT)
        assert server.wait(30) == 1
        assert time.monotonic() - start < 20
        assert any("stopped (1 request(s) unfinished)" in line for line in server.lines), "".join(server.lines)
        stalled.close()
    finally:
        server.close()
