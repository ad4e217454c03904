#!/usr/bin/python3
# test_keyboard_send.py EXECUTABLE VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The send flow with the keyboard alone: Ctrl+O, the path typed into the
# file chooser and Return; Ctrl+P for the Send panel; Tab until the Send
# button has the focus; Return. Only synthesized key events drive the
# window (AT-SPI is used to read it, never to act on it); the virtual
# printer must then be told to print the file. The printer is added
# beforehand with the command line, which saves it where the window reads
# it.
#
# Runs under tests/headless-run.sh --keyring.

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"
SERIAL = "01S00A000000556"
ACCESS_CODE = "66120394"
CONTROL_MASK = 1 << 2
# Ctrl+P puts the focus in the panel (on the printer); from there the
# calibration choices, switches and filament rows come before the Send
# button: 16 stops. Without the focus move it took 32, through the header
# bar and the whole File view.
MAX_TABS = 16


def key(keysym):
    pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)


def control(keysym):
    pyatspi.Registry.generateKeyboardEvent(CONTROL_MASK, None, pyatspi.KEY_LOCKMODIFIERS)
    try:
        key(keysym)
    finally:
        pyatspi.Registry.generateKeyboardEvent(CONTROL_MASK, None, pyatspi.KEY_UNLOCKMODIFIERS)


def focused(root):
    for node in afui.walk(root):
        try:
            if node.getState().contains(pyatspi.STATE_FOCUSED):
                return node
        except Exception:
            continue
    return None


def in_panel(node):
    """Whether node is inside the Send panel (the header bar's toggle of the
    same name is not).
    """
    for _ in range(40):
        node = node.parent
        if node is None:
            return False
        if node.getRole() == pyatspi.ROLE_FILLER and node.name == "Send to Printer":
            return True
    return False


def add_printer_with_cli(exe, printer):
    result = subprocess.run([exe, "add-printer", "--host", printer.info["host"],
                             "--serial", SERIAL, "--name", "Keyboard P1S",
                             "--mqtt-port", str(printer.info["mqtt_port"]),
                             "--ftps-port", str(printer.info["ftps_port"]),
                             "--trust-fingerprint", printer.info["fingerprint"]],
                            input=ACCESS_CODE + "\n", capture_output=True, text=True,
                            env=afui.APP_ENV, timeout=60)
    afui.check(result.returncode == 0, "add-printer: " + result.stderr)


def test():
    exe = sys.argv[1]
    printer = ui.VirtualPrinter(sys.argv[2], "--serial", SERIAL, "--access-code", ACCESS_CODE)
    try:
        add_printer_with_cli(exe, printer)
        with afui.App(exe) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)

            control(ord("o"))
            chooser = app.top_level("Open a Sliced File")
            afui.poll("the file chooser on screen", lambda: afui.is_showing(chooser), app=app)
            path = afui.corpus("3mf", NAME)
            afui.type_text(path)
            afui.poll("the typed path", lambda: any(
                n.getRole() == pyatspi.ROLE_TEXT and afui.text_of(n) == path
                for n in afui.walk(chooser)), app=app)
            afui.press_return()
            afui.poll("the file chooser to close",
                      lambda: afui._window_id("Open a Sliced File") is None, app=app)
            frame = app.top_level(NAME)
            afui.wait_print_time(app)

            control(ord("p"))
            panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER,
                                 name="Send to Printer")
            send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                             app=app)
            afui.poll("Send to turn on", lambda: ui.is_sensitive(send), app=app, limit=600)

            tabs = 0
            while True:
                node = focused(frame)
                if node is not None and node.getRole() == pyatspi.ROLE_PUSH_BUTTON \
                        and node.name.replace("_", "").startswith("Send to Printer") \
                        and in_panel(node):
                    break
                afui.check(tabs < MAX_TABS, "the Send button is not reached in %d Tabs (at %r)"
                           % (MAX_TABS, node.name if node is not None else None))
                afui.log("focus: %r %s" % (node.name if node else None, node.getRoleName() if node else ""))
                key(0xff09)  # Tab
                tabs += 1
                afui.poll("the focus to move", lambda: focused(frame) != node, app=app)
            afui.log("the Send button has the focus after %d Tabs" % tabs)
            afui.screenshot(NAME, "keyboard-send-focus.png")
            afui.press_return()

            afui.poll("the printer to print",
                      lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing"),
                      app=app, limit=600)
            with open(printer.info["requests_file"]) as requests:
                starts = [json.loads(line)["print"] for line in requests
                          if '"project_file"' in line]
            afui.check(len(starts) == 1, "one print was started, not %d" % len(starts))
    finally:
        printer.stop()


afui.run(test)
