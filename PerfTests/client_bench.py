#!/usr/bin/env python3
"""Client benchmark (issue 7): the Swift producer-perf / consumer-perf beside librdkafka's loadgen, same run.

Starts a release `petrel broker` on a temp dir and, for 100 B and 1 KiB records, runs loadgen produce and
producer-perf with the same record count, acks, linger, batch size and outstanding-record cap, compression
none, each into its own topic; then loadgen consume and consumer-perf over the topic loadgen filled. Prints
records/s for both and the ratio Swift / librdkafka, with the load average at the time of each row.

loadgen (PerfTests/rdkafka-load/loadgen.c) runs with enable.idempotence=false, batch.size 1000000,
queue.buffering.max.messages 1000000: producer-perf gets `--enable-idempotence false --batch-size 1000000
--max-outstanding 1000000` for the matched row, and one more row with idempotence on (the Java default with
acks=all), which loadgen has no counterpart for.

Each figure is the median of --repeat runs (default 3), the two clients taking turns, because one run on a
shared 2-core machine is noisy.

Usage: client_bench.py BUILD_DIR [--quick] [--partitions N] [--acks 1,all] [--repeat N]
BUILD_DIR holds release builds of petrel, producer-perf and consumer-perf.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

from broker_bench import build_loadgen, create_topic, run, start_broker

LINGER_MS = "5"
BATCH_SIZE = "1000000"
OUTSTANDING = "1000000"


def load_average():
    return os.getloadavg()[0]


def producer_perf(build, port, topic, num, size, acks, idempotent):
    out = subprocess.run(
        [f"{build}/producer-perf", "--bootstrap-server", f"127.0.0.1:{port}", "--topic", topic,
         "--num-records", str(num), "--record-size", str(size), "--acks", acks, "--linger-ms", LINGER_MS,
         "--batch-size", BATCH_SIZE, "--max-outstanding", OUTSTANDING, "--compression", "none",
         "--enable-idempotence", "true" if idempotent else "false"],
        capture_output=True, text=True, timeout=600)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    match = re.match(r"(\d+) records sent, ([\d.]+) records/sec", last)
    if out.returncode != 0 or not match or int(match.group(1)) != num or "failed" in last:
        return None, (out.stderr.strip() or last)[-300:]
    return float(match.group(2)), None


def consumer_perf(build, port, topic, num):
    out = subprocess.run(
        [f"{build}/consumer-perf", "--bootstrap-server", f"127.0.0.1:{port}", "--topic", topic,
         "--messages", str(num)], capture_output=True, text=True, timeout=600)
    fields = out.stdout.strip().splitlines()[-1].split(", ") if out.stdout.strip() else []
    if out.returncode != 0 or len(fields) != 6 or int(fields[4]) < num:
        return None, (out.stderr.strip() or out.stdout.strip())[-300:]
    return float(fields[5]), None


def median(values):
    return statistics.median(values) if values else None


def row(label, reference, swift, error):
    ratio = f"{swift / reference:.2f}x" if swift and reference else "-"
    print(f"{label:34} {reference or 0:>14,.0f} {swift or 0:>14,.0f} {ratio:>7} {load_average():>6.2f}", flush=True)
    if error:
        print(f"    error: {error}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--quick", action="store_true", help="a tenth of the records")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--acks", default="1,all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    work = tempfile.mkdtemp(prefix="petrel-client-bench-")
    loadgen = build_loadgen(work)
    broker, port, _ = start_broker("petrel", f"{args.build}/petrel", work)
    try:
        time.sleep(0.5)
        print(f"{'scenario':34} {'librdkafka r/s':>14} {'Swift r/s':>14} {'ratio':>7} {'load1':>6}")
        for size, num in ((100, 1_000_000 // scale), (1024, 200_000 // scale)):
            for acks in args.acks.split(","):
                reference_topic, swift_topic = f"rd-{size}-{acks}", f"swift-{size}-{acks}"
                for topic in (reference_topic, swift_topic, swift_topic + "-idem"):
                    create_topic(port, topic, args.partitions)
                variants = [False, True] if acks == "all" else [False]
                references, swifts, errors = [], {v: [] for v in variants}, []
                for _ in range(args.repeat):
                    produced = run(loadgen, ["produce", f"127.0.0.1:{port}", reference_topic, str(num), str(size),
                                             acks, "none", LINGER_MS])
                    if "records_per_sec" in produced:
                        references.append(float(produced["records_per_sec"]))
                    else:
                        errors.append(produced.get("error"))
                    for idempotent in variants:
                        topic = swift_topic + ("-idem" if idempotent else "")
                        swift, error = producer_perf(args.build, port, topic, num, size, acks, idempotent)
                        if swift:
                            swifts[idempotent].append(swift)
                        else:
                            errors.append(error)
                reference = median(references)
                row(f"produce {size} B acks={acks}", reference, median(swifts[False]), "; ".join(map(str, errors)))
                if acks == "all":
                    row(f"produce {size} B acks=all idempotent", reference, median(swifts[True]), None)
            # Both consumers read the topic loadgen filled last: the same records, already in the page cache.
            references, swifts, errors = [], [], []
            for _ in range(args.repeat):
                consumed = run(loadgen, ["consume", f"127.0.0.1:{port}", reference_topic, str(num)])
                if "records_per_sec" in consumed:
                    references.append(float(consumed["records_per_sec"]))
                else:
                    errors.append(consumed.get("error"))
                swift, error = consumer_perf(args.build, port, reference_topic, num)
                if swift:
                    swifts.append(swift)
                else:
                    errors.append(error)
            row(f"consume {size} B", median(references), median(swifts), "; ".join(map(str, errors)))
    finally:
        broker.terminate()
        try:
            broker.wait(30)
        except subprocess.TimeoutExpired:
            print("broker did not stop within 30 s of SIGTERM; killed", flush=True)
            broker.kill()
            broker.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
