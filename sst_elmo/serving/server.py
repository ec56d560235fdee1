"""
Running the WSGI app with waitress, and stopping it cleanly on SIGTERM.

waitress's own `serve` stops its loop on SIGINT and cancels the requests still queued; here
a SIGTERM (or SIGINT) closes the listening socket at once, then keeps serving every request
already begun (its first bytes received) until its response has been sent (up to
`drain_timeout` seconds, and a client silent for `channel_timeout` is cut off as always),
then closes the idle connections and returns.

Bad clients: a body over the app's limit is still read, up to `DEFAULT_BODY_READ_BOUND`, so
that a client which sends its whole body before reading gets the 413 instead of a reset; a
connection that has not sent a request's headers `header_timeout` seconds after it opened (or
after its last answer) is closed, and up to `connection_limit` connections are open at once, so
that clients which send half a request and wait cannot keep others out.
"""
import functools
import json
import logging
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from overrides import overrides

from sst_elmo.serving import (
    DEFAULT_BODY_READ_BOUND,
    DEFAULT_CHANNEL_TIMEOUT,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_DRAIN_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_THREADS,
    require_serve_extra,
)

if TYPE_CHECKING:
    from waitress.server import BaseWSGIServer

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def channel_class() -> type:
    """
    waitress's channel, remembering since when it has waited for a request's headers, and
    answering waitress's own errors as JSON: made on the first call (waitress is the `serve`
    extra, imported by a server, not with the module).
    """
    # Module globals, where `@overrides` looks the base classes up.
    global ErrorTask, HTTPChannel
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class _JsonErrorTask(ErrorTask):
        """
        waitress's own error responses (a malformed request, a body over the limit) as the
        app's: one-line JSON.
        """

        @overrides
        def execute(self) -> None:
            error = self.request.error
            if error.code == 413:
                limit = getattr(self.channel.server, "max_body", self.channel.adj.max_request_body_size)
                message, code = f"the request body is over the limit of {limit} bytes", "too_large"
            else:
                message, code = " ".join(f"{error.reason}: {error.body}".split()), "bad_request"
            body = json.dumps({"error": message, "code": code}).encode("utf-8")
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", "application/json"))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class _Channel(HTTPChannel):
        """waitress's channel, remembering since when it has waited for a request's headers."""

        error_task_class = _JsonErrorTask

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.waiting_since = time.monotonic()

        @overrides
        def service(self) -> None:
            try:
                super().service()
            finally:
                self.waiting_since = time.monotonic()  # the answers are written: the next request's turn

        def headers_overdue(self, cutoff: float) -> bool:
            """No request is being answered, and the next one's headers are not in since `cutoff`."""
            receiving = self.request is not None and self.request.headers_finished
            return not (self.requests or self.total_outbufs_len or receiving) and self.waiting_since < cutoff

    return _Channel


def _close_overdue_channels(server: "BaseWSGIServer", header_timeout: float) -> None:
    """Marks for closing each channel of `server` that is overdue with its headers."""
    cutoff = time.monotonic() - header_timeout
    for channel in list(server.active_channels.values()):
        if isinstance(channel, channel_class()) and channel.headers_overdue(cutoff):
            channel.will_close = True


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
        The app's limit on a request body (bytes), for waitress's own 413 message. Bodies are
        read (buffered to disk past 512 KiB) up to `max(max_body, body_read_bound)` bytes, so
        that the app can answer 413 to a client that sends the whole body first; a larger body,
        announced or chunked, gets waitress's 413 (JSON, as every error waitress answers itself)
        at once, and the connection is closed.
    body_read_bound : `int`, optional (default = `DEFAULT_BODY_READ_BOUND`, 64 MiB)
    connection_limit : `int`, optional (default = `DEFAULT_CONNECTION_LIMIT`, 1000)
        Connections open at once (each costs a file descriptor, no thread).
    header_timeout : `float`, optional (default = `DEFAULT_HEADER_TIMEOUT`, 10)
        Seconds a connection may take to send a request's headers, counted from its opening or
        from its last answer; then it is closed without an answer.
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 8000, threads: int = DEFAULT_THREADS,
                 channel_timeout: int = DEFAULT_CHANNEL_TIMEOUT, max_body: Optional[int] = None,
                 body_read_bound: int = DEFAULT_BODY_READ_BOUND, connection_limit: int = DEFAULT_CONNECTION_LIMIT,
                 header_timeout: float = DEFAULT_HEADER_TIMEOUT) -> None:
        require_serve_extra()
        from waitress import create_server

        extra = {} if max_body is None else {"max_request_body_size": max(max_body, body_read_bound)}
        # One address (a name such as "localhost" may resolve to several: waitress would then
        # listen on each, through a different server class).
        host = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
        # The server's socket map (its listening socket, its trigger and every connection): ours,
        # given to `create_server`, so that the drain can go through the connections.
        self._channels: Dict[int, Any] = {}
        self._server: BaseWSGIServer = create_server(
            app, map=self._channels, host=host, port=port, threads=threads, channel_timeout=channel_timeout,
            connection_limit=connection_limit, ident="sst-serve",
            cleanup_interval=max(1, int(min(channel_timeout, header_timeout) // 2)), **extra,
        )
        self._server.channel_class = channel_class()
        self._server.max_body = max_body
        maintenance = self._server.maintenance

        def maintenance_with_header_timeout(now: float) -> None:
            maintenance(now)
            _close_overdue_channels(self._server, header_timeout)

        self._server.maintenance = maintenance_with_header_timeout
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

    def _busy(self) -> List[Any]:
        from waitress.channel import HTTPChannel

        channels = [channel for channel in list(self._channels.values()) if isinstance(channel, HTTPChannel)]
        # A request counts from its first byte (`channel.request`: one being received).
        return [channel for channel in channels
                if channel.request is not None or channel.requests or channel.total_outbufs_len]

    def _loop_once(self, timeout: float) -> None:
        self._server.asyncore.loop(timeout=timeout, map=self._channels, use_poll=True, count=1)

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
            for channel in list(self._channels.values()):  # the trigger among them
                channel.close()
        return len(busy)
