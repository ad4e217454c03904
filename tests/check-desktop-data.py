#!/usr/bin/python3
# check-desktop-data.py DESKTOP SERVICE METAINFO MIME_XML SOURCE_ROOT
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What desktop-file-validate and appstreamcli cannot see: that the built
# desktop file, D-Bus service, metainfo and MIME package agree with each
# other, that the screenshots the metainfo names are real files of the size
# it gives, and that the icons are what the desktop looks them up by.

import configparser
import os
import struct
import sys
import xml.etree.ElementTree as ET

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)
    else:
        print("ok: " + message)


def read_ini(path, section):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser[section]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    desktop_path, service_path, metainfo_path, mime_path, root = sys.argv[1:6]
    desktop_id = os.path.basename(desktop_path)
    app_id = desktop_id[:-len(".desktop")]

    desktop = read_ini(desktop_path, "Desktop Entry")
    mime_types = [t for t in desktop["MimeType"].split(";") if t]
    check(desktop.get("DBusActivatable") == "true", "the desktop file is DBusActivatable")
    check(desktop.get("StartupNotify") == "true", "the desktop file has StartupNotify")
    check(desktop.get("Icon") == app_id, "the icon is named after the app id %s" % app_id)
    check(desktop["Exec"].split()[-1] == "%U",
          "Exec takes URIs (%%U), so links reach the app: %r" % desktop["Exec"])
    check("x-scheme-handler/atomform-connect" in mime_types,
          "the desktop file handles atomform-connect:// links")

    service = read_ini(service_path, "D-BUS Service")
    check(os.path.basename(service_path) == app_id + ".service",
          "the service file is named after the bus name")
    check(service["Name"] == app_id, "the service starts the bus name %s" % app_id)
    exe, flag = service["Exec"].split()
    check(os.path.isabs(exe) and os.path.basename(exe) == "atomform-connect"
          and flag == "--gapplication-service",
          "the service runs the installed binary as a GApplication service: %r" % service["Exec"])

    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime_root = ET.parse(mime_path).getroot()
    own_types = [t.get("type") for t in mime_root.findall("m:mime-type", ns)]
    check(own_types == ["application/x-bgcode", "application/x-gcode-3mf"],
          "the MIME package defines the binary G-code and printer-ready 3MF types")
    for t in own_types:
        check(t in mime_types, "the desktop file opens %s" % t)

    meta = ET.parse(metainfo_path).getroot()
    check(meta.findtext("id") == app_id, "the metainfo id is the app id")
    check(meta.find("launchable").text == desktop_id, "the metainfo launches the desktop file")
    provided = [m.text for m in meta.findall("provides/mediatype")]
    for t in provided:
        check(t in mime_types, "the desktop file opens the provided %s" % t)
    check(meta.findtext("provides/dbus") == app_id, "the metainfo names the D-Bus name")
    check(meta.find("content_rating") is not None, "the metainfo has a content rating")
    check(len(meta.findall("releases/release")) >= 1, "the metainfo lists releases")
    text = " ".join(" ".join((p.text or "").split()) for p in meta.findall("description/p"))
    check("local network" in text and "no usage data" in text,
          "the description states the network and privacy behaviour")

    shots = meta.findall("screenshots/screenshot/image")
    check(len(shots) >= 2, "the metainfo shows screenshots")
    for image in shots:
        name = image.text.rsplit("/", 1)[-1]
        path = os.path.join(root, "resources", "screenshots", name)
        size = png_size(path) if os.path.exists(path) else None
        check(size == (int(image.get("width")), int(image.get("height"))),
              "screenshot %s is a PNG of %sx%s in resources/screenshots (found %r)"
              % (name, image.get("width"), image.get("height"), size))

    base = "tech.atomform.Connect"
    scalable = os.path.join(root, "resources/icons/scalable/apps", base + ".svg")
    symbolic = os.path.join(root, "resources/icons/symbolic/apps", base + "-symbolic.svg")
    for path, side in [(scalable, None), (symbolic, "16")]:
        svg = ET.parse(path).getroot()
        check(svg.tag == "{http://www.w3.org/2000/svg}svg", "%s is SVG" % os.path.basename(path))
        if side:
            check(svg.get("width") == side and svg.get("height") == side,
                  "the symbolic icon is drawn on a 16x16 grid")

    print("%d failed" % len(failures))
    return 1 if failures else 0


sys.exit(main())
