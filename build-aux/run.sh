#!/bin/sh
# build-aux/run.sh [FILE]
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The one command that sets everything up and runs the app's main job on a
# fresh Debian 12 machine: installs the packages, builds, packs a sliced file
# into a printer-ready .gcode.3mf and opens it in the window. Without FILE it
# uses a sample print it generates itself.
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
GSETTINGS_SCHEMA_DIR="$top/$build/resources" exec "$exe" "$archive"
