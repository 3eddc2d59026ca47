"""GraphiQL loads in a real headless Chromium from the locally served assets.

Needs Debian's `chromium` (apt-get install -y chromium); skipped without it, except in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
import time
import zlib

import httpx
import pytest
import uvicorn

from api.app import create_app

pytestmark = pytest.mark.slow


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    pytest.skip("chromium is not installed (apt-get install -y chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, raw pixels) of an 8-bit RGB/RGBA PNG, like Chromium writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    assert header is not None
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    channels = 3 if color == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    out = bytearray(height * stride)
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return width, height, channels, bytes(out)


@pytest.fixture
def server(embedded_graph, api_settings):
    app = create_app(api_settings, store=embedded_graph, linker=lambda t, e: [])
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(timeout=10)


def _run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        "--window-size=1280,800",
        "--virtual-time-budget=15000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_graphiql_renders_in_chromium(server, tmp_path):
    base, app = server
    shot = tmp_path / "graphiql.png"
    r = _run_chromium(f"--screenshot={shot}", f"{base}/graphql")
    assert shot.exists(), r.stderr[-2000:]
    width, height, channels, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 800)
    # Not blank: many colours, and plenty of pixels that differ from the commonest one.
    step = channels * 7
    samples = [pixels[i : i + 3] for i in range(0, len(pixels) - 3, step)]
    colours = {}
    for s in samples:
        colours[s] = colours.get(s, 0) + 1
    background = max(colours.values())
    assert len(colours) > 50, f"only {len(colours)} colours: the page looks blank"
    assert background / len(samples) < 0.95

    dom = _run_chromium("--dump-dom", f"{base}/graphql").stdout
    assert "graphiql-container" in dom, dom[:2000]
    assert "graphiql-editor" in dom
    assert "CodeMirror" in dom
    assert "Loading GraphiQL" not in dom  # our placeholder was replaced by React
    # GraphiQL fetched the schema from this server: its introspection query arrived.
    metrics = httpx.get(f"{base}/metrics").text
    assert 'medkg_graphql_requests_total{operation="query",status="200"}' in metrics
