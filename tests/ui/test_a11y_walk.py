#!/usr/bin/python3
# test_a11y_walk.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every control of every view has an accessible name (tests/ui/a11y.py):
# the File view empty and with an archive, the History view (signed out) and
# its sign-in prompt, the Privacy view (which lists the release manifest's
# Flatpak permissions) and one of its confirmation dialogs
# (Forget Access Codes?, made by the same function as Withdraw Consent? and
# every other confirmation there), the Printers view with a printer, the
# Send panel, the Add Printer dialog, the certificate prompt, and the About
# and Keyboard Shortcuts windows reached from the primary menu. The printer
# is the virtual printer, so the Printers view and the Send panel show a
# real printer's rows. A view added later is one more entry in views.
#
# Runs under tests/headless-run.sh --keyring.

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a11y  # noqa: E402
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"
SERIAL = "01S00A000000555"
ACCESS_CODE = "55120394"
SIGN_IN = "Sign In in Your Browser"
FORGET = "Forget Access Codes?"


def window(app):
    return app.wait_for("the window", role=pyatspi.ROLE_FRAME, prefix="")


def from_menu(app, item):
    """Opens the primary menu and picks item; returns the window it opens."""
    before = {n.name for n in app.frames()}
    # F10 opens the primary menu (the shortcuts window lists it).
    pyatspi.Registry.generateKeyboardEvent(0xffc7, None, pyatspi.KEY_SYM)
    entry = afui.poll("the %r menu item" % item, lambda: next(
        (n for n in afui.walk(app.accessible())
         if n.getRole() == pyatspi.ROLE_MENU_ITEM and n.name.replace("_", "") == item
         and afui.is_showing(n)), None), app=app)
    ui.click(entry)
    shown = afui.poll("the window %r opens" % item, lambda: next(
        (n for n in app.frames() if n.name not in before), None), app=app)
    afui.poll("%r on screen" % shown.name, lambda: afui.is_showing(shown), app=app)
    afui.screenshot(shown.name, "a11y-%s.png" % item.split()[-1].lower())
    return shown


def close(app, title):
    pyatspi.Registry.generateKeyboardEvent(0xff1b, None, pyatspi.KEY_SYM)  # Escape
    afui.poll("%r to close" % title, lambda: afui._window_id(title) is None, app=app)


def finish_args():
    manifest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "build-aux", "flatpak", "tech.atomform.Connect.json")
    with open(manifest, encoding="utf-8") as f:
        return json.load(f)["finish-args"]


def install_browser():
    """A desktop file that takes https:// addresses and does nothing, so
    the sign-in prompt never starts a real browser.
    """
    apps = os.path.join(os.environ["XDG_DATA_HOME"], "applications")
    os.makedirs(apps, exist_ok=True)
    with open(os.path.join(apps, "af-test-browser.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                "Exec=/bin/true %u\nMimeType=x-scheme-handler/https;\nNoDisplay=true\n")
    with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\nx-scheme-handler/https=af-test-browser.desktop\n")


def dialog(app, button, title):
    """Presses button and returns the dialog titled title it opens."""
    ui.click(button)
    shown = app.top_level(title)
    afui.poll("%r on screen" % title, lambda: afui.is_showing(shown), app=app)
    afui.screenshot(title, "a11y-%s.png" % title.split()[0].lower())
    return shown


def test():
    install_browser()
    printer = ui.VirtualPrinter(sys.argv[2], "--serial", SERIAL, "--access-code", ACCESS_CODE)
    try:
        with afui.App(sys.argv[1]) as app:
            state = {}

            def file_empty():
                return window(app)

            def add_dialog():
                ui.show_page(app, "Printers")
                state["dialog"] = ui.open_add_dialog(app)
                ui.fill_add_dialog(app, state["dialog"], printer, ACCESS_CODE)
                return state["dialog"]

            def certificate():
                ui.click(ui.add_button(app, state["dialog"]))
                prompt = app.top_level(ui.TRUST_DIALOG)
                afui.poll("the certificate prompt on screen", lambda: afui.is_showing(prompt),
                          app=app)
                state["prompt"] = prompt
                return prompt

            def printers():
                ui.click(afui.poll("the Trust button",
                                   lambda: ui.find_button(state["prompt"], "Trust"), app=app))
                afui.poll("the Add Printer dialog to close",
                          lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app, limit=600)
                app.wait_for("the printer to be idle", role=pyatspi.ROLE_LABEL, name="Idle")
                return window(app)

            def file_view():
                afui.open_with_chooser(app, afui.corpus("3mf", NAME))
                afui.wait_print_time(app)
                return window(app)

            def send_panel():
                ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                                      name="Send to Printer"))
                panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER,
                                     name="Send to Printer")
                afui.poll("the printer in the panel",
                          lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Idle"), app=app)
                return panel

            def about():
                state["about"] = from_menu(app, "About AtomForm Connect")
                return state["about"]

            def shortcuts():
                close(app, state["about"].name)
                state["shortcuts"] = from_menu(app, "Keyboard Shortcuts")
                return state["shortcuts"]

            def history():
                ui.show_page(app, "History")
                return window(app)

            def sign_in():
                button = app.wait_for("the Sign In button", role=pyatspi.ROLE_PUSH_BUTTON,
                                      prefix="Sign In…")
                return dialog(app, button, SIGN_IN)

            def privacy():
                close(app, SIGN_IN)
                ui.show_page(app, "Privacy")
                # The Flatpak permissions, as the release manifest grants them.
                group = app.wait_for("the Flatpak Permissions group", role=pyatspi.ROLE_LIST,
                                     name="Flatpak Permissions")
                shown = [n.name for n in afui.walk(group) if n.getRole() == pyatspi.ROLE_LABEL
                         and n.name.startswith("--")]
                afui.check(shown == finish_args(), "the Privacy view lists the manifest's "
                           "finish-args %r, not %r" % (finish_args(), shown))
                return window(app)

            def confirmation():
                button = app.wait_for("the Forget button", role=pyatspi.ROLE_PUSH_BUTTON,
                                      prefix="Forget access codes")
                return dialog(app, button, FORGET)

            def add_dialog_after_confirmation():
                close(app, FORGET)
                return add_dialog()

            views = [("File (empty)", file_empty), ("History", history),
                     ("Sign In", sign_in), ("Privacy", privacy),
                     ("Forget Access Codes?", confirmation),
                     ("Add Printer", add_dialog_after_confirmation),
                     ("Certificate", certificate), ("Printers", printers),
                     ("File", file_view), ("Send panel", send_panel),
                     ("About", about), ("Keyboard Shortcuts", shortcuts)]
            a11y.walk_views(views)
    finally:
        printer.stop()


afui.run(test)
