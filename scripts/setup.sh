#!/usr/bin/env bash
# Installs the Debian packages crawlbox builds, tests and demos with; installs only what is missing,
# so running it again is cheap. Uses sudo when not root. The Python and PostgreSQL manuals plus
# lxml and html5lib are the real pages and the reference of tests/parser/xpath_lxml_test.cc;
# wget is the other archiver of tests/e2e/wget_warc_compare_test.cc; lintian and systemd
# (systemd-analyze) check the Debian package in tests/e2e/package_test.cc.
#   scripts/setup.sh          everything the tests need
#   scripts/setup.sh --demo   only what building crawlbox and the demo site needs (no Chromium,
#                             nginx, Redis server, Node or manuals: the demo runs none of them)
set -euo pipefail

# Building crawlbox and crawlbox-testsite. GoogleTest is here because the test-site server
# shares tests/support with the tests, and CMake configures that folder.
packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libgumbo-dev libre2-dev libsqlite3-dev libtbb-dev
  libtomlplusplus-dev nlohmann-json3-dev libcpp-httplib-dev libcli11-dev
  libgtest-dev libgmock-dev zlib1g-dev libssl-dev libhiredis-dev
)
if [ "${1:-}" != "--demo" ]; then
  packages+=(
    clang-format sqlite3 redis-server
    chromium fonts-dejavu-core fonts-wqy-microhei nginx openssl nodejs npm wget
    python3.11-doc postgresql-doc-15 python3-lxml python3-html5lib
    lintian systemd
  )
fi

missing=()
for p in "${packages[@]}"; do
  # npm ships inside another vendor's nodejs package (NodeSource's), which
  # conflicts with Debian's npm: an npm already on the PATH will do.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
