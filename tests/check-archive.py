#!/usr/bin/python3
# tests/check-archive.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks a printer-ready .gcode.3mf independently of our C code: only
# Python's zipfile, hashlib, xml.etree, json and struct are used, and every
# rule below is taken from the vendor's format (shared/reference/
# lan-protocol.md §5) rather than from our writer.
#
#   check-archive.py ARCHIVE [--plate N] [--ours] [--inspect JSON] [--gcode-md5 HEX]
#
# --ours adds the rules our writer promises on top of the format: exact entry
# order, fixed timestamps, sorted settings. --inspect compares slice_info,
# plate JSON and settings with what `atomform-connect inspect --json` (or
# af_gcode_info_to_json) reported for the source. Exit status 0 when every
# check passes, 1 otherwise, with one line per failure.

import argparse
import hashlib
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zipfile

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIXED_DATE = (1980, 1, 1, 12, 0, 0)

# Vendor model ids, from the vendor's printer profiles ("model_id").
MODEL_IDS = {
    "Bambu Lab X1 Carbon": "BL-P001",
    "Bambu Lab P1P": "C11",
    "Bambu Lab P1S": "C12",
    "Bambu Lab A1 mini": "N1",
    "Bambu Lab A1": "N2S",
    "Bambu Lab P2S": "N7",
    "Bambu Lab H2D": "O1D",
    "Bambu Lab H2D Pro": "O1E",
    "Bambu Lab H2S": "O1S",
}

BED_TYPES = {
    "Cool Plate": "cool_plate",
    "Engineering Plate": "eng_plate",
    "High Temp Plate": "hot_plate",
    "Textured PEI Plate": "textured_plate",
    "Supertack Plate": "supertack_plate",
}

errors = []


def fail(message):
    errors.append(message)


def expect(condition, message):
    if not condition:
        fail(message)
    return condition


def our_entries(n):
    """The entries our writer produces, in the vendor's order (§5.1)."""
    return [
        "[Content_Types].xml",
        f"Metadata/plate_{n}.png",
        f"Metadata/plate_{n}_small.png",
        f"Metadata/plate_{n}.json",
        "3D/3dmodel.model",
        "Metadata/project_settings.config",
        f"Metadata/plate_{n}.gcode.md5",
        f"Metadata/plate_{n}.gcode",
        "Metadata/_rels/model_settings.config.rels",
        "Metadata/model_settings.config",
        "Metadata/slice_info.config",
        "_rels/.rels",
    ]


def png_size(data):
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def check_names(zf):
    for name in zf.namelist():
        parts = name.split("/")
        safe = (not name.startswith("/") and "\\" not in name and ":" not in name
                and ".." not in parts and "." not in parts)
        expect(safe, f"unsafe entry name {name!r}")


def check_md5(zf, n, gcode_md5):
    gcode = zf.read(f"Metadata/plate_{n}.gcode")
    md5 = zf.read(f"Metadata/plate_{n}.gcode.md5")
    real = hashlib.md5(gcode).hexdigest().upper()
    expect(re.fullmatch(rb"[0-9A-F]{32}", md5) is not None,
           f"plate_{n}.gcode.md5 is not 32 upper-case hex digits without newline: {md5!r}")
    expect(md5.decode("ascii", "replace") == real,
           f"plate_{n}.gcode.md5 says {md5!r}, the G-code's MD5 is {real}")
    if gcode_md5 is not None:
        expect(real == gcode_md5.upper(),
               f"plate_{n}.gcode has MD5 {real}, the source text has {gcode_md5.upper()}")


def check_pngs(zf, n):
    for name, side in ((f"Metadata/plate_{n}.png", 512), (f"Metadata/plate_{n}_small.png", 128)):
        info = zf.getinfo(name)
        expect(info.compress_type == zipfile.ZIP_STORED, f"{name} is not stored")
        size = png_size(zf.read(name))
        expect(size == (side, side), f"{name} is {size}, not {side}x{side}")


def metadata_pairs(plate):
    return [(m.get("key"), m.get("value")) for m in plate.findall("metadata")]


def find_plate(root, n):
    for plate in root.findall("plate"):
        if dict(metadata_pairs(plate)).get("index") == str(n):
            return plate
    return None


def check_slice_info(zf, n):
    root = ET.fromstring(zf.read("Metadata/slice_info.config"))
    header = {h.get("key"): h.get("value") for h in root.iter("header_item")}
    expect(header.get("X-BBL-Client-Type") == "slicer", "slice_info client type is not slicer")
    expect(bool(header.get("X-BBL-Client-Version")), "slice_info has no client version")
    plate = find_plate(root, n)
    if not expect(plate is not None, f"slice_info.config has no plate {n}"):
        return None, header
    keys = [k for k, _ in metadata_pairs(plate)]
    expect("printer_model_id" in keys, "slice_info has no printer_model_id")
    for key in ("extruder_type", "nozzle_volume_type"):
        if key in keys and "printer_model_id" in keys:
            expect(keys.index(key) < keys.index("printer_model_id"),
                   f"slice_info puts {key} after printer_model_id")
    return plate, header


def check_model_settings(zf, n):
    names = set(zf.namelist())
    root = ET.fromstring(zf.read("Metadata/model_settings.config"))
    plates = root.findall("plate")
    expect(len(plates) >= 1, "model_settings.config has no plate")
    for plate in plates:
        meta = dict(metadata_pairs(plate))
        if meta.get("plater_id") != str(n):
            continue
        for key in ("gcode_file", "thumbnail_file", "pattern_bbox_file"):
            if key in meta:
                expect(meta[key] in names, f"model_settings {key} names missing {meta[key]}")
        expect(meta.get("gcode_file") == f"Metadata/plate_{n}.gcode",
               "model_settings gcode_file is wrong")
        return
    fail(f"model_settings.config has no plate {n}")


def check_rels(zf):
    names = set(zf.namelist())
    for rels in ("_rels/.rels", "Metadata/_rels/model_settings.config.rels"):
        root = ET.fromstring(zf.read(rels))
        for rel in root:
            target = rel.get("Target", "").lstrip("/")
            expect(target in names, f"{rels} points at missing {target}")
    types = ET.fromstring(zf.read("[Content_Types].xml"))
    extensions = {d.get("Extension"): d.get("ContentType") for d in types}
    expect(extensions.get("gcode") == "text/x.gcode", "no gcode content type")
    expect(extensions.get("png") == "image/png", "no png content type")
    expect(extensions.get("model") == "application/vnd.ms-package.3dmanufacturing-3dmodel+xml",
           "no model content type")


def check_ours(zf, n):
    expect(zf.namelist() == our_entries(n),
           f"entries differ from the vendor order: {zf.namelist()}")
    for info in zf.infolist():
        expect(info.date_time == FIXED_DATE, f"{info.filename} has time {info.date_time}")
    settings = json.loads(zf.read("Metadata/project_settings.config"))
    expect(isinstance(settings, dict), "project_settings.config is not a JSON object")
    expect(list(settings) == sorted(settings), "project_settings.config keys are not sorted")
    plate_json = json.loads(zf.read(f"Metadata/plate_{n}.json"))
    expect(list(plate_json) == sorted(plate_json), "plate JSON keys are not sorted")
    expect(plate_json.get("version") == 2, "plate JSON version is not 2")
    model = ET.fromstring(zf.read("3D/3dmodel.model"))
    expect(not any(e.tag.endswith("mesh") for e in model.iter()), "3dmodel.model holds a mesh")


# --- comparisons with inspect --json -------------------------------------

def decimal(value):
    return ("%.4f" % value).rstrip("0").rstrip(".")


def fixed2(value):
    return "" if value is None else "%.2f" % value


def filament_used(f):
    length, weight = f.get("length_m"), f.get("weight_g")
    if length is None and weight is None:
        return "type" in f or "color" in f
    return (length or 0) > 0 or (weight or 0) > 0


def per_nozzle(settings, key, one):
    value = settings.get(key)
    if not value:
        return "0"
    return " ".join("1" if p.strip().lower() == one.lower() else "0"
                    for p in re.split("[,;]", value))


def expected_model_id(info):
    settings = info.get("settings", {})
    for candidate in (info.get("printer_model"), settings.get("printer_model"),
                      settings.get("printer_settings_id")):
        if not candidate:
            continue
        for name, model_id in MODEL_IDS.items():
            if candidate in (name, model_id) or re.fullmatch(
                    re.escape(name) + r" [0-9.]+ nozzle", candidate):
                return model_id
    return ""


def compare_slice_info(plate, header, info, model_id):
    meta = dict(metadata_pairs(plate))
    settings = info.get("settings", {})

    def same(key, want):
        expect(meta.get(key) == want, f"slice_info {key} is {meta.get(key)!r}, want {want!r}")

    same("prediction", str(info["print_time_s"]) if "print_time_s" in info else "")
    same("weight", fixed2(info.get("total_weight_g")))
    same("nozzle_diameters", ",".join(decimal(d) for d in info.get("nozzle_diameters_mm", [])))
    same("printer_model_id", model_id if model_id is not None else expected_model_id(info))
    same("extruder_type", per_nozzle(settings, "extruder_type", "Bowden"))
    same("nozzle_volume_type", per_nozzle(settings, "nozzle_volume_type", "High Flow"))
    same("support_used", "true" if settings.get("enable_support") == "1" else "false")
    same("label_object_enabled", "true" if info.get("objects") else "false")
    if "BambuStudio" in info.get("slicer", "") and "slicer_version" in info:
        expect(header.get("X-BBL-Client-Version") == info["slicer_version"],
               "client version is not the Bambu Studio version of the G-code")

    names = [o.get("name") for o in plate.findall("object")]
    expect(names == info.get("objects", []), f"objects {names} != {info.get('objects')}")

    want = [f for f in info.get("filaments", []) if filament_used(f)]
    got = plate.findall("filament")
    expect(len(got) == len(want), f"{len(got)} filaments listed, want {len(want)}")
    for f, g in zip(want, got):
        for attr, value in (("id", str(f["index"])), ("type", f.get("type", "")),
                            ("color", f.get("color", "")),
                            ("used_m", fixed2(f.get("length_m"))),
                            ("used_g", fixed2(f.get("weight_g")))):
            expect(g.get(attr) == value,
                   f"filament {f['index']} {attr} is {g.get(attr)!r}, want {value!r}")


def compare_plate_json(zf, n, info):
    plate_json = json.loads(zf.read(f"Metadata/plate_{n}.json"))
    used = [f for f in info.get("filaments", []) if filament_used(f)]
    expect(plate_json.get("filament_ids") == [f["index"] - 1 for f in used],
           f"plate JSON filament_ids {plate_json.get('filament_ids')}")
    expect(plate_json.get("filament_colors") == [f.get("color", "") for f in used],
           f"plate JSON filament_colors {plate_json.get('filament_colors')}")
    bed = info.get("bed_type") or info.get("settings", {}).get("curr_bed_type")
    expect(plate_json.get("bed_type") == BED_TYPES.get(bed),
           f"plate JSON bed_type {plate_json.get('bed_type')} for {bed}")
    if "bbox_all" in plate_json:
        box = plate_json["bbox_all"]
        expect(len(box) == 4 and box[0] <= box[2] and box[1] <= box[3], f"bad bbox_all {box}")


def compare_settings(zf, info):
    settings = json.loads(zf.read("Metadata/project_settings.config"))
    expect(settings == info.get("settings", {}), "project_settings.config differs from settings")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("archive")
    parser.add_argument("--plate", type=int, default=1)
    parser.add_argument("--ours", action="store_true")
    parser.add_argument("--inspect")
    parser.add_argument("--model-id")
    parser.add_argument("--gcode-md5")
    args = parser.parse_args()
    n = args.plate

    with zipfile.ZipFile(args.archive) as zf:
        check_names(zf)
        names = set(zf.namelist())
        for name in our_entries(n):
            expect(name in names, f"missing {name}")
        if errors:
            return report(args.archive)
        check_md5(zf, n, args.gcode_md5)
        check_pngs(zf, n)
        plate, header = check_slice_info(zf, n)
        check_model_settings(zf, n)
        check_rels(zf)
        if args.ours:
            check_ours(zf, n)
        if args.inspect and plate is not None:
            with open(args.inspect, encoding="utf-8") as f:
                info = json.load(f)
            compare_slice_info(plate, header, info, args.model_id)
            compare_plate_json(zf, n, info)
            compare_settings(zf, info)
    return report(args.archive)


def report(archive):
    for message in errors:
        print(f"{archive}: {message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
