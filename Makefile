# SPDX-License-Identifier: Apache-2.0
# Front door. `make` builds; `make demo` and `make test` also install missing
# Debian packages first, so they work on a fresh Debian 12 machine.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build install demo test test-only test-asan fuzz fuzz-smoke fuzz-triage selftests-verifier bench bench-run-control clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDECADE_WERROR=$${CI:+ON} $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The library, headers, CMake and pkg-config files, the CLI and its docs
# (docs/embedding.md). DESTDIR is honoured.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

demo: deps build
	@./scripts/demo.sh $(BUILD)

# The whole suite. The last line printed is ctest's own summary.
test: deps build
	@./scripts/test.sh $(BUILD) $(FUZZ_BUILD) $(FUZZ_SECONDS)

test-only: build
	@./scripts/test.sh $(BUILD) $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The run-control tests (cancellation at random points while locks, ring
# buffer records and iterators are held, deadlock detection, the soundness
# slice that stops runs from outside) under AddressSanitizer and UBSan
# (docs/runtime-control.md): the tests built in $(ASAN_BUILD) against the
# fuzz build's instrumented library (same compiler and flags as
# $(FUZZ_BUILD), so ccache shares the library's objects with it). A first
# build from an empty cache takes most of an hour on two cores; the tests
# run in a few minutes. ASAN_TESTS picks others.
ASAN_TESTS ?= Cancel.*:*ResLock*:ResSpinLock.*:VerifierSoundness.*
$(ASAN_BUILD)/build.ninja:
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDECADE_FUZZ=ON -DDECADE_TESTS=ON -DDECADE_BENCH=OFF

test-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target test_api test_runtime test_verifier
	for t in api runtime verifier; do \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(ASAN_BUILD)/tests/test_$$t --gtest_filter='$(ASAN_TESTS)' || exit 1; \
	done

$(FUZZ_BUILD)/build.ninja:
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDECADE_FUZZ=ON -DDECADE_TESTS=OFF -DDECADE_BENCH=OFF

# Long fuzzing: every target for FUZZ_SECONDS (default 600 here; 3600 for
# an hour each), then a table of executions and coverage per target.
# FUZZ_TARGETS=verifier,jit_diff runs only those; FUZZ_JOBS sets how many at once.
fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./scripts/fuzz.sh $(FUZZ_BUILD) $(if $(filter 60,$(FUZZ_SECONDS)),600,$(FUZZ_SECONDS))

# The generator's accepted programs against the running kernel's verifier:
# a report of disagreements grouped by message (TRIAGE_COUNT programs).
TRIAGE_COUNT ?= 20000
fuzz-triage: configure
	cmake --build $(BUILD) -j $(JOBS) --target decade_kernel_triage
	./scripts/kernel_triage.sh $(BUILD) $(TRIAGE_COUNT)

# The kernel's verifier selftests (linux-source-6.12) verified one program
# at a time by `decade verify` and by the running kernel: the agreement
# table of docs/verifier.md (a few minutes; `make test` runs a slice).
# The per-program verdicts land in $(BUILD)/selftests-verifier.tsv. Fails
# on any privileged program the kernel refuses and Decade accepts, on an
# accepted __retval program returning another value on either engine, on
# agreement below 97% and on the kernel's phrases below 80%.
selftests-verifier: deps configure
	cmake --build $(BUILD) -j $(JOBS) --target decade_cli decade_selftests
	./scripts/selftests_verifier.sh $(BUILD) --tsv $(BUILD)/selftests-verifier.tsv --phrases --retval \
	  --strict --min-agreement 97 --min-phrases 80

bench: deps build
	./scripts/bench.sh $(BUILD)

# What the run-control stop checks cost: the compute programs against a
# build without them (docs/runtime-control.md).
bench-run-control: build
	./scripts/bench-run-control.sh $(BUILD) $(BUILD)-nostop

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD)
