#!/usr/bin/python3
# test_from_slicer.py EXECUTABLE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The post-processing mode, called exactly as PrusaSlicer, SuperSlicer and
# OrcaSlicer call a script: $SHELL -c "<setting> '<temporary file>'" with
# SLIC3R_PP_OUTPUT_NAME and SLIC3R_PP_HOST set, standard error captured,
# the temporary file deleted right after the call returns. The window must
# still show the file under its output name; the slicer's file is never
# changed; the call returns at once (standard error closes, so a slicer
# reading it is not held up); a running window takes the next file over.

import hashlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402

ORCA = "orcaslicer-2.3.0-k1max.gcode"
BGCODE = "prusaslicer-2.8.1-mini-cube.bgcode"
# What the slicer's call may take at most; copying a corpus file takes milliseconds.
MAX_CALL_SECONDS = 5


def shell_quote(path):
    # PostProcessor.cpp: single quotes, a quote inside written as '\''.
    return "'" + path.replace("'", "'\\''") + "'"


def run_as_slicer(exe, temp, output_name, host):
    env = dict(afui.APP_ENV)
    env.update({"SLIC3R_PP_OUTPUT_NAME": output_name, "SLIC3R_PP_HOST": host,
                "SLIC3R_LAYER_HEIGHT": "0.2", "SLIC3R_PRINTER_MODEL": "MK4S"})
    with open(temp, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    before = os.stat(temp)

    command = "%s --from-slicer %s" % (exe, shell_quote(temp))
    started = time.monotonic()
    try:
        # Standard error captured as the slicers do: the call is over only
        # once every copy of the pipe has closed.
        result = subprocess.run([os.environ.get("SHELL", "/bin/sh"), "-c", command], env=env,
                                capture_output=True, text=True, timeout=4 * MAX_CALL_SECONDS)
    except subprocess.TimeoutExpired:
        raise afui.Failure("the call still held the slicer after %d s (did the window keep "
                           "its standard error?)" % (4 * MAX_CALL_SECONDS))
    elapsed = time.monotonic() - started
    afui.log("%s returned %d after %.2f s" % (command, result.returncode, elapsed))

    after = os.stat(temp)
    with open(temp, "rb") as f:
        afui.check(hashlib.sha256(f.read()).hexdigest() == digest,
                   "the slicer's file must not be changed")
    afui.check((after.st_mtime_ns, after.st_size, after.st_ino)
               == (before.st_mtime_ns, before.st_size, before.st_ino),
               "the slicer's file must not be touched")
    # The slicer deletes its temporary file as soon as the script returns.
    os.unlink(temp)
    afui.check(elapsed < MAX_CALL_SECONDS, "the call held the slicer for %.1f s" % elapsed)
    return result


def copy(src, dest):
    with open(src, "rb") as f, open(dest, "wb") as g:
        g.write(f.read())


def held_copies():
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME")
                         or os.path.join(os.path.expanduser("~"), ".cache"),
                         "atomform-connect", "from-slicer")
    if not os.path.isdir(cache):
        return []
    return sorted(name for folder in os.listdir(cache)
                  for name in os.listdir(os.path.join(cache, folder)))


def forget_local_data(exe):
    result = subprocess.run([exe, "forget-local-data"], env=afui.APP_ENV, capture_output=True,
                            text=True, timeout=60)
    afui.check(result.returncode == 0, "forget-local-data: %r" % result.stderr)


def test():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="af-slicer-") as tmp:
        # Upload to a print host: a hidden copy without an extension.
        upload = os.path.join(tmp, ".PrusaSlicer.upload.1a2b-3c4d-5e6f-7a8b")
        copy(afui.corpus("gcode", ORCA), upload)
        result = run_as_slicer(exe, upload, "Prints/Cube & Co + 5% ü.gcode", "OctoPrint")
        afui.check(result.returncode == 0, "exit status %d: %s" % (result.returncode,
                                                                   result.stderr))
        afui.check(result.stderr == "", "nothing on standard error: %r" % result.stderr)

        app = afui.App.find_started(exe, "the window the slicer's call started")
        with app:
            frame = app.top_level("Cube & Co + 5% ü.gcode")
            label = afui.wait_print_time(app, root=frame)
            afui.check(afui.text_of(label) == "1 h 32 min 43 s", "print time of the copy")
            afui.check(afui.row_value(app, "Printer", root=frame) == "CR-K1 Max", "printer")
            afui.screenshot("Cube & Co + 5% ü.gcode", "window-from-slicer.png")

            # Export to a file: "<temporary file>.pp", binary G-code, a quote
            # in the folder; the running window takes it.
            folder = os.path.join(tmp, "slicer's tmp")
            os.mkdir(folder)
            export = os.path.join(folder, ".28394.gcode.pp")
            copy(afui.corpus("gcode", BGCODE), export)
            result = run_as_slicer(exe, export, "/run/media/u/SD/Mini Cube.bgcode", "File")
            afui.check(result.returncode == 0, "exit status %d: %s" % (result.returncode,
                                                                       result.stderr))
            frame = app.top_level("Mini Cube.bgcode")
            afui.check(afui.row_value(app, "Printer", root=frame) == "MK4S",
                       "the binary G-code is shown")
            afui.check(len(app.frames()) == 2, "the first file stays in its window")
            afui.check(len(afui.pids_on_bus(exe)) == 1, "the running window took the file over")

            # A file the slicer already removed: a message for the slicer to
            # show, and a status it reports as a failed script.
            gone = os.path.join(tmp, "gone.gcode")
            result = subprocess.run([exe, "--from-slicer", gone], env=afui.APP_ENV,
                                    capture_output=True, text=True, timeout=30)
            afui.check(result.returncode == 2, "a missing file exits with 2, not %d"
                       % result.returncode)
            afui.check("gone.gcode” does not exist" in result.stderr,
                       "the message names the file: %r" % result.stderr)
            afui.check(len(app.frames()) == 2, "nothing new opens")

            # Clear Local Data (forget-local-data runs the same core function)
            # leaves the copies the windows show: they are read again to send.
            shown = ["Cube & Co + 5% \u00fc.gcode", "Mini Cube.bgcode"]
            afui.check(held_copies() == shown, "the copies: %r" % held_copies())
            forget_local_data(exe)
            afui.check(held_copies() == shown, "the copies shown stay: %r" % held_copies())

        # With the window gone they are the user's data like any other.
        forget_local_data(exe)
        afui.check(held_copies() == [], "the copies are removed: %r" % held_copies())


afui.run(test)
