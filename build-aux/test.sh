#!/bin/sh
# build-aux/test.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The one command that runs the whole test suite from a clean clone:
# installs Debian's packages, builds with warnings as errors, runs every
# test (units, real servers, the real window under Xvfb), then builds again
# with clang and AddressSanitizer/UBSan to run the core suite and a short,
# bounded fuzzing pass. The last line it prints is "N passed, N failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/build-aux/install-deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

main=_build/ci
asan=_build/asan
logs=""
status=0

setup () {
  dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

if setup "$main" -Dwerror=true -Dprofile=development && meson compile -C "$main"; then
  meson test -C "$main" --print-errorlogs --num-processes 2 || status=1
  logs="$logs $main/meson-logs/testlog.json"
else
  echo "build failed: $main" >&2
  status=1
fi

if CC=clang setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzers=true \
     -Dwerror=true && meson compile -C "$asan"; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$asan" --print-errorlogs --num-processes 2 --suite core --suite fuzz || status=1
  logs="$logs $asan/meson-logs/testlog.json"
else
  echo "build failed: $asan" >&2
  status=1
fi

# shellcheck disable=SC2086
/usr/bin/python3 "$top/build-aux/test-summary.py" $logs || status=1
exit $status
