#!/bin/sh
# make bench: runs the benchmark scenarios of deploy/bench.py against the
# programs in BUILD_DIR (default build). BENCH_QUICK=1 for a fast smoke run.
# Results: deploy/bench-results/<date>.json and PNG plots next to it.
set -eu
build="${1:-build}"
here=$(cd "$(dirname "$0")" && pwd)
# gnuplot draws the plots; it is needed only here, so it is installed here.
if ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "bench: installing gnuplot-nox for the plots"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null ||
      echo "bench: could not install gnuplot-nox; results without plots"
  else
    echo "bench: gnuplot missing (apt-get install gnuplot-nox); results without plots"
  fi
fi
exec /usr/bin/python3 "$here/bench.py" "$build"
