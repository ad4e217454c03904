# tests/cloud/rc_archive.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the reference cloud reads out of an uploaded .gcode.3mf: its plates, each
plate's slicer estimate, filament use and thumbnail. The archive is untrusted: the
limits below are checked before anything is decompressed (docs/reference-cloud.md)."""

import re
import struct
import zipfile
import xml.etree.ElementTree as ET

MAX_ENTRIES = 4096              # zip entries we look at
MAX_SLICE_INFO = 1 << 20        # Metadata/slice_info.config, uncompressed
MAX_THUMBNAIL = 1 << 20         # a plate PNG, uncompressed (the contract's 1 MiB)
MAX_THUMBNAIL_SIDE = 512        # pixels, from the PNG header
MAX_PLATES = 64

_PLATE = re.compile(r"^Metadata/plate_([1-9][0-9]{0,2})\.gcode$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_ok(data):
    if len(data) < 24 or not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR":
        return False
    width, height = struct.unpack(">II", data[16:24])
    return 0 < width <= MAX_THUMBNAIL_SIDE and 0 < height <= MAX_THUMBNAIL_SIDE


def _number(text, kind=float):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) < 1e12 else None


def _slice_info(z, infos):
    info = infos.get("Metadata/slice_info.config")
    if info is None or info.file_size > MAX_SLICE_INFO:
        return {}
    try:
        root = ET.fromstring(z.read(info))
    except ET.ParseError:
        return {}
    plates = {}
    for plate in root.iter("plate"):
        meta = {m.get("key"): m.get("value") for m in plate.findall("metadata")}
        index = _number(meta.get("index"), int)
        if index is None or not 1 <= index <= 999:
            continue
        filament = []
        for f in plate.findall("filament"):
            fid = _number(f.get("id"), int)
            if fid is None or fid < 1:
                continue
            color = f.get("color") or ""
            filament.append({
                "filament": fid,
                "type": (f.get("type") or "")[:32],
                "color": color[:7].upper() if _COLOR.match(color) else "#000000",
                "weight_g": round(_number(f.get("used_g")) or 0.0, 2),
                "length_mm": round((_number(f.get("used_m")) or 0.0) * 1000.0, 1)})
        prediction = _number(meta.get("prediction"), float)
        plates[index] = {"estimated_seconds": int(prediction) if prediction is not None
                         and prediction >= 0 else None, "filament": filament}
    return plates


def inspect(path):
    """Returns {"plates": {N: {"estimated_seconds", "filament", "thumbnail"}}}; an empty
    plate map when the file is not a readable .gcode.3mf (the job route then refuses it)."""
    try:
        with zipfile.ZipFile(path) as z:
            entries = z.infolist()
            if len(entries) > MAX_ENTRIES:
                return {"plates": {}}
            infos = {i.filename: i for i in entries}
            numbers = sorted(int(m.group(1)) for m in map(_PLATE.match, infos) if m)
            numbers = numbers[:MAX_PLATES]
            meta = _slice_info(z, infos)
            plates = {}
            for n in numbers:
                entry = dict(meta.get(n) or {"estimated_seconds": None, "filament": []})
                entry["thumbnail"] = None
                png = infos.get("Metadata/plate_%d.png" % n)
                if png is not None and png.file_size <= MAX_THUMBNAIL:
                    data = z.read(png)
                    if _png_ok(data):
                        entry["thumbnail"] = data
                plates[n] = entry
            return {"plates": plates}
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError,
            NotImplementedError, RuntimeError, ValueError):
        return {"plates": {}}
