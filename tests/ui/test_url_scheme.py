#!/usr/bin/python3
# test_url_scheme.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A slicer opens atomform-connect://import-file?path=…&name=…&version=1.0.0
# (the desktop file hands it over as %U). Paths with "&", "+", "%", spaces
# and "ü", encoded as encodeURIComponent does it, reach the window decoded
# exactly once: on a first launch, and handed to the running window by a
# second. A link to a file that is not there, or to a FIFO, is told in the
# window.

import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import pyatspi  # noqa: E402

ORCA = "orcaslicer-2.3.0-k1max.gcode"
BGCODE = "prusaslicer-2.8.1-mini-cube.bgcode"
# A folder and file name a naive decoder breaks: "&" splits the query,
# "+" turns into a space, "%25" decoded twice becomes "%", "ü" is two bytes.
FOLDER = "Prints & Co + 50%25 ü"
NAME = "Cube & 100% + ü.gcode"
BG_NAME = "Mini+Cube %41 & ü.bgcode"


def import_url(path, name):
    # encodeURIComponent: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( )
    quote = lambda v: urllib.parse.quote(v, safe="-_.!~*'()")  # noqa: E731
    return "atomform-connect://import-file?path=%s&name=%s&version=1.0.0" % (quote(path),
                                                                             quote(name))


def copy(src, dest):
    with open(src, "rb") as f, open(dest, "wb") as g:
        g.write(f.read())


def is_message(node, text):
    return (node.getRole() == pyatspi.ROLE_LABEL and text in node.name
            and afui.is_showing(node))


def test():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="af-url-", dir=os.environ["HOME"]) as tmp:
        folder = os.path.join(tmp, FOLDER)
        os.mkdir(folder)
        gcode = os.path.join(folder, NAME)
        bgcode = os.path.join(folder, BG_NAME)
        copy(afui.corpus("gcode", ORCA), gcode)
        copy(afui.corpus("gcode", BGCODE), bgcode)
        # A decoy where a double decode would land: "%2541" once is "%41", twice "A".
        copy(afui.corpus("gcode", ORCA), os.path.join(folder, "Mini+Cube A & ü.bgcode"))

        # A first launch with a link of a newer format: an empty window that says why.
        newer = import_url(gcode, "Cube").replace("version=1.0.0", "version=2.0.0")
        with afui.App(exe, newer) as app:
            toast = afui.poll("the message about the link's version",
                              lambda: next((n for n in afui.walk(app.accessible())
                                            if is_message(n, "version “2.0.0”")), None),
                              app=app)
            afui.log("shown: %s" % toast.name)
            app.wait_for("the empty state", role=pyatspi.ROLE_LABEL, name="Open a Sliced File")
            afui.check(len(app.frames()) == 1, "one window, empty")

        url = import_url(gcode, "Cube")
        afui.check("%26" in url and "%2B" in url and "%2525" in url and "%C3%BC" in url,
                   "the link should carry every awkward character encoded: %s" % url)
        afui.log("first launch: %s" % url)
        with afui.App(exe, url) as app:
            frame = app.top_level(NAME)
            label = afui.wait_print_time(app, root=frame)
            afui.check(afui.text_of(label) == "1 h 32 min 43 s", "print time of the linked file")
            afui.screenshot(NAME, "window-url-scheme.png")

            # A second launch with a link hands it to the running window.
            url = import_url(bgcode, "Mini Cube")
            started = time.monotonic()
            second = subprocess.run([exe, url], env=afui.APP_ENV, timeout=30)
            afui.check(second.returncode == 0, "the second launch exited with %d"
                       % second.returncode)
            afui.check(time.monotonic() - started < 10, "the second launch should not stay")
            frame = app.top_level(BG_NAME)
            printer = afui.row_value(app, "Printer", root=frame)
            afui.check(printer == "MK4S",
                       "the binary G-code read is the linked one, not the decoy: %r" % printer)
            afui.check(len(app.frames()) == 2, "the running window kept its file and a second "
                       "window shows the new one")

            # A link to a file that is gone: the window says so and keeps its file.
            gone = os.path.join(folder, "gone & away.gcode")
            subprocess.run([exe, import_url(gone, "Gone")], env=afui.APP_ENV, timeout=30,
                           check=True)
            toast = afui.poll("the message about the missing file",
                              lambda: next((n for n in afui.walk(app.accessible())
                                            if is_message(n, "gone & away.gcode” does not exist")),
                                           None), app=app)
            afui.log("shown: %s" % toast.name)
            afui.check(app.running(), "a bad link must not end the application")
            afui.check(len(app.frames()) == 2, "a bad link opens no window")

            # A FIFO is refused before it is opened: reading it would hang.
            fifo = os.path.join(folder, "pipe & more.gcode")
            os.mkfifo(fifo)
            subprocess.run([exe, import_url(fifo, "Pipe")], env=afui.APP_ENV, timeout=30,
                           check=True)
            toast = afui.poll("the message about the FIFO",
                              lambda: next((n for n in afui.walk(app.accessible())
                                            if is_message(n, "pipe & more.gcode” is not a "
                                                          "regular file")), None), app=app)
            afui.log("shown: %s" % toast.name)
            afui.check(len(app.frames()) == 2, "a FIFO opens no window")


afui.run(test)
