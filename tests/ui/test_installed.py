#!/usr/bin/python3
# test_installed.py INSTALLED_EXECUTABLE CORPUS_DIR
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run by tests/test-install.py with XDG_DATA_DIRS pointing at a temporary
# prefix. Opens a printer-ready archive and an atomform-connect:// link
# with `gio open`, as Files and a browser do: GIO picks the installed
# desktop file for the type and the scheme, sees DBusActivatable=true and
# calls org.freedesktop.Application.Open, and the session bus starts the
# installed binary from the installed service file. Both files must show.

import os
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402

ARCHIVE = "Plate & ü.gcode.3mf"
GCODE = "Cube + 100% ü.gcode"


def gio_open(target):
    afui.log("gio open %s" % target)
    subprocess.run(["gio", "open", target], env=afui.APP_ENV, check=True, timeout=30)


def test():
    exe, corpus = sys.argv[1:3]
    home = os.environ["HOME"]
    # Activated services get the bus's environment, not ours: hand over this
    # test's display, throwaway HOME and test settings first.
    subprocess.run(["dbus-update-activation-environment", "--all"], env=afui.APP_ENV,
                   check=True)

    archive = os.path.join(home, ARCHIVE)
    shutil.copy(os.path.join(corpus, "3mf", "bambustudio-02.07-p1s.gcode.3mf"), archive)
    gio_open(archive)
    app = afui.App.find_started(exe, "the installed app, started by D-Bus activation")
    with app:
        with open("/proc/%d/cmdline" % app.proc.pid, "rb") as f:
            argv = f.read().split(b"\0")
        afui.check(argv[:2] == [exe.encode(), b"--gapplication-service"],
                   "the session bus started the installed service: %r" % argv)

        frame = app.top_level(ARCHIVE)
        label = afui.wait_print_time(app, root=frame)
        afui.check(afui.text_of(label) == "2 h 30 min 38 s",
                   "print time of the archive: %r" % afui.text_of(label))

        gcode = os.path.join(home, GCODE)
        shutil.copy(os.path.join(corpus, "gcode", "orcaslicer-2.3.0-k1max.gcode"), gcode)
        gio_open("atomform-connect://import-file?path=%s&name=Cube&version=1.0.0"
                 % urllib.parse.quote(gcode, safe=""))
        frame = app.top_level(GCODE)
        label = afui.wait_print_time(app, root=frame)
        afui.check(afui.text_of(label) == "1 h 32 min 43 s", "print time of the linked file")
        afui.check(afui.pids_on_bus(exe) == [app.proc.pid], "the running app took the link")


afui.run(test)
