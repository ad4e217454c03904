#!/usr/bin/python3
# test_incognito_window.py: incognito printing on this computer, through the
# window, against the virtual printer (docs/virtual-printer.md) and a real
# gnome-keyring (headless-run.sh --keyring).
#
# The printer is saved with the command line (`add-printer`). The window
# opens a file and sends it: the print is remembered in the local history
# (a row in $XDG_STATE_HOME/atomform-connect/local.sqlite, listed under "On
# This Computer" in the Privacy view) and the file is in recently-used.xbel.
# Then incognito printing is turned on in the Privacy view (signed out, so
# the change waits in the outbox and counts at once), a second file is
# opened with the file chooser and sent: no new local history row, no
# recent-files entry, no cached thumbnail, and no file under HOME holds its
# name; the activity log has the connections of that send, without the
# name. Last, Clear Local Data empties the local history and the activity
# log in the database, and `activity --json` agrees.
#
# usage: headless-run.sh --keyring test_incognito_window.py ATOMFORM_CONNECT
#            VIRTUAL_PRINTER
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

EXE, VIRTUAL_PRINTER = sys.argv[1:3]
NAME = "bambustudio-02.07-p1s.gcode.3mf"
# Distinctive, so finding it in a file cannot be a coincidence.
SECRET_STEM = "incognito-part-5k2q9w"
SECRET_NAME = SECRET_STEM + ".gcode.3mf"
PRINTER_NAME = "Bench P1S"
# The 2.5 h corpus print takes a few seconds.
SPEED = "3000"
CLI_ENV = dict(afui.APP_ENV)
CLI_ENV.pop("G_MESSAGES_DEBUG", None)
step_number = 0


def step(title, name):
    global step_number
    step_number += 1
    afui.log("step %d: %s" % (step_number, name))
    afui.screenshot(title, "incognito-window-%02d-%s.png" % (step_number, name))


def state_db():
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.environ["HOME"], ".local",
                                                             "state")
    return os.path.join(state, "atomform-connect", "local.sqlite")


def rows(table):
    if not os.path.exists(state_db()):
        return []
    db = sqlite3.connect(state_db(), timeout=10)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM %s ORDER BY id" % table)]
    finally:
        db.close()


def recent_files():
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.environ["HOME"], ".local",
                                                           "share")
    path = os.path.join(data, "recently-used.xbel")
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


def add_printer(printer):
    info = printer.info
    r = subprocess.run([EXE, "add-printer", "--host", info["host"], "--serial", info["serial"],
                        "--name", PRINTER_NAME, "--mqtt-port", str(info["mqtt_port"]),
                        "--ftps-port", str(info["ftps_port"]),
                        "--trust-fingerprint", info["fingerprint"]],
                       input=info["access_code"] + "\n", env=CLI_ENV, capture_output=True,
                       text=True, timeout=120)
    afui.check(r.returncode == 0, "add-printer: %s" % r.stderr[-2000:])


def starts(printer):
    with open(printer.info["requests_file"]) as requests:
        return [json.loads(line)["print"] for line in requests if '"project_file"' in line]


def send(app, title, printer, n_before):
    """Sends the open file from the Send panel until the printer finished it."""
    afui.wait_print_time(app)
    panel = afui.find(app.accessible(), role=pyatspi.ROLE_FILLER, name="Send to Printer")
    if panel is None:
        ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                              name="Send to Printer"))
        panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    # After a send the panel shows it until Done.
    done = ui.find_button(panel, "Done")
    if done is not None:
        ui.click(done)
    button = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                       app=app)
    afui.poll("Send to turn on", lambda: ui.is_sensitive(button), app=app, limit=600)
    ui.click(button)
    afui.poll("the printer to start the print", lambda: len(starts(printer)) == n_before + 1,
              app=app, limit=600)
    afui.poll("the print to finish",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
              app=app, limit=1200)
    step(title, "sent-" + title.split(".")[0])


def local_history_subtitle(app):
    row = app.wait_for("the local history row", role=pyatspi.ROLE_LIST_ITEM,
                       name="Prints Sent From This Computer", showing=False)
    return " | ".join(afui.text_of(n) for n in afui.walk(row)
                      if n.getRole() == pyatspi.ROLE_LABEL)


def files_naming(root, text):
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if text in name:
                found.append(path)
                continue
            try:
                with open(path, "rb") as f:
                    if text.encode() in f.read():
                        found.append(path)
            except OSError:
                pass
    return found


def toggle_incognito(app):
    node = app.wait_for("the incognito switch", prefix="Incognito Printing",
                        role=pyatspi.ROLE_CHECK_BOX, showing=False)
    afui.check(not node.getState().contains(pyatspi.STATE_CHECKED), "incognito starts off")
    ui.click(node)
    afui.poll("incognito printing on",
              lambda: node.getState().contains(pyatspi.STATE_CHECKED), app=app)


def clear_local_data(app):
    button = app.wait_for("the Clear button", role=pyatspi.ROLE_PUSH_BUTTON,
                          prefix="Clear local data", showing=False)
    ui.click(button)
    dialog = app.top_level("Clear Local Data?")
    afui.poll("the confirmation on screen", lambda: afui.is_showing(dialog), app=app)
    ui.click(afui.poll("the Clear answer", lambda: ui.find_button(dialog, "Clear"), app=app))
    afui.poll("the confirmation to close",
              lambda: afui._window_id("Clear Local Data?") is None, app=app)


def drive(printer, secret):
    with afui.App(EXE, afui.corpus("3mf", NAME)) as app:
        app.top_level(NAME)
        # Sent as usual: remembered here.
        send(app, NAME, printer, 0)
        history = afui.poll("the print in the local history", lambda: rows("history"), app=app)
        afui.check([(h["title"], h["printer"], h["route"]) for h in history]
                   == [(NAME, PRINTER_NAME, "lan")], "the local history: %r" % history)
        afui.poll("the file in the recent files", lambda: NAME in recent_files(), app=app)

        ui.show_page(app, "Privacy")
        afui.poll("the Privacy view to count the print",
                  lambda: "1 print remembered" in local_history_subtitle(app), app=app)
        toggle_incognito(app)
        step(NAME, "incognito-on")

        # Incognito: sent, and nothing of it stays on this computer.
        ftps_before = [a["id"] for a in rows("activity") if a["purpose"] == "lan-ftps"]
        afui.open_with_chooser(app, secret)
        app.top_level(SECRET_NAME)
        send(app, SECRET_NAME, printer, 1)
        # The print was remembered (or not) when the printer reported it,
        # long before it finished.
        history = rows("history")
        afui.check([h["title"] for h in history] == [NAME],
                   "an incognito print left a local history row: %r" % history)
        activity = rows("activity")
        ftps_after = [a for a in activity if a["purpose"] == "lan-ftps"
                      and a["id"] not in ftps_before]
        afui.check(ftps_after, "the incognito upload's connection is in the activity log")
        for row in activity:
            afui.check(SECRET_STEM not in json.dumps(row),
                       "the activity log names the incognito file: %r" % row)
        time.sleep(1)  # GtkRecentManager writes its file after a short delay.
        afui.check(SECRET_NAME not in recent_files(),
                   "the incognito file is in recently-used.xbel")
        afui.check(NAME in recent_files(), "the earlier file stays in the recent files")
        thumbnails = os.path.join(os.environ["HOME"], ".cache", "atomform-connect",
                                  "thumbnails")
        afui.check(not os.path.isdir(thumbnails) or os.listdir(thumbnails) == [],
                   "cached thumbnails: %r" % (os.path.isdir(thumbnails)
                                              and os.listdir(thumbnails)))
        leaks = files_naming(os.environ["HOME"], SECRET_STEM)
        afui.check(not leaks, "files under HOME name the incognito file: %r" % leaks)

        # Clear Local Data empties the database's rows.
        ui.show_page(app, "Privacy")
        clear_local_data(app)
        cleared_at = time.time()
        afui.poll("the local history cleared in the database", lambda: rows("history") == [],
                  app=app)
        afui.poll("the Privacy view to say so",
                  lambda: "No prints remembered" in local_history_subtitle(app), app=app)
        step(SECRET_NAME, "cleared")
        app.close_window()

    # Connections closing as the window quits may be logged after the clear;
    # none from before it stays.
    r = subprocess.run([EXE, "activity", "--json"], env=CLI_ENV, capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    afui.check(r.returncode == 0, "activity --json: %s" % r.stderr[-2000:])
    kept = json.loads(r.stdout)
    afui.check(all(datetime.datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
                   .timestamp() >= cleared_at - 2 for row in kept),
               "activity rows from before the clear: %r" % kept)
    afui.check(all(row["time"] / 1e6 >= cleared_at - 2 for row in rows("activity")),
               "activity rows from before the clear: %r" % rows("activity"))
    afui.check(rows("history") == [], "the local history is empty")


def test():
    folder = tempfile.mkdtemp(prefix="af-incognito-window-")
    secret = os.path.join(folder, SECRET_NAME)
    shutil.copyfile(afui.corpus("3mf", NAME), secret)
    printer = ui.VirtualPrinter(VIRTUAL_PRINTER, "--speed", SPEED)
    try:
        add_printer(printer)
        drive(printer, secret)
    finally:
        printer.stop()
        shutil.rmtree(folder, ignore_errors=True)


afui.run(test)
