#!/usr/bin/python3
# test-sandbox.py SOURCE_ROOT CORPUS_DIR VIRTUAL_PRINTER MANIFEST
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The installed app works in a sandbox built the way Flatpak builds it, with
# only the manifest's finish-args (tests/sandbox.py): bwrap with the host's
# /usr standing in for the runtime, the app installed by `meson install` at
# /app, no host home, a private /tmp and a /.flatpak-info; xdg-dbus-proxy
# filtering the session bus to the portals and the app's own name, and the
# accessibility bus as Flatpak does. xdg-desktop-portal with the GTK backend,
# the document portal and gnome-keyring's Secret portal backend run on this
# test's session bus (tests/headless-run.sh --keyring). Inside it:
#   - the home, /tmp and the keyring's own D-Bus name of the host are out of
#     reach, and the portals are in reach;
#   - a corpus archive handed over through the document portal (as `flatpak
#     run --file-forwarding` hands files to an app) is read by the CLI;
#   - add-printer stores the access code through the Secret portal (it lands
#     in the app's own encrypted keyring file, not in the host's keyring) and
#     send reads it back and prints the handed file on the virtual printer,
#     which runs outside the sandbox on loopback;
#   - the window opens the handed file and, with the code read through the
#     portal again, shows the printer's state, read through the sandbox's
#     accessibility proxy as a screen reader would.
# A component that cannot start fails the test: none of this is skipped.

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ui"))
import sandbox  # noqa: E402
import afui  # noqa: E402  (takes G_DEBUG out of this process, keeps it for the app)
import pyatspi  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

APP_ID = "tech.atomform.Connect"
NAME = "bambustudio-02.07-p1s.gcode.3mf"
SERIAL = "01S00A000000919"
ACCESS_CODE = "41927730"     # distinctive, so finding it in a file is no coincidence
SPEED = "450"
PORTALS = "/usr/libexec"
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message, flush=True)
    if not condition:
        failures.append(message)


def require(condition, message):
    """A component the test needs: without it nothing else can be proven."""
    if not condition:
        raise afui.Failure(message)


def run(*args, **kwargs):
    print("$ " + " ".join(args), flush=True)
    return subprocess.run(args, check=True, **kwargs)


def install(source, tmp):
    """`meson install` with the prefix Flatpak builds with, into a staging
    folder that the sandbox mounts at /app.
    """
    build = os.path.join(tmp, "build")
    stage = os.path.join(tmp, "stage")
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    run("meson", "setup", build, source, "--prefix=/app", "-Dtests=false",
        "-Dprofile=default", stdout=subprocess.DEVNULL, env=env)
    run("meson", "compile", "-C", build, stdout=subprocess.DEVNULL, env=env)
    run("meson", "install", "-C", build, "--no-rebuild", "--destdir", stage,
        stdout=subprocess.DEVNULL, env=env)
    app = os.path.join(stage, "app")
    # flatpak-builder installs without DESTDIR, so meson's post-install
    # step compiles the schemas there; with DESTDIR meson skips it.
    schemas = os.path.join(app, "share", "glib-2.0", "schemas")
    if not os.path.exists(os.path.join(schemas, "gschemas.compiled")):
        run("glib-compile-schemas", "--strict", schemas)
    return app


def bus():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


def name_owned(name):
    reply = bus().call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                            "org.freedesktop.DBus", "NameHasOwner", GLib.Variant("(s)", (name,)),
                            None, Gio.DBusCallFlags.NONE, -1, None)
    return reply.unpack()[0]


def start_portal(tmp):
    for tool in ("bwrap", "xdg-dbus-proxy"):
        require(shutil.which(tool), "%s is not installed (build-aux/install-deps.sh)" % tool)
    for exe in ("xdg-desktop-portal", "xdg-desktop-portal-gtk", "xdg-document-portal"):
        require(os.access(os.path.join(PORTALS, exe), os.X_OK),
                "%s is not installed (build-aux/install-deps.sh)" % exe)
    require(os.path.isfile("/usr/share/xdg-desktop-portal/portals/gnome-keyring.portal"),
            "gnome-keyring's Secret portal backend is not installed")
    env = dict(os.environ)
    env.pop("G_DEBUG", None)    # not ours to test: its harmless warnings must not abort it
    # The .portal files choose their backends by desktop (UseIn=gnome).
    env["XDG_CURRENT_DESKTOP"] = "GNOME"
    # The backends and the document portal are started by the bus, with the
    # environment the bus was started with: give them this test's.
    activation = {name: env[name] for name in ("HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME",
                                               "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "DISPLAY",
                                               "XDG_CURRENT_DESKTOP") if name in env}
    activation["G_DEBUG"] = ""
    bus().call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                    "UpdateActivationEnvironment", GLib.Variant("(a{ss})", (activation,)),
                    None, Gio.DBusCallFlags.NONE, -1, None)
    log = open(os.path.join(tmp, "portal.log"), "w")
    proc = subprocess.Popen([os.path.join(PORTALS, "xdg-desktop-portal"), "--replace"],
                            env=env, stdout=log, stderr=log)
    afui.poll("xdg-desktop-portal on the bus",
              lambda: proc.poll() is None and name_owned("org.freedesktop.portal.Desktop"))
    return proc


def document_portal():
    """The document portal's FUSE mount (it is D-Bus activated)."""
    reply = bus().call_sync("org.freedesktop.portal.Documents", "/org/freedesktop/portal/documents",
                            "org.freedesktop.portal.Documents", "GetMountPoint", None,
                            GLib.VariantType("(ay)"), Gio.DBusCallFlags.NONE, 10000, None)
    mount = bytes(reply.unpack()[0]).rstrip(b"\0").decode()
    require(os.path.ismount(mount), "the document portal did not mount %s (FUSE)" % mount)
    print("ok: the document portal is mounted at " + mount, flush=True)
    return mount


def hand_over(path):
    """Exports path through the document portal for the app alone, as
    `flatpak run --file-forwarding` does when the desktop opens a file with
    a Flatpak app; returns the path the app sees.
    """
    fds = Gio.UnixFDList.new()
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    index = fds.append(fd)
    os.close(fd)
    reply, _ = bus().call_with_unix_fd_list_sync(
        "org.freedesktop.portal.Documents", "/org/freedesktop/portal/documents",
        "org.freedesktop.portal.Documents", "Add", GLib.Variant("(hbb)", (index, True, False)),
        GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 10000, fds, None)
    doc_id = reply.unpack()[0]
    bus().call_sync("org.freedesktop.portal.Documents", "/org/freedesktop/portal/documents",
                    "org.freedesktop.portal.Documents", "GrantPermissions",
                    GLib.Variant("(ssas)", (doc_id, APP_ID, ["read"])), None,
                    Gio.DBusCallFlags.NONE, 10000, None)
    return "/run/user/%d/doc/%s/%s" % (os.getuid(), doc_id, os.path.basename(path))


def in_sandbox(box, argv, binds, **kwargs):
    return subprocess.run(box.command(argv, binds), capture_output=True, text=True, **kwargs)


# Debian 12's libsecret 0.20.5, standing in for the runtime's, subscribes to
# the Secret portal's Response signal only after the RetrieveSecret reply has
# been dispatched; when the signal comes first the process waits forever
# (seen in about one run in three; libsecret's current code subscribes before
# calling, and the GNOME 51 runtime ships a newer libsecret). A command that
# stalls there is run again, and the output says so; one that fails is not.
PORTAL_ATTEMPTS = 3


def with_portal(box, argv, binds, **kwargs):
    for attempt in range(1, PORTAL_ATTEMPTS + 1):
        try:
            return in_sandbox(box, argv, binds, timeout=45, **kwargs)
        except subprocess.TimeoutExpired:
            print("# %s stalled waiting for the Secret portal (libsecret 0.20.5 race), "
                  "attempt %d of %d" % (" ".join(argv[:2]), attempt, PORTAL_ATTEMPTS), flush=True)
    raise afui.Failure("%s stalled %d times" % (" ".join(argv[:2]), PORTAL_ATTEMPTS))


def check_isolation(box, binds, tmp):
    marker = os.path.join(os.environ["HOME"], "host-home-marker")
    with open(marker, "w") as f:
        f.write("host\n")
    probe = in_sandbox(box, ["sh", "-c", 'test -e "$1" && echo home; test -e "$2" && echo tmp; '
                             'test -e /.flatpak-info && echo info; test -d /app/bin && echo app',
                             "sh", marker, tmp], binds)
    seen = probe.stdout.split()
    check("home" not in seen, "the host's home is out of reach")
    check("tmp" not in seen, "the host's /tmp is out of reach")
    check("info" in seen and "app" in seen, "the sandbox has /.flatpak-info and /app")
    os.unlink(marker)

    secrets = in_sandbox(box, ["gdbus", "call", "--session", "-d", "org.freedesktop.secrets",
                               "-o", "/org/freedesktop/secrets",
                               "-m", "org.freedesktop.DBus.Peer.Ping"], binds)
    check(secrets.returncode != 0 and "ServiceUnknown" in secrets.stderr,
          "org.freedesktop.secrets is hidden from the app (%s)" % secrets.stderr.strip())
    portal = in_sandbox(box, ["gdbus", "call", "--session", "-d", "org.freedesktop.portal.Desktop",
                              "-o", "/org/freedesktop/portal/desktop",
                              "-m", "org.freedesktop.DBus.Properties.Get",
                              "org.freedesktop.portal.Secret", "version"], binds)
    check(portal.returncode == 0, "the Secret portal is in reach: %s"
          % (portal.stdout.strip() or portal.stderr.strip()))


def host_keyring_has_code():
    found = subprocess.run(["secret-tool", "search", "--all", "serial", SERIAL],
                           capture_output=True, text=True)
    return ACCESS_CODE in found.stdout or SERIAL in found.stdout + found.stderr


def files_holding(folder, needle):
    hits = []
    for parent, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            try:
                with open(path, "rb") as f:
                    if needle.encode() in f.read():
                        hits.append(path)
            except OSError:
                pass
    return hits


def check_cli(box, binds, handed, printer):
    inspect = in_sandbox(box, ["atomform-connect", "inspect", handed, "--json"], binds)
    check(inspect.returncode == 0, "inspect reads the handed file: %s" % inspect.stderr.strip())
    if inspect.returncode == 0:
        info = json.loads(inspect.stdout)
        check(info.get("kind") == "archive" and '"Bambu Lab P1S"' in inspect.stdout,
              "inspect shows the file's printer")

    add = with_portal(box, ["atomform-connect", "add-printer", "--host", printer.info["host"],
                           "--serial", SERIAL, "--name", "Sandboxed P1S",
                           "--mqtt-port", str(printer.info["mqtt_port"]),
                           "--ftps-port", str(printer.info["ftps_port"]),
                           "--trust-fingerprint", printer.info["fingerprint"]],
                     binds, input=ACCESS_CODE + "\n")
    check(add.returncode == 0 and "Sandboxed P1S" in add.stdout,
          "add-printer saves the printer: %s %s" % (add.stdout.strip(), add.stderr.strip()))
    keyring = os.path.join(box.var_app, "data", "keyrings", "default.keyring")
    check(os.path.isfile(keyring),
          "the code went through the Secret portal into the app's own keyring file")
    check(not host_keyring_has_code(), "the host's keyring does not hold the code")
    check(not files_holding(box.var_app, ACCESS_CODE),
          "no file of the app holds the code in the clear")

    send = with_portal(box, ["atomform-connect", "send", handed, "--printer", SERIAL], binds)
    check(send.returncode == 0, "send, with the code read back through the portal, starts "
          "the print: %s" % send.stderr.strip()[-400:])
    with open(printer.info["requests_file"]) as requests:
        starts = [json.loads(line)["print"] for line in requests if '"project_file"' in line]
    check(len(starts) == 1 and starts[0].get("subtask_name", "").startswith("bambustudio-02.07-p1s"),
          "the virtual printer was told to print the handed file: %r"
          % [s.get("subtask_name") for s in starts])


def sandboxed_app():
    for node in pyatspi.Registry.getDesktop(0):
        if node is not None and node.name == "atomform-connect":
            return node
    return None


def check_window(box, binds, handed, attempt=1):
    """True once the window has shown the printing printer; False when its
    access-code lookup stalled on the portal (see with_portal).
    """
    log = open(os.path.join(box.root, "window.log"), "w")
    proc = subprocess.Popen(box.command(["atomform-connect", handed], binds),
                            stdout=log, stderr=log)
    app = afui.App("atomform-connect", proc=proc)
    try:
        root = afui.poll("the sandboxed window on the accessibility bus", sandboxed_app, app=app)
        afui.poll("a window titled %r" % NAME,
                  lambda: any(n is not None and n.name == NAME for n in root), app=app)
        check(True, "the window opened the handed file")
        afui.wait_print_time(app, root=root)
        check(True, "the window read the handed file's print time")
        afui.screenshot(NAME, "sandbox-window.png")
        tab = app.wait_for("the Printers tab", root=root, role=pyatspi.ROLE_PAGE_TAB,
                           name="Printers")
        tab.queryAction().doAction(0)
        # Each AT-SPI call crosses the accessibility proxy: read the row,
        # not the whole window, while waiting.
        row = app.wait_for("the printer added in the sandbox", root=root,
                           role=pyatspi.ROLE_LIST_ITEM, name="Sandboxed P1S")
        seen = set()

        def state():
            seen.clear()
            seen.update(n.name for n in afui.walk(row) if n.name)
            return {"Printing", "Finished"} & seen

        try:
            afui.poll("the printer's state, with the code read through the portal", state,
                      app=app, limit=600)
        except afui.Failure:
            afui.screenshot(NAME, "sandbox-failed.png")
            if seen >= {"Offline"} and attempt < PORTAL_ATTEMPTS:
                print("# the window's code lookup stalled waiting for the Secret portal "
                      "(libsecret 0.20.5 race), attempt %d of %d" % (attempt, PORTAL_ATTEMPTS),
                      flush=True)
                return False
            raise afui.Failure("the printer's row says %r, not that it prints" % sorted(seen))
        afui.screenshot(NAME, "sandbox-printers.png")
        check(True, "the window connected to the printer with the code from the portal")
        app.close_window(root=root)
        check(proc.returncode == 0, "the window closed cleanly (%s)" % proc.returncode)
        return True
    finally:
        app.stop()
        log.close()
        with open(os.path.join(box.root, "window.log")) as f:
            text = f.read().strip()
        if text:
            print("# window log:\n" + text, flush=True)


def main():
    source, corpus_dir, vp_script, manifest = sys.argv[1:5]
    with open(manifest) as f:
        permissions = sandbox.Permissions(json.load(f)["finish-args"])
    tmp = tempfile.mkdtemp(prefix="af-sandbox-")
    portal = printer = box = mount = None
    try:
        app_dir = install(source, tmp)
        portal = start_portal(tmp)
        mount = document_portal()
        handed = hand_over(os.path.join(corpus_dir, "3mf", NAME))
        binds = [(os.path.join(mount, "by-app", APP_ID), "/run/user/%d/doc" % os.getuid())]
        print("# handed over as " + handed, flush=True)

        box = sandbox.Sandbox(APP_ID, permissions, app_dir, os.path.join(tmp, "sandbox"),
                              afui.APP_ENV)
        box.start()
        check_isolation(box, binds, tmp)

        sys.path.insert(0, os.path.join(source, "tests", "ui"))
        import printersui
        printer = printersui.VirtualPrinter(vp_script, "--speed", SPEED, "--serial", SERIAL,
                                            "--access-code", ACCESS_CODE)
        check_cli(box, binds, handed, printer)
        attempt = 1
        while not check_window(box, binds, handed, attempt):
            attempt += 1
    except (afui.Failure, sandbox.SandboxError, subprocess.CalledProcessError) as error:
        check(False, str(error))
    finally:
        if printer is not None:
            printer.stop()
        if box is not None:
            box.stop()
        if mount is not None:
            subprocess.run(["fusermount3", "-u", "-z", mount])
        if portal is not None:
            portal.terminate()
            portal.wait(timeout=10)
        if failures:
            log = os.path.join(tmp, "portal.log")
            if os.path.exists(log):
                with open(log) as f:
                    print("# portal log:\n" + f.read(), flush=True)
        shutil.rmtree(tmp, ignore_errors=True)

    print("%d failed" % len(failures))
    return 1 if failures else 0


sys.exit(main())
