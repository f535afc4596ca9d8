#!/usr/bin/env bash
# Builds the Debian package crawlbox_<version>_amd64.deb with CPack: the crawlbox program
# (stripped), man pages crawlbox(1) and crawlbox-job(5), bash completion, the systemd units
# crawlbox-worker@.service and crawlbox-master@.service, and the example jobs.
# Usage: scripts/package.sh [BUILD_DIR] [OUT_DIR]   (defaults: build/ and the build dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
out="${2:-$build}"
BUILD_TARGETS="crawlbox crawlbox_docs" bash "$root/scripts/build.sh" "$build"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
(cd "$build" && cpack -G DEB -B "$out/_cpack" >/dev/null)
deb="$(ls "$out"/_cpack/crawlbox_*.deb)"
mv "$deb" "$out/"
rm -rf "$out/_cpack"
echo "$out/$(basename "$deb")"
