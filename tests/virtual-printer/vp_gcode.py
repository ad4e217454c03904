# tests/virtual-printer/vp_gcode.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads the plate G-code out of a .gcode.3mf the way the simulated firmware
needs it: checks the entry and its .md5, then turns the M73 progress lines and
layer markers into a list of progress steps."""

import hashlib
import re
import zipfile

# print_error codes used when the job cannot start (docs/virtual-printer.md).
ERR_FILE_UNREADABLE = 0x0500C010
ERR_PLATE_MISSING = 0x0500C011
ERR_MD5_MISMATCH = 0x0500C012

_M73 = re.compile(rb"^M73\s+P(\d+(?:\.\d+)?)\s+R(\d+(?:\.\d+)?)")
_M73_LAYER = re.compile(rb"^M73\s+L(\d+)")
_M991 = re.compile(rb"^M991\s+S0\s+P(\d+)")
_LAYER_COMMENT = re.compile(rb"^;\s*layer num/total_layer_count:\s*(\d+)/(\d+)")
_TOTAL = re.compile(rb"^;\s*(?:total layer number|total_layer_count)\s*[:=]\s*(\d+)")
_PLAIN_MARKERS = (b";LAYER_CHANGE", b"; CHANGE_LAYER")


class JobError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def read_plate(archive_path, entry):
    """Returns the G-code bytes of entry, or raises JobError."""
    try:
        with zipfile.ZipFile(archive_path) as z:
            names = set(z.namelist())
            if entry not in names:
                raise JobError(ERR_PLATE_MISSING, "%s is not in the archive" % entry)
            data = z.read(entry)
            if entry + ".md5" in names:
                want = z.read(entry + ".md5").decode("ascii", "replace").strip().upper()
                have = hashlib.md5(data).hexdigest().upper()
                if want != have:
                    raise JobError(ERR_MD5_MISMATCH, "MD5 mismatch: file says %s, entry is %s"
                                   % (want, have))
            return data
    except (OSError, zipfile.BadZipFile, KeyError, EOFError) as e:
        raise JobError(ERR_FILE_UNREADABLE, "cannot read %s: %s" % (archive_path, e))


def progress_steps(gcode):
    """Returns (total_layers, [(percent, remaining_minutes, layer), ...])."""
    lines = gcode.splitlines()
    numbered = any(_M73_LAYER.match(l) or _M991.match(l) or _LAYER_COMMENT.match(l)
                   for l in lines)
    total = 0
    layer = pct = rem = 0
    steps = []
    for line in lines:
        line = line.strip()
        m = _TOTAL.match(line)
        if m:
            total = total or int(m.group(1))
            continue
        m = _M73.match(line)
        if m:
            pct, rem = min(100, int(float(m.group(1)))), int(float(m.group(2)))
        elif numbered:
            m = _M73_LAYER.match(line) or _M991.match(line) or _LAYER_COMMENT.match(line)
            if not m:
                continue
            n = int(m.group(1)) + (1 if line.startswith(b"M991") else 0)
            if m.re is _LAYER_COMMENT:
                total = total or int(m.group(2))
            layer = max(layer, n)
        elif line.startswith(_PLAIN_MARKERS):
            layer += 1
        else:
            continue
        step = (pct, rem, layer)
        if not steps or steps[-1] != step:
            steps.append(step)
    total = max(total, layer)
    if not steps or steps[-1][0] != 100:
        steps.append((100, 0, total))
    return total, steps
