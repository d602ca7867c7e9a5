# Thin wrapper around CMake. Every target first makes sure the Debian
# packages the project needs are installed (fast when they are).

SANITIZE ?=
# Sanitized builds (SANITIZE=address,undefined) get their own folder so they
# never mix objects with the plain build.
BUILD_DIR ?= $(if $(SANITIZE),build-asan,build)
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
DESTDIR ?=

CMAKE_FLAGS = -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCHAT_SANITIZE=$(SANITIZE) \
              -DCMAKE_INSTALL_PREFIX=$(PREFIX)

.PHONY: all deps build test run bench fuzz install clean format tidy

all: build

deps:
	@sh deploy/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Under sanitizers every finding fails the test: ASan aborts, UBSan halts
# (the build also passes -fno-sanitize-recover=all), leaks are reported at
# exit. The programs the end-to-end tests start inherit these settings.
SANITIZER_ENV = $(if $(SANITIZE),ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

test: build
	cd $(BUILD_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

run: build
	sh deploy/run.sh $(BUILD_DIR)

bench: build
	sh deploy/bench.sh $(BUILD_DIR)

fuzz: deps
	sh deploy/fuzz.sh

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD_DIR)

format:
	find src tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

tidy: build
	find src -name '*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR)
