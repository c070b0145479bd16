"""``agileds ui`` says 'ready' only once the server answers, and says why when it never does."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from agileds.cli.ui import ServerNotAnsweringError, stop, wait_until_answers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_returns_once_the_server_answers() -> None:
    port = _free_port()
    server = _start("-m", "http.server", str(port), "--bind", "127.0.0.1")
    try:
        wait_until_answers(server, f"http://127.0.0.1:{port}/", timeout=120, poll=0.1)
        assert server.poll() is None
    finally:
        stop(server)
    assert server.poll() is not None


def test_a_server_that_exits_is_reported_with_its_code() -> None:
    server = _start("-c", "raise SystemExit(3)")
    with pytest.raises(ServerNotAnsweringError, match=r"exited \(code 3\) before answering"):
        wait_until_answers(server, f"http://127.0.0.1:{_free_port()}/health", timeout=120)


def test_a_server_that_never_answers_is_given_up_after_the_wait() -> None:
    server = _start("-c", "import time; time.sleep(600)")
    try:
        with pytest.raises(ServerNotAnsweringError, match=r"did not answer .* within 1 s"):
            wait_until_answers(server, f"http://127.0.0.1:{_free_port()}/health", timeout=1)
    finally:
        stop(server)
    assert server.poll() is not None
