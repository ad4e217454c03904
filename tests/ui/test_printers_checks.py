#!/usr/bin/python3
# test_printers_checks.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The checks before sending, through the window, against a virtual A1 mini
# without an AMS (only the external spool, as a P1P or A1 without one reports
# it): the P1S archive is refused in the send panel with a sentence naming
# both printers, and Send to Printer stays off; Send Anyway sends it, with
# use_ams false (the printer would stop with "Failed to get AMS mapping
# table") and the file's plate type, and the print finishes.
#
# Runs under tests/headless-run.sh --keyring.

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"
SERIAL = "01S00A000000778"
ACCESS_CODE = "40917263"
SPEED = "3000"
MISMATCH = "This file was sliced for P1S, not for this A1 mini."


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


def open_panel(app):
    afui.open_with_chooser(app, afui.corpus("3mf", NAME))
    app.top_level(NAME)
    afui.wait_print_time(app)
    ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Send to Printer"))
    return app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")


def test():
    printer = ui.VirtualPrinter(sys.argv[2], "--speed", SPEED, "--serial", SERIAL,
                                "--access-code", ACCESS_CODE, "--model", "N1", "--no-ams")
    try:
        with afui.App(sys.argv[1]) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
            add_printer(app, printer)
            panel = open_panel(app)

            app.wait_for("the mismatch sentence", root=panel, role=pyatspi.ROLE_LABEL,
                         name=MISMATCH)
            send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                             app=app)
            afui.check(not ui.is_sensitive(send), "Send to Printer is off for a P1S file")
            # GTK 4.8 gives a GtkSwitch the check box role.
            use_ams = app.wait_for("the Use AMS switch", root=panel,
                                   role=pyatspi.ROLE_CHECK_BOX, prefix="Use AMS")
            afui.check(not use_ams.getState().contains(pyatspi.STATE_CHECKED),
                       "Use AMS is off without an AMS")
            afui.screenshot(NAME, "checks-1-mismatch.png")
            anyway = afui.poll("the Send Anyway button",
                               lambda: ui.find_button(panel, "Send Anyway"), app=app)
            afui.check(ui.is_sensitive(anyway), "Send Anyway can be pressed")
            ui.click(anyway)

            afui.poll("the print to finish",
                      lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
                      app=app, limit=1200)
            afui.screenshot(NAME, "checks-2-finished.png")
            app.close_window()
        check_requests(printer)
    finally:
        printer.stop()


def check_requests(printer):
    """What the virtual printer was sent; it keeps its requests until it stops."""
    with open(printer.info["requests_file"]) as requests:
        starts = [json.loads(line)["print"] for line in requests if '"project_file"' in line]
    afui.check(len(starts) == 1, "one print was started, not %d" % len(starts))
    afui.check(starts[0].get("use_ams") is False,
               "use_ams is false without an AMS, not %r" % starts[0].get("use_ams"))
    afui.check(starts[0].get("bed_type") == "textured_plate",
               "the file's plate was sent, not %r" % starts[0].get("bed_type"))


afui.run(test)
