"""`medkg ingest --watch` in a real subprocess: picks up new files, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "ingest" / "cdr_train_200.PubTator.txt"


def _medkg(*args, env):
    return [sys.executable, "-m", "api.cli", *args]


def _split(dst: Path, start: int, stop: int, name: str) -> None:
    blocks = FIXTURE.read_text().strip().split("\n\n")[start:stop]
    (dst / name).write_text("\n\n".join(blocks) + "\n")


def _stats(env) -> dict:
    out = subprocess.run(_medkg("stats", "--json", env=env), env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_watch_picks_up_new_files_and_stops_on_sigterm(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = dict(os.environ, MEDKG_STORE=f"embedded:{tmp_path / 'graph'}")
    _split(inbox, 0, 5, "a.PubTator.txt")
    proc = subprocess.Popen(
        _medkg("ingest", "--watch", str(inbox), "--interval", "0.3", "--no-extract", "--json", env=env),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline and _stats(env)["documents"] < 5:
            time.sleep(0.3)
        assert _stats(env)["documents"] == 5
        tmp = tmp_path / "b.tmp"
        _split(tmp_path, 5, 12, "b.tmp")
        shutil.move(tmp, inbox / "b.PubTator.txt")  # appear atomically, as a download should
        while time.time() < deadline and _stats(env)["documents"] < 12:
            time.sleep(0.3)
        assert _stats(env)["documents"] == 12
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def test_once_mode_for_cron_is_idempotent(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _split(inbox, 0, 4, "a.PubTator.txt")
    env = dict(os.environ, MEDKG_STORE=f"embedded:{tmp_path / 'graph'}")
    args = _medkg("ingest", "--watch", str(inbox), "--once", "--no-extract", "--json", env=env)
    first = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    assert json.loads(first.stdout)["documents"]["new"] == 4
    assert json.loads(second.stdout)["documents"]["unchanged"] == 4
