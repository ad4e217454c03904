#!/usr/bin/python3
# test_open_gcode.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A G-code file given on the command line (GApplication "open") shows its
# print time, thumbnail, filament and details, and closing it quits cleanly.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "orcaslicer-2.3.0-k1max.gcode"


def test():
    with afui.App(sys.argv[1], afui.corpus("gcode", NAME)) as app:
        frame = app.top_level(NAME)
        afui.check(frame.getRole() == pyatspi.ROLE_FRAME, "the window is titled with the file name")

        label = afui.wait_print_time(app)
        afui.check(afui.text_of(label) == "1 h 32 min 43 s",
                   "print time reads %r, expected '1 h 32 min 43 s'" % afui.text_of(label))
        afui.check(label.name == "Estimated print time: 1 hour, 32 minutes, 43 seconds",
                   "print time is announced as %r" % label.name)

        thumbnail = afui.wait_thumbnail(app)
        afui.check("300 × 300 pixels" in thumbnail.description,
                   "the thumbnail should be the 300×300 one: %r" % thumbnail.description)
        box = afui.extents(thumbnail)
        afui.check((box.width, box.height) == (256, 256),
                   "the thumbnail is drawn %d×%d, expected 256×256" % (box.width, box.height))

        # The first extruder is unused (0.00 g): only the black PLA is listed.
        pla = app.wait_for("the PLA filament row", role=pyatspi.ROLE_LIST_ITEM, name="PLA")
        afui.check(pla.description == "Color #000000", "filament colour: %r" % pla.description)
        afui.check(afui.row_value(app, "PLA") == "95.76 g · 32.11 m", "filament amount")
        afui.check(len(afui.find_all(frame, pyatspi.ROLE_LIST_ITEM, "PLA")) == 1,
                   "the unused extruder should not be listed")

        for title, value in [("Printer", "CR-K1 Max"), ("Nozzle Diameter", "0.4 mm"),
                             ("Layers", "190"), ("Layer Height", "0.2 mm"),
                             ("Slicer", "OrcaSlicer 2.3.0-beta2")]:
            actual = afui.row_value(app, title)
            afui.check(actual == value, "%s reads %r, expected %r" % (title, actual, value))

        afui.screenshot(NAME, "window-orca.png")

        # Closing saves the window size and cancels nothing left running:
        # under fatal warnings, any complaint on the way out fails here.
        status = app.close_window()
        afui.check(status == 0, "closing the window ended the application with %d" % status)


afui.run(test)
