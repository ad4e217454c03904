#!/bin/sh
# build-aux/cloud.sh [--speed FACTOR]
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the reference AtomForm cloud on this computer (127.0.0.1 only): the HTTPS API,
# its MQTT broker, a demo account and a virtual printer bound to it in cloud mode. Prints
# the base URL, the CA file, the account's e-mail and password and how to point the app at
# it, then runs until Ctrl-C, when it stops everything by PID. State lives in /tmp (never
# in $HOME); the certificates and the demo account stay the same from run to run.
# See docs/reference-cloud.md.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
state="/tmp/af-reference-cloud-$(id -u)"
speed=60
if [ "${1:-}" = "--speed" ] && [ -n "${2:-}" ]; then
  speed=$2
fi
mkdir -p "$state"
chmod 700 "$state"
ready="$state/cloud.ready"
vp_ready="$state/printer.ready"
rm -f "$ready" "$vp_ready"

cloud_pid=
vp_pid=
stop() {
  [ -n "$vp_pid" ] && kill "$vp_pid" 2>/dev/null && wait "$vp_pid" 2>/dev/null
  [ -n "$cloud_pid" ] && kill "$cloud_pid" 2>/dev/null && wait "$cloud_pid" 2>/dev/null
  rm -f "$ready" "$vp_ready"
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

# wait_for FILE PID WHAT: until FILE has a line, or PID died, or 60 s passed.
wait_for() {
  i=0
  until [ -s "$1" ]; do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "The $3 did not start; see the messages above." >&2
      exit 1
    fi
    i=$((i + 1))
    if [ $i -gt 600 ]; then
      echo "The $3 did not start in 60 s." >&2
      exit 1
    fi
    sleep 0.1
  done
  return 0
}

/usr/bin/python3 "$top/tests/cloud/af-reference-cloud.py" --state-dir "$state/cloud" \
  --port 18443 --admin-port 18444 --mqtt-port 18884 >"$ready" &
cloud_pid=$!
wait_for "$ready" "$cloud_pid" "reference cloud"

# The demo account and its printer (created once; the same e-mail and serial later).
/usr/bin/python3 - "$top" "$ready" "$state" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "cloud"))
sys.dont_write_bytecode = True
import rc_client
info = json.loads(open(sys.argv[2]).readline())
state = sys.argv[3]
admin = rc_client.Https(info["admin_url"], info["ca_file"])
def call(path, body, ok=(201,)):
    ans = admin.request("POST", path, json.dumps(body).encode(),
                        {"Authorization": "Bearer " + info["admin_secret"],
                         "Content-Type": "application/json"}, version=None)
    if ans.status not in ok:
        sys.exit("cloud.sh: %s failed: %s" % (path, ans.body.decode()))
    return ans.json()
demo = os.path.join(state, "demo.json")
if os.path.exists(demo):
    d = json.load(open(demo))
else:
    import secrets
    d = {"email": "demo@example.org", "password": secrets.token_urlsafe(9),
         "serial": "01S00C%09d" % secrets.randbelow(10**9)}
    json.dump(d, open(demo, "w"))
    os.chmod(demo, 0o600)
# Accounts live in the cloud's database; it answers 409 when the account exists.
acc = call("/admin/accounts", {"email": d["email"], "password": d["password"],
                               "display_name": "Demo"}, ok=(201, 409))
if "id" not in acc:
    acc = {"id": d["account_id"]}
d["account_id"] = acc["id"]
json.dump(d, open(demo, "w"))
p = call("/admin/printers", {"account_id": acc["id"], "serial": d["serial"],
                             "model": "C12", "name": "Cloud P1S"})
json.dump(p["device"], open(os.path.join(state, "device.json"), "w"))
PY

/usr/bin/python3 "$top/tests/virtual-printer/af-virtual-printer.py" \
  --cloud-device "$state/device.json" --name "Cloud P1S" --speed "$speed" \
  --state-dir "$state/printer" >"$vp_ready" &
vp_pid=$!
wait_for "$vp_ready" "$vp_pid" "virtual printer"

/usr/bin/python3 - "$ready" "$state/demo.json" "$vp_ready" <<'PY'
import json, sys
c = json.loads(open(sys.argv[1]).readline())
d = json.load(open(sys.argv[2]))
vp = json.loads(open(sys.argv[3]).readline())
print("""The reference AtomForm cloud is running.

  Base URL     %(base_url)s
  CA file      %(ca_file)s
  MQTT broker  %(mqtt_host)s:%(mqtt_port)d
  Admin        %(admin_url)s (secret %(admin_secret)s)
""" % c + """  Account      %(email)s, password %(password)s
""" % d + """  Printer      "%(name)s", serial %(serial)s, bound to the account (cloud mode);
               also on the LAN at %(host)s, MQTT %(mqtt_port)d, FTPS %(ftps_port)d,
               access code %(access_code)s
""" % vp + """
Point AtomForm Connect at it (development profile shown) and sign in:

  gsettings set tech.atomform.Connect.Devel cloud-base-url '%(base_url)s'
  gsettings set tech.atomform.Connect.Devel cloud-ca-file '%(ca_file)s'
  atomform-connect login

The sign-in page asks for the account's e-mail and password above. Press Ctrl-C to stop.""" % c)
PY
wait "$vp_pid" "$cloud_pid"
