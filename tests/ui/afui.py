# afui.py: what the UI tests share. They start the real executable on a
# private display (tests/headless-run.sh), read the window through AT-SPI
# the way a screen reader does, and keep screenshots as test artefacts.
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import sys
import time

# G_DEBUG=fatal-warnings is for the application. In this process it would
# also make libatspi's harmless warnings fatal (it warns when a window goes
# away while its tree is read), so it is taken out before GLib loads.
APP_ENV = dict(os.environ)
os.environ.pop("G_DEBUG", None)

import pyatspi  # noqa: E402  Debian's /usr/bin/python3 has it; pyenv's python3 does not.

POLL_SECONDS = 0.05
POLL_LIMIT = 300          # 15 s: the slowest wait, reading a 6 MB archive, takes ~1 s
APP_NAME = "atomform-connect"


class Failure(Exception):
    pass


def log(message):
    print("# " + message, flush=True)


def poll(what, func, app=None, limit=POLL_LIMIT):
    """Calls func until it returns something true, and returns that.

    Fails early when app has exited: a crash should read as a crash, not as
    a timeout.
    """
    for _ in range(limit):
        if app is not None and not app.running():
            raise Failure("%s exited with status %s while waiting for %s"
                          % (APP_NAME, app.proc.returncode, what))
        try:
            result = func()
        except Exception:  # a node vanished under us: try again
            result = None
        if result:
            return result
        time.sleep(POLL_SECONDS)
    raise Failure("timed out after %.1f s waiting for %s" % (limit * POLL_SECONDS, what))


def check(condition, message):
    if not condition:
        raise Failure(message)


def walk(node):
    """Every node below node, depth first, skipping nodes that vanish."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        yield current
        try:
            count = current.childCount
            stack.extend(current.getChildAtIndex(i) for i in reversed(range(count)))
        except Exception:
            continue


def text_of(node):
    # GTK 4.8 returns "" for getText(0, -1): the end must be the count.
    text = node.queryText()
    return text.getText(0, text.characterCount)


def extents(node):
    # Window coordinates: GTK 4.8 cannot report screen positions.
    return node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)


def is_showing(node):
    # GTK 4.8 marks the hidden pages of a GtkStack visible and never sets
    # SHOWING, but gives them no size.
    box = extents(node)
    return box.width > 0 and box.height > 0


def find(root, role=None, name=None, prefix=None, showing=True):
    for node in walk(root):
        if role is not None and node.getRole() != role:
            continue
        if name is not None and node.name != name:
            continue
        if prefix is not None and not node.name.startswith(prefix):
            continue
        if showing and not is_showing(node):
            continue
        return node
    return None


def find_all(root, role=None, name=None):
    return [n for n in walk(root)
            if (role is None or n.getRole() == role) and (name is None or n.name == name)]


def type_text(text):
    """Types text with synthesized key presses into the focused window."""
    pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)


def press_return():
    pyatspi.Registry.generateKeyboardEvent(0xff0d, None, pyatspi.KEY_SYM)  # XK_Return


def artefacts_dir():
    path = os.environ.get("AF_ARTEFACTS_DIR") or os.path.join(os.getcwd(), "artefacts")
    os.makedirs(path, exist_ok=True)
    return path


def corpus(*parts):
    return os.path.join(os.environ["AF_CORPUS_DIR"], *parts)


def _window_id(title):
    """The largest X window titled title: GDK also names its 1×1 client
    leader window after the application.
    """
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    pattern = re.compile(r'^\s*(0x[0-9a-f]+) "%s": .*?\s(\d+)x(\d+)[+-]' % re.escape(title))
    best = None
    for line in tree.splitlines():
        match = pattern.match(line)
        if match:
            area = int(match.group(2)) * int(match.group(3))
            if area > 1 and (best is None or area > best[0]):
                best = (area, match.group(1))
    return best[1] if best else None


def screenshot(title, filename):
    """Saves the window titled title once two captures in a row agree, so
    the picture shows the settled window and not a transition.
    """
    window = poll("an X window titled %r" % title, lambda: _window_id(title))
    previous = None

    def settled():
        nonlocal previous
        png = subprocess.run(["/usr/bin/import", "-window", window, "-strip", "png:-"],
                             capture_output=True, check=True).stdout
        same = png == previous
        previous = png
        return png if same else None

    # A window with a live progress bar may never hold still; a screenshot
    # is an artefact, not an assertion, so after the wait the last capture
    # is kept rather than failing the test.
    png = None
    deadline = time.monotonic() + 10
    while png is None and time.monotonic() < deadline:
        try:
            png = settled()
        except subprocess.CalledProcessError:  # the window is being redrawn or replaced
            png = None
        if png is None:
            time.sleep(POLL_SECONDS)
    if png is None:
        check(previous is not None, "could not capture the window titled %r" % title)
        png = previous
        log("screenshot of %r taken while it was still changing" % title)
    path = os.path.join(artefacts_dir(), filename)
    with open(path, "wb") as f:
        f.write(png)
    log("screenshot: " + path)
    return path


class _Detached:
    """The part of Popen that App uses, for a process that something else
    started (a slicer hand-off, D-Bus activation): it is not our child, so
    it is watched through /proc and signalled by its PID.
    """

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            state = "X"
        if state in ("Z", "X"):
            self.returncode = 0 if self.returncode is None else self.returncode
            return self.returncode
        return None

    def terminate(self):
        self._signal(15)

    def kill(self):
        self._signal(9)

    def _signal(self, number):
        try:
            os.kill(self.pid, number)
        except ProcessLookupError:
            pass

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout if timeout is not None else 3600)
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("pid %d" % self.pid, timeout)
            time.sleep(POLL_SECONDS)
        return self.returncode


def pids_on_bus(exe):
    """The PIDs of the instances of the executable exe on this test's
    accessibility bus (tests running in parallel have their own).
    """
    real = os.path.realpath(exe)
    pids = []
    for node in pyatspi.Registry.getDesktop(0):
        try:
            pid = node.get_process_id()
            if os.readlink("/proc/%d/exe" % pid) == real:
                pids.append(pid)
        except Exception:  # gone meanwhile, or not an application
            continue
    return pids


class App:
    """The executable, started as a user would, stopped by its PID."""

    def __init__(self, exe, *args, proc=None):
        self.exe = exe
        self.proc = proc if proc is not None else subprocess.Popen([exe, *args], env=APP_ENV)
        self._accessible = None

    @classmethod
    def find_started(cls, exe, what):
        """The one instance of exe that something else started, once it
        shows on the accessibility bus.
        """
        pids = poll(what, lambda: pids_on_bus(exe))
        check(len(pids) == 1, "more than one %s runs: %r" % (APP_NAME, pids))
        pid = pids[0]
        log("%s runs as PID %d" % (APP_NAME, pid))
        return cls(exe, proc=_Detached(pid))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def running(self):
        return self.proc.poll() is None

    def stop(self):
        if self.running():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close_window(self, root=None):
        """Closes a window with its Close button, as a user would, and
        returns the exit status once the last window is gone.
        """
        button = self.wait_for("the Close button", root=root, role=pyatspi.ROLE_PUSH_BUTTON,
                               name="Close")
        button.queryAction().doAction(0)
        poll("%s to exit" % APP_NAME, lambda: not self.running())
        return self.proc.returncode

    def accessible(self):
        """The application's AT-SPI root, matched by PID: a second instance
        of the same executable must not be mistaken for this one.
        """
        def lookup():
            for node in pyatspi.Registry.getDesktop(0):
                if node is not None and node.get_process_id() == self.proc.pid:
                    return node
            return None

        if self._accessible is None:
            self._accessible = poll("%s on the accessibility bus" % APP_NAME, lookup, app=self)
        return self._accessible

    def frames(self):
        return [n for n in self.accessible() if n is not None and n.getRole() == pyatspi.ROLE_FRAME]

    def top_level(self, name):
        return poll("a window named %r" % name,
                    lambda: next((n for n in self.accessible() if n is not None and n.name == name),
                                 None),
                    app=self)

    def wait_for(self, what, root=None, **criteria):
        return poll(what, lambda: find(root or self.accessible(), **criteria), app=self)


def run(test):
    """Runs test() and turns the outcome into the exit status meson reads."""
    try:
        test()
    except Failure as failure:
        print("FAIL: %s" % failure, flush=True)
        sys.exit(1)
    print("PASS", flush=True)
    sys.exit(0)


# What the window shows, by the accessible names it gives.

def wait_print_time(app, root=None):
    """The print time label: its text is the compact time, its accessible
    name the spoken one.
    """
    return app.wait_for("the print time", root=root, role=pyatspi.ROLE_LABEL,
                        prefix="Estimated print time:")


def wait_thumbnail(app, root=None):
    return app.wait_for("the plate thumbnail", root=root, role=pyatspi.ROLE_IMAGE,
                        name="Plate thumbnail")


def row_value(app, title, root=None):
    """The subtitle of the fact row titled title, e.g. "Printer"."""
    row = app.wait_for("the %r row" % title, root=root, role=pyatspi.ROLE_LIST_ITEM, name=title)
    labels = [text_of(n) for n in walk(row) if n.getRole() == pyatspi.ROLE_LABEL]
    check(len(labels) >= 2 and labels[0] == title,
          "the %r row should hold its title and a value, not %r" % (title, labels))
    return labels[1]


def open_with_chooser(app, path, root=None):
    """Opens path the way a user does: the Open button, then the file
    chooser, typing the path into its location entry.
    """
    button = app.wait_for("an Open button", root=root, role=pyatspi.ROLE_PUSH_BUTTON,
                          prefix="_Open")
    button.queryAction().doAction(0)
    chooser = app.top_level("Open a Sliced File")
    poll("the file chooser on screen", lambda: is_showing(chooser), app=app)
    type_text(path)
    poll("the typed path in the chooser",
         lambda: any(n.getRole() == pyatspi.ROLE_TEXT and text_of(n) == path
                     for n in walk(chooser)),
         app=app)
    press_return()
    # Watched through X, not AT-SPI: GTK 4.8 logs a critical when a window's
    # tree is read while it is being destroyed.
    poll("the file chooser to close", lambda: _window_id("Open a Sliced File") is None, app=app)
