"""Shared fixtures: cache servers on free loopback ports, a data folder."""

import os
import shutil
import socket
import subprocess
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on port {port}")


def binary(name: str, env_var: str = "") -> str:
    """The server's binary: from `env_var` (set by `cargo xtask test`), PATH, or /usr/sbin."""
    path = os.environ.get(env_var) if env_var else None
    path = path or shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not path:
        pytest.fail(f"{name} is not installed (cargo xtask test installs it)")
    return path


@pytest.fixture()
def cache_server(request, tmp_path):
    """A fresh cache server of the kind named by the test's parameter; yields its URL."""
    kind = request.param
    port = free_port()
    if kind == "redis":
        cmd = [binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
        url = f"redis://127.0.0.1:{port}"
    elif kind == "valkey":
        cmd = [binary("valkey-server", "TERN_VALKEY_SERVER"), "--port", str(port),
               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
        url = f"valkey://127.0.0.1:{port}"
    else:
        cmd = [binary("memcached"), "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
        url = f"memcached://127.0.0.1:{port}"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, kind)
        yield url
    finally:
        proc.kill()
        proc.wait()
