# Thin wrapper around CMake. Every target first makes sure the Debian
# packages the project needs are installed (fast when they are).

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
SANITIZE ?=
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

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

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
