"""
The `sst-serve` subcommand: a model archive behind HTTP, with a page that shows why the
model decided (see docs/serving.md).

    allennlp sst-serve model.tar.gz [--host 127.0.0.1] [--port 8000] [--threads 32]
                       [--max-batch-size 32] [--max-batch-delay-ms 5]
"""
import argparse
import ipaddress
import os
import socket
import sys
from typing import Optional

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.archive_loading import add_archive_arguments, load_predictor
from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.errors import InputError
from sst_elmo.serving import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_SIZE,
    DEFAULT_CHANNEL_TIMEOUT,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_DRAIN_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BATCH_DELAY_MS,
    DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_EXPLANATIONS_IN_FLIGHT,
    DEFAULT_THREADS,
    require_serve_extra,
)

# The environment variable that may hold the token (a command line shows in `ps`).
TOKEN_ENV = "SST_SERVE_AUTH_TOKEN"
# What the command prints once it listens (the benchmark and tests read the port from it).
LISTENING = "sst-serve: listening on "


@Subcommand.register("sst-serve")
class SstServe(PluginSubcommand):
    """
    Serves a model archive over HTTP: `POST /predict`, `POST /interpret` (per-token saliency
    from AllenNLP Interpret), `GET /health` and the page at `/`, with Flask on waitress.

    The archive is loaded as `sst-predict` loads it (`sst_elmo.safety.archive_safety.safe_load_archive`:
    member paths, config types and weights checked before anything runs), so an unsafe
    archive is refused in one line. A frozen ELMo runs new sentences through `FastElmoBiLm`.
    Requests that arrive within `--max-batch-delay-ms` of each other run as one forward pass
    (up to `--max-batch-size` inputs). SIGTERM stops accepting connections, finishes the
    requests in flight, and exits 0.

    Registered as a `Subcommand` with name "sst-serve".
    """

    description = "Serve a model archive over HTTP: JSON predictions, saliency, and a page."

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("archive_file", type=str, help="the model.tar.gz")
        subparser.add_argument("--host", default="127.0.0.1", help="address to bind (the default: loopback)")
        subparser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
        for option, kind, default, text in _LIMITS:
            subparser.add_argument(option, type=kind, default=default, help=text)
        auth = subparser.add_mutually_exclusive_group()
        auth.add_argument("--auth-token", default=None,
                          help=f"a token that clients send as 'Authorization: Bearer TOKEN' (also from "
                          f"${TOKEN_ENV}); needed, or --no-auth, for a host that is not loopback")
        auth.add_argument("--no-auth", action="store_true",
                          help="serve a host that is not loopback without a token (behind a proxy that checks)")
        add_archive_arguments(subparser, fast_elmo=True)

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        _serve_from_args(args)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _not_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def _auth_token(args: argparse.Namespace) -> Optional[str]:
    """The token clients must send, or `None`; refuses a host that is not loopback without one."""
    token = args.auth_token or os.environ.get(TOKEN_ENV) or None
    if token is not None and args.no_auth:
        raise InputError(f"--no-auth, but ${TOKEN_ENV} gives a token: unset one of them", "--no-auth")
    if token is None and not args.no_auth and not _is_loopback(args.host):
        raise InputError(f"{args.host} is not a loopback address, so anyone who reaches it could use the model: "
                         f"give --auth-token TOKEN (or ${TOKEN_ENV}), or --no-auth to serve without one", "--host")
    return token


def _is_loopback(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except OSError:
        return False  # the server's own bind reports a name that does not resolve
    return all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses)


def _not_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value


# The server's limits, each an option with a number: (option, its type, its default, its help).
_LIMITS = (
    ("--threads", _positive, DEFAULT_THREADS,
     "request threads: requests handled at once, so also the most that can share a forward pass"),
    ("--max-batch-size", _positive, DEFAULT_MAX_BATCH_SIZE, "inputs per forward pass (1 turns batching off)"),
    ("--max-batch-delay-ms", _not_negative, DEFAULT_MAX_BATCH_DELAY_MS,
     "how long a request waits for others to batch with"),
    ("--max-body-bytes", _positive, DEFAULT_MAX_BODY, "largest request body in bytes; a larger one gets a 413"),
    ("--request-timeout", _positive, DEFAULT_CHANNEL_TIMEOUT,
     "seconds a silent connection is kept, also mid-request"),
    ("--header-timeout", _positive, DEFAULT_HEADER_TIMEOUT,
     "seconds a connection may take to send a request's headers (from its opening or its last answer)"),
    ("--connection-limit", _positive, DEFAULT_CONNECTION_LIMIT,
     "connections open at once; more wait to be accepted"),
    ("--drain-timeout", _not_negative, DEFAULT_DRAIN_TIMEOUT,
     "seconds to finish the requests in flight after SIGTERM"),
    ("--cache-size", _not_negative_int, DEFAULT_CACHE_SIZE, "answers kept in the LRU answer cache (0: no cache)"),
    ("--cache-bytes", _not_negative_int, DEFAULT_CACHE_BYTES,
     "bytes the answer cache keeps at most, its keys and answers counted"),
    ("--max-explanations-in-flight", _not_negative_int, DEFAULT_MAX_EXPLANATIONS_IN_FLIGHT,
     "/interpret and /attack requests computed at once; one more gets a 429 with Retry-After, so that "
     "predictions never wait long behind explanations (0: no limit)"),
)


def _serve_from_args(args: argparse.Namespace) -> None:
    require_serve_extra()  # before the model loads: Flask, waitress and prometheus_client are an extra
    from sst_elmo.serving.app import make_app
    from sst_elmo.serving.server import DrainingServer
    from sst_elmo.serving.service import PredictionService

    token = _auth_token(args)
    predictor = load_predictor(args)
    service = PredictionService(predictor, args.max_batch_size, args.max_batch_delay_ms,
                                args.max_explanations_in_flight)
    app = make_app(service, max_body=args.max_body_bytes, cache_size=args.cache_size, auth_token=token,
                   cache_bytes=args.cache_bytes)
    try:
        server = DrainingServer(app, args.host, args.port, args.threads, channel_timeout=args.request_timeout,
                                max_body=args.max_body_bytes, connection_limit=args.connection_limit,
                                header_timeout=args.header_timeout)
    except OSError as error:
        reason = error.strerror or error
        raise InputError(f"cannot listen on {args.host}:{args.port} ({reason})", "--port") from None
    print(f"{LISTENING}http://{server.host}:{server.port}/", file=sys.stderr, flush=True)
    unfinished = server.run(
        args.drain_timeout,
        on_signal=lambda signum: print("sst-serve: stopping; finishing the requests in flight",
                                       file=sys.stderr, flush=True),
    )
    service.close(timeout=args.drain_timeout)
    print(f"sst-serve: stopped ({unfinished} request(s) unfinished)", file=sys.stderr, flush=True)
    if unfinished:
        sys.exit(1)
