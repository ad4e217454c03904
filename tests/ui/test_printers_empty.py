#!/usr/bin/python3
# test_printers_empty.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# With no printer saved, the Printers page invites to add one; the Add
# Printer dialog keeps Add off until the address, serial, access code and
# ports are all plausible, and Cancel closes
# it without saving anything.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402


def test():
    with afui.App(sys.argv[1]) as app:
        app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
        ui.show_page(app, "Printers")
        app.wait_for("the empty state", role=pyatspi.ROLE_LABEL, name="No Printers")
        afui.screenshot(ui.WINDOW, "printers-empty.png")

        dialog = ui.open_add_dialog(app)
        add = ui.add_button(app, dialog)
        afui.check(not ui.is_sensitive(add), "Add is off while the form is empty")
        afui.check(afui.text_of(ui.entry(app, dialog, "MQTT Port")) == "8883",
                   "the MQTT port defaults to 8883")
        afui.check(afui.text_of(ui.entry(app, dialog, "FTPS Port")) == "990",
                   "the FTPS port defaults to 990")

        ui.set_text(app, dialog, "IP Address or Host Name", "192.0.2.7")
        ui.set_text(app, dialog, "Serial Number", "01S00A000000042")
        ui.set_text(app, dialog, "Access Code", "87654321")
        afui.poll("Add to turn on", lambda: ui.is_sensitive(add), app=app)

        ui.set_text(app, dialog, "MQTT Port", "88x3")
        afui.poll("Add to turn off for a bad port", lambda: not ui.is_sensitive(add), app=app)
        afui.screenshot(ui.ADD_DIALOG, "add-printer-invalid.png")

        ui.set_text(app, dialog, "MQTT Port", "8883")
        ui.set_text(app, dialog, "Serial Number", "01S 00A")
        afui.poll("Add to turn off for a bad serial", lambda: not ui.is_sensitive(add), app=app)
        ui.set_text(app, dialog, "Serial Number", "01S00A000000042")
        afui.poll("Add to turn on again", lambda: ui.is_sensitive(add), app=app)
        afui.screenshot(ui.ADD_DIALOG, "add-printer-filled.png")

        cancel = app.wait_for("Cancel", root=dialog, role=pyatspi.ROLE_PUSH_BUTTON,
                              prefix="Cancel")
        ui.click(cancel)
        afui.poll("the dialog to close", lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app)
        app.wait_for("the empty state after Cancel", role=pyatspi.ROLE_LABEL, name="No Printers")

        config = os.path.join(os.environ["HOME"], ".config", "atomform-connect", "printers.ini")
        afui.check(not os.path.exists(config), "Cancel saves no printer")


afui.run(test)
