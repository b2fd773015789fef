"""No unauthenticated listener: from another official's kernel, every port of this hub.

Two officials' labs in local mode on a real hub; alice has a kernel running (as when she
works in a notebook). From a kernel of bob's, the test reads /proc/net/tcp(6) for
listening sockets, keeps those that belong to this hub's processes (the hub, its proxy,
both labs and their kernels; other tests may be listening on the same machine), and
sends each a few HTTP requests: GET /, /mcp, /api/contents, /api/kernels, alice's
/user/alice/api/contents and /hub/api/users, and an MCP `initialize` POST to /mcp.

Nothing may answer with data (2xx and a body) without a token. Allowed, and why:
- 3xx (the hub's sign-in redirects), 401/403/404/405: no data without a token;
- a closed port, a reset, a timeout, or a non-HTTP answer: nothing to read. The
  kernels' ZMQ ports answer with a ZMQ greeting only; they speak CurveZMQ with keys
  from the kernel's connection file (readable only by its owner). The test also
  subscribes to each of alice's kernel ports as IOPub eavesdropper while alice runs
  code: nothing may be heard (without CurveZMQ, every output is);
- the hub's public sign-in page (status 200 on the hub's ports with the login form):
  it is public by design.
A control server in bob's kernel (plain http.server) must be reported as answering, so
the probe and its verdict can fail.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.support.hub import RunningHub, base_settings
from tests.support.kernel import execute

pytestmark = pytest.mark.hub

LISTENERS = r"""
import json
out = []
for name in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(name).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        if f[3] == "0A":  # LISTEN
            out.append([int(f[1].rsplit(":", 1)[1], 16), int(f[9]), f[1].rsplit(":", 1)[0]])
print(json.dumps(out))
"""

PROBE = r"""
import http.server, json, socket, socketserver, threading
PATHS = ["/", "/mcp", "/api/contents", "/api/kernels", "/user/alice/api/contents", "/hub/api/users"]
INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}})

def ask(port, method, path, body=""):
    req = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
           f"Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body.encode())}\r\n\r\n{body}").encode()
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.settimeout(2)
            s.sendall(req)
            while len(data) < 65536:
                chunk = s.recv(8192)
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        if not data:
            return {"port": port, "method": method, "path": path, "kind": "closed", "error": type(e).__name__}
    if not data.startswith(b"HTTP/"):
        zmq = len(data) >= 10 and data[0] == 0xFF and data[9] == 0x7F
        return {"port": port, "method": method, "path": path, "kind": "zmq" if zmq else ("empty" if not data else "other"),
                "head": data[:16].hex()}
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return {"port": port, "method": method, "path": path, "kind": "http", "status": int(lines[0].split()[1]),
            "location": headers.get("location", ""), "body_len": len(body),
            "login_form": b'name="password"' in body,
            "body": body[:300].decode("utf-8", "replace")}

class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
control = socketserver.TCPServer(("127.0.0.1", 0), H)
threading.Thread(target=control.serve_forever, daemon=True).start()
results = []
for port in PORTS + [control.server_address[1]]:
    for path in PATHS:
        results.append(ask(port, "GET", path))
    results.append(ask(port, "POST", "/mcp", INIT))
control.shutdown()
print("RESULT " + json.dumps({"control": control.server_address[1], "results": results}))
"""

# Subscribes to every given port as a ZMQ SUB socket (a kernel's IOPub broadcasts its
# outputs to any subscriber unless the transport is authenticated), in the background.
LISTEN = r"""
import threading, time, zmq
_ctx = zmq.Context()
_heard = []
def _listen(ports, seconds):
    subs = []
    for p in ports:
        s = _ctx.socket(zmq.SUB); s.setsockopt(zmq.SUBSCRIBE, b""); s.linger = 0
        s.connect(f"tcp://127.0.0.1:{p}"); subs.append(s)
    poller = zmq.Poller()
    for s in subs:
        poller.register(s, zmq.POLLIN)
    end = time.time() + seconds
    while time.time() < end:
        for s, _ in poller.poll(200):
            _heard.append(b"".join(s.recv_multipart()))
_spy = threading.Thread(target=_listen, args=(PORTS, 20), daemon=True)
_spy.start()
print("listening")
"""
HEARD = r"""
_spy.join()
print("HEARD", len(_heard), any(b"SECRET-OF-ALICE" in m for m in _heard))
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ports-hub")
    settings = base_settings(workdir / "state")
    # One shared password for the test officials: a trial among people who trust each other.
    settings["auth"]["shared_password"].setdefault("trusted_trial", True)
    h = RunningHub(workdir, settings)
    h.start()
    try:
        h.tokens = {u: h.create_user(u) for u in ("alice", "bob")}
        for u in h.tokens:
            h.start_server(u)
        yield h
    finally:
        h.kill_everything()


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(proc.name))
    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo += children.get(pid, [])
    return out


def socket_owners(pids: set[int]) -> dict[int, int]:
    """socket inode -> pid, for this hub's processes (the test runs as root)."""
    owners = {}
    for pid in pids:
        try:
            for fd in os.scandir(f"/proc/{pid}/fd"):
                target = os.readlink(fd.path)
                if target.startswith("socket:["):
                    owners[int(target[8:-1])] = pid
        except OSError:
            continue
    return owners


def lab_pids(user: str, pids: set[int]) -> set[int]:
    """The official's lab server (and any wrapper that starts it), not its kernels."""
    out = set()
    for pid in pids:
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"JUPYTERHUB_USER={user}".encode() in env and b"ipykernel" not in cmd:
            out.add(pid)
    assert out, f"no lab process of {user}"
    return out


def is_kernel_of(user: str, pid: int) -> bool:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        return f"JUPYTERHUB_USER={user}".encode() in env and b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def answers_with_data(r: dict, hub_ports: set[int]) -> bool:
    if r["kind"] != "http" or not 200 <= r["status"] < 300 or r["body_len"] == 0:
        return False
    return not (r["port"] in hub_ports and r["login_form"])  # the hub's public sign-in page


def test_another_officials_kernel_finds_no_port_that_answers_without_a_token(hub):
    alice_kernel = hub.lab("POST", "alice", "/api/kernels", token=hub.tokens["alice"], json={"name": "python3"})
    assert alice_kernel.status_code == 201, alice_kernel.text
    bob_kernel = hub.lab("POST", "bob", "/api/kernels", token=hub.tokens["bob"], json={"name": "python3"}).json()["id"]

    listeners = json.loads(execute(hub.url, "bob", bob_kernel, hub.tokens["bob"], LISTENERS))
    pids = descendants(hub.proc.pid)
    owners = socket_owners(pids)
    ours = {port: owners[inode] for port, inode, _ in listeners if inode in owners}
    alice_lab = lab_pids("alice", pids)
    hub_ports = {int(hub.url.rsplit(":", 1)[1]), int(hub.settings["hub"]["hub_bind_url"].rsplit(":", 1)[1])}
    # What was found: the hub and its proxy, both labs, both kernels.
    assert hub_ports <= set(ours), (hub_ports, ours)
    alice_ports = {p for p, pid in ours.items() if pid in alice_lab}
    # alice's lab listens on exactly one port, its HTTP port: no MCP server beside it.
    assert len(alice_ports) == 1, alice_ports
    assert 3001 not in ours
    assert len(ours) >= 5 + len(hub_ports), ours  # at least alice's kernel's ZMQ ports too

    code = f"PORTS = {sorted(ours)!r}\n" + PROBE
    out = execute(hub.url, "bob", bob_kernel, hub.tokens["bob"], code, timeout=300)
    report = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT ")))
    results = report["results"]
    control = [r for r in results if r["port"] == report["control"]]
    assert any(answers_with_data(r, hub_ports) for r in control), control  # the probe can fail
    found = [r for r in results if r["port"] != report["control"] and answers_with_data(r, hub_ports)]
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    # alice's kernel's outputs cannot be overheard on its IOPub port (CurveZMQ).
    alice_kernels = {p for p, pid in ours.items() if pid not in alice_lab and is_kernel_of("alice", pid)}
    assert len(alice_kernels) >= 5, (alice_kernels, ours)
    assert "listening" in execute(
        hub.url, "bob", bob_kernel, hub.tokens["bob"], f"PORTS = {sorted(alice_kernels)!r}\n" + LISTEN
    )
    time.sleep(2)
    for _ in range(3):
        assert "SECRET-OF-ALICE" in execute(
            hub.url, "alice", alice_kernel.json()["id"], hub.tokens["alice"], "print('SECRET-OF-ALICE')"
        )
    heard = execute(hub.url, "bob", bob_kernel, hub.tokens["bob"], HEARD, timeout=60)
    assert "HEARD 0 False" in heard, heard
    encrypted = "from ipykernel.kernelapp import IPKernelApp\nprint(IPKernelApp.instance().curve_publickey is not None)"
    assert execute(hub.url, "alice", alice_kernel.json()["id"], hub.tokens["alice"], encrypted).strip() == "True"
    # alice's lab itself: her files are not listed without her token.
    lab_port = next(iter(alice_ports))
    theirs = [r for r in results if r["port"] == lab_port and r["path"] == "/user/alice/api/contents"]
    assert theirs and all(r["kind"] == "http" and r["status"] in (302, 401, 403) for r in theirs), theirs
