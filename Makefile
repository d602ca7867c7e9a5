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

.PHONY: all deps build test run bench fuzz install deb clean format format-check tidy lint

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
	@echo "sanitized suite: chat_deb_package is left to make test (the package is built without sanitizers)"
	cd $(BUILD_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) -E '^chat_deb_package$$' $(CTEST_ARGS); \
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

# The Debian packages, in build-deb/ (deploy/deb.sh; packaging in deploy/debian/).
deb: deps
	sh deploy/deb.sh build-deb

CXX_SOURCES = $(shell git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 2>/dev/null)
format:
	clang-format -i $(CXX_SOURCES)

# Fails on any file clang-format would change (CI runs it).
format-check:
	@clang-format --dry-run --Werror $(CXX_SOURCES) && echo "format-check: $(words $(CXX_SOURCES)) files formatted"

# clang-tidy over every source file (deploy/tidy.sh); LINT_BASE=<rev> narrows
# it to the .cc files changed since that revision, as a reviewer would run it
# on a branch.
LINT_BASE ?=
TIDY_FILES ?= $(if $(LINT_BASE),$(shell git diff --name-only --diff-filter=d $(LINT_BASE) -- 'src/*.cc'),$(shell git ls-files 'src/*.cc'))
tidy: build
	@sh deploy/tidy.sh $(BUILD_DIR) $(JOBS) $(TIDY_FILES)

# What CI checks besides the tests: formatting and clang-tidy.
lint: format-check tidy

clean:
	rm -rf $(BUILD_DIR)
