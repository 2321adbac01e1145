"""Helpers shared by the Petrel client integration tests."""
import socket
import struct

import pytest

def broker_serves(bootstrap, api_key):
    """Whether the broker lists `api_key` in its ApiVersions (v0) answer."""
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        request = struct.pack(">hhih", 18, 0, 1, 4) + b"test"
        s.sendall(struct.pack(">i", len(request)) + request)
        size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
        body = s.recv(size, socket.MSG_WAITALL)
    count = struct.unpack(">i", body[6:10])[0]
    return any(struct.unpack(">h", body[10 + 6 * i:12 + 6 * i])[0] == api_key for i in range(count))


def require_group_coordinator(bootstrap):
    """Consumer-group tests need JoinGroup (11); until the broker serves it they are reported as skipped
    with this reason, and run as soon as it does."""
    if not broker_serves(bootstrap, 11):
        pytest.skip("the broker does not serve JoinGroup yet (group coordinator not wired in)")
