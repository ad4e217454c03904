#!/bin/sh
# tests/check-potfiles.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fails when po/POTFILES.in misses a file with translatable strings (its
# strings would never reach translators) or lists one that does not exist
# (xgettext would stop).
set -eu
top=${1:?usage: check-potfiles.sh SOURCE_ROOT}
cd "$top"

listed=$(mktemp /tmp/af-potfiles.XXXXXX)
trap 'rm -f "$listed"' EXIT
grep -v '^[[:space:]]*\(#\|$\)' po/POTFILES.in | sort > "$listed"

fail=0
while read -r f; do
  [ -f "$f" ] || { echo "po/POTFILES.in lists $f, which does not exist" >&2; fail=1; }
done < "$listed"

{
  grep -lE '(^|[^[:alnum:]_])(_|N_|C_|NC_|Q_|ngettext|g_dngettext)[[:space:]]*\(' \
    core/*.c core/*/*.c app/*.c ui/*.c 2>/dev/null || true
  grep -l 'translatable="yes"' ui/*.ui resources/gtk/*.ui 2>/dev/null || true
  ls resources/*.desktop.in resources/*.metainfo.xml.in resources/*.gschema.xml.in 2>/dev/null || true
} | sort -u | while read -r f; do
  grep -qx "$f" "$listed" || { echo "$f has translatable strings but is not in po/POTFILES.in" >&2; exit 1; }
done || fail=1

[ $fail -eq 0 ] && echo "po/POTFILES.in covers every file with translatable strings"
exit $fail
