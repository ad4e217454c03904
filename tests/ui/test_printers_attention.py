#!/usr/bin/python3
# test_printers_attention.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Send panel's calibration choices and a start that pauses, through the
# window against the virtual printer (docs/virtual-printer.md): the printer is
# added through the Add Printer dialog, a corpus archive is opened and sent
# with Bed Leveling "Off" and Flow Calibration "On"; the printer was told to
# pause the next start on AMS filament runout (print_error 0x07008011 and
# HMS 0700_2000_0002_0001). The Send panel's live state and the printer's
# card on the Printers page then say "Needs Attention" with the codes and our
# description, never "Printing"; the project_file the printer received carries
# the chosen calibration modes.
#
# Runs under tests/headless-run.sh --keyring.

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"
# Random, so a virtual printer another test runs at the same time (whose PAM
# service is named after its serial) is never this one.
SERIAL = "01S00A%09d" % random.randrange(10**9)
ACCESS_CODE = "40917263"
SPEED = "450"
PROBLEM = "0700-8011: The AMS ran out of filament; load new filament."


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


def choose(app, panel, name):
    """Clicks one button of an Auto / On / Off group, e.g. "Bed Leveling: Off"."""
    button = app.wait_for("the %r button" % name, root=panel, role=pyatspi.ROLE_PUSH_BUTTON,
                          name=name)
    ui.click(button)
    afui.poll("%r chosen" % name,
              lambda: button.getState().contains(pyatspi.STATE_CHECKED)
              or button.getState().contains(pyatspi.STATE_PRESSED), app=app)


def send_file(app):
    afui.open_with_chooser(app, afui.corpus("3mf", NAME))
    app.top_level(NAME)
    afui.wait_print_time(app)
    ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Send to Printer"))
    panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    # Auto is the default of both.
    for name in ("Bed Leveling: Auto", "Flow Calibration: Auto"):
        button = app.wait_for("the %r button" % name, root=panel,
                              role=pyatspi.ROLE_PUSH_BUTTON, name=name)
        afui.check(button.getState().contains(pyatspi.STATE_CHECKED)
                   or button.getState().contains(pyatspi.STATE_PRESSED),
                   "%r is chosen by default" % name)
    # Without a known model "auto" is the older defaults; the panel says so.
    for subtitle in ("Auto: on for this printer", "Auto: off for this printer"):
        app.wait_for("the subtitle %r" % subtitle, root=panel, role=pyatspi.ROLE_LABEL,
                     name=subtitle)
    choose(app, panel, "Bed Leveling: Off")
    choose(app, panel, "Flow Calibration: On")
    afui.screenshot(NAME, "attention-1-options.png")
    send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"), app=app)
    afui.poll("Send to turn on", lambda: ui.is_sensitive(send), app=app)
    ui.click(send)
    return panel


def has_problem(root):
    return any(n.getRole() == pyatspi.ROLE_LABEL and PROBLEM in afui.text_of(n)
               and "0700-2000-0002-0001" in afui.text_of(n) and afui.is_showing(n)
               for n in afui.walk(root))


def test():
    printer = ui.VirtualPrinter(sys.argv[2], "--speed", SPEED, "--serial", SERIAL,
                                 "--access-code", ACCESS_CODE)
    try:
        with afui.App(sys.argv[1]) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
            try:
                add_printer(app, printer)
                printer.control("pause-next-start 0x07008011 0x07002000:0x00020001")
                panel = send_file(app)
                # The Send panel's live state: the printer's card after sending.
                afui.poll("the panel to say the printer needs attention",
                          lambda: afui.find(panel, role=pyatspi.ROLE_LABEL,
                                            name="Needs Attention"),
                          app=app, limit=600)
                afui.poll("the codes and description in the panel",
                          lambda: has_problem(panel), app=app)
                afui.check(afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing") is None,
                           "a paused start is not shown as printing")
                afui.screenshot(NAME, "attention-2-panel.png")

                # The printer's card on the Printers page says the same.
                ui.show_page(app, "Printers")
                app.wait_for("the card to say the printer needs attention",
                             role=pyatspi.ROLE_LABEL, name="Needs Attention")
                afui.poll("the codes and description on the card",
                          lambda: has_problem(app.accessible()), app=app)
                afui.screenshot(NAME, "attention-3-card.png")
            except afui.Failure:
                for title in (NAME, ui.WINDOW):
                    if afui._window_id(title) is not None:
                        afui.screenshot(title, "attention-failed.png")
                        break
                raise
            app.close_window()
        # The virtual printer's state dir goes when it stops.
        with open(printer.info["requests_file"]) as requests:
            starts = [json.loads(line)["print"] for line in requests
                      if '"project_file"' in line]
    finally:
        printer.stop()

    afui.check(len(starts) == 1, "one print was started, not %d" % len(starts))
    sent = starts[0]
    # The window's printer has no model (it comes with discovery): "on" and
    # "off" go as chosen, the booleans say "on" only.
    expected = {"auto_bed_leveling": 0, "bed_leveling": False, "extrude_cali_flag": 1,
                "flow_cali": True, "nozzle_offset_cali": 0, "layer_inspect": False}
    for key, value in expected.items():
        afui.check(sent.get(key) == value and type(sent.get(key)) is type(value),
                   "project_file %s is %r, not %r" % (key, sent.get(key), value))


afui.run(test)
