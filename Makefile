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

build: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Under sanitizers every finding fails the test: ASan aborts, UBSan halts
# (the build also passes -fno-sanitize-recover=all), leaks are reported at
# exit. The programs the end-to-end tests start inherit these settings, but a
# worker's exit status is only seen by chat-pool, so every report also goes to
# a file under sanitizer-reports/ and any file there fails `make test`.
# MONGOC_DISABLE_SHM, for both suites: libmongoc otherwise
# creates /dev/shm/mongoc-<pid> when it is loaded, before main(), and
# warns on stderr when a stale file of a killed process has the same pid,
# which breaks the tests that expect exactly one line on stderr.
TEST_ENV = MONGOC_DISABLE_SHM=1
SANITIZER_REPORTS = $(abspath $(BUILD_DIR))/sanitizer-reports
SANITIZER_ENV = $(TEST_ENV) \
                ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$(SANITIZER_REPORTS)/asan \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SANITIZER_REPORTS)/ubsan

ifeq ($(SANITIZE),)
test: build
	cd $(BUILD_DIR) && $(TEST_ENV) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
else
test: build
	@rm -rf $(SANITIZER_REPORTS) && mkdir -p $(SANITIZER_REPORTS)
	cd $(BUILD_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS); \
	  status=$$?; \
	  if [ -n "$$(ls -A $(SANITIZER_REPORTS))" ]; then \
	    cat $(SANITIZER_REPORTS)/*; echo "sanitizer reports in $(SANITIZER_REPORTS)"; exit 1; \
	  fi; \
	  exit $$status
endif

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

# clang-tidy 16 is the first that reads our C++23 (as c++2b, with GCC 12's
# library: the same concepts shim as the fuzz build); libbson's over-aligned
# bson_t makes align-mismatch noise on every stack bson_t, so it is off.
TIDY_ARGS = --extra-arg=-std=c++2b --extra-arg=-U__cpp_concepts \
            --extra-arg=-D__cpp_concepts=202002L --extra-arg=-Wno-builtin-macro-redefined \
            --extra-arg=-Wno-align-mismatch --extra-arg=-Wno-unknown-warning-option
tidy: build
	@command -v clang-tidy-16 >/dev/null 2>&1 || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-tidy-16 >/dev/null
	find src -name '*.cc' | xargs clang-tidy-16 -p $(BUILD_DIR) --quiet $(TIDY_ARGS)

clean:
	rm -rf $(BUILD_DIR)
