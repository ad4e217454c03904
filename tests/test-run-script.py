#!/usr/bin/python3
# test-run-script.py
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the README's run command (build-aux/run.sh) twice in the throwaway HOME
# and keyring of tests/headless-run.sh --keyring, as a new user would: the
# first run finds no printer, starts the bundled virtual printer, adds it and
# sends the sample print; when it ends, the virtual printer stops with it. The
# second run finds the virtual printer saved but not running: it must start it
# again and send to it, instead of opening the window on a dead printer.
# run.sh's test hooks skip installing and building (AF_RUN_EXE), keep the
# virtual printer on ports and a state folder of its own, and stop before the
# window (AF_RUN_NO_WINDOW).
#
# Usage: test-run-script.py ATOMFORM-CONNECT SOURCE-ROOT

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

EXE = None
SRC = None
SERIAL = '01S00A000000001'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
        return True
    except OSError:
        return False


class RunScriptTest(unittest.TestCase):
    def setUp(self):
        if not os.environ.get('_HEADLESS_TMP'):
            self.fail('run through tests/headless-run.sh --keyring')
        self.work = tempfile.mkdtemp(prefix='af-run-script-')
        # vsftpd's session user must get through to the storage folder.
        os.chmod(self.work, 0o711)
        self.state = os.path.join(self.work, 'vp-state')
        self.mqtt_port = free_port()
        self.ftps_port = free_port()
        self.env = dict(os.environ, AF_RUN_EXE=EXE, AF_RUN_NO_WINDOW='1',
                        AF_RUN_WORK_DIR=os.path.join(self.work, 'run'),
                        AF_RUN_VP_STATE=self.state,
                        AF_RUN_VP_MQTT_PORT=str(self.mqtt_port),
                        AF_RUN_VP_FTPS_PORT=str(self.ftps_port))

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def run_script(self):
        return subprocess.run(['sh', os.path.join(SRC, 'build-aux', 'run.sh')],
                              env=self.env, capture_output=True, text=True, timeout=240)

    def uploads(self):
        # docs/virtual-printer.md: every request, one JSON line, kept in the
        # state folder across restarts.
        with open(os.path.join(self.state, 'requests.jsonl')) as requests:
            return [json.loads(line) for line in requests if '"project_file"' in line]

    def saved_printers(self):
        out = subprocess.run([EXE, 'printers', '--json'], env=self.env, capture_output=True,
                             text=True, timeout=30, check=True).stdout
        return json.loads(out)['printers']

    def test_second_run_restarts_virtual_printer(self):
        first = self.run_script()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn('No printer is configured', first.stdout)
        printers = self.saved_printers()
        self.assertEqual([p['serial'] for p in printers], [SERIAL])
        self.assertEqual(printers[0]['mqtt_port'], self.mqtt_port)
        self.assertEqual(len(self.uploads()), 1, first.stdout + first.stderr)
        # It went with the first run.
        self.assertFalse(port_open(self.mqtt_port))

        second = self.run_script()
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertNotIn('No printer is configured', second.stdout)
        self.assertIn('started it again', second.stdout)
        # Same identity (state kept): the saved CA still verifies, and the
        # print was started on the restarted printer.
        self.assertEqual([p['serial'] for p in self.saved_printers()], [SERIAL])
        self.assertEqual(len(self.uploads()), 2, second.stdout + second.stderr)
        self.assertNotIn('certificate', second.stderr.lower())
        self.assertFalse(port_open(self.mqtt_port))


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit('usage: test-run-script.py ATOMFORM-CONNECT SOURCE-ROOT')
    EXE = os.path.abspath(sys.argv[1])
    SRC = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], '-v', *sys.argv[3:]])
