#!/usr/bin/python3
# test-dumpable.py
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The app makes itself non-dumpable (prctl PR_SET_DUMPABLE 0, app/main.c)
# before it can hold an access code. The kernel then hands the process's
# /proc files (mem, environ, maps…) to root, so another process of the same
# user can neither read them nor ptrace the app. The test runs the app as an
# unprivileged user (itself, or "nobody" via setpriv when the test is root),
# parked in `add-printer` waiting for the access code on standard input, and
# checks who owns /proc/PID/environ and whether a same-user reader gets in.
#
# Usage: test-dumpable.py ATOMFORM-CONNECT

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

EXE = None
NOBODY = 65534


def unprivileged_prefix():
    if os.geteuid() != 0:
        return [], os.geteuid()
    return ['setpriv', f'--reuid={NOBODY}', f'--regid={NOBODY}', '--clear-groups'], NOBODY


def real_uid(pid):
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith('Uid:'):
                return int(line.split()[1])
    raise AssertionError('no Uid line')


class DumpableTest(unittest.TestCase):
    def test_not_dumpable(self):
        prefix, uid = unprivileged_prefix()
        home = tempfile.mkdtemp(prefix='af-dumpable-')
        os.chmod(home, 0o777)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, 'config'),
                   DBUS_SESSION_BUS_ADDRESS='unix:path=/nonexistent/af-dumpable-bus')
        process = subprocess.Popen(
            prefix + [EXE, 'add-printer', '--host', '127.0.0.1', '--serial', '01S00A000000042',
                      '--trust-fingerprint', 'ab' * 32],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            # Wait until setpriv has exec'd the app and it sits in read().
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                self.assertIsNone(process.poll(), 'the app exited early')
                with open(f'/proc/{process.pid}/comm') as comm:
                    if comm.read().startswith('atomform'):
                        break
                time.sleep(0.05)
            time.sleep(1.0)
            self.assertIsNone(process.poll(), 'the app exited early')

            self.assertEqual(real_uid(process.pid), uid)
            self.assertNotEqual(uid, 0)
            # A dumpable process's /proc files belong to its own user.
            self.assertEqual(os.stat(f'/proc/{process.pid}/environ').st_uid, 0)
            self.assertEqual(os.stat(f'/proc/{process.pid}/mem').st_uid, 0)

            # A reader of the same user is turned away.
            reader = subprocess.run(
                prefix + ['/usr/bin/python3', '-c',
                          f'open("/proc/{process.pid}/environ", "rb").read()'],
                capture_output=True, text=True, timeout=20)
            self.assertNotEqual(reader.returncode, 0)
            self.assertIn('PermissionError', reader.stderr)
        finally:
            # An empty line: add-printer refuses it and exits with status 2.
            out, err = process.communicate(b'\n', timeout=20)
            shutil.rmtree(home, ignore_errors=True)
        self.assertEqual(process.returncode, 2, err.decode())
        self.assertIn(b'No access code', err)


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: test-dumpable.py ATOMFORM-CONNECT')
    EXE = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], '-v', *sys.argv[2:]])
