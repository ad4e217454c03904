#!/bin/sh
# tests/check-secret-wipes.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every copy of a secret is an AfSecret, wiped by af_secret_free() in
# core/af-secrets.c (or, for a stack buffer, af_secret_wipe()). A hand-written
# wipe anywhere else (explicit_bzero, bzero, memset over strlen) means a copy
# escaped the type, so it fails here; so does a function that hands out an
# access code as a plain string, and a keyring read in app/ or ui/.
set -eu
root=${1:?usage: check-secret-wipes.sh SOURCE_ROOT}
for dir in core app ui; do
  [ -d "$root/$dir" ] || { echo "no such directory: $root/$dir" >&2; exit 1; }
done
hand=$(grep -rnE 'explicit_bzero|[^_]bzero[[:space:]]*\(|memset[[:space:]]*\([^;]*strlen' \
         "$root/core" "$root/app" "$root/ui" --include='*.c' \
       | grep -v "^$root/core/af-secrets.c:" || true)
if [ -n "$hand" ]; then
  echo "secrets wiped by hand instead of af_secret_free()/af_secret_wipe():" >&2
  echo "$hand" >&2
  exit 1
fi
plain=$(grep -rnE '^char[[:space:]]*\*[[:space:]]*af_[a-z_]*(access_code|secret|token)[a-z_]*[[:space:]]*\(' \
          "$root/core" "$root/app" "$root/ui" --include='*.[ch]' || true)
if [ -n "$plain" ]; then
  echo "a secret handed out as a plain string instead of an AfSecret:" >&2
  echo "$plain" >&2
  exit 1
fi
# The registry and the transports read codes from the keyring themselves;
# the window and the command line only ever store what the user typed.
read_back=$(grep -rnE 'af_secrets_lookup_[a-z_]*[[:space:]]*\(' "$root/app" "$root/ui" \
              --include='*.c' || true)
if [ -n "$read_back" ]; then
  echo "a secret read back from the keyring outside core/:" >&2
  echo "$read_back" >&2
  exit 1
fi
n=$(grep -rlE 'af_secret_(free|new)|AfSecret' "$root/core" "$root/app" "$root/ui" | wc -l)
[ "$n" -ge 6 ] || { echo "only $n files use AfSecret" >&2; exit 1; }
echo "no hand-written wipes; AfSecret used in $n files"
