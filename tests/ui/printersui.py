# printersui.py: what the printer UI tests share, on top of afui.
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import select
import subprocess
import tempfile
import threading

import afui
import pyatspi

WINDOW = "AtomForm Connect"
ADD_DIALOG = "Add Printer"
TRUST_DIALOG = "Trust This Printer?"
CHANGED_DIALOG = "Printer Certificate Changed"


def is_sensitive(node):
    return node.getState().contains(pyatspi.STATE_SENSITIVE)


def click(node):
    node.queryAction().doAction(0)


def show_page(app, name):
    """Switches the window's view switcher to the page called name."""
    tab = app.wait_for("the %r tab" % name, role=pyatspi.ROLE_PAGE_TAB, name=name)
    click(tab)
    afui.poll("the %r tab selected" % name,
              lambda: tab.getState().contains(pyatspi.STATE_SELECTED)
              or tab.getState().contains(pyatspi.STATE_CHECKED),
              app=app)


def entry(app, root, title):
    """The text field of the entry row titled title."""
    return app.wait_for("the %r field" % title, root=root, role=pyatspi.ROLE_TEXT, name=title)


def set_text(app, root, title, text):
    """Replaces what the entry row titled title holds, as an on-screen
    keyboard or a screen reader user would.
    """
    node = entry(app, root, title)
    afui.check(node.queryEditableText().setTextContents(text),
               "the %r field takes text" % title)
    afui.poll("%r in the %r field" % (text if title != "Access Code" else "the code", title),
              lambda: title == "Access Code" or afui.text_of(node) == text, app=app)
    return node


def open_add_dialog(app):
    button = app.wait_for("an Add Printer button", role=pyatspi.ROLE_PUSH_BUTTON,
                          prefix="Add Printer")
    click(button)
    dialog = app.top_level(ADD_DIALOG)
    afui.poll("the Add Printer dialog on screen", lambda: afui.is_showing(dialog), app=app)
    return dialog


def add_button(app, dialog):
    return app.wait_for("the dialog's Add button", root=dialog, role=pyatspi.ROLE_PUSH_BUTTON,
                        prefix="Add")


class VirtualPrinter:
    def __init__(self, script, *args):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", script, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.stop()
            self.log.seek(0)
            raise afui.Failure("the virtual printer did not start: "
                               + self.log.read().decode(errors="replace"))
        self.info = json.loads(line)
        # Its event lines must be read, or a full pipe would stall the printer.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for _ in self.proc.stdout:
            pass

    def control(self, command):
        """Sends one control line (docs/virtual-printer.md), e.g. "restart-broker"."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def find_button(root, label):
    for node in afui.walk(root):
        if node.getRole() == pyatspi.ROLE_PUSH_BUTTON \
                and node.name.replace("_", "").startswith(label) and afui.is_showing(node):
            return node
    return None


def fill_add_dialog(app, dialog, printer, access_code):
    """Types the virtual printer's address, serial, ports and access code."""
    set_text(app, dialog, "IP Address or Host Name", printer.info["host"])
    set_text(app, dialog, "Serial Number", printer.info["serial"])
    set_text(app, dialog, "Access Code", access_code)
    set_text(app, dialog, "MQTT Port", str(printer.info["mqtt_port"]))
    set_text(app, dialog, "FTPS Port", str(printer.info["ftps_port"]))
    add = add_button(app, dialog)
    afui.poll("Add to turn on", lambda: is_sensitive(add), app=app)


def fingerprint_shown(app, root, title):
    """The fingerprint under title in a certificate dialog, as bare hex."""
    label = app.wait_for("the %r" % title, root=root, role=pyatspi.ROLE_LABEL,
                         prefix=title + ":")
    return label.name.split(":", 1)[1].replace(":", "").replace("\n", "").strip()
