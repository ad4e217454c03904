#!/bin/sh
# tests/check-mime.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the MIME package into a throwaway data dir and checks that GIO then
# calls a binary G-code file application/x-bgcode, by its name and, without
# one, by its "GCDE" magic.
set -eu
mime_xml=${1:?usage: check-mime.sh MIME_XML BGCODE_FILE}
bgcode=${2:?usage: check-mime.sh MIME_XML BGCODE_FILE}

tmp=$(mktemp -d /tmp/af-mime.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

export XDG_DATA_HOME="$tmp/share" XDG_DATA_DIRS="$tmp/share:${XDG_DATA_DIRS:-/usr/share}"
mkdir -p "$tmp/share/mime/packages"
cp "$mime_xml" "$tmp/share/mime/packages/"
update-mime-database "$tmp/share/mime"

cp "$bgcode" "$tmp/print.bgcode"
cp "$bgcode" "$tmp/print"

fail=0
for f in "$tmp/print.bgcode" "$tmp/print"; do
  type=$(gio info -a standard::content-type "$f" | sed -n 's/^ *standard::content-type: //p')
  if [ "$type" = application/x-bgcode ]; then
    echo "ok: $(basename "$f") is $type"
  else
    echo "FAIL: $(basename "$f") is '$type', not application/x-bgcode" >&2
    fail=1
  fi
done
exit $fail
