#!/usr/bin/python3
# test-install.py SOURCE_ROOT CORPUS_DIR HEADLESS_RUN
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `meson install` to a temporary prefix gives a working app. The tree is
# configured afresh with that prefix (so every path baked into the binary,
# the D-Bus service and the desktop file is the real one), built without
# tests, and installed; meson's post-install step compiles the schemas and
# updates the MIME, icon and desktop databases there, as a package would.
# Then, from the prefix alone:
#   - every file lands where the desktop looks for it;
#   - the installed command line reads a corpus file;
#   - GIO, given only the prefix, picks the app for each file type and for
#     atomform-connect:// links;
#   - the installed window opens files and links the way the desktop hands
#     them over: `gio open` → desktop file → D-Bus activation through the
#     installed service file (tests/ui/test_installed.py, on a private
#     display and bus);
#   - with LANGUAGE=de the installed window shows de.po's German in each
#     view it reaches (tests/ui/test_german.py).

import json
import os
import shutil
import subprocess
import sys
import tempfile

APP_ID = "tech.atomform.Connect"
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message, flush=True)
    if not condition:
        failures.append(message)


def run(*args, **kwargs):
    print("$ " + " ".join(args), flush=True)
    return subprocess.run(args, check=True, **kwargs)


def build_and_install(source, tmp):
    build = os.path.join(tmp, "build")
    prefix = os.path.join(tmp, "prefix")
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    run("meson", "setup", build, source, "--prefix=" + prefix, "-Dtests=false",
        "-Dprofile=default", stdout=subprocess.DEVNULL, env=env)
    run("meson", "compile", "-C", build, stdout=subprocess.DEVNULL, env=env)
    run("meson", "install", "-C", build, "--no-rebuild", stdout=subprocess.DEVNULL, env=env)
    return prefix


def check_files(prefix):
    share = os.path.join(prefix, "share")
    exe = os.path.join(prefix, "bin", "atomform-connect")
    check(os.access(exe, os.X_OK), "bin/atomform-connect is installed")
    for path in ["applications/%s.desktop" % APP_ID,
                 "metainfo/%s.metainfo.xml" % APP_ID,
                 "dbus-1/services/%s.service" % APP_ID,
                 "mime/packages/%s.xml" % APP_ID,
                 "glib-2.0/schemas/%s.gschema.xml" % APP_ID,
                 "icons/hicolor/scalable/apps/%s.svg" % APP_ID,
                 "icons/hicolor/symbolic/apps/%s-symbolic.svg" % APP_ID,
                 "locale/de/LC_MESSAGES/atomform-connect.mo",
                 # What the post-install step made: the databases the desktop reads.
                 "glib-2.0/schemas/gschemas.compiled",
                 "mime/mime.cache",
                 "applications/mimeinfo.cache"]:
        check(os.path.isfile(os.path.join(share, path)), "share/%s is installed" % path)

    with open(os.path.join(share, "dbus-1/services/%s.service" % APP_ID)) as f:
        service = f.read()
    check("Exec=%s --gapplication-service\n" % exe in service,
          "the D-Bus service starts the installed binary")
    with open(os.path.join(share, "applications/mimeinfo.cache")) as f:
        cache = f.read()
    for mime in ["x-scheme-handler/atomform-connect", "application/x-bgcode",
                 "application/x-gcode-3mf", "text/x.gcode"]:
        check("%s=%s.desktop;" % (mime, APP_ID) in cache,
              "update-desktop-database lists the app for %s" % mime)
    return exe


def check_cli(exe, corpus, env):
    gcode = os.path.join(corpus, "gcode", "orcaslicer-2.3.0-k1max.gcode")
    out = subprocess.run([exe, "inspect", gcode, "--json"], env=env, capture_output=True,
                         text=True, check=True).stdout
    info = json.loads(out)
    check(info.get("printer_model") == "CR-K1 Max" and info.get("print_time_s") == 5563,
          "the installed CLI reads the corpus file's printer and print time")
    version = subprocess.run([exe, "--version"], env=env, capture_output=True, text=True,
                             check=True).stdout
    check(version.startswith("atomform-connect 0."), "--version: %r" % version.strip())


GIO_CHECK = r'''
import sys
from gi.repository import Gio
app_id = sys.argv[1]
desktop = Gio.DesktopAppInfo.new(app_id + ".desktop")
assert desktop is not None, "no desktop file found"
print("desktop", desktop.get_filename())
print("scheme", Gio.AppInfo.get_default_for_uri_scheme("atomform-connect").get_id())
for t in ["application/x-bgcode", "application/x-gcode-3mf", "text/x.gcode", "model/3mf"]:
    print("type", t, " ".join(a.get_id() for a in Gio.AppInfo.get_all_for_type(t)))
print("guess", Gio.content_type_guess("plate.gcode.3mf", None)[0])
'''


def check_gio(prefix, env):
    result = subprocess.run(["/usr/bin/python3", "-c", GIO_CHECK, APP_ID], env=env,
                            capture_output=True, text=True)
    check(result.returncode == 0, "GIO reads the prefix: %s" % result.stderr.strip())
    out = result.stdout
    lines = out.splitlines()
    check("desktop %s/share/applications/%s.desktop" % (prefix, APP_ID) in lines,
          "GIO finds the installed desktop file")
    check("scheme %s.desktop" % APP_ID in lines, "GIO opens atomform-connect:// links with it")
    for line in lines:
        if line.startswith("type "):
            check(("%s.desktop" % APP_ID) in line.split()[2:], "GIO offers it for %s"
                  % line.split()[1])
    check("guess application/x-gcode-3mf" in lines, "*.gcode.3mf is a printer-ready 3MF")


def main():
    source, corpus, headless = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="af-install-")
    try:
        prefix = build_and_install(source, tmp)
        exe = check_files(prefix)

        env = dict(os.environ)
        env.pop("GSETTINGS_SCHEMA_DIR", None)
        env["XDG_DATA_DIRS"] = os.path.join(prefix, "share") + ":/usr/share"
        env["XDG_DATA_HOME"] = os.path.join(tmp, "empty-data-home")
        # GIO only offers a desktop file whose Exec it finds on PATH, as for
        # /usr/local/bin after a default install.
        env["PATH"] = os.path.dirname(exe) + ":" + env.get("PATH", "/usr/bin:/bin")
        check_cli(exe, corpus, env)
        check_gio(prefix, env)

        window = subprocess.run([headless, "/usr/bin/python3",
                                 os.path.join(source, "tests", "ui", "test_installed.py"),
                                 exe, corpus], env=env)
        check(window.returncode == 0, "the installed window opens files and links")

        # The translations are found where the install put them.
        german_env = dict(env, LANGUAGE="de", LC_ALL="C.UTF-8")
        german = subprocess.run([headless, "/usr/bin/python3",
                                 os.path.join(source, "tests", "ui", "test_german.py"),
                                 exe, corpus, os.path.join(source, "po", "de.po")],
                                env=german_env)
        check(german.returncode == 0, "the installed window speaks German with LANGUAGE=de")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("%d failed" % len(failures))
    return 1 if failures else 0


sys.exit(main())
