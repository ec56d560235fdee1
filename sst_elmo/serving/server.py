"""
Running the WSGI app with waitress, and stopping it cleanly on SIGTERM.

waitress's own `serve` stops its loop on SIGINT and cancels the requests still queued; here
a SIGTERM (or SIGINT) closes the listening socket at once, then keeps serving every request
already begun (its first bytes received) until its response has been sent (up to
`drain_timeout` seconds, and a client silent for `channel_timeout` is cut off as always),
then closes the idle connections and returns.
"""
import json
import logging
import signal
import socket
import threading
import time
from typing import Callable, List, Optional

from overrides import overrides
from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from sst_elmo.serving import DEFAULT_CHANNEL_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, DEFAULT_THREADS

logger = logging.getLogger(__name__)



class _JsonErrorTask(ErrorTask):
    """waitress's own error responses (a malformed request, a body over the limit) as the app's: one-line JSON."""

    @overrides
    def execute(self) -> None:
        error = self.request.error
        if error.code == 413:
            message = f"the request body is over the limit of {self.channel.adj.max_request_body_size} bytes"
        else:
            message = " ".join(f"{error.reason}: {error.body}".split())
        body = json.dumps({"error": message}).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    error_task_class = _JsonErrorTask


class DrainingServer:
    """
    A waitress server for `app` on `host:port` (`port=0`: any free port; see `port`).

    # Parameters

    app : WSGI application
    host : `str`, optional (default = `"127.0.0.1"`)
        A name resolves to its first address.
    port : `int`, optional (default = `8000`)
    threads : `int`, optional (default = `DEFAULT_THREADS`, 32)
        waitress's worker threads (requests handled at once; the model itself runs in the
        batcher's one thread).
    channel_timeout : `int`, optional (default = `DEFAULT_CHANNEL_TIMEOUT`)
        Seconds of silence after which a connection is closed (a client that stops sending).
    max_body : `int`, optional
        The largest request body (bytes): a larger one, announced or chunked, gets a 413 (JSON,
        as every error waitress answers itself) before it is read further.
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 8000, threads: int = DEFAULT_THREADS,
                 channel_timeout: int = DEFAULT_CHANNEL_TIMEOUT, max_body: Optional[int] = None) -> None:
        extra = {} if max_body is None else {"max_request_body_size": max_body}
        # One address (a name such as "localhost" may resolve to several: waitress would then
        # listen on each, through a different server class).
        host = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
        self._server: BaseWSGIServer = create_server(
            app, host=host, port=port, threads=threads, channel_timeout=channel_timeout,
            cleanup_interval=max(1, min(30, channel_timeout // 2)), ident="sst-serve", **extra,
        )
        self._server.channel_class = _Channel
        self._stop = threading.Event()
        # `stop` wakes the loop through waitress's trigger; `_drain` closes the trigger. The lock
        # (re-entrant: a signal handler may call `stop` inside `_drain` on the same thread) keeps
        # `stop` from writing to the trigger once it is closed, when its descriptor may already
        # belong to another file.
        self._wake_lock = threading.RLock()
        self._trigger_closed = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    def stop(self) -> None:
        """Asks `run` to drain and return (from any thread, or a signal handler)."""
        with self._wake_lock:
            self._stop.set()
            if not self._trigger_closed:  # else the loop has seen the event and drained already
                self._server.pull_trigger()

    def _busy(self) -> List[HTTPChannel]:
        channels = [channel for channel in list(self._server._map.values()) if isinstance(channel, HTTPChannel)]
        # A request counts from its first byte (`channel.request`: one being received).
        return [channel for channel in channels
                if channel.request is not None or channel.requests or channel.total_outbufs_len]

    def _loop_once(self, timeout: float) -> None:
        self._server.asyncore.loop(timeout=timeout, map=self._server._map, use_poll=True, count=1)

    def run(self, drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
            on_signal: Optional[Callable[[int], None]] = None) -> int:
        """
        Serves until `stop()` or SIGTERM/SIGINT (handlers installed for the call when run in the
        main thread), then drains. Returns the number of requests still unfinished at the
        drain timeout (0 for a clean stop).
        """
        previous = {}
        if threading.current_thread() is threading.main_thread():
            def handler(signum, frame):
                if on_signal is not None:
                    on_signal(signum)
                self.stop()

            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, handler)
        try:
            while not self._stop.is_set():
                self._loop_once(self._server.adj.asyncore_loop_timeout)
            return self._drain(drain_timeout)
        finally:
            for signum, old in previous.items():
                signal.signal(signum, old if old is not None else signal.SIG_DFL)

    def _drain(self, drain_timeout: float) -> int:
        server = self._server
        server.accepting = False
        server.del_channel()  # no new connections; the open ones go on
        server.socket.close()
        deadline = time.monotonic() + drain_timeout
        busy = self._busy()
        while busy and time.monotonic() < deadline:
            self._loop_once(0.05)
            busy = self._busy()
        if busy:
            logger.warning("%d request(s) still unfinished after %.0f s; closing", len(busy), drain_timeout)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        with self._wake_lock:
            self._trigger_closed = True
            for channel in list(server._map.values()):  # the trigger among them
                channel.close()
        return len(busy)
