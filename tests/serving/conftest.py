import contextlib
import threading
from typing import Iterator


@contextlib.contextmanager
def serving(service, **server_args) -> Iterator[str]:
    """`service` behind a real waitress server on a free loopback port, in a thread; yields its URL."""
    from sst_elmo.serving.app import make_app
    from sst_elmo.serving.server import DrainingServer

    max_body = server_args.pop("max_body", 1024 * 1024)
    server_args.setdefault("channel_timeout", 30)
    app_names = ("cache_size", "cache_bytes", "auth_token")
    app_args = {name: server_args.pop(name) for name in app_names if name in server_args}
    server = DrainingServer(make_app(service, max_body=max_body, **app_args), "127.0.0.1", 0, max_body=max_body,
                            **server_args)
    thread = threading.Thread(target=server.run, kwargs={"drain_timeout": 10}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
        thread.join(20)
        service.close(10)
        assert not thread.is_alive(), "the server did not stop"
