#!/bin/sh
# tests/check-mime.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the MIME package into a throwaway data dir, as a package would,
# and checks what GIO then calls each kind of file: binary G-code by its
# name and, without one, by its "GCDE" magic; a printer-ready *.gcode.3mf as
# application/x-gcode-3mf, which is still a model/3mf; a plain *.3mf and
# *.gcode as before. update-mime-database must accept the file silently.
set -eu
mime_xml=${1:?usage: check-mime.sh MIME_XML BGCODE_FILE GCODE_3MF_FILE GCODE_FILE}
bgcode=${2:?usage: check-mime.sh MIME_XML BGCODE_FILE GCODE_3MF_FILE GCODE_FILE}
archive=${3:?usage: check-mime.sh MIME_XML BGCODE_FILE GCODE_3MF_FILE GCODE_FILE}
gcode=${4:?usage: check-mime.sh MIME_XML BGCODE_FILE GCODE_3MF_FILE GCODE_FILE}

tmp=$(mktemp -d /tmp/af-mime.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

xmllint --noout "$mime_xml"

export XDG_DATA_HOME="$tmp/share" XDG_DATA_DIRS="$tmp/share:${XDG_DATA_DIRS:-/usr/share}"
mkdir -p "$tmp/share/mime/packages"
cp "$mime_xml" "$tmp/share/mime/packages/"
update-mime-database "$tmp/share/mime" 2>"$tmp/update.log"
if [ -s "$tmp/update.log" ]; then
  echo "FAIL: update-mime-database complained:" >&2
  cat "$tmp/update.log" >&2
  exit 1
fi

cp "$bgcode" "$tmp/print.bgcode"
cp "$bgcode" "$tmp/print"
cp "$archive" "$tmp/plate.gcode.3mf"
cp "$archive" "$tmp/model.3mf"
cp "$gcode" "$tmp/print.gcode"

fail=0
expect() {
  type=$(gio info -a standard::content-type "$tmp/$1" | sed -n 's/^ *standard::content-type: //p')
  if [ "$type" = "$2" ]; then
    echo "ok: $1 is $type"
  else
    echo "FAIL: $1 is '$type', not $2" >&2
    fail=1
  fi
}
expect print.bgcode application/x-bgcode
expect print application/x-bgcode
expect plate.gcode.3mf application/x-gcode-3mf
expect model.3mf model/3mf
expect print.gcode text/x.gcode

# Apps that open any 3MF are still offered a printer-ready one.
if /usr/bin/python3 -c 'import sys
from gi.repository import Gio
sys.exit(0 if Gio.content_type_is_a("application/x-gcode-3mf", "model/3mf") else 1)'; then
  echo "ok: application/x-gcode-3mf is a model/3mf"
else
  echo "FAIL: application/x-gcode-3mf is not a model/3mf" >&2
  fail=1
fi
exit $fail
