"""
The `sst-serve` subcommand: a model archive behind HTTP, with a page that shows why the
model decided (see docs/serving.md).

    allennlp sst-serve model.tar.gz [--host 127.0.0.1] [--port 8000] [--threads 32]
                       [--max-batch-size 32] [--max-batch-delay-ms 5]
"""
import argparse
import sys

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.archive_loading import add_archive_arguments, load_predictor
from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.errors import InputError
from sst_elmo.serving import (
    DEFAULT_CHANNEL_TIMEOUT,
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_DRAIN_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BATCH_DELAY_MS,
    DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_BODY,
    DEFAULT_THREADS,
)

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
        subparser.add_argument("--threads", type=_positive, default=DEFAULT_THREADS,
                               help="request threads: requests handled at once, so also the most that "
                               "can share a forward pass")
        subparser.add_argument("--max-batch-size", type=_positive, default=DEFAULT_MAX_BATCH_SIZE,
                               help="inputs per forward pass (1 turns batching off)")
        subparser.add_argument("--max-batch-delay-ms", type=_not_negative, default=DEFAULT_MAX_BATCH_DELAY_MS,
                               help="how long a request waits for others to batch with")
        subparser.add_argument("--max-body-bytes", type=_positive, default=DEFAULT_MAX_BODY,
                               help="largest request body in bytes; a larger one gets a 413")
        subparser.add_argument("--request-timeout", type=_positive, default=DEFAULT_CHANNEL_TIMEOUT,
                               help="seconds a silent connection is kept, also mid-request")
        subparser.add_argument("--header-timeout", type=_positive, default=DEFAULT_HEADER_TIMEOUT,
                               help="seconds a connection may take to send a request's headers (from its "
                               "opening or its last answer)")
        subparser.add_argument("--connection-limit", type=_positive, default=DEFAULT_CONNECTION_LIMIT,
                               help="connections open at once; more wait to be accepted")
        subparser.add_argument("--drain-timeout", type=_not_negative, default=DEFAULT_DRAIN_TIMEOUT,
                               help="seconds to finish the requests in flight after SIGTERM")
        add_archive_arguments(subparser, fast_elmo=True)

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        _serve_from_args(args)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _not_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value


def _serve_from_args(args: argparse.Namespace) -> None:
    from sst_elmo.serving.app import make_app
    from sst_elmo.serving.server import DrainingServer
    from sst_elmo.serving.service import PredictionService

    predictor = load_predictor(args)
    service = PredictionService(predictor, args.max_batch_size, args.max_batch_delay_ms)
    app = make_app(service, max_body=args.max_body_bytes)
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
