"""A local stand-in for Twilio's Messages API, for tests that send SMS through the real client.

    with TwilioServer() as twilio:
        twilio.configure(settings)              # SMS_BACKEND, TWILIO_* and TWILIO_API_BASE_URL
        twilio.answer_next(2, status=429)       # the next two sends are rate limited…
        ...                                     # …then it accepts again
        assert [m.form["To"] for m in twilio.created] == ["+33612345678"]

It serves POST /2010-04-01/Accounts/<sid>/Messages.json, checks HTTP basic auth
against its account SID and token (401, code 20003 otherwise), records every
request, and answers 201 with a message JSON ({"sid": "SM…", "status": "queued", …})
unless answer_next() scripted something else. Error answers use Twilio's error
JSON: {"code": …, "message": …, "status": …}. Thread-safe: workers may share it.
"""

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
FROM_NUMBER = "+33700000000"
MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json")
DEFAULT_ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    401: (20003, "Authenticate"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass
class Recorded:
    """One request as the server saw it, and what it answered."""

    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    status: int = 0
    sid: str = ""  # the message SID, when it answered 201


@dataclass
class _Answer:
    status: int
    code: int | None
    message: str
    delay: float


@dataclass
class TwilioServer:
    """Start with `with TwilioServer() as twilio:` (or start() / stop())."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    requests: list[Recorded] = field(default_factory=list)
    _script: list[_Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def created(self) -> list[Recorded]:
        """The requests that created a message (answered 201), in order."""
        with self._lock:
            return [request for request in self.requests if request.status == 201]

    def answer_next(
        self, count: int, *, status: int, code: int | None = None, message: str = "", delay: float = 0.0
    ) -> None:
        """Answer the next `count` requests with `status` (after `delay` seconds), then normally again.

        For errors, `code` and `message` default to Twilio's usual ones for that status.
        status=201 with a delay makes slow successes (a client timeout after Twilio accepted).
        """
        default_code, default_message = DEFAULT_ERRORS.get(status, (status, "Error"))
        answer = _Answer(status, code if code is not None else default_code, message or default_message, delay)
        with self._lock:
            self._script.extend([answer] * count)

    def configure(self, settings) -> None:
        """Point Django's settings (pytest-django's `settings` fixture) at this server with the twilio backend."""
        settings.SMS_BACKEND = "clinic_instance.sms.twilio.SmsBackend"
        settings.TWILIO_ACCOUNT_SID = self.account_sid
        settings.TWILIO_AUTH_TOKEN = self.auth_token
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_API_BASE_URL = self.base_url

    def start(self) -> "TwilioServer":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "TwilioServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _answer(self, method: str, path: str, form: dict[str, str], auth) -> tuple[int, dict, float]:
        recorded = Recorded(method, path, form, auth)
        with self._lock:
            self.requests.append(recorded)
            scripted = self._script.pop(0) if self._script else None
        match = MESSAGES_PATH.fullmatch(path)
        if method != "POST" or not match:
            recorded.status = 404
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}, 0.0
        if auth != (self.account_sid, self.auth_token) or match["sid"] != self.account_sid:
            recorded.status = 401
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}, 0.0
        if scripted and scripted.status != 201:
            recorded.status = scripted.status
            return (
                scripted.status,
                {"code": scripted.code, "message": scripted.message, "status": scripted.status},
                scripted.delay,
            )
        recorded.status, recorded.sid = 201, "SM" + uuid.uuid4().hex
        body = {
            "sid": recorded.sid,
            "account_sid": self.account_sid,
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "num_segments": "1",
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{recorded.sid}.json",
        }
        return 201, body, scripted.delay if scripted else 0.0


def _handler_for(server: TwilioServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._handle()

        def do_GET(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {key: values[-1] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            status, body, delay = server._answer(self.command, self.path.split("?")[0], form, self._auth())
            time.sleep(delay)
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def _auth(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

        def log_message(self, format, *args) -> None:  # keep test output quiet
            pass

    return Handler
