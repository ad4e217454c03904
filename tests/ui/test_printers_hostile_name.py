#!/usr/bin/python3
# test_printers_hostile_name.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A file whose name holds markup ("<b>&x") is sent to the virtual printer from
# the window: the sending page (an AdwStatusPage, whose description
# libadwaita parses as markup) shows the name literally. The application
# runs with fatal warnings, so the Pango warning an unescaped name causes
# ends it and fails the test.
#
# Runs under tests/headless-run.sh --keyring.

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

CORPUS_NAME = "bambustudio-02.07-p1s.gcode.3mf"
NAME = "<b>&x cube.gcode.3mf"
SERIAL = "01S00A000000778"
ACCESS_CODE = "40960217"


def add_printer(app, printer):
    ui.show_page(app, "Printers")
    dialog = ui.open_add_dialog(app)
    ui.fill_add_dialog(app, dialog, printer, ACCESS_CODE)
    ui.click(ui.add_button(app, dialog))
    prompt = app.top_level(ui.TRUST_DIALOG)
    afui.poll("the certificate prompt on screen", lambda: afui.is_showing(prompt), app=app)
    ui.click(afui.poll("the Trust button", lambda: ui.find_button(prompt, "Trust"), app=app))
    afui.poll("the Add Printer dialog to close",
              lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app, limit=600)
    app.wait_for("the printer to be idle", role=pyatspi.ROLE_LABEL, name="Idle")


def send(app, path):
    afui.wait_print_time(app)
    ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Send to Printer"))
    panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    button = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                       app=app)
    afui.poll("Send to turn on", lambda: ui.is_sensitive(button), app=app, limit=600)
    ui.click(button)
    label = app.wait_for("the file's name on the sending page", role=pyatspi.ROLE_LABEL,
                         name=NAME)
    afui.check(afui.text_of(label) == NAME, "the sending page shows %r" % afui.text_of(label))
    afui.screenshot(NAME, "hostile-name-sending.png")
    afui.poll("the printer to print",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing"),
              app=app, limit=600)
    afui.check(app.running(), "the window survived the name")


def test():
    folder = tempfile.mkdtemp(prefix="af-hostile-")
    path = os.path.join(folder, NAME)
    shutil.copyfile(afui.corpus("3mf", CORPUS_NAME), path)
    printer = ui.VirtualPrinter(sys.argv[2], "--speed", "450", "--serial", SERIAL,
                                 "--access-code", ACCESS_CODE)
    try:
        with afui.App(sys.argv[1]) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
            add_printer(app, printer)
            afui.check(app.close_window() == 0, "the window closed cleanly")

        with afui.App(sys.argv[1], path) as app:
            send(app, path)
    finally:
        printer.stop()
        shutil.rmtree(folder)


afui.run(test)
