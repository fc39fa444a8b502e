# Entry points for people and CI. Everything (Debian packages, npm oracle) is installed by
# scripts/install-deps.sh, so `make demo` and `make test` work on a fresh Debian 12 machine.

BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=

.PHONY: all deps build demo test test-fast test-asan test-aarch64 clean

all: build

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The main job: the workflow on the built-in data, ending in a report.
demo: build
	./scripts/demo.sh $(BUILD)/liteopt

# Every test: unit, kernel, e2e, conformance against the official TFLite runtime, then the fuzz test under
# AddressSanitizer + UndefinedBehaviorSanitizer, with the data module's tests (decoders and CSV reader fed
# corrupt files).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --label-exclude fuzz $(CTEST_ARGS)
	$(MAKE) test-asan

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --label-exclude "fuzz|conformance" $(CTEST_ARGS)

$(BUILD_ASAN)/build.ninja:
	cmake --preset asan

test-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS) --target fuzz_test tflite_test runtime_test data_test
	cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS) -L "fuzz" $(CTEST_ARGS)
	$(BUILD_ASAN)/data_test --gtest_brief=1

# Opt-in (not part of `make test`): cross-build for aarch64 and run the tests under qemu-user
# (scripts/test-aarch64.sh installs the cross toolchain and the arm64 libraries it needs).
test-aarch64:
	JOBS=$(JOBS) ./scripts/test-aarch64.sh $(CTEST_ARGS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
