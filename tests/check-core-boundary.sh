#!/bin/sh
# tests/check-core-boundary.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fails when any file under core/ includes GTK or libadwaita: the core must
# stay usable from tests, the command line and future daemons without a display.
set -eu
core=${1:?usage: check-core-boundary.sh CORE_DIR}
[ -d "$core" ] || { echo "no such directory: $core" >&2; exit 1; }
leaks=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](gtk/|adwaita\.h|gdk/)' "$core" || true)
if [ -n "$leaks" ]; then
  echo "core/ includes GTK, GDK or libadwaita:" >&2
  echo "$leaks" >&2
  exit 1
fi
n=$(find "$core" -name '*.[ch]' | wc -l)
[ "$n" -gt 0 ] || { echo "no sources found under $core" >&2; exit 1; }
echo "checked $n files: no GTK in core/"
