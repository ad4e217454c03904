#!/usr/bin/python3
# test_printers_send.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The whole LAN path through the window, against the virtual printer
# (docs/virtual-printer.md) on a fast clock: the printer is added through the
# Add Printer dialog (name, address, serial, ports, access code) and its
# certificate trusted at the prompt; a corpus archive is opened and sent from
# the send panel; the print is paused (after a confirmation) and resumed; the
# printer's state is read through the accessibility tree until it says the
# print finished. Started again, the window reconnects to the saved printer,
# still under the name typed in the dialog, with the code from the keyring, and survives the printer's first report
# while the send panel shows the filament mapping. No file under the throwaway HOME holds the
# access code: it went to the keyring only.
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
SERIAL = "01S00A000000777"
# Distinctive, so finding it in a file cannot be a coincidence.
ACCESS_CODE = "73519086"
# Simulated seconds per real second: the 2.5 h corpus print takes ~20 s,
# long enough to pause and resume it on the way.
SPEED = "450"
# Typed into the dialog's Name row; the virtual printer announces no name.
PRINTER_NAME = "Workshop P1S"


def add_printer(app, printer):
    ui.show_page(app, "Printers")
    app.wait_for("the empty Printers page", role=pyatspi.ROLE_LABEL, name="No Printers")
    dialog = ui.open_add_dialog(app)
    ui.fill_add_dialog(app, dialog, printer, ACCESS_CODE)
    ui.set_text(app, dialog, "Name", PRINTER_NAME)
    afui.screenshot(ui.ADD_DIALOG, "send-1-add-printer.png")
    ui.click(ui.add_button(app, dialog))

    prompt = app.top_level(ui.TRUST_DIALOG)
    afui.poll("the certificate prompt on screen", lambda: afui.is_showing(prompt), app=app)
    afui.check(ui.fingerprint_shown(app, prompt, "SHA-256 Fingerprint")
               == printer.info["fingerprint"], "the prompt shows the printer's fingerprint")
    afui.screenshot(ui.TRUST_DIALOG, "send-2-certificate.png")
    ui.click(afui.poll("the Trust button", lambda: ui.find_button(prompt, "Trust"), app=app))

    afui.poll("the Add Printer dialog to close",
              lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app, limit=600)
    # Named as typed, on its card and in printers.ini.
    app.wait_for("the printer's row", role=pyatspi.ROLE_LIST_ITEM, name=PRINTER_NAME)
    app.wait_for("the name on the printer's card", role=pyatspi.ROLE_LABEL, name=PRINTER_NAME)
    config = os.path.join(os.environ["HOME"], ".config", "atomform-connect", "printers.ini")
    with open(config) as ini:
        afui.check("name=" + PRINTER_NAME in ini.read().splitlines(),
                   "printers.ini keeps the name typed in the dialog")
    app.wait_for("the printer to be idle", role=pyatspi.ROLE_LABEL, name="Idle")
    afui.screenshot(ui.WINDOW, "send-3-printers.png")


def send_file(app):
    afui.open_with_chooser(app, afui.corpus("3mf", NAME))
    app.top_level(NAME)
    afui.wait_print_time(app)
    # A toggle button, which GTK 4.8 gives the push button role.
    toggle = app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Send to Printer")
    ui.click(toggle)
    panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"), app=app)
    afui.poll("Send to turn on", lambda: ui.is_sensitive(send), app=app)
    # GTK 4.8 shows a switch as a check box named after its row and its own label.
    remove = afui.poll("the remove-after-printing switch", lambda: pyatspi.findDescendant(
        panel, lambda n: n.getRole() == pyatspi.ROLE_CHECK_BOX
        and n.name.startswith("Remove From Printer After Printing")), app=app)
    afui.check(remove.getState().contains(pyatspi.STATE_CHECKED),
               "files are removed from the printer after printing by default")
    afui.screenshot(NAME, "send-4-panel.png")
    ui.click(send)


def pause_and_resume(app, panel):
    """Pause asks first; Resume does not."""
    ui.click(app.wait_for("the Pause button", root=panel, role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Pause Print"))
    prompt = app.top_level("Pause the Print?")
    afui.poll("the pause prompt on screen", lambda: afui.is_showing(prompt), app=app)
    afui.screenshot("Pause the Print?", "send-5a-pause-prompt.png")
    ui.click(afui.poll("the prompt's Pause button", lambda: ui.find_button(prompt, "Pause"),
                       app=app))
    afui.poll("the printer to pause",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Paused"), app=app)
    afui.screenshot(NAME, "send-5b-paused.png")
    ui.click(app.wait_for("the Resume button", root=panel, role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Resume Print"))
    afui.poll("the printer to print again",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing"), app=app)


def finish(app, printer):
    panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    # Read in the panel only: the Printers page shows the same printer, off screen.
    afui.poll("the printer to print",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing"),
              app=app, limit=600)
    afui.screenshot(NAME, "send-5-printing.png")
    pause_and_resume(app, panel)
    afui.poll("the print to finish",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
              app=app, limit=1200)
    afui.screenshot(NAME, "send-6-finished.png")

    with open(printer.info["requests_file"]) as requests:
        starts = [json.loads(line)["print"] for line in requests if '"project_file"' in line]
    afui.check(len(starts) == 1, "one print was started, not %d" % len(starts))
    # The file's green PLA is nearest in colour to the grey PLA on the external
    # spool: no AMS tray is used, so use_ams must be false (the send panel used
    # to send true, which printers refuse).
    afui.check(starts[0].get("ams_mapping2") == [{"ams_id": 255, "slot_id": 0}],
               "the external spool feeds the file, not %r" % starts[0].get("ams_mapping2"))
    afui.check(starts[0].get("use_ams") is False, "use_ams is false for the external spool")
    afui.check(starts[0].get("bed_type") == "textured_plate", "the file's plate type was sent")
    # The window followed the print to its end and removed the file it sent.
    stored = os.path.join(printer.info["storage_dir"], starts[0]["file"])
    afui.poll("the printed file to be removed from the printer",
              lambda: not os.path.exists(stored), app=app)


def test():
    printer = ui.VirtualPrinter(sys.argv[2], "--speed", SPEED, "--serial", SERIAL,
                                 "--access-code", ACCESS_CODE)
    try:
        with afui.App(sys.argv[1]) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
            try:
                add_printer(app, printer)
                send_file(app)
                finish(app, printer)
            except afui.Failure:
                # What the user would have seen, e.g. an error toast.
                for title in (ui.ADD_DIALOG, NAME, ui.WINDOW):
                    if afui._window_id(title) is not None:
                        afui.screenshot(title, "send-failed.png")
                        break
                raise

            app.close_window()

        # Started again, the window finds the printer in the saved list and its
        # access code in the keyring, and shows its state without asking.
        with afui.App(sys.argv[1]) as app:
            ui.show_page(app, "Printers")
            app.wait_for("the saved printer's name", role=pyatspi.ROLE_LIST_ITEM,
                         name=PRINTER_NAME)
            app.wait_for("the saved printer's state", role=pyatspi.ROLE_LABEL, name="Finished")
            afui.screenshot(ui.WINDOW, "send-7-restarted.png")
            app.close_window()

        # Started with a file and the send panel open, the printer's first
        # full report fills the trays one by one under the panel's filament
        # mapping rows, which use the tray model: the window must survive it
        # (GTK 4.8 crashed when those rows were rebuilt mid-update).
        with afui.App(sys.argv[1], afui.corpus("3mf", NAME)) as app:
            afui.wait_print_time(app)
            ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                                  name="Send to Printer"))
            panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER,
                                 name="Send to Printer")
            afui.poll("the printer's state in the panel",
                      lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
                      app=app, limit=600)
            printer.control("restart-broker")
            afui.poll("the printer's state after the broker restarted",
                      lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
                      app=app, limit=600)
            afui.check(app.running(), "the window survived the printer's reports")
            afui.check(app.close_window() == 0, "the window closed cleanly")
    finally:
        printer.stop()

    leaks = []
    for folder, _, files in os.walk(os.environ["HOME"]):
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    if ACCESS_CODE.encode() in f.read():
                        leaks.append(path)
            except OSError:
                pass
    afui.check(not leaks, "the access code is written in %s" % ", ".join(leaks))


afui.run(test)
