#!/bin/sh
# tests/check-connections.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every connection to a printer is made by the printer registry
# (core/print/af-printer-registry.c), so that a policy on connections ("LAN
# only", "no cloud") has one place to live. It fails when an MQTT session, a
# transport or an FTPS transfer is created anywhere else than in the registry
# or in the transport that owns that wire. Only core/, app/ and ui/ are
# checked: tests create sessions directly on purpose.
set -eu
root=${1:?usage: check-connections.sh SOURCE_ROOT}
for dir in core app ui; do
  [ -d "$root/$dir" ] || { echo "no such directory: $root/$dir" >&2; exit 1; }
done
registry=core/print/af-printer-registry.c
status=0

# check PATTERN ALLOWED...: a call matching PATTERN in a .c file that is not
# one of ALLOWED (paths from the source root; a trailing / allows a folder).
check () {
  pattern=$1
  shift
  hits=$(cd "$root" && grep -rnE "$pattern" core app ui --include='*.c' || true)
  for allowed in "$@"; do
    hits=$(printf '%s\n' "$hits" | grep -v "^$allowed" || true)
  done
  if [ -n "$hits" ]; then
    echo "a connection made outside the registry ($registry):" >&2
    printf '%s\n' "$hits" >&2
    status=1
  fi
}

# The cloud transport owns its broker session (its password is the account's
# token, which it refreshes itself); the transport is made by the registry.
check '\baf_mqtt_session_new(_for_endpoint)?[[:space:]]*\(' \
  "$registry:" core/lan/af-mqtt-session.c: core/cloud/af-cloud-transport.c:
check '\baf_lan_transport_new[[:space:]]*\(' "$registry:" core/lan/af-lan-transport.c:
# Listing the account's printers and reprinting go through the same gate.
check '\baf_cloud_client_(list_printers|reprint)(_async)?[[:space:]]*\(' \
  "$registry:" core/cloud/
# A cloud transport is a connection to AtomForm's cloud: the registry makes
# every one, behind its one gate (open_cloud_route()).
check '\baf_cloud_transport_new(_for_printer)?[[:space:]]*\(' \
  "$registry:" core/cloud/af-cloud-transport.c:
check '\baf_ftps_(upload|delete)_async[[:space:]]*\(' \
  core/lan/af-lan-transport.c: core/lan/af-ftps-upload.c:
check '\bmosquitto_new[[:space:]]*\(' core/lan/af-mqtt-session.c:
# libcurl handles: FTPS here; the cloud client's HTTPS in core/cloud/.
check '\bcurl_easy_init[[:space:]]*\(' core/lan/af-ftps-upload.c: core/cloud/

# The check must see the calls it allows, or it checks nothing.
n=$(cd "$root" && grep -cE '\baf_mqtt_session_new[[:space:]]*\(' "$registry" || true)
[ "$n" -ge 1 ] || { echo "$registry makes no MQTT session: is the pattern stale?" >&2; exit 1; }
for call in af_cloud_transport_new af_cloud_transport_new_for_printer \
            af_cloud_client_list_printers_async; do
  n=$(cd "$root" && grep -cE "\\b$call[[:space:]]*\\(" "$registry" || true)
  [ "$n" -ge 1 ] || { echo "$registry does not call $call: is the pattern stale?" >&2; exit 1; }
done
[ "$status" -eq 0 ] && echo "every connection is made in $registry or its transport"
exit "$status"
