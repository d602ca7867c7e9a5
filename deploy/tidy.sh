#!/bin/sh
# Runs clang-tidy 16 over the given .cc files, JOBS at a time, with the
# compile database of BUILD_DIR; any finding fails (warnings are errors).
#   tidy.sh BUILD_DIR JOBS FILE...
# clang-tidy prints "N warnings generated." for what it filtered out of
# headers and system code; only the findings themselves are shown.
set -eu
build_dir="$1"
jobs="$2"
shift 2
[ "$#" -gt 0 ] || exit 0
command -v clang-tidy-16 >/dev/null 2>&1 ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-tidy-16 >/dev/null
# clang-tidy 16 is the first that reads our C++23 (as c++2b, with GCC 12's
# library: the same concepts shim as the fuzz build); libbson's over-aligned
# bson_t makes align-mismatch noise on every stack bson_t, so it is off.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
printf '%s\n' "$@" | xargs -P "$jobs" -n 4 clang-tidy-16 -p "$build_dir" --quiet \
  --extra-arg=-std=c++2b --extra-arg=-U__cpp_concepts --extra-arg=-D__cpp_concepts=202002L \
  --extra-arg=-Wno-builtin-macro-redefined --extra-arg=-Wno-align-mismatch \
  --extra-arg=-Wno-unknown-warning-option --warnings-as-errors='*' >"$out" 2>&1 || status=$?
grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Use -system-headers' "$out" || true
echo "tidy: $# files checked"
exit "$status"
