#!/usr/bin/python3
# test_empty_then_3mf.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Started without a file, the window invites to open one; a printer-ready
# .gcode.3mf chosen through the Open button and the file chooser then shows
# its first plate.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"


def test():
    with afui.App(sys.argv[1]) as app:
        app.wait_for("the empty state's title", role=pyatspi.ROLE_LABEL, name="Open a Sliced File")
        afui.check(afui.find(app.accessible(), role=pyatspi.ROLE_LABEL,
                             prefix="Estimated print time:") is None,
                   "no print time is shown before a file is open")
        afui.screenshot("AtomForm Connect", "window-empty.png")

        afui.open_with_chooser(app, afui.corpus("3mf", NAME))

        app.top_level(NAME)
        label = afui.wait_print_time(app)
        # slice_info.config: <metadata key="prediction" value="9038"/>
        afui.check(afui.text_of(label) == "2 h 30 min 38 s",
                   "print time reads %r, expected '2 h 30 min 38 s'" % afui.text_of(label))
        thumbnail = afui.wait_thumbnail(app)
        afui.check("× " in thumbnail.description, "the thumbnail says its size")
        afui.check(afui.row_value(app, "Plate") == "1", "the first plate is shown")
        # Polled: the pages cross-fade, and both are on screen for a moment.
        afui.poll("the empty state to go",
                  lambda: afui.find(app.accessible(), role=pyatspi.ROLE_LABEL,
                                    name="Open a Sliced File") is None,
                  app=app)

        afui.screenshot(NAME, "window-3mf.png")


afui.run(test)
