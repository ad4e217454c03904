#!/bin/sh
# build-aux/virtual-printer.sh [af-virtual-printer.py OPTIONS]
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts one virtual printer on this computer (127.0.0.1 only) for trying the
# app without a printer, prints how to add it, and runs until Ctrl-C. Without
# root it uses pyftpdlib instead of vsftpd. Its serial, access code, ports and
# certificates stay the same from run to run (state in /tmp, never in $HOME);
# any option of tests/virtual-printer/af-virtual-printer.py overrides them.
# See docs/virtual-printer.md.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
state="/tmp/af-virtual-printer-$(id -u)"
out="$state.ready"
mkdir -p "$state"
chmod 700 "$state"

/usr/bin/python3 "$top/tests/virtual-printer/af-virtual-printer.py" \
  --serial 01S00A000000001 --access-code 12345678 --name "Virtual P1S" \
  --mqtt-port 18883 --ftps-port 19990 --speed 60 --state-dir "$state" "$@" >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out"; exit 0' INT TERM

i=0
until [ -s "$out" ]; do
  if ! kill -0 $pid 2>/dev/null; then
    echo "The virtual printer did not start; see the messages above." >&2
    exit 1
  fi
  i=$((i + 1))
  if [ $i -gt 600 ]; then
    echo "The virtual printer did not start in 60 s." >&2
    kill $pid
    exit 1
  fi
  sleep 0.1
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print("""Virtual printer "%(name)s" (%(model)s) is running.

  Serial       %(serial)s
  Access code  %(access_code)s
  Address      %(host)s, MQTT port %(mqtt_port)d, FTPS port %(ftps_port)d
  Certificate  CA %(ca_file)s
               SHA-256 %(fingerprint)s
  Storage      %(storage_dir)s

Add it from the command line (the access code is read from standard input):

  echo %(access_code)s | atomform-connect add-printer --host %(host)s --serial %(serial)s \\
      --name "%(name)s" --mqtt-port %(mqtt_port)d --ftps-port %(ftps_port)d --ca %(ca_file)s

or in the window with "Add Printer": the address, serial and access code above, the two
ports, and trust the certificate whose fingerprint is shown. Press Ctrl-C to stop it.""" % r)
PY
wait $pid
