#!/usr/bin/python3
# test_bad_file.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# An empty .gcode is refused with the reader's message in a toast, nothing
# crashes, and a file already shown stays shown.

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import pyatspi  # noqa: E402

GOOD = "orcaslicer-2.3.0-k1max.gcode"


def is_error(node):
    # The core's message names the file; the hidden loading page does too,
    # but is not on screen.
    return (node.getRole() == pyatspi.ROLE_LABEL and "“empty.gcode”" in node.name
            and not node.name.startswith("Reading") and afui.is_showing(node))


def wait_error(app):
    toast = afui.poll("the error toast",
                      lambda: next(filter(is_error, afui.walk(app.accessible())), None), app=app)
    afui.check(len(toast.name) > len("“empty.gcode”") + 10,
               "the toast should say why, not just %r" % toast.name)
    afui.log("error shown: %s" % toast.name)
    return toast


def from_command_line(exe, empty):
    with afui.App(exe, empty) as app:
        wait_error(app)
        app.wait_for("the empty state after the error", role=pyatspi.ROLE_LABEL,
                     name="Open a Sliced File")
        afui.screenshot("AtomForm Connect", "window-bad-file.png")
        afui.check(app.running(), "the application survives a bad file")


def after_a_good_file(exe, empty):
    with afui.App(exe, afui.corpus("gcode", GOOD)) as app:
        afui.wait_print_time(app)
        afui.open_with_chooser(app, empty)
        wait_error(app)
        label = afui.wait_print_time(app)
        afui.check(afui.text_of(label) == "1 h 32 min 43 s", "the good file is still shown")
        afui.check(afui.find(app.accessible(), role=pyatspi.ROLE_FRAME, name=GOOD) is not None,
                   "the window still carries the good file's name")
        afui.screenshot(GOOD, "window-bad-after-good.png")


def test():
    with tempfile.TemporaryDirectory(prefix="af-ui-") as tmp:
        empty = os.path.join(tmp, "empty.gcode")
        open(empty, "wb").close()
        from_command_line(sys.argv[1], empty)
        after_a_good_file(sys.argv[1], empty)


afui.run(test)
