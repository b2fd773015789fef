"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions API.

The lab reaches it through litellm exactly as it reaches vLLM or Ollama
(`llm.model: openai/<name>`, `llm.base_url: http://127.0.0.1:<port>/v1`). Each test
scripts the replies (a queue: text, tool calls, HTTP errors, a stream cut mid-way, a
silent hang) and asserts on `requests`, the body of every request received.

    server = ModelServer().start()
    server.script([text("안녕하세요"), tool_call("add_cell", {"content": "1+1"}), error(429)])
    ...
    server.requests[-1]["body"]["messages"][0]["content"]
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "govlab-test-model"
DEFAULT_TEXT = "테스트 모델의 기본 답변입니다. (default test answer)"


@dataclass
class Reply:
    """One scripted answer. kind: text | tool_calls | error | cut | hang."""

    kind: str
    text: str = ""
    calls: list[dict] = field(default_factory=list)
    status: int = 200
    message: str = ""
    chunks: int = 4  # how many pieces a streamed text is sent in
    delay: float = 0.0  # seconds between streamed pieces
    seconds: float | None = None  # hang: how long (None: until reset/stop)


def text(content: str, chunks: int = 4, delay: float = 0.0) -> Reply:
    return Reply("text", text=content, chunks=max(1, chunks), delay=delay)


def tool_call(name: str, arguments: dict | str, call_id: str | None = None) -> dict:
    """One call in OpenAI's format; `arguments` may be a raw (even malformed) string."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return {
        "id": call_id or f"call_{uuid.uuid4().hex[:12]}",
        "type": "function",
        "function": {"name": name, "arguments": args},
    }


def tool_calls(*calls: dict, content: str = "") -> Reply:
    """A reply that asks the client to run tools (finish_reason "tool_calls")."""
    return Reply("tool_calls", text=content, calls=list(calls))


def error(status: int, message: str | None = None) -> Reply:
    return Reply("error", status=status, message=message or f"scripted error {status}")


def cut(content: str = "답변이 중간에", chunks: int = 2) -> Reply:
    """Streams `content`, then drops the connection without finishing the body."""
    return Reply("cut", text=content, chunks=max(1, chunks))


def hang(seconds: float | None = None) -> Reply:
    """Accepts the request and never answers (until `seconds`, reset or stop)."""
    return Reply("hang", seconds=seconds)


def _pieces(s: str, n: int) -> list[str]:
    if not s:
        return []
    size = max(1, -(-len(s) // n))
    return [s[i : i + size] for i in range(0, len(s), size)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    # -- routes ----------------------------------------------------------------
    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record("GET", self.path, self.headers, None)
        if self.path.rstrip("/").endswith("/models"):
            self._json(
                200, {"object": "list", "data": [{"id": owner.model, "object": "model", "owned_by": "govlab-tests"}]}
            )
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        owner._record("POST", self.path, self.headers, body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        reply = owner._next_reply()
        stream = bool(body.get("stream"))
        if reply.kind == "hang":
            owner._release.wait(reply.seconds)
            self.close_connection = True
            return
        if reply.kind == "error":
            err_type = {
                401: "authentication_error",
                403: "permission_error",
                404: "not_found_error",
                429: "rate_limit_error",
            }.get(reply.status, "server_error")
            self._json(reply.status, {"error": {"message": reply.message, "type": err_type, "code": reply.status}})
            return
        if stream:
            self._stream(reply, body)
        else:
            self._complete(reply, body)

    # -- answers -----------------------------------------------------------------
    def _json(self, status: int, data: dict) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _complete(self, reply: Reply, body: dict) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        finish = "stop"
        if reply.kind == "tool_calls":
            message["tool_calls"] = reply.calls
            finish = "tool_calls"
        if reply.kind == "cut":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"id": "chatcmpl-cut", "choices": [')
            self.wfile.flush()
            self.close_connection = True
            return
        self._json(
            200,
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model") or self.server.owner.model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            },
        )

    def _chunk(self, data: bytes) -> None:
        # Chunked transfer encoding: a cut stream is then a truncated body, which
        # clients report as an error (as when a real endpoint dies mid-answer).
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, cid: str, model: str, delta: dict, finish: str | None = None) -> None:
        event = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        self._chunk(b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n")

    def _stream(self, reply: Reply, body: dict) -> None:
        cid, model = f"chatcmpl-{uuid.uuid4().hex[:12]}", body.get("model") or self.server.owner.model
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._event(cid, model, {"role": "assistant", "content": ""})
        for piece in _pieces(reply.text, reply.chunks):
            self._event(cid, model, {"content": piece})
            if reply.delay:
                time.sleep(reply.delay)
        if reply.kind == "cut":
            self.close_connection = True
            return  # no finish chunk, no [DONE], no terminating zero-length chunk
        finish = "stop"
        if reply.kind == "tool_calls":
            finish = "tool_calls"
            for i, call in enumerate(reply.calls):
                args = call["function"]["arguments"]
                half = len(args) // 2
                self._event(
                    cid,
                    model,
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": call["id"],
                                "type": "function",
                                "function": {"name": call["function"]["name"], "arguments": args[:half]},
                            }
                        ]
                    },
                )
                self._event(cid, model, {"tool_calls": [{"index": i, "function": {"arguments": args[half:]}}]})
        self._event(cid, model, {}, finish)
        self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: ModelServer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()

    def process_request(self, request, client_address):
        self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        # A stopped endpoint also ends its keep-alive connections, or a client's pooled
        # connection would still be answered after stop().
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self.connections.clear()


class ModelServer:
    """The server and its script; every method is safe to call from the test thread."""

    def __init__(self, model: str = MODEL, port: int = 0):
        self.model = model
        self.port = port
        self.default = text(DEFAULT_TEXT)
        self.requests: list[dict] = []
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL clients configure (`llm.base_url`)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def llm_settings(self, key_env: str = "", **extra) -> dict:
        """A settings file's `llm` section pointing a hub at this server (the key, when
        asked for, read from the environment variable `key_env`)."""
        llm = {"model": f"openai/{self.model}", "base_url": self.url, "check_at_start": False}
        if key_env:
            llm["api_key"] = {"env": key_env}
        return {**llm, **extra}

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> ModelServer:
        self._release.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self.port), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="model-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections (new ones are refused) until `start()`, same port."""
        self._release.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.drop_connections()
            self._httpd = None

    def reset(self) -> None:
        self._release.set()  # hung requests end
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.default = text(DEFAULT_TEXT)
        self._release = threading.Event()
        if not self.running:
            self.start()

    # -- script and log ------------------------------------------------------------
    def script(self, replies: list[Reply | str]) -> None:
        """Replace the queue; a plain string is a text reply. Empty queue: `default`."""
        with self._lock:
            self._queue = [text(r) if isinstance(r, str) else r for r in replies]

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def completions(self) -> list[dict]:
        """Bodies of the chat-completion requests received, oldest first."""
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].rstrip("/").endswith("/chat/completions")]

    def wait_for_requests(self, n: int, timeout: float = 30) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.completions) >= n:
                return self.completions
            time.sleep(0.1)
        raise TimeoutError(f"the model server received {len(self.completions)} requests, expected {n}")

    def _record(self, method: str, path: str, headers, body: Any) -> None:
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "body": body,
                    "time": time.time(),
                    "authorization": headers.get("Authorization", ""),
                }
            )

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._queue.pop(0) if self._queue else self.default
