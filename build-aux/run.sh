#!/bin/sh
# build-aux/run.sh [FILE]
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The one command that sets everything up and runs the app's main job on a
# fresh Debian 12 machine: installs the packages, builds, packs a sliced file
# into a printer-ready .gcode.3mf, sends it to a printer and opens the window.
# Without FILE it uses a sample print it generates itself; with no printer
# configured it sends to the bundled virtual printer, and on a later run,
# when the saved printer is that virtual printer and it is not running, it
# starts it again (same serial, ports and certificates) and sends to it.
#
# For tests (tests/test-run-script.py): AF_RUN_EXE=PATH uses that executable
# and skips installing and building; AF_RUN_WORK_DIR holds the sample instead
# of the build folder; AF_RUN_VP_STATE, AF_RUN_VP_MQTT_PORT and
# AF_RUN_VP_FTPS_PORT move the virtual printer off its usual state folder and
# ports; AF_RUN_NO_WINDOW=1 stops before opening the window.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=_build/run

if [ -n "${AF_RUN_EXE:-}" ]; then
  exe=$AF_RUN_EXE
else
  "$top/build-aux/install-deps.sh"
  if [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure "$build" -Dprofile=development >/dev/null
  else
    meson setup "$build" -Dprofile=development >/dev/null
  fi
  meson compile -C "$build" >/dev/null
  exe="$build/app/atomform-connect"
  # The schema is compiled into the build tree; the installed app finds its own.
  export GSETTINGS_SCHEMA_DIR="$top/$build/resources"
fi

work=${AF_RUN_WORK_DIR:-$build}
file=${1:-}
if [ -z "$file" ]; then
  mkdir -p "$work/sample"
  file="$work/sample/atomform-sample-cube.gcode"
  /usr/bin/python3 "$top/build-aux/make-sample-gcode.py" "$file"
fi

"$exe" inspect "$file"
case "$file" in
  *.3mf) archive=$file ;;
  *)     archive="$work/sample/$(basename "${file%.*}").gcode.3mf"
         mkdir -p "$work/sample"
         "$exe" pack "$file" -o "$archive"
         echo "Printer-ready archive: $archive" ;;
esac

# The bundled virtual printer: real mosquitto and FTPS servers on 127.0.0.1
# and a firmware simulator. Its serial, ports and certificates (state in /tmp)
# stay the same from run to run, so a saved entry for it stays valid.
vp_serial=01S00A000000001
vp_state=${AF_RUN_VP_STATE:-/tmp/af-virtual-printer-$(id -u)}
vp_mqtt_port=${AF_RUN_VP_MQTT_PORT:-18883}
vp_ftps_port=${AF_RUN_VP_FTPS_PORT:-19990}
vp_ready="$vp_state.ready"
vp_pid=

start_virtual_printer() {
  mkdir -p "$vp_state" && chmod 700 "$vp_state" && rm -f "$vp_ready"
  /usr/bin/python3 "$top/tests/virtual-printer/af-virtual-printer.py" \
    --serial "$vp_serial" --access-code 12345678 --name "Virtual P1S" \
    --mqtt-port "$vp_mqtt_port" --ftps-port "$vp_ftps_port" --speed 60 \
    --state-dir "$vp_state" >"$vp_ready" &
  vp_pid=$!
  trap 'kill $vp_pid 2>/dev/null; wait $vp_pid 2>/dev/null; rm -f "$vp_ready"' EXIT INT TERM
  i=0
  until [ -s "$vp_ready" ] || [ $i -gt 600 ]; do i=$((i + 1)); sleep 0.1; done
}

# What to do about the virtual printer: "add" when no printer is saved,
# "restart" when the saved printer is the virtual one and nothing answers on
# its MQTT port, else nothing.
printers=$("$exe" printers --json 2>/dev/null || echo '{"printers": []}')
vp_action=$(printf '%s' "$printers" | /usr/bin/python3 -c '
import json, socket, sys
try:
    printers = json.load(sys.stdin)["printers"]
except (ValueError, KeyError):
    printers = []
if not printers:
    print("add")
    sys.exit()
port = int(sys.argv[2])
ours = [p for p in printers if p.get("serial") == sys.argv[1]
        and p.get("host") == "127.0.0.1" and p.get("mqtt_port") == port]
if len(ours) == len(printers):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        print("restart")
' "$vp_serial" "$vp_mqtt_port")

case "$vp_action" in
  add)
    start_virtual_printer
    ca=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["ca_file"])' "$vp_ready")
    echo "No printer is configured: using the virtual printer \"Virtual P1S\" on 127.0.0.1."
    if echo 12345678 | "$exe" add-printer --host 127.0.0.1 --serial "$vp_serial" \
         --name "Virtual P1S" --mqtt-port "$vp_mqtt_port" --ftps-port "$vp_ftps_port" \
         --ca "$ca"; then
      "$exe" send "$archive" --printer "$vp_serial" --wait || true
    else
      echo "Could not add the virtual printer (is a keyring running?); opening the window only." >&2
    fi
    ;;
  restart)
    start_virtual_printer
    echo "The saved printer is the virtual printer \"Virtual P1S\", which was not running: started it again."
    "$exe" send "$archive" --printer "$vp_serial" --wait || true
    ;;
esac

[ -n "${AF_RUN_NO_WINDOW:-}" ] && exit 0

# The window: the file, and the printers with their live state.
"$exe" "$archive"
