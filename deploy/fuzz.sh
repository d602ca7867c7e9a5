#!/bin/sh
# make fuzz: builds every libFuzzer target with clang (ASan + UBSan) in
# build-fuzz/ and runs each for FUZZ_SECONDS (default 60), starting from its
# corpus in tests/. New interesting inputs go to build-fuzz/corpus/<target>/;
# crashes are written to build-fuzz/crashes/ and fail the run.
set -eu
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
dir=build-fuzz
# clang 16 (Debian 12 ships it beside the default 14) is the first that
# compiles our C++23 code; it is only needed here, so it is installed here.
# (dpkg-query -W alone succeeds for a package dpkg merely knows of, e.g. one
# clang-tidy-16 suggested: ask for its status.)
if ! command -v clang++-16 >/dev/null 2>&1 ||
   ! dpkg-query -W -f='${Status}' libclang-rt-16-dev 2>/dev/null | grep -q 'ok installed'; then
  echo "fuzz: installing clang-16" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-16 libclang-rt-16-dev >/dev/null
fi
CC=clang-16 CXX=clang++-16 cmake -S . -B "$dir" -DCHAT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=$(awk '{print $1}' "$dir/fuzz_targets.txt")
# shellcheck disable=SC2086
cmake --build "$dir" -j "$(nproc)" --target $targets
mkdir -p "$dir/crashes"
status=0
while read -r name corpus; do
  mkdir -p "$dir/corpus/$name"
  echo "fuzz: $name for ${seconds}s"
  if ! "$dir/fuzz/$name" -max_total_time="$seconds" -artifact_prefix="$dir/crashes/$name-" \
        -print_final_stats=1 "$dir/corpus/$name" "$corpus" >"$dir/$name.log" 2>&1; then
    echo "fuzz: $name FAILED (see $dir/$name.log)"; status=1
  fi
  grep -E 'stat::number_of_executed_units|cov:' "$dir/$name.log" | tail -2
done < "$dir/fuzz_targets.txt"
exit $status
