#!/usr/bin/python3
# test_handoff.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# With the application already running, launching it again with a file (a
# double click in Files) hands the file to the running instance: the second
# process exits at once and the first, empty window shows the file. Later
# launches with a binary G-code and a printer-ready archive named *.3mf
# (Open With offers the app for model/3mf too) open them beside it.

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "orcaslicer-2.3.0-k1max.gcode"


def test():
    exe = sys.argv[1]
    with afui.App(exe) as app:
        app.wait_for("the empty state's title", role=pyatspi.ROLE_LABEL, name="Open a Sliced File")
        afui.check(len(app.frames()) == 1, "one window at start")

        started = time.monotonic()
        second = subprocess.run([exe, afui.corpus("gcode", NAME)], env=afui.APP_ENV, timeout=30)
        elapsed = time.monotonic() - started
        afui.check(second.returncode == 0,
                   "the second launch exited with %d, expected 0" % second.returncode)
        # It only forwards the file over D-Bus; it must not sit there.
        afui.check(elapsed < 10, "the second launch took %.1f s" % elapsed)
        afui.log("second launch exited 0 after %.2f s" % elapsed)

        frame = app.top_level(NAME)
        label = afui.wait_print_time(app, root=frame)
        afui.check(afui.text_of(label) == "1 h 32 min 43 s", "print time in the first process")
        frames = app.frames()
        afui.check(len(frames) == 1,
                   "the file should be shown in the first, empty window, but the first process "
                   "now has %d windows: %r" % (len(frames), [f.name for f in frames]))

        afui.screenshot(NAME, "window-handoff.png")

        with tempfile.TemporaryDirectory(prefix="af-handoff-") as tmp:
            project = os.path.join(tmp, "Project.3mf")
            shutil.copy(afui.corpus("3mf", "bambustudio-02.07-p1s.gcode.3mf"), project)
            for path, title, time_text in [
                    (afui.corpus("gcode", "prusaslicer-2.8.1-mini-cube.bgcode"),
                     "prusaslicer-2.8.1-mini-cube.bgcode", "3 min 41 s"),
                    (project, "Project.3mf", "2 h 30 min 38 s")]:
                subprocess.run([exe, path], env=afui.APP_ENV, timeout=30, check=True)
                frame = app.top_level(title)
                label = afui.wait_print_time(app, root=frame)
                afui.check(afui.text_of(label) == time_text,
                           "%s shows %r, expected %r" % (title, afui.text_of(label), time_text))
            afui.check(len(app.frames()) == 3, "each later file has a window of its own")


afui.run(test)
