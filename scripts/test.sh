#!/usr/bin/env bash
# Quick start 2: installs what is missing, builds with -Werror, and runs every test with ctest.
# Environment: BUILD_DIR (default build/), SANITIZE=1 for an ASan+UBSan build (default build-asan/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
if [ "${SANITIZE:-0}" = "1" ]; then
  build="${BUILD_DIR:-$root/build-asan}"
  bash scripts/build.sh "$build" -DCRAWLBOX_SANITIZE=ON
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  build="${BUILD_DIR:-$root/build}"
  bash scripts/build.sh "$build"
fi
cd "$build"
jobs="$(nproc 2>/dev/null || echo 2)"
if [ "${SANITIZE:-0}" = "1" ]; then
  # The fleet tests start Redis, a master and workers each, all built with
  # ASan: beside other tests on two cores their processes starve past the
  # tests' own timeouts (exit 137), so they run one at a time after the rest.
  # PerHostPolitenessHoldsAcrossAllWorkersTogether measures request spacing
  # across processes, which ASan's slowdown distorts even then: it runs in
  # the -Werror build only.
  fleet='^(DistributedTest|FleetLoginTest|FleetRenderTest|FleetHeartbeatTest|FleetLockTest|FleetRedisTest|FleetWarcTest)\.|^WarcExtrasTest\.AFleet|^WarcRevisitTest\.Fleet'
  ctest --output-on-failure -j "$jobs" --timeout 900 -E "$fleet"
  ctest --output-on-failure -j 1 --timeout 900 -R "$fleet" \
    -E 'PerHostPolitenessHoldsAcrossAllWorkersTogether'
else
  ctest --output-on-failure -j "$jobs" --timeout 900
fi
