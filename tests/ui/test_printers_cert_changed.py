#!/usr/bin/python3
# test_printers_cert_changed.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A printer trusted once keeps its certificate: when a device with the same
# serial presents another one, adding it again shows both fingerprints and
# refuses, and the saved printer keeps the certificate trusted first. As the
# refusal says, removing the printer (after a confirmation) and adding it
# again asks to trust the new certificate.
#
# Runs under tests/headless-run.sh --keyring.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

SERIAL = "01S00A000000888"
ACCESS_CODE = "40817263"


def add_and_trust(app, printer):
    dialog = ui.open_add_dialog(app)
    ui.fill_add_dialog(app, dialog, printer, ACCESS_CODE)
    ui.click(ui.add_button(app, dialog))
    prompt = app.top_level(ui.TRUST_DIALOG)
    afui.poll("the certificate prompt on screen", lambda: afui.is_showing(prompt), app=app)
    ui.click(afui.poll("the Trust button", lambda: ui.find_button(prompt, "Trust"), app=app))
    afui.poll("the Add Printer dialog to close",
              lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app, limit=600)


def remove_printer(app):
    menu = afui.poll("the printer's menu",
                     lambda: next((n for n in afui.walk(app.accessible())
                                   if n.name == "Printer Menu" and afui.is_showing(n)
                                   and n.getRole() != pyatspi.ROLE_FILLER), None), app=app)
    # GTK 4.8 names the GtkMenuButton; its inner toggle button takes the click.
    clickable = next(n for n in afui.walk(menu) if n.queryAction().nActions > 0)
    ui.click(clickable)
    item = app.wait_for("the Remove item", role=pyatspi.ROLE_MENU_ITEM, prefix="Remove")
    ui.click(item)
    prompt = app.top_level("Remove the Printer?")
    afui.poll("the removal prompt on screen", lambda: afui.is_showing(prompt), app=app)
    afui.screenshot("Remove the Printer?", "cert-changed-remove.png")
    ui.click(afui.poll("the prompt's Remove button", lambda: ui.find_button(prompt, "Remove"),
                       app=app))
    app.wait_for("the empty Printers page", role=pyatspi.ROLE_LABEL, name="No Printers")


def test():
    script = sys.argv[2]
    config = os.path.join(os.environ["HOME"], ".config", "atomform-connect", "printers.ini")
    first = ui.VirtualPrinter(script, "--serial", SERIAL, "--access-code", ACCESS_CODE)
    try:
        with afui.App(sys.argv[1]) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
            ui.show_page(app, "Printers")
            add_and_trust(app, first)
            app.wait_for("the printer to be idle", role=pyatspi.ROLE_LABEL, name="Idle")
            first_fingerprint = first.info["fingerprint"]
            first.stop()

            # Same serial, new certificate: what a reset printer, or an impostor, looks like.
            second = ui.VirtualPrinter(script, "--serial", SERIAL, "--access-code", ACCESS_CODE)
            try:
                dialog = ui.open_add_dialog(app)
                ui.fill_add_dialog(app, dialog, second, ACCESS_CODE)
                ui.click(ui.add_button(app, dialog))
                refusal = app.top_level(ui.CHANGED_DIALOG)
                afui.poll("the refusal on screen", lambda: afui.is_showing(refusal), app=app)
                afui.check(ui.fingerprint_shown(app, refusal, "Trusted Fingerprint")
                           == first_fingerprint, "the refusal shows the trusted fingerprint")
                afui.check(ui.fingerprint_shown(app, refusal, "Presented Fingerprint")
                           == second.info["fingerprint"],
                           "the refusal shows the presented fingerprint")
                afui.check(ui.find_button(refusal, "Trust") is None,
                           "a changed certificate cannot be trusted from the refusal")
                afui.screenshot(ui.CHANGED_DIALOG, "cert-changed.png")
                ui.click(afui.poll("the Close button", lambda: ui.find_button(refusal, "Close"),
                                   app=app))
                afui.poll("the refusal to close",
                          lambda: afui._window_id(ui.CHANGED_DIALOG) is None, app=app)
                afui.check(afui._window_id(ui.ADD_DIALOG) is not None,
                           "the Add Printer dialog stays open to correct the address")
                with open(config) as f:
                    saved = f.read()
                afui.check(first_fingerprint in saved and second.info["fingerprint"] not in saved,
                           "the saved printer keeps the certificate trusted first")
                ui.click(app.wait_for("Cancel", root=dialog, role=pyatspi.ROLE_PUSH_BUTTON,
                                      prefix="Cancel"))
                afui.poll("the Add Printer dialog to close",
                          lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app)

                remove_printer(app)
                add_and_trust(app, second)
                app.wait_for("the printer to be idle again", role=pyatspi.ROLE_LABEL,
                             name="Idle")
                with open(config) as f:
                    afui.check(second.info["fingerprint"] in f.read(),
                               "the new certificate is trusted after adding again")
            finally:
                second.stop()
    finally:
        first.stop()


afui.run(test)
