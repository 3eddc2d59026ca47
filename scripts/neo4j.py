#!/usr/bin/env python3
"""Run a real Neo4j 5.26 (embedded, with Bolt) for tests and development, without Docker.

    python scripts/neo4j.py start  [--port 7687] [--data .neo4j] [--password PW]
    python scripts/neo4j.py status [--data .neo4j]
    python scripts/neo4j.py stop   [--data .neo4j]
    python scripts/neo4j.py run    [--port 7687] [--data .neo4j] [--password PW]   # foreground
    python scripts/neo4j.py build                                                # launcher only

The launcher (scripts/neo4j-launcher, a tiny Maven project) is built on first use. ``start``
is idempotent: a server already running on that data dir and port is left alone. The data dir
holds the database, ``neo4j.pid``, ``neo4j.json`` (port, pid) and ``neo4j.log`` (its output).
The password comes from --password, else $MEDKG_NEO4J_PASSWORD, else a local-only default; it
is handed to Java through the environment, not the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# This file is named neo4j.py: keep its folder off sys.path so `import neo4j` finds the driver.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

REPO = _HERE.parent
LAUNCHER = REPO / "scripts" / "neo4j-launcher"
JAR = LAUNCHER / "target" / "neo4j-launcher.jar"
LIB = LAUNCHER / "target" / "lib"
MAIN_CLASS = "medkg.neo4j.Main"
DEFAULT_DATA = REPO / ".neo4j"
DEFAULT_PASSWORD = "medkg-dev-password"  # the server listens on loopback only
# What the stock neo4j.conf adds; without them Neo4j fails with "does not open java.nio".
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
)


class LauncherError(Exception):
    pass


def log(msg: str) -> None:
    print(f"neo4j: {msg}", file=sys.stderr, flush=True)


# -- build --------------------------------------------------------------------


def _sources() -> list[Path]:
    return [LAUNCHER / "pom.xml", *sorted((LAUNCHER / "src").rglob("*.java"))]


def is_built() -> bool:
    if not JAR.is_file() or not LIB.is_dir() or not any(LIB.glob("neo4j-bolt-*.jar")):
        return False
    built = JAR.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in _sources())


def build(force: bool = False) -> None:
    if not force and is_built():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LauncherError("Maven (mvn) is not on PATH; it is needed to build the launcher")
    log("building the launcher (first run downloads Neo4j from Maven Central)...")
    t0 = time.monotonic()
    # Offline first: fast and works without network once ~/.m2 has the jars.
    for extra in (["-o"], []):
        proc = subprocess.run(
            [mvn, "-q", "-B", *extra, "package"],
            cwd=LAUNCHER,
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0 and is_built():
            log(f"launcher built in {time.monotonic() - t0:.0f}s")
            return
    tail = (proc.stdout + proc.stderr)[-3000:]
    raise LauncherError(f"mvn package failed:\n{tail}")


# -- process bookkeeping --------------------------------------------------------


def _paths(data: Path) -> tuple[Path, Path, Path]:
    return data / "neo4j.pid", data / "neo4j.json", data / "neo4j.log"


def _is_ours(pid: int) -> bool:
    """True when pid is alive and is our launcher (guards against recycled pids)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (not Linux): trust the pid file
    return MAIN_CLASS.encode() in cmdline or b"neo4j-launcher.jar" in cmdline


def _read_state(data: Path) -> dict | None:
    pid_file, state_file, _ = _paths(data)
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    state = {"pid": pid}
    with contextlib.suppress(OSError, ValueError):
        state.update(json.loads(state_file.read_text()))
    state["pid"] = pid
    return state


def _clear_state(data: Path) -> None:
    for p in _paths(data)[:2]:
        p.unlink(missing_ok=True)


def _running(data: Path) -> dict | None:
    state = _read_state(data)
    if state is None:
        return None
    if not _is_ours(state["pid"]):
        _clear_state(data)  # stale: the process is gone
        return None
    return state


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise LauncherError("java is not on PATH (Java 17 is needed)")
    return java


def java_command(args: argparse.Namespace, data: Path) -> list[str]:
    return [
        _java(),
        f"-Xms{args.heap_min}",
        f"-Xmx{args.heap}",
        *JVM_FLAGS,
        "-cp",
        f"{JAR}{os.pathsep}{LIB}/*",
        MAIN_CLASS,
        "--data",
        str(data / "db"),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--pagecache-mb",
        str(args.pagecache_mb),
    ]


def _java_env(password: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_PASSWORD"] = password
    return env


def _log_says_ready(log_file: Path | None, offset: int) -> bool:
    if log_file is None:
        return True
    try:
        with open(log_file, "rb") as fh:
            fh.seek(offset)
            return b"\nREADY " in b"\n" + fh.read()
    except OSError:
        return False


def wait_ready(
    uri: str,
    password: str,
    timeout: float,
    pid: int | None = None,
    log_file: Path | None = None,
    log_offset: int = 0,
) -> float:
    """Poll the driver's verify_connectivity until it answers; seconds waited.

    When ``log_file`` is given (a process this script just launched), readiness also needs
    the launcher's READY line past ``log_offset``: Bolt opens before the password is set.
    """
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError

    t0 = time.monotonic()
    last: Exception | None = None
    while time.monotonic() - t0 < timeout:
        if pid is not None and not _is_ours(pid):
            tail = (
                log_file.read_text(errors="replace")[-4000:]
                if log_file and log_file.exists()
                else ""
            )
            raise LauncherError(f"Neo4j exited during start-up:\n{tail}")
        try:
            # Bolt may answer before the launcher has finished (set the password): wait for both.
            if _log_says_ready(log_file, log_offset):
                with GraphDatabase.driver(uri, auth=("neo4j", password), connection_timeout=2) as d:
                    d.verify_connectivity()
                return time.monotonic() - t0
        except AuthError as exc:
            raise LauncherError(f"Neo4j at {uri} refused the password: {exc}") from exc
        except Exception as exc:  # not up yet: connection refused, service unavailable...
            last = exc
        time.sleep(0.5)
    raise LauncherError(f"Neo4j at {uri} not ready after {timeout:.0f}s (last error: {last})")


def _stop_pid(pid: int, timeout: float) -> bool:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_ours(pid):
            return True
        _reap(pid)
        time.sleep(0.2)
    log(f"pid {pid} ignored SIGTERM for {timeout:.0f}s; killing it")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return False


def _reap(pid: int) -> None:
    """Collect our own child so it does not linger as a zombie that looks alive."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


# -- commands -------------------------------------------------------------------


def start(args: argparse.Namespace) -> int:
    data = Path(args.data).resolve()
    uri = f"bolt://{args.host}:{args.port}"
    state = _running(data)
    if state is not None:
        if state.get("port") != args.port or state.get("host", args.host) != args.host:
            raise LauncherError(
                f"a Neo4j for {data} already runs on port {state.get('port')} (pid {state['pid']}); "
                "stop it first or use another --data"
            )
        wait_ready(uri, args.password, args.timeout, state["pid"])
        log(f"already running at {uri} (pid {state['pid']})")
        print(uri)
        return 0
    build()
    if not _port_free(args.host, args.port):
        raise LauncherError(f"port {args.host}:{args.port} is already in use by another process")
    data.mkdir(parents=True, exist_ok=True)
    pid_file, state_file, log_file = _paths(data)
    t0 = time.monotonic()
    with open(log_file, "ab") as out:
        offset = out.tell()
        proc = subprocess.Popen(
            java_command(args, data),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_java_env(args.password),
            start_new_session=True,  # outlives this script; not hit by the terminal's ^C
        )
    pid_file.write_text(f"{proc.pid}\n")
    state_file.write_text(
        json.dumps(
            {
                "pid": proc.pid,
                "host": args.host,
                "port": args.port,
                "uri": uri,
                "started_at": time.time(),
            }
        )
    )
    try:
        wait_ready(uri, args.password, args.timeout, proc.pid, log_file, offset)
    except BaseException:
        _stop_pid(proc.pid, 30)
        _clear_state(data)
        raise
    log(f"ready at {uri} (pid {proc.pid}) after {time.monotonic() - t0:.1f}s; log: {log_file}")
    print(uri)
    return 0


def stop(args: argparse.Namespace) -> int:
    data = Path(args.data).resolve()
    state = _running(data)
    if state is None:
        log(f"not running ({data})")
        return 0
    t0 = time.monotonic()
    clean = _stop_pid(state["pid"], args.timeout)
    _clear_state(data)
    log(
        f"stopped pid {state['pid']} in {time.monotonic() - t0:.1f}s"
        + ("" if clean else " (killed)")
    )
    return 0


def status(args: argparse.Namespace) -> int:
    data = Path(args.data).resolve()
    state = _running(data)
    if state is None:
        print(f"stopped ({data})")
        return 3
    uri = state.get("uri", f"bolt://{args.host}:{state.get('port', args.port)}")
    try:
        wait_ready(uri, args.password, 3, state["pid"])
    except LauncherError as exc:
        print(f"starting or unhealthy: pid {state['pid']} at {uri}: {exc}")
        return 1
    print(f"running: pid {state['pid']} at {uri}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Foreground: Java replaces this process, so ^C / SIGTERM reach its shutdown hook."""
    data = Path(args.data).resolve()
    if _running(data) is not None:
        raise LauncherError(
            f"a Neo4j for {data} is already running in the background; stop it first"
        )
    build()
    data.mkdir(parents=True, exist_ok=True)
    cmd = java_command(args, data)
    log(f"bolt://{args.host}:{args.port} (user neo4j); ^C stops it")
    os.execve(cmd[0], cmd, _java_env(args.password))
    return 0  # not reached


def build_cmd(args: argparse.Namespace) -> int:
    build(force=args.force)
    print(JAR)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    env_pw = os.environ.get("MEDKG_NEO4J_PASSWORD") or DEFAULT_PASSWORD
    for name, func in (("start", start), ("stop", stop), ("status", status), ("run", run)):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, default=7687)
        s.add_argument("--host", default="127.0.0.1")
        s.add_argument("--data", default=str(DEFAULT_DATA), help="data dir (default: .neo4j)")
        s.add_argument("--password", default=env_pw, help="password of user neo4j (min 8 chars)")
        s.add_argument("--heap", default="512m", help="JVM max heap")
        s.add_argument("--heap-min", default="256m", help="JVM initial heap")
        s.add_argument("--pagecache-mb", type=int, default=96)
        s.add_argument(
            "--timeout", type=float, default=120.0, help="seconds to wait for start-up / shutdown"
        )
        s.set_defaults(func=func)
    b = sub.add_parser("build")
    b.add_argument("--force", action="store_true")
    b.set_defaults(func=build_cmd)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    password = getattr(args, "password", None)
    if password is not None and len(password) < 8:
        log("the password must have at least 8 characters (Neo4j's minimum)")
        return 2
    try:
        return args.func(args)
    except LauncherError as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
