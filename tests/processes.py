"""Run commands: to completion, or as a loopback server that is stopped for sure."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def run(
    command: list,
    *,
    cwd: Path,
    env: dict | None = None,
    timeout: float = 120,
    check: bool = False,
) -> subprocess.CompletedProcess:
    """Run to the end with the output captured; ``check`` fails showing it."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"{command} exited {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running process whose output goes to a file, read back on demand."""

    def __init__(self, process: subprocess.Popen, log: Path, port: int) -> None:
        self.process = process
        self.log = log
        self.port = port

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def events(self) -> list[dict]:
        """The output as log events: every line must be one JSON object."""
        return [json.loads(line) for line in self.output().splitlines()]

    def access_events(self) -> dict[str, dict]:
        """gunicorn's access events by request id."""
        return {
            event["request_id"]: event
            for event in self.events()
            if event["logger"] == "gunicorn.access"
        }

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def wait_until_answering(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                response, _ = self.request("GET", path)
                if response.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"no 200 from {path} in {timeout} s:\n{self.output()}")

    def wait_for_output(self, text: str, count: int = 1, timeout: float = 10.0):
        """Until ``text`` occurs ``count`` times: each process logs in its own time."""
        deadline = time.monotonic() + timeout
        while self.output().count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not {count}x in:\n{self.output()}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit status; SIGKILL only if it hangs (and fail)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"no exit {timeout} s after SIGTERM:\n{self.output()}"
            ) from None


@contextmanager
def running(
    command: list[str], *, cwd: Path, env: dict, port: int, log: Path
) -> Iterator[Server]:
    """Run ``command``; whatever happens in the block, the process ends after it."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(process, log, port)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
