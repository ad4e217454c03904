#!/bin/sh
# build-aux/run.sh [FILE]
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The one command that sets everything up and runs the app's main job on a
# fresh Debian 12 machine: installs the packages, builds, packs a sliced file
# into a printer-ready .gcode.3mf, sends it to a printer and opens the window.
# Without FILE it uses a sample print it generates itself; with no printer
# configured it sends to the bundled virtual printer.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=_build/run

"$top/build-aux/install-deps.sh"
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" -Dprofile=development >/dev/null
else
  meson setup "$build" -Dprofile=development >/dev/null
fi
meson compile -C "$build" >/dev/null

file=${1:-}
if [ -z "$file" ]; then
  mkdir -p "$build/sample"
  file="$build/sample/atomform-sample-cube.gcode"
  /usr/bin/python3 "$top/build-aux/make-sample-gcode.py" "$file"
fi

exe="$build/app/atomform-connect"
"$exe" inspect "$file"
case "$file" in
  *.3mf) archive=$file ;;
  *)     archive="$build/sample/$(basename "${file%.*}").gcode.3mf"
         mkdir -p "$build/sample"
         "$exe" pack "$file" -o "$archive"
         echo "Printer-ready archive: $archive" ;;
esac

# The schema is compiled into the build tree; the installed app finds its own.
export GSETTINGS_SCHEMA_DIR="$top/$build/resources"

# With no printer configured, send to the bundled virtual printer (real
# mosquitto and FTPS servers on 127.0.0.1 and a firmware simulator), so the
# whole job runs: pack, upload, start, print.
printers=$("$exe" printers --json 2>/dev/null || echo '{"printers": []}')
vp_pid=
if [ "$(printf '%s' "$printers" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["printers"]))' 2>/dev/null || echo 0)" = 0 ]; then
  state="/tmp/af-virtual-printer-$(id -u)"
  ready="$state.ready"
  mkdir -p "$state" && chmod 700 "$state" && rm -f "$ready"
  /usr/bin/python3 "$top/tests/virtual-printer/af-virtual-printer.py" \
    --serial 01S00A000000001 --access-code 12345678 --name "Virtual P1S" \
    --mqtt-port 18883 --ftps-port 19990 --speed 60 --state-dir "$state" >"$ready" &
  vp_pid=$!
  trap 'kill $vp_pid 2>/dev/null; wait $vp_pid 2>/dev/null; rm -f "$ready"' EXIT INT TERM
  i=0
  until [ -s "$ready" ] || [ $i -gt 600 ]; do i=$((i + 1)); sleep 0.1; done
  ca=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["ca_file"])' "$ready")
  echo "No printer is configured: using the virtual printer \"Virtual P1S\" on 127.0.0.1."
  if echo 12345678 | "$exe" add-printer --host 127.0.0.1 --serial 01S00A000000001 \
       --name "Virtual P1S" --mqtt-port 18883 --ftps-port 19990 --ca "$ca"; then
    "$exe" send "$archive" --printer 01S00A000000001 --wait || true
  else
    echo "Could not add the virtual printer (is a keyring running?); opening the window only." >&2
  fi
fi

# The window: the file, and the printers with their live state.
"$exe" "$archive"
