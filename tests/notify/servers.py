"""Local servers on 127.0.0.1 that record what the channels deliver: HTTP and SMTP."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Post:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Recorder:
    """What the HTTP server received, and what it answers next."""

    posts: list[Post] = field(default_factory=list)
    #: (status, body) answered to each request in turn; the last one is kept.
    answers: list[tuple[int, str]] = field(default_factory=lambda: [(200, '{"errcode":0,'
                                                                          '"errmsg":"ok",'
                                                                          '"code":0}')])
    #: Set when a request arrives; the server holds its answer until ``release`` is set.
    hold_after: int | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, str]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@contextmanager
def http_server() -> Iterator[tuple[str, Recorder]]:
    """``(base_url, recorder)`` of a server on 127.0.0.1 that records every POST."""
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlsplit(self.path)
            with rec.lock:
                rec.posts.append(Post(url.path, parse_qs(url.query), dict(self.headers), body))
                n = len(rec.posts)
                status, text = rec.answer()
            if rec.hold_after is not None and n >= rec.hold_after:
                rec.arrived.set()
                rec.release.wait(30)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", rec
    finally:
        rec.release.set()
        server.shutdown()
        server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def smtp_server(*, security: str, cert_dir: Any, login: tuple[str, str] | None = None
                ) -> Iterator[tuple[int, Mailbox, str]]:
    """``(port, mailbox, cafile)`` of an aiosmtpd server on 127.0.0.1.

    ``security``: ``starttls`` (TLS offered on the plain port), ``ssl`` (TLS from the first
    byte) or ``none``. The certificate is made here, for 127.0.0.1, by trustme.
    """
    import trustme
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cafile = str(cert_dir / "ca.pem")
    ca.cert_pem.write_to_path(cafile)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                 envelope.original_content or envelope.content))
            return "250 Message accepted for delivery"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        if isinstance(data, LoginPassword) and login is not None and (
                data.login.decode(), data.password.decode()) == login:
            box.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    kwargs: dict[str, Any] = {"authenticator": authenticator, "auth_required": login is not None}
    if security == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif security == "ssl":
        kwargs.update(ssl_context=context, auth_require_tls=False)
    else:
        kwargs.update(auth_require_tls=False)
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, box, cafile
    finally:
        controller.stop()
