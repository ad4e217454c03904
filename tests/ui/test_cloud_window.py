#!/usr/bin/python3
# test_cloud_window.py EXECUTABLE REFERENCE_CLOUD VIRTUAL_PRINTER APP_ID
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The cloud through the window, against the reference cloud
# (tests/cloud/af-reference-cloud.py: real HTTPS, SQLite, mosquitto) and a
# virtual printer in cloud mode bound to a new account, with a real keyring:
# Sign In… in the primary menu opens the browser (gtk_show_uri_full; the
# "browser" here is a desktop file in the throwaway HOME that writes down the
# address it was given) and the test plays the browser with the HTTP requests
# a browser makes (sign-in form, then the redirect to the loopback listener).
# The account shows in the menu; the bound printer appears on the Printers
# page with its cloud badge; a corpus archive is sent through the cloud from
# the Send panel, which says what leaves the home network, is paused and
# resumed from its card through the cloud, and prints to its end; the print is
# then listed in the History view (this computer's record and the cloud's),
# and Reprint prints the file the cloud kept once more. The cloud's own
# counters prove one job per press. Setting up the printer on the LAN from its
# card (Set Up…) then adds the LAN route to the same printer: one card, two
# routes; the Send panel asks which, says for each what leaves the home
# network, and follows the route chosen (a printer the cloud no longer hears
# blocks the cloud route only, saying why); the LAN print reaches the printer
# over the LAN with no cloud job. Sign Out clears the keyring and takes the
# cloud route away, leaving the LAN one.
# Screenshots at each step.
#
# Runs under tests/headless-run.sh --keyring.

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

# The app reads the cloud's address from its settings: a keyfile in the
# throwaway HOME, written with gsettings before the app starts.
os.environ["GSETTINGS_BACKEND"] = "keyfile"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import printersui as ui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"
PRINTER_NAME = "Garage P1S"
PASSWORD = "correct horse battery"
ACCESS_CODE = "61803398"
BADGE = "Reachable through the AtomForm cloud"
CLOUD_NOTE = "Through the cloud, the file, its thumbnails and its print settings"
# Simulated seconds per real second: the 2.5 h corpus print takes ~30 s,
# time to pause it from its card.
SPEED = "300"


def install_browser(record):
    """A desktop file that takes https:// addresses and writes each down."""
    home = os.environ["HOME"]
    script = os.path.join(home, "browser.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nprintf "%%s\\n" "$1" >> "%s"\n' % record)
    os.chmod(script, 0o755)
    apps = os.path.join(os.environ["XDG_DATA_HOME"], "applications")
    os.makedirs(apps, exist_ok=True)
    with open(os.path.join(apps, "af-test-browser.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                "Exec=%s %%u\nMimeType=x-scheme-handler/https;\nNoDisplay=true\n" % script)
    with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\nx-scheme-handler/https=af-test-browser.desktop\n")


class CloudPrinter:
    """A virtual printer in cloud mode, bound to the account."""

    def __init__(self, cloud, rc_client, script, account):
        self.serial = "01P00A%09d" % (time.monotonic_ns() % 10 ** 9)
        bound = cloud.bind_printer(account["id"], self.serial, model="C12", name=PRINTER_NAME)
        self.id = bound["id"]
        self.dir = tempfile.mkdtemp(prefix="af-cloud-vp-")
        device = os.path.join(self.dir, "device.json")
        with open(device, "w", encoding="utf-8") as f:
            json.dump(bound["device"], f)
        self.log = open(os.path.join(self.dir, "log"), "w+", encoding="utf-8")
        self.proc = subprocess.Popen(["/usr/bin/python3", script, "--serial", self.serial,
                                      "--model", "C12", "--speed", SPEED,
                                      "--access-code", ACCESS_CODE,
                                      "--cloud-device", device, "--ftp-server", "pyftpdlib"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the virtual printer did not start")
        self.info = json.loads(line)
        # Its event lines must be read, or a full pipe would stall the printer.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        # The test's own token for the API, taken before the app signs in: the
        # cloud broker takes only an account's newest token, so a sign-in later
        # would end the app's broker connection.
        api = cloud.api()
        self.token = rc_client.sign_in(api, account["email"], PASSWORD)["access_token"]
        afui.poll("the printer online in the cloud", lambda: api.request(
            "GET", "/v1/printers/%s" % self.id,
            headers={"Authorization": "Bearer " + self.token}).json().get("online"), limit=400)
        api.close()

    def control(self, command):
        """One control line (docs/virtual-printer.md), e.g. "cloud-offline on"."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.log):
            stream.close()


def open_primary_menu(app):
    menu = afui.poll("the main menu button",
                     lambda: next((n for n in afui.walk(app.accessible())
                                   if n.name == "Main Menu" and afui.is_showing(n)
                                   and n.getRole() != pyatspi.ROLE_FILLER), None), app=app)
    # GTK 4.8 names the GtkMenuButton; its inner toggle button takes the click.
    ui.click(next(n for n in afui.walk(menu) if n.queryAction().nActions > 0))


def close_menu():
    pyatspi.Registry.generateKeyboardEvent(0xff1b, None, pyatspi.KEY_SYM)  # XK_Escape


def http_get(url):
    import http.client
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", u.path + ("?" + u.query if u.query else ""),
                 headers={"Accept": "text/html"})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


def sign_in(app, cloud, rc_client, account, record):
    open_primary_menu(app)
    item = app.wait_for("the Sign In item", role=pyatspi.ROLE_MENU_ITEM, prefix="Sign In")
    afui.screenshot(ui.WINDOW, "cloud-1-menu-signed-out.png")
    ui.click(item)
    prompt = app.top_level("Sign In in Your Browser")
    afui.poll("the sign-in prompt on screen", lambda: afui.is_showing(prompt), app=app)
    # The browser was asked to open the authorize address: with PKCE and state.
    uri = afui.poll("the browser to be opened",
                    lambda: os.path.exists(record) and open(record).read().strip(), app=app)
    afui.check(uri.startswith(cloud.base_url + "/v1/oauth/authorize?"),
               "the browser opened the cloud's sign-in page, not %r" % uri)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query))
    afui.check(q.get("code_challenge_method") == "S256", "the sign-in uses PKCE S256")
    afui.check(q["redirect_uri"].startswith("http://127.0.0.1:"),
               "the redirect goes to loopback, not %r" % q["redirect_uri"])
    # The prompt shows the same address for a person whose browser did not open.
    afui.check(any(afui.text_of(n) == uri for n in afui.walk(prompt)
                   if n.getRole() == pyatspi.ROLE_LABEL),
               "the prompt shows the sign-in address")
    afui.screenshot("Sign In in Your Browser", "cloud-2-sign-in-prompt.png")

    # The browser: the sign-in form, then the cloud's redirect to the app.
    api = cloud.api()
    got = rc_client.browser_sign_in(api, account["email"], PASSWORD, q["redirect_uri"],
                                    q["code_challenge"], q["state"])
    api.close()
    afui.check("code" in got, "the cloud signed the account in: %r" % got)
    status, page = http_get(q["redirect_uri"] + "?" + urllib.parse.urlencode(
        {"code": got["code"], "state": got["state"]}))
    afui.check(status == 200 and "You are signed in" in page, "the app's page says signed in")
    afui.poll("the sign-in prompt to close",
              lambda: afui._window_id("Sign In in Your Browser") is None, app=app, limit=600)

    open_primary_menu(app)
    app.wait_for("the account in the menu", role=pyatspi.ROLE_MENU_ITEM,
                 name="Signed In as %s (%s)" % (account["display_name"], account["email"]))
    app.wait_for("the Sign Out item", role=pyatspi.ROLE_MENU_ITEM, prefix="Sign Out")
    afui.screenshot(ui.WINDOW, "cloud-3-menu-signed-in.png")
    close_menu()


def see_cloud_printer(app):
    ui.show_page(app, "Printers")
    app.wait_for("the bound printer's row", role=pyatspi.ROLE_LIST_ITEM, name=PRINTER_NAME)
    badge = app.wait_for("the cloud badge", role=pyatspi.ROLE_IMAGE, name=BADGE)
    afui.check(afui.is_showing(badge), "the cloud badge is shown")
    # Followed through the cloud broker: its state, not "Not Set Up".
    app.wait_for("the cloud printer to be idle", role=pyatspi.ROLE_LABEL, name="Idle")
    afui.screenshot(ui.WINDOW, "cloud-4-printers.png")


def cloud_job(cloud, rc_client, account, printer):
    """The cloud's record of the printer's current job, or None."""
    api = cloud.api()
    auth = {"Authorization": "Bearer " + printer.token}
    job_id = api.request("GET", "/v1/printers/%s" % printer.id, headers=auth).json().get(
        "current_job_id")
    job = api.request("GET", "/v1/jobs/%s" % job_id, headers=auth).json() if job_id else None
    api.close()
    return job


def pause_and_resume_through_cloud(app, panel, cloud, rc_client, account, printer):
    """The card of a printer reached only through the cloud pauses and resumes its print
    through the cloud's API; the cloud's job and the printer's report follow."""
    ui.click(app.wait_for("the card's Pause button", root=panel, role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Pause Print"))
    prompt = app.top_level("Pause the Print?")
    afui.poll("the pause prompt on screen", lambda: afui.is_showing(prompt), app=app)
    ui.click(afui.poll("the prompt's Pause button", lambda: ui.find_button(prompt, "Pause"),
                       app=app))
    afui.poll("the cloud's job to be paused", lambda: (cloud_job(cloud, rc_client, account,
                                                                 printer) or {}).get("state")
              == "paused", app=app, limit=600)
    afui.poll("the card to show the pause",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Paused"), app=app,
              limit=600)
    afui.screenshot(NAME, "cloud-5a-paused-through-cloud.png")
    ui.click(app.wait_for("the card's Resume button", root=panel,
                          role=pyatspi.ROLE_PUSH_BUTTON, name="Resume Print"))
    afui.poll("the cloud's job to run again", lambda: (cloud_job(cloud, rc_client, account,
                                                                 printer) or {}).get("state")
              == "running", app=app, limit=600)
    afui.poll("the card to show the print again",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing"), app=app,
              limit=600)


def send_through_cloud(app, cloud, rc_client, account, printer):
    afui.open_with_chooser(app, afui.corpus("3mf", NAME))
    app.top_level(NAME)
    afui.wait_print_time(app)
    ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                          name="Send to Printer"))
    panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    note = afui.poll("what leaves the network", lambda: next(
        (n for n in afui.walk(panel) if n.getRole() == pyatspi.ROLE_LABEL
         and n.name.startswith(CLOUD_NOTE) and afui.is_showing(n)), None), app=app)
    afui.check("90 days" in note.name, "the note says how long the cloud keeps the print")
    send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                     app=app)
    afui.poll("Send to turn on", lambda: ui.is_sensitive(send), app=app, limit=600)
    afui.screenshot(NAME, "cloud-5-send-panel.png")
    ui.click(send)
    afui.poll("the print to run",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Printing"),
              app=app, limit=1200)
    pause_and_resume_through_cloud(app, panel, cloud, rc_client, account, printer)
    afui.poll("the print to finish",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
              app=app, limit=2400)
    afui.screenshot(NAME, "cloud-6-finished.png")


def local_history():
    path = os.path.join(os.environ["HOME"], ".local", "state", "atomform-connect",
                        "local.sqlite")
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM history ORDER BY id")]
    finally:
        db.close()


def see_history(app, stem):
    ui.show_page(app, "History")
    row_title = afui.poll("the print in the history", lambda: next(
        (n for n in afui.walk(app.accessible()) if n.getRole() == pyatspi.ROLE_LABEL
         and n.name.startswith(stem) and afui.is_showing(n)), None), app=app, limit=600)
    afui.check(row_title is not None, "the history lists the print")
    summary = afui.poll("the print's status in the history", lambda: next(
        (n for n in afui.walk(app.accessible()) if n.getRole() == pyatspi.ROLE_LABEL
         and n.name.startswith(PRINTER_NAME + " · Finished") and afui.is_showing(n)), None),
        app=app, limit=600)
    afui.check("Filament: PLA" in summary.name, "the history shows the filament used")
    afui.check("The cloud keeps the file until" in summary.name,
               "the history says when the cloud deletes the file")
    app.wait_for("the entry's thumbnail", role=pyatspi.ROLE_IMAGE,
                 prefix="Thumbnail of " + stem)
    # This computer's own record of the send (core/privacy's local history),
    # above the cloud's: when, which printer, which route.
    app.wait_for("the local record", role=pyatspi.ROLE_LABEL, name="Sent From This Computer")
    local = afui.poll("the send in the local record", lambda: next(
        (n for n in afui.walk(app.accessible()) if n.getRole() == pyatspi.ROLE_LABEL
         and n.name.endswith(" · %s · Through the cloud" % PRINTER_NAME)
         and afui.is_showing(n)), None), app=app, limit=600)
    afui.check(local is not None, "the local record lists the cloud send")
    afui.screenshot(NAME, "cloud-7-history.png")


def reprint(app, cloud, stem, jobs_before):
    """Reprint prints the file the cloud kept: a second job, a second entry."""
    # GTK 4.8 appends a button's own label to the name it was given.
    button = app.wait_for("the Reprint button", role=pyatspi.ROLE_PUSH_BUTTON,
                          prefix="Reprint " + stem)
    ui.click(button)
    afui.poll("the reprint's job in the cloud",
              lambda: cloud.counters()["routes"].get("POST /v1/jobs", 0) == jobs_before + 2,
              app=app, limit=600)

    def finished_entries():
        return [n for n in afui.walk(app.accessible()) if n.getRole() == pyatspi.ROLE_LABEL
                and n.name.startswith(PRINTER_NAME + " · Finished") and afui.is_showing(n)]

    reload_button = app.wait_for("the Reload button", role=pyatspi.ROLE_PUSH_BUTTON,
                                 name="Reload History")

    def two_finished():
        if len(finished_entries()) == 2:
            return True
        ui.click(reload_button)
        time.sleep(1)
        return False

    afui.poll("the reprint to finish and show in the history", two_finished, app=app,
              limit=1200)
    afui.screenshot(NAME, "cloud-8-reprinted.png")


def lan_starts(printer):
    """Prints started over the LAN: a cloud print's project_file names an https:// url."""
    count = 0
    with open(printer.info["requests_file"]) as requests:
        for line in requests:
            if '"project_file"' in line:
                url = json.loads(line)["print"].get("url", "")
                count += not url.startswith("https://")
    return count


def add_lan_route(app, printer):
    """Adding the bound printer on the LAN adds its LAN route: one printer, two routes."""
    ui.show_page(app, "Printers")
    # The cloud-only card's own Set Up… (GTK 4.8 adds the button's label to its name).
    ui.click(app.wait_for("the card's Set Up button", role=pyatspi.ROLE_PUSH_BUTTON,
                          prefix="Set Up Printer"))
    dialog = app.top_level(ui.ADD_DIALOG)
    afui.poll("the Add Printer dialog on screen", lambda: afui.is_showing(dialog), app=app)
    # Filled in from the card: the serial and the name the account gave it.
    for title, value in (("Serial Number", printer.serial), ("Name", PRINTER_NAME)):
        field = ui.entry(app, dialog, title)
        afui.poll("the %s, filled in" % title, lambda: afui.text_of(field) == value, app=app)
    ui.fill_add_dialog(app, dialog, printer, ACCESS_CODE)
    ui.click(ui.add_button(app, dialog))
    prompt = app.top_level(ui.TRUST_DIALOG)
    afui.poll("the certificate prompt on screen", lambda: afui.is_showing(prompt), app=app)
    ui.click(afui.poll("the Trust button", lambda: ui.find_button(prompt, "Trust"), app=app))
    afui.poll("the Add Printer dialog to close",
              lambda: afui._window_id(ui.ADD_DIALOG) is None, app=app, limit=600)
    afui.poll("one card for the printer", lambda: len(
        [n for n in afui.walk(app.accessible()) if n.getRole() == pyatspi.ROLE_LIST_ITEM
         and n.name == PRINTER_NAME and afui.is_showing(n)]) == 1, app=app)
    app.wait_for("the cloud badge, still", role=pyatspi.ROLE_IMAGE, name=BADGE)
    afui.screenshot(NAME, "cloud-9-two-routes.png")


def find_now(root, **criteria):
    """afui.find, once the tree holds still: a node that goes away during the walk
    (a dialog just closed) makes AT-SPI fail the walk, not the test."""
    return afui.poll("a walk of the accessible tree",
                     lambda: (afui.find(root, **criteria),))[0]


def open_send_panel(app):
    """The Send panel on its setup page, and its two route buttons."""
    ui.show_page(app, "File")
    if find_now(app.accessible(), role=pyatspi.ROLE_FILLER, name="Send to Printer") is None:
        ui.click(app.wait_for("the send panel toggle", role=pyatspi.ROLE_PUSH_BUTTON,
                              name="Send to Printer"))
    panel = app.wait_for("the send panel", role=pyatspi.ROLE_FILLER, name="Send to Printer")
    done = find_now(panel, role=pyatspi.ROLE_PUSH_BUTTON, prefix="Done")
    if done is not None:
        ui.click(done)
    lan = app.wait_for("the LAN route button", root=panel, role=pyatspi.ROLE_PUSH_BUTTON,
                       prefix="Send Through the Local Network")
    cloud_button = app.wait_for("the cloud route button", root=panel,
                                role=pyatspi.ROLE_PUSH_BUTTON,
                                prefix="Send Through the AtomForm Cloud")
    return panel, lan, cloud_button


def cloud_online(cloud, rc_client, account, printer):
    api = cloud.api()
    online = api.request("GET", "/v1/printers/%s" % printer.id,
                         headers={"Authorization": "Bearer " + printer.token}).json().get(
        "online")
    api.close()
    return online


def readiness_follows_route(app, printer, cloud, rc_client, account):
    """Send judges the chosen route: the cloud route by what the cloud says of the
    printer, the LAN route by the LAN connection, each whatever the other says."""
    panel, lan, cloud_button = open_send_panel(app)
    send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                     app=app)
    ui.click(cloud_button)
    afui.poll("Send on for the cloud route", lambda: ui.is_sensitive(send), app=app, limit=600)

    # The printer leaves the cloud; the LAN still reaches it, idle.
    printer.control("cloud-offline on")
    afui.poll("the cloud to see the printer offline",
              lambda: not cloud_online(cloud, rc_client, account, printer), app=app, limit=600)
    ui.click(lan)
    afui.poll("Send on for the LAN route", lambda: ui.is_sensitive(send), app=app, limit=600)
    ui.click(cloud_button)
    hint = afui.poll("why the cloud route cannot send", lambda: next(
        (n for n in afui.walk(panel) if n.getRole() == pyatspi.ROLE_LABEL
         and n.name.startswith("AtomForm’s cloud does not hear from “%s”" % PRINTER_NAME)
         and afui.is_showing(n)), None), app=app, limit=600)
    afui.check("print over the local network" in hint.name, "the hint offers the LAN route")
    afui.check(not ui.is_sensitive(send), "Send is off on the cloud route of an offline printer")
    afui.screenshot(NAME, "cloud-10a-cloud-route-offline.png")
    ui.click(lan)
    afui.poll("Send on again for the LAN route", lambda: ui.is_sensitive(send), app=app,
              limit=600)

    printer.control("cloud-offline off")
    afui.poll("the cloud to see the printer again",
              lambda: cloud_online(cloud, rc_client, account, printer), app=app, limit=600)
    ui.click(cloud_button)
    afui.poll("Send on again for the cloud route", lambda: ui.is_sensitive(send), app=app,
              limit=600)


def send_over_lan(app, printer, cloud, jobs):
    """With both routes the panel asks which; the LAN note says nothing leaves."""
    panel, lan, cloud_button = open_send_panel(app)
    ui.click(cloud_button)
    afui.poll("the cloud note", lambda: next(
        (n for n in afui.walk(panel) if n.getRole() == pyatspi.ROLE_LABEL
         and n.name.startswith(CLOUD_NOTE) and afui.is_showing(n)), None), app=app)
    ui.click(lan)
    afui.poll("the LAN note", lambda: afui.find(
        panel, role=pyatspi.ROLE_LABEL,
        name="Over the local network, nothing leaves your home network."), app=app)
    send = afui.poll("the Send button", lambda: ui.find_button(panel, "Send to Printer"),
                     app=app)
    afui.poll("Send to turn on", lambda: ui.is_sensitive(send), app=app, limit=600)
    afui.screenshot(NAME, "cloud-10-lan-route.png")
    before = lan_starts(printer)
    ui.click(send)
    afui.poll("the print to start over the LAN", lambda: lan_starts(printer) == before + 1,
              app=app, limit=600)
    afui.poll("the LAN print to finish",
              lambda: afui.find(panel, role=pyatspi.ROLE_LABEL, name="Finished"),
              app=app, limit=2400)
    afui.check(cloud.counters()["routes"].get("POST /v1/jobs", 0) == jobs,
               "the LAN print made no cloud job")
    afui.screenshot(NAME, "cloud-11-lan-finished.png")


def sign_out(app, cloud, account):
    """Sign Out revokes the session and clears the keyring; the printer keeps its LAN route."""
    open_primary_menu(app)
    ui.click(app.wait_for("the Sign Out item", role=pyatspi.ROLE_MENU_ITEM, prefix="Sign Out"))
    ui.show_page(app, "Printers")
    afui.poll("the cloud badge to go", lambda: afui.find(
        app.accessible(), role=pyatspi.ROLE_IMAGE, name=BADGE) is None, app=app, limit=600)
    app.wait_for("the printer, still there over the LAN", role=pyatspi.ROLE_LIST_ITEM,
                 name=PRINTER_NAME)
    found = subprocess.run(["secret-tool", "search", "--all", "xdg:schema",
                            "tech.atomform.Connect.Token"], capture_output=True, text=True)
    afui.check("tech.atomform.Connect.Token" not in found.stdout + found.stderr,
               "no token is left in the keyring")
    open_primary_menu(app)
    app.wait_for("Sign In, again", role=pyatspi.ROLE_MENU_ITEM, prefix="Sign In")
    afui.screenshot(ui.WINDOW, "cloud-12-signed-out.png")
    close_menu()
    ui.show_page(app, "History")
    app.wait_for("the signed-out history", role=pyatspi.ROLE_LABEL, name="No Cloud History")


def test():
    exe, reference_cloud, virtual_printer, app_id = sys.argv[1:5]
    sys.path.insert(0, os.path.dirname(os.path.abspath(reference_cloud)))
    import rc_client

    # Offline after 5 s without a report (the printer reports every second).
    cloud = rc_client.Cloud(tempfile.mkdtemp(prefix="af-cloud-"),
                            extra_args=("--offline-after", "5"))
    printer = None
    try:
        for key, value in (("cloud-base-url", cloud.base_url), ("cloud-ca-file", cloud.ca_file)):
            subprocess.run(["gsettings", "set", app_id, key, value], check=True)
        email = "window-%d@example.org" % time.monotonic_ns()
        account = cloud.create_account(email, PASSWORD, display_name="Ana Window")
        account["email"] = email
        printer = CloudPrinter(cloud, rc_client, virtual_printer, account)
        record = os.path.join(os.environ["HOME"], "browser-opened")
        install_browser(record)
        jobs_before = cloud.counters()["routes"].get("POST /v1/jobs", 0)

        with afui.App(exe) as app:
            app.wait_for("the window", role=pyatspi.ROLE_FRAME, name=ui.WINDOW)
            try:
                sign_in(app, cloud, rc_client, account, record)
                see_cloud_printer(app)
                send_through_cloud(app, cloud, rc_client, account, printer)
                see_history(app, NAME[:-len(".gcode.3mf")])
                reprint(app, cloud, NAME[:-len(".gcode.3mf")], jobs_before)
                afui.check(lan_starts(printer) == 0, "the cloud prints went through the cloud")
                add_lan_route(app, printer)
                readiness_follows_route(app, printer, cloud, rc_client, account)
                send_over_lan(app, printer, cloud, jobs_before + 2)
                sign_out(app, cloud, account)
            except afui.Failure:
                for title in (NAME, ui.WINDOW):
                    if afui._window_id(title) is not None:
                        afui.screenshot(title, "cloud-failed.png")
                        break
                raise
            afui.check(app.close_window() == 0, "the window closed cleanly")

        # Server-side: one job for the send and one for the reprint, and the
        # history entries the view showed.
        afui.check(cloud.counters()["routes"].get("POST /v1/jobs", 0) == jobs_before + 2,
                   "the window created exactly two jobs")
        api = cloud.api()
        token = rc_client.sign_in(api, email, PASSWORD)["access_token"]
        items = api.request("GET", "/v1/history",
                            headers={"Authorization": "Bearer " + token}).json()["items"]
        api.close()
        afui.check(len(items) == 2 and all(i["status"] == "finished"
                                           and i["printer_id"] == printer.id for i in items),
                   "the cloud recorded two finished prints: %r" % items)
        # Both sends from the window are remembered on this computer, the
        # cloud one with the history entry it created (a reprint is the
        # cloud's file, not a send from here).
        local = local_history()
        afui.check(sorted((h["title"], h["printer"], h["route"]) for h in local)
                   == [(NAME, PRINTER_NAME, "cloud"), (NAME, PRINTER_NAME, "lan")],
                   "the local history: %r" % local)
        afui.check(next(h["cloud_entry_id"] for h in local if h["route"] == "cloud")
                   in {i["id"] for i in items}, "the local row names its cloud entry: %r" % local)
    finally:
        if printer is not None:
            printer.stop()
        cloud.stop()


if __name__ == "__main__":
    afui.run(test)
