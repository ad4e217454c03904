# sandbox.py: a Flatpak-like sandbox built from a manifest's finish-args,
# without a Flatpak runtime (tests/test-sandbox.py uses it).
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Flatpak runs an app in bwrap with the runtime at /usr, the app at /app, an
# empty home except the app's own ~/.var/app/ID, a private /tmp, and a
# /.flatpak-info file by which libraries (libsecret, GTK, GLib) and
# xdg-desktop-portal recognise a sandboxed app. Its session bus is a socket of
# xdg-dbus-proxy, which lets through only the names the permissions allow;
# the accessibility bus gets a second proxy. These facts come from Flatpak's
# documentation (docs.flatpak.org, "Sandbox permissions") and its
# common/flatpak-run.c; the code here is our own.
#
# The host's /usr stands in for the runtime. Every permission this module
# grants is derived from finish-args, so widening the manifest widens the
# sandbox; a permission it does not know how to build is an error rather than
# something silently dropped.

import os
import subprocess
import time

# The proxy rules Flatpak adds for every app (flatpak-run.c): the portals
# may be called and their signals received, the app may own its id.
PORTAL_RULES = ["--call=org.freedesktop.portal.*=*",
                "--broadcast=org.freedesktop.portal.*=@/org/freedesktop/portal/*"]

# What a screen reader needs from an app, and the app from the registry
# (Flatpak's a11y proxy, flatpak-run.c).
A11Y_RULES = [
    "--sloppy-names",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.Socket.Embed@/org/a11y/atspi/accessible/root",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.Socket.Unembed@/org/a11y/atspi/accessible/root",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.Registry.GetRegisteredEvents"
    "@/org/a11y/atspi/registry",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.GetKeystrokeListeners"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.GetDeviceEventListeners"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.NotifyListenersSync"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
    "--call=org.a11y.atspi.Registry=org.a11y.atspi.DeviceEventController.NotifyListenersAsync"
    "@/org/a11y/atspi/registry/deviceeventcontroller",
]


# The runtime: the host's /usr and /etc, read-only.
BASE = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--proc", "/proc", "--dev", "/dev"]


class SandboxError(Exception):
    pass


class Permissions:
    """finish-args, read into what bwrap and the proxy need."""

    def __init__(self, finish_args):
        self.network = False
        self.ipc = False
        self.sockets = set()
        self.devices = set()
        self.bus_rules = []
        self.filesystems = []
        self.env = {}
        for arg in finish_args:
            self._add(arg)

    def _add(self, arg):
        key, _, value = arg.partition("=")
        if key == "--share" and value in ("network", "ipc"):
            setattr(self, value, True)
        elif key == "--socket" and value in ("wayland", "fallback-x11", "x11"):
            self.sockets.add(value)
        elif key == "--device" and value in ("dri", "all"):
            self.devices.add(value)
        elif key in ("--talk-name", "--own-name", "--see-name"):
            self.bus_rules.append("--%s=%s" % (key[2:-5], value))
        elif key == "--filesystem" and value.startswith("/"):
            path, _, mode = value.partition(":")
            self.filesystems.append((path, mode == "ro"))
        elif key == "--env" and "=" in value:
            name, _, val = value.partition("=")
            self.env[name] = val
        else:
            raise SandboxError("the sandbox test cannot build the permission %r yet: teach "
                               "tests/sandbox.py how Flatpak grants it" % arg)


def _wait_for_socket(path, proc, what):
    for _ in range(500):
        if os.path.exists(path):
            return
        if proc.poll() is not None:
            raise SandboxError("%s exited with status %d" % (what, proc.returncode))
        time.sleep(0.01)
    raise SandboxError("%s did not make %s" % (what, path))


class Sandbox:
    """One app's sandbox: its proxies, its home, its /.flatpak-info.

    root: a scratch folder; app_dir: the installed /app tree.
    """

    def __init__(self, app_id, permissions, app_dir, root, host_env=None):
        # What the tests pass to the app (e.g. G_DEBUG=fatal-warnings).
        self.host_env = host_env if host_env is not None else os.environ
        self.app_id = app_id
        self.permissions = permissions
        self.app_dir = app_dir
        self.root = root
        self.uid = os.getuid()
        self.run_dir = "/run/user/%d" % self.uid
        self.home = os.environ["HOME"]
        self.var_app = os.path.join(root, "var-app")
        self.processes = []
        for folder in ("data", "config", "cache", "state"):
            os.makedirs(os.path.join(self.var_app, folder), exist_ok=True)
        self.info_file = os.path.join(root, "flatpak-info")
        self._write_info()
        self.bus_socket = os.path.join(root, "bus")
        self.a11y_socket = os.path.join(root, "at-spi-bus")

    def _write_info(self):
        p = self.permissions
        shared = [name for name in ("network", "ipc") if getattr(p, name)]
        with open(self.info_file, "w") as f:
            f.write("[Application]\nname=%s\nruntime=runtime/org.gnome.Platform/x86_64/51\n\n"
                    "[Context]\nshared=%s;\nsockets=%s;\ndevices=%s;\n"
                    % (self.app_id, ";".join(shared), ";".join(sorted(p.sockets)),
                       ";".join(sorted(p.devices))))

    def _proxy(self, address, socket, rules):
        """xdg-dbus-proxy, itself in a bwrap that holds /.flatpak-info, as
        Flatpak runs it: xdg-desktop-portal identifies the app by the
        /.flatpak-info of the process on the other end of its connection,
        which is the proxy.
        """
        args = ["bwrap", *BASE, "--bind", "/tmp", "/tmp", "--bind", self.root, self.root,
                "--ro-bind", self.info_file, "/.flatpak-info", "--die-with-parent", "--",
                "xdg-dbus-proxy", address, socket, "--filter", *rules]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        self.processes.append(proc)
        _wait_for_socket(socket, proc, "xdg-dbus-proxy")

    def start(self):
        rules = ["--own=%s" % self.app_id, "--own=%s.*" % self.app_id, *PORTAL_RULES,
                 *self.permissions.bus_rules]
        self._proxy(os.environ["DBUS_SESSION_BUS_ADDRESS"], self.bus_socket, rules)
        a11y = subprocess.run(["gdbus", "call", "--session", "-d", "org.a11y.Bus",
                               "-o", "/org/a11y/bus", "-m", "org.a11y.Bus.GetAddress"],
                              capture_output=True, text=True)
        if a11y.returncode != 0:
            raise SandboxError("no accessibility bus: " + a11y.stderr.strip())
        self._proxy(a11y.stdout.strip()[2:-3], self.a11y_socket, A11Y_RULES)

    def stop(self):
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)

    def _display_args(self):
        """The window's sockets. With fallback-x11, X11 is given only when
        there is no Wayland socket, as Flatpak does.
        """
        p = self.permissions
        args = []
        wayland = os.environ.get("WAYLAND_DISPLAY")
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
        has_wayland = "wayland" in p.sockets and wayland \
            and os.path.exists(os.path.join(runtime, wayland))
        if has_wayland:
            args += ["--ro-bind", os.path.join(runtime, wayland),
                     os.path.join(self.run_dir, "wayland-0"),
                     "--setenv", "WAYLAND_DISPLAY", "wayland-0"]
        x11 = "x11" in p.sockets or ("fallback-x11" in p.sockets and not has_wayland)
        display = os.environ.get("DISPLAY", "")
        if x11 and display.startswith(":"):
            number = display[1:].split(".")[0]
            socket = "/tmp/.X11-unix/X" + number
            args += ["--ro-bind", socket, socket, "--setenv", "DISPLAY", display]
        else:
            args += ["--unsetenv", "DISPLAY"]
        return args

    def command(self, argv, extra_binds=()):
        """The bwrap command line that runs argv in the sandbox."""
        p = self.permissions
        home_var = os.path.join(self.home, ".var", "app", self.app_id)
        args = ["bwrap", *BASE,
                "--ro-bind", self.app_dir, "/app",
                "--tmpfs", "/tmp", "--tmpfs", "/run", "--dir", "/var/tmp",
                "--ro-bind", self.info_file, "/.flatpak-info",
                # No host home: an empty one, with only the app's own folder.
                "--tmpfs", self.home, "--bind", self.var_app, home_var,
                "--dir", self.run_dir, "--chmod", "0700", self.run_dir,
                "--bind", self.bus_socket, os.path.join(self.run_dir, "bus"),
                "--dir", "/run/flatpak",
                "--bind", self.a11y_socket, "/run/flatpak/at-spi-bus",
                "--unshare-user-try", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session",
                "--clearenv"]
        args += ["--dev-bind", "/dev/dri", "/dev/dri"] if "dri" in p.devices \
            and os.path.exists("/dev/dri") else []
        args += ["--dev-bind", "/dev", "/dev"] if "all" in p.devices else []
        if not p.network:
            args.append("--unshare-net")
        if not p.ipc:
            args.append("--unshare-ipc")
        for path, read_only in p.filesystems:
            args += ["--ro-bind" if read_only else "--bind", path, path]
        args += self._display_args()
        env = {
            "PATH": "/app/bin:/usr/bin",
            "HOME": self.home,
            "XDG_RUNTIME_DIR": self.run_dir,
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=%s/bus" % self.run_dir,
            "AT_SPI_BUS_ADDRESS": "unix:path=/run/flatpak/at-spi-bus",
            "XDG_DATA_DIRS": "/app/share:/usr/share",
            "XDG_DATA_HOME": os.path.join(home_var, "data"),
            "XDG_CONFIG_HOME": os.path.join(home_var, "config"),
            "XDG_CACHE_HOME": os.path.join(home_var, "cache"),
            "XDG_STATE_HOME": os.path.join(home_var, "state"),
            "FLATPAK_ID": self.app_id,
            "container": "flatpak",
            "LANG": "C.UTF-8",
            "GDK_BACKEND": os.environ.get("GDK_BACKEND", "x11"),
            "GSK_RENDERER": os.environ.get("GSK_RENDERER", "cairo"),
        }
        for name in ("G_DEBUG", "G_MESSAGES_DEBUG", "MALLOC_CHECK_", "LC_ALL"):
            if name in self.host_env:
                env[name] = self.host_env[name]
        env.update(p.env)
        for name, value in env.items():
            args += ["--setenv", name, value]
        for source, target in extra_binds:
            args += ["--ro-bind", source, target]
        return args + ["--", *argv]
