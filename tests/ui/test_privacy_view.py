#!/usr/bin/python3
# test_privacy_view.py: the window's Privacy view, driven through the
# accessibility tree against the reference cloud (real HTTPS, SQLite, its
# test clock; docs/reference-cloud.md), a cloud-mode virtual printer and a
# real gnome-keyring (headless-run.sh --keyring).
#
# It signs in with the command line's device flow and prints once through
# the cloud, so the account holds a history entry, then in the window:
# turns incognito printing on and history-for-reprinting off (checked on
# the server), withdraws a consent (pending with its deadline, withdrawn
# after 72 test-clock hours and a refresh), asks for a copy of the data
# (shown with its one-month due date, the server's), deletes the history
# entry with the History view's Delete button, which goes through
# win.delete-history-entry and the privacy outbox (pending, then gone from
# the server's database), and turns LAN-only mode on, with a change kept on
# this computer meanwhile and sent once it is off again. A screenshot is
# kept at each step, and every control of the view must have a name.
#
# usage: headless-run.sh --keyring test_privacy_view.py ATOMFORM_CONNECT
#            REFERENCE_CLOUD VIRTUAL_PRINTER APP_ID
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# The command line and the window share the cloud settings, as a user's do.
os.environ["GSETTINGS_BACKEND"] = "keyfile"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui  # noqa: E402
import pyatspi  # noqa: E402

EXE, REFERENCE_CLOUD, VIRTUAL_PRINTER, APP_ID = sys.argv[1:5]
sys.path.insert(0, os.path.dirname(os.path.abspath(REFERENCE_CLOUD)))
import rc_client  # noqa: E402

WINDOW = printersui.WINDOW
PASSWORD = "correct horse battery"
HOUR = 3600
# A date and time as the window shows it in the C locale (the format de.po
# translates as "%-d. %B %Y, %H:%M"), e.g. "4 December 2026, 14:00".
DATE = r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d"
CLI_ENV = dict(afui.APP_ENV)
CLI_ENV.pop("G_MESSAGES_DEBUG", None)
CLOUD = None
step_number = 0


def cli(*args, timeout=240):
    r = subprocess.run([EXE, *args], env=CLI_ENV, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    afui.check(r.returncode == 0, "%s %s: %d %s" % (EXE, " ".join(args), r.returncode,
                                                     r.stderr[-2000:]))
    return r


def login(account):
    """The command line's device flow, the test playing the browser."""
    err = tempfile.TemporaryFile(mode="w+")
    p = subprocess.Popen([EXE, "login"], env=CLI_ENV, stdout=subprocess.PIPE,
                         stderr=err, text=True, stdin=subprocess.DEVNULL)
    code = None
    while code is None:
        line = p.stdout.readline()
        if not line:
            break
        afui.log("login: " + line.rstrip())
        m = re.search(r"enter ([A-Z]{4}-[A-Z]{4})\.$", line)
        if m:
            code = m.group(1)
    if code is None:
        raise afui.Failure("no device code: %r" % (p.communicate(),))
    api = CLOUD.api()
    ans = api.request("POST", "/device", rc_client.form(user_code=code, email=account["email"],
                                                        password=PASSWORD, decision="allow"),
                      rc_client.FORM, version=None)
    api.close()
    afui.check(ans.status == 200, "device approval: %r" % ans)
    try:
        p.wait(60)
        out = p.stdout.read()
    except subprocess.TimeoutExpired:
        p.kill()
        out = p.communicate()[0]
    err.seek(0)
    afui.check(p.returncode == 0, "login: %s %s" % (out, err.read()[-2000:]))


def server_data(account):
    return CLOUD.admin_call("GET", "/admin/accounts/%s/data" % account["id"])


def server_settings(account):
    api = CLOUD.api()
    token = rc_client.sign_in(api, account["email"], PASSWORD)["access_token"]
    ans = api.request("GET", "/v1/privacy/settings",
                      headers={"Authorization": "Bearer " + token})
    api.close()
    afui.check(ans.status == 200, "settings: %r" % ans)
    return ans.json()


def server_requests(account):
    api = CLOUD.api()
    token = rc_client.sign_in(api, account["email"], PASSWORD)["access_token"]
    ans = api.request("GET", "/v1/privacy/requests",
                      headers={"Authorization": "Bearer " + token})
    api.close()
    afui.check(ans.status == 200, "requests: %r" % ans)
    body = ans.json()
    return body["items"]


def cloud_print(account):
    """One print through the cloud to a bound virtual printer, so the
    account has a history entry to delete.
    """
    serial = "01P00A%09d" % (time.monotonic_ns() % 10 ** 9)
    bound = CLOUD.bind_printer(account["id"], serial, model="C12", name="Privacy P1S")
    folder = tempfile.mkdtemp(prefix="af-privacy-view-vp-")
    device = os.path.join(folder, "device.json")
    with open(device, "w", encoding="utf-8") as f:
        json.dump(bound["device"], f)
    log = open(os.path.join(folder, "log"), "w+", encoding="utf-8")
    proc = subprocess.Popen(["/usr/bin/python3", VIRTUAL_PRINTER, "--serial", serial,
                             "--model", "C12", "--speed", "3000", "--cloud-device", device,
                             "--ftp-server", "pyftpdlib"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        afui.check(proc.stdout.readline() != "", "the virtual printer did not start")
        time.sleep(1)
        archive = afui.corpus("3mf", "bambustudio-02.07-p1s.gcode.3mf")
        r = subprocess.run([EXE, "send", archive, "--printer", "Privacy P1S", "--cloud",
                            "--wait", "--force"], env=CLI_ENV, capture_output=True, text=True,
                           timeout=240, stdin=subprocess.DEVNULL)
        afui.check("FINISH 100 %" in r.stderr, "cloud print: %s" % r.stderr[-2000:])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout, log):
            stream.close()


def step(name):
    global step_number
    step_number += 1
    afui.log("step %d: %s" % (step_number, name))
    afui.screenshot(WINDOW, "privacy-view-%02d-%s.png" % (step_number, name))


def labels(node):
    return [afui.text_of(n) for n in afui.walk(node) if n.getRole() == pyatspi.ROLE_LABEL]


def row(app, title):
    return app.wait_for("the %r row" % title, role=pyatspi.ROLE_LIST_ITEM, name=title,
                        showing=False)


def row_text(app, title):
    return " | ".join(labels(row(app, title)))


def wait_row_text(app, title, pattern, what):
    regex = re.compile(pattern)
    try:
        return afui.poll(what, lambda: regex.search(row_text(app, title)), app=app,
                         limit=600)
    except afui.Failure:
        raise afui.Failure("%s: the %r row says %r" % (what, title, row_text(app, title)))


def control(app, name, role=None):
    # GTK 4.8 names a control by its own label followed by what labels it
    # (the row's title): the start is what a screen reader says first.
    return app.wait_for("the %r control" % name, prefix=name, role=role, showing=False)


def is_checked(node):
    return node.getState().contains(pyatspi.STATE_CHECKED)


def toggle(app, name):
    node = control(app, name, role=pyatspi.ROLE_CHECK_BOX)
    before = is_checked(node)
    printersui.click(node)
    afui.poll("%r switched %s" % (name, "off" if before else "on"),
              lambda: is_checked(node) != before, app=app)
    return not before


def press(app, name, root=None):
    node = app.wait_for("the %r button" % name, root=root, role=pyatspi.ROLE_PUSH_BUTTON,
                        prefix=name, showing=False)
    printersui.click(node)


def answer_dialog(app, heading, answer, details=None):
    """Answers the message dialog titled heading, typing details first."""
    dialog = app.top_level(heading)
    afui.poll("the %r dialog on screen" % heading, lambda: afui.is_showing(dialog), app=app)
    if details is not None:
        entry = app.wait_for("the Details field", root=dialog, role=pyatspi.ROLE_TEXT,
                             name="Details")
        afui.check(entry.queryEditableText().setTextContents(details), "Details takes text")
    button = afui.poll("the %r answer" % answer,
                       lambda: next((n for n in afui.walk(dialog)
                                     if n.getRole() == pyatspi.ROLE_PUSH_BUTTON
                                     and n.name.replace("_", "").startswith(answer)), None), app=app)
    printersui.click(button)
    afui.poll("the %r dialog to close" % heading,
              lambda: afui._window_id(heading) is None, app=app)


def status(app):
    return row_text(app, afui.poll("the status row", lambda: status_title(app), app=app))


def status_title(app):
    for title in ("Up to date", "LAN-only mode is on", "Offline", "Not signed in", "Updating…"):
        if afui.find(app.accessible(), role=pyatspi.ROLE_LIST_ITEM, name=title, showing=False):
            return title
    node = afui.find(app.accessible(), role=pyatspi.ROLE_LIST_ITEM,
                     prefix="1 request is kept", showing=False)
    return node.name if node is not None else None


def wait_status(app, title):
    try:
        afui.poll("the status %r" % title, lambda: status_title(app) == title, app=app,
                  limit=600)
    except afui.Failure:
        raise afui.Failure("the status should be %r, not %r" % (title, status_title(app)))


def check_names(app):
    """Every control of the Privacy view has a name a screen reader reads."""
    page = app.wait_for("the Privacy view", name="Privacy settings", showing=False)
    controls = (pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
                pyatspi.ROLE_TEXT, pyatspi.ROLE_SWITCH if hasattr(pyatspi, "ROLE_SWITCH")
                else pyatspi.ROLE_TOGGLE_BUTTON)
    unnamed = [n.getRoleName() for n in afui.walk(page)
               if n.getRole() in controls and not n.name]
    afui.check(not unnamed, "controls without a name: %r" % unnamed)


def test():
    global CLOUD
    CLOUD = rc_client.Cloud(tempfile.mkdtemp(prefix="af-privacy-view-cloud-"),
                            ["--poll-seconds", "1"])
    try:
        for key, value in (("cloud-base-url", CLOUD.base_url),
                           ("cloud-ca-file", CLOUD.ca_file)):
            subprocess.run(["gsettings", "set", APP_ID, key, value], env=CLI_ENV, check=True)
        email = "view-%d@example.org" % time.monotonic_ns()
        account = CLOUD.create_account(email, PASSWORD, display_name="Ana View")
        account["email"] = email
        login(account)
        cloud_print(account)
        history = server_data(account)["history"]
        afui.check(len(history) == 1, "one history entry on the server, not %r" % history)
        run_window(account, history[0]["title"])
    finally:
        CLOUD.stop()


def cloud_routes():
    """The server's request counts by route, but for the test's own admin calls."""
    return {route: n for route, n in CLOUD.counters()["routes"].items()
            if "/admin/" not in route}


def notifications(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run_window(account, entry_title):
    # The desktop's notification server, so request events can be seen.
    notified = os.path.join(tempfile.mkdtemp(prefix="af-privacy-view-"), "notifications")
    server = subprocess.Popen(["/usr/bin/python3",
                               os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "notification_server.py"), notified],
                              stdout=subprocess.PIPE, text=True, env=CLI_ENV)
    try:
        afui.check(server.stdout.readline().strip() == "ready", "the notification server")
        drive_window(account, entry_title, notified)
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


def drive_window(account, entry_title, notified):
    with afui.App(EXE) as app:
        app.top_level(WINDOW)
        printersui.show_page(app, "Privacy")
        wait_status(app, "Up to date")
        check_names(app)
        afui.check(re.search(r"kept for reprinting for 90 days",
                             row_text(app, "Keep History for Reprinting")),
                   "the retention period: %r" % row_text(app, "Keep History for Reprinting"))
        step("signed-in")

        # Printing: each switch reaches the server.
        afui.check(toggle(app, "Incognito Printing"), "incognito on")
        afui.poll("incognito printing on the server",
                  lambda: server_settings(account)["incognito_printing"], app=app)
        step("incognito-on")
        afui.check(not toggle(app, "Keep History for Reprinting"), "history-reprint off")
        afui.poll("history-reprint off on the server",
                  lambda: not server_settings(account)["history_reprint"], app=app)
        wait_row_text(app, "Keep History for Reprinting",
                      r"those already stored will be deleted by " + DATE,
                      "when stored files will be deleted")
        step("history-reprint-off")

        # Consents: a withdrawal is pending with its 72-hour deadline.
        press(app, "Withdraw consent: Marketing and advertising")
        answer_dialog(app, "Withdraw Consent to “Marketing and advertising”?", "Withdraw")
        pending = wait_row_text(app, "Marketing and advertising",
                                r"Withdrawal pending until (%s)" % DATE,
                                "the withdrawal pending with its deadline")
        consent = [c for c in server_data(account)["consents"]
                   if c["purpose_id"] == "marketing"]
        afui.check(consent and consent[0]["status"] == "withdrawal_pending",
                   "the server's consent: %r" % consent)
        step("consent-withdrawal-pending")

        # Your data: a copy of the data, with the server's one-month due date.
        press(app, "Download a Copy of Your Data")
        answer_dialog(app, "Download a Copy of Your Data", "Send Request",
                      details="Everything, please")
        due = wait_row_text(app, "Copy of your data (Art. 15)",
                            r"due by (%s)" % DATE,
                            "the access request with its due date").group(1)
        access = [r for r in server_requests(account) if r["type"] == "access"]
        afui.check(len(access) == 1, "one access request on the server: %r" % access)
        server_due = datetime.datetime.fromisoformat(access[0]["due_at"].replace("Z", "+00:00"))
        received = datetime.datetime.fromisoformat(
            access[0]["received_at"].replace("Z", "+00:00"))
        afui.check(server_due.astimezone().strftime("%-d %B %Y, %H:%M") == due,
                   "the due date shown %r is the server's %r" % (due, access[0]["due_at"]))
        afui.check(27 <= (server_due - received).days <= 31,
                   "one month to answer: %r" % access[0])
        step("access-request")

        # History: a deletion from the History view, through the same outbox,
        # pending on the server.
        printersui.show_page(app, "History")
        press(app, "Delete %s from history" % entry_title)
        printersui.show_page(app, "Privacy")
        wait_row_text(app, "Print history deletion", r"Received, pending · due by",
                      "the history deletion pending")
        deletions = [r for r in server_data(account)["privacy_requests"]
                     if r["type"] == "history_deletion"]
        afui.check(len(deletions) == 1 and deletions[0]["status"] == "pending",
                   "the server's deletion request: %r" % deletions)
        afui.check(len(server_data(account)["history"]) == 1, "the entry stays until processed")
        step("history-deletion-pending")

        # The History view says so on the entry, with the server's due time,
        # and offers no second Delete.
        printersui.show_page(app, "History")
        shown = afui.poll("the entry's deletion pending in the History view",
                          lambda: next((afui.text_of(n) for n in afui.walk(app.accessible())
                                        if n.getRole() == pyatspi.ROLE_LABEL
                                        and afui.text_of(n).startswith("Deletion pending until")),
                                       None), app=app, limit=300)
        asked = [r for r in server_requests(account) if r["type"] == "history_deletion"]
        afui.check(len(asked) == 1, "one history deletion request: %r" % asked)
        due = datetime.datetime.fromisoformat(
            asked[0]["due_at"].replace("Z", "+00:00")).astimezone()
        expected = "Deletion pending until %d %s" % (due.day, due.strftime("%B %Y, %H:%M"))
        afui.check(shown.split("\n")[0] == expected,
                   "the History view says %r, not %r" % (shown.split("\n")[0], expected))
        afui.check(afui.find(app.accessible(), role=pyatspi.ROLE_PUSH_BUTTON,
                             prefix="Delete %s from history" % entry_title) is None,
                   "a second Delete is offered for an entry pending deletion")
        step("history-deletion-pending-in-history")
        printersui.show_page(app, "Privacy")

        # 72 test-clock hours later: withdrawn, and the entry gone.
        CLOUD.advance(72 * HOUR + 60)
        afui.poll("the history entry gone from the server",
                  lambda: server_data(account)["history"] == [], app=app, limit=600)
        press(app, "Refresh privacy settings")
        wait_row_text(app, "Marketing and advertising", r"Withdrawn on " + DATE,
                      "the consent withdrawn after 72 hours")
        afui.check(pending.group(1) != "", "the deadline was shown")
        wait_row_text(app, "Print history deletion", r"Completed",
                      "the history deletion completed")
        # Each completed request is said once, as a desktop notification.
        shown = afui.poll("the notifications of the completed requests",
                          lambda: len(notifications(notified)) >= 2 and notifications(notified),
                          app=app)
        afui.check(all(n["summary"] for n in shown), "notifications with a title: %r" % shown)
        afui.log("notified: %r" % [n["summary"] for n in shown])
        step("withdrawn-and-deleted")

        # LAN-only: nothing is sent; a change waits here and is said so.
        afui.check(toggle(app, "LAN-Only Mode"), "LAN-only on")
        wait_status(app, "LAN-only mode is on")
        settings = subprocess.run(["gsettings", "get", APP_ID, "lan-only"], env=CLI_ENV,
                                  capture_output=True, text=True, check=True).stdout.strip()
        afui.check(settings == "true", "the lan-only key: %r" % settings)
        before = cloud_routes()
        afui.check(not toggle(app, "Incognito Printing"), "incognito off, kept here")
        wait_status(app, "1 request is kept on this computer")
        afui.check("Will be sent when you turn LAN-only mode off." in status(app),
                   "the pending state said plainly: %r" % status(app))
        press(app, "Refresh privacy settings")
        time.sleep(2)
        after = cloud_routes()
        afui.check(after == before, "no request reached the cloud in LAN-only mode: %r"
                   % {k: v for k, v in after.items() if before.get(k) != v})
        afui.check(server_settings(account)["incognito_printing"], "not sent while LAN-only")
        step("lan-only-pending")
        afui.check(not toggle(app, "LAN-Only Mode"), "LAN-only off")
        afui.poll("incognito off on the server once LAN-only is off",
                  lambda: not server_settings(account)["incognito_printing"], app=app,
                  limit=600)
        wait_status(app, "Up to date")
        step("lan-only-off-sent")


if __name__ == "__main__":
    afui.run(test)
