"""Starts `petrel broker` as a process on an ephemeral loopback port for the integration tests.

The binary is `.build/debug/petrel` (what `make test` builds) unless PETREL_BIN names another.
"""
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("PETREL_BIN", ROOT / ".build" / "debug" / "petrel"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A broker process with a fixed port and log dir, restartable across stops and kills."""

    def __init__(self, log_dir, extra_overrides=()):
        self.port = free_port()
        self.log_dir = log_dir
        self.extra_overrides = list(extra_overrides)
        self.process = None
        self.log_path = pathlib.Path(log_dir).parent / f"broker-{self.port}.log"

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=30):
        args = [str(BINARY), "broker",
                "--override", f"listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "--override", f"log.dirs={self.log_dir}"]
        for override in self.extra_overrides:
            args += ["--override", override]
        self.log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"broker did not accept connections within {timeout}s:\n{self.log_text()}")

    def stop(self, timeout=30):
        """SIGTERM and wait for a clean exit."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=timeout)
        return self.process.returncode

    def kill(self):
        """SIGKILL: an unclean stop."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


@pytest.fixture(scope="session")
def broker():
    if not BINARY.exists():
        pytest.fail(f"{BINARY} not built; run `swift build` first")
    with tempfile.TemporaryDirectory(prefix="petrel-it-") as tmp:
        b = Broker(os.path.join(tmp, "data"))
        b.start()
        yield b
        b.stop()


@pytest.fixture
def fresh_broker():
    """A broker of its own, for tests that stop, kill or restart it."""
    with tempfile.TemporaryDirectory(prefix="petrel-it-") as tmp:
        b = Broker(os.path.join(tmp, "data"))
        b.start()
        yield b
        b.kill()


_counter = [0]


@pytest.fixture
def topic_name(request):
    _counter[0] += 1
    return f"{request.node.name.replace('[', '-').replace(']', '')}-{_counter[0]}"
