#!/usr/bin/python3
# tests/test-lan-cli.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The LAN commands of `atomform-connect` (printers, add-printer, send, status,
# pause, resume, stop) against the virtual printer
# (tests/virtual-printer/af-virtual-printer.py, docs/virtual-printer.md), with
# a real gnome-keyring. It must run under `tests/headless-run.sh --keyring`,
# which gives it a throwaway HOME and keyring: it refuses to run otherwise,
# so it never touches a real user's printers or keyring.
#
# usage: headless-run.sh --keyring test-lan-cli.py ATOMFORM_CONNECT CORPUS_DIR
#                                   VIRTUAL_PRINTER [unittest options]

import json
import os
import pty
import queue
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zipfile

EXE = None
CORPUS = None
VIRTUAL_PRINTER = None
PYTHON = '/usr/bin/python3'
# Simulated seconds per real second: the corpus prints take minutes at most.
SPEED = '3000'


def gcode_path(name):
    return os.path.join(CORPUS, 'gcode', name)


def archive_path(name):
    return os.path.join(CORPUS, '3mf', name)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class VirtualPrinter:
    """One af-virtual-printer.py process: its ready line, events and control lines."""

    def __init__(self, *args):
        self.log = tempfile.TemporaryFile()
        if '--speed' not in args:
            args = ('--speed', SPEED, *args)
        self.proc = subprocess.Popen([PYTHON, VIRTUAL_PRINTER, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, bufsize=1)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ''
        if not line:
            self.stop()
            self.log.seek(0)
            raise RuntimeError('the virtual printer did not start: '
                               + self.log.read().decode(errors='replace'))
        self.info = json.loads(line)
        self.events = queue.Queue()
        self.reader = threading.Thread(target=self._read_events, daemon=True)
        self.reader.start()

    def _read_events(self):
        for line in self.proc.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                pass

    def __getitem__(self, key):
        return self.info[key]

    def control(self, line, timeout=15):
        while not self.events.empty():
            self.events.get_nowait()
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if event.get('event') == 'control':
                return event
        raise AssertionError(f'no answer to the control line {line!r}')

    def requests(self):
        try:
            with open(self.info['requests_file'], encoding='utf-8') as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def project_files(self):
        return [r['print'] for r in self.requests()
                if isinstance(r.get('print'), dict) and r['print'].get('command') == 'project_file']

    def requests_with_qos(self):
        """(qos, payload) of every request, as the firmware received them."""
        try:
            with open(self.info['requests_qos_file'], encoding='utf-8') as f:
                return [(r['qos'], r['payload']) for r in map(json.loads, f) if r]
        except FileNotFoundError:
            return []

    def stored_files(self):
        return sorted(os.listdir(self.info['storage_dir']))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, 'reader', None) is not None:
            self.reader.join(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except (OSError, ValueError):
                pass
        self.log.close()


def stem(name):
    for suffix in ('.gcode.3mf', '.3mf', '.gcode', '.bgcode'):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


class LanCliTestCase(unittest.TestCase):
    printer = None

    def setUp(self):
        # Each test has its own printers.ini; the keyring is shared, and the
        # serials differ per virtual printer.
        self.config = tempfile.mkdtemp(prefix='config-', dir=os.environ['HOME'])
        self.addCleanup(shutil.rmtree, self.config)
        self.outputs = []

    def env(self, **extra):
        env = dict(os.environ)
        env['XDG_CONFIG_HOME'] = self.config
        # As tests/meson.build sets it, also when the test is run by hand.
        env['G_DEBUG'] = 'gc-friendly,fatal-warnings'
        env['MALLOC_CHECK_'] = '2'
        env.update(extra)
        return env

    def run_cli(self, *args, input=None, timeout=120, env=None):
        result = subprocess.run([EXE, *args], input=input, capture_output=True,
                                timeout=timeout, env=env or self.env())
        self.outputs.append(result)
        return result

    def assertOk(self, result):
        self.assertEqual(result.returncode, 0,
                         f'stderr: {result.stderr.decode(errors="replace")}')

    def assertFails(self, result, status, one_line=True):
        """status, nothing on stdout, and the error last on stderr as 'atomform-connect: …'."""
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, status, f'stderr: {stderr}')
        self.assertEqual(result.stdout, b'')
        self.assertTrue(stderr.endswith('\n'), stderr)
        last = stderr.splitlines()[-1]
        self.assertTrue(last.startswith('atomform-connect: '), stderr)
        if one_line:
            self.assertEqual(stderr.count('\n'), 1, stderr)
        return last

    def add_printer(self, vp, *extra, code=None, trust=True, name=None):
        args = ['add-printer', '--host', vp['host'], '--serial', vp['serial'],
                '--mqtt-port', str(vp['mqtt_port']), '--ftps-port', str(vp['ftps_port'])]
        if name is not None:
            args += ['--name', name]
        if trust:
            args += ['--trust-fingerprint', vp['fingerprint']]
        code = vp['access_code'] if code is None else code
        return self.run_cli(*args, *extra, input=(code + '\n').encode())

    def printers_json(self, *extra, env=None):
        result = self.run_cli('printers', '--json', *extra, env=env)
        self.assertOk(result)
        doc = json.loads(result.stdout.decode('utf-8'))
        self.assertEqual(doc['format_version'], 1)
        return doc['printers']

    def keyring_code(self, serial):
        result = subprocess.run(['secret-tool', 'lookup', 'serial', serial],
                                capture_output=True, timeout=30)
        return result.stdout.decode() if result.returncode == 0 else ''

    def assertCodeNowhere(self, code):
        """Not in any output so far, nor in any file under HOME."""
        needle = code.encode()
        for result in self.outputs:
            self.assertNotIn(needle, result.stdout)
            self.assertNotIn(needle, result.stderr)
        for folder, _, files in os.walk(os.environ['HOME']):
            for name in files:
                path = os.path.join(folder, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                with open(path, 'rb') as f:
                    self.assertNotIn(needle, f.read(), path)


class AddPrinterTest(LanCliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.vp = VirtualPrinter()

    @classmethod
    def tearDownClass(cls):
        cls.vp.stop()

    def test_add_with_trusted_fingerprint(self):
        vp = self.vp
        result = self.add_printer(vp, name='Workshop P1S')
        self.assertOk(result)
        printers = self.printers_json()
        self.assertEqual(len(printers), 1)
        printer = printers[0]
        self.assertEqual(printer['serial'], vp['serial'])
        self.assertEqual(printer['name'], 'Workshop P1S')
        self.assertEqual(printer['host'], vp['host'])
        self.assertEqual(printer['mqtt_port'], vp['mqtt_port'])
        self.assertEqual(printer['ftps_port'], vp['ftps_port'])
        self.assertEqual(printer['fingerprint'], vp['fingerprint'])
        self.assertIn('manual', printer['sources'])
        self.assertEqual(self.keyring_code(vp['serial']), vp['access_code'])
        human = self.run_cli('printers')
        self.assertOk(human)
        self.assertIn('Workshop P1S', human.stdout.decode())
        self.assertIn(vp['serial'], human.stdout.decode())
        self.assertCodeNowhere(vp['access_code'])

    def test_code_typed_on_a_terminal_is_not_echoed(self):
        vp = self.vp
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([EXE, 'add-printer', '--host', vp['host'],
                                     '--serial', vp['serial'],
                                     '--mqtt-port', str(vp['mqtt_port']),
                                     '--ftps-port', str(vp['ftps_port']),
                                     '--trust-fingerprint', vp['fingerprint']],
                                    stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                                    env=self.env())
            seen = b''
            while b':' not in seen:
                seen += os.read(master, 1024)
            os.write(master, (vp['access_code'] + '\n').encode())
            stdout, _ = proc.communicate(timeout=60)
            os.close(slave)
            slave = None
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)
        self.assertEqual(proc.returncode, 0, seen)
        self.assertIn(b'Access code', seen)
        self.assertNotIn(vp['access_code'].encode(), seen + stdout)
        self.assertEqual(self.keyring_code(vp['serial']), vp['access_code'])

    def test_unknown_certificate_saves_nothing(self):
        vp = self.vp
        result = self.add_printer(vp, trust=False)
        message = self.assertFails(result, 2)
        self.assertIn(vp['fingerprint'], message)
        self.assertIn('--trust-fingerprint', message)
        self.assertEqual(self.printers_json(), [])
        self.assertCodeNowhere(vp['access_code'])

        # The command it prints is the one that works.
        command = shlex.split(message[message.index('atomform-connect add-printer'):])
        self.assertOk(self.run_cli(*command[1:],
                                   input=(vp['access_code'] + '\n').encode()))
        self.assertEqual([p['fingerprint'] for p in self.printers_json()], [vp['fingerprint']])

    def test_wrong_access_code(self):
        wrong = '1' + self.vp['access_code'][1:] if self.vp['access_code'][0] != '1' else \
            '2' + self.vp['access_code'][1:]
        self.assertFails(self.add_printer(self.vp, code=wrong), 2)
        self.assertEqual(self.printers_json(), [])

    def test_changed_fingerprint(self):
        result = self.add_printer(self.vp, '--trust-fingerprint', 'ab' * 32, trust=False)
        self.assertFails(result, 2)
        self.assertEqual(self.printers_json(), [])

    def test_ca_file(self):
        result = self.add_printer(self.vp, '--ca', self.vp['ca_file'], trust=False)
        self.assertOk(result)
        [printer] = self.printers_json()
        self.assertEqual(printer['ca_file'], self.vp['ca_file'])

    def test_bad_input(self):
        vp = self.vp
        base = ['add-printer', '--host', vp['host'], '--serial', vp['serial'],
                '--mqtt-port', str(vp['mqtt_port'])]
        for args, stdin in ((base, b''),
                            (base, b'\n'),
                            (base, b'   \n'),
                            (base + ['--trust-fingerprint', 'xyz'], b'12345678\n'),
                            (base + ['--ca', '/nonexistent/ca.crt'], b'12345678\n'),
                            (base + ['--ca', vp['ca_file'], '--trust-fingerprint',
                                     vp['fingerprint']], b'12345678\n'),
                            (base + ['12345678'], b'12345678\n'),
                            (['add-printer', '--serial', vp['serial']], b'12345678\n'),
                            (base + ['--ftps-port', '70000'], b'12345678\n')):
            with self.subTest(args=args, stdin=stdin):
                self.assertFails(self.run_cli(*args, input=stdin), 2)
        self.assertEqual(self.printers_json(), [])

    def test_unreachable(self):
        port = free_udp_port()  # nothing listens on TCP there either, most likely
        result = self.run_cli('add-printer', '--host', '127.0.0.1', '--serial', 'AB123',
                              '--mqtt-port', str(port), input=b'12345678\n')
        self.assertFails(result, 1)


class DiscoveryTest(LanCliTestCase):
    def test_discover(self):
        port = free_udp_port()
        vp = VirtualPrinter('--ssdp-target', f'127.0.0.1:{port}', '--ssdp-interval', '1',
                            '--name', 'Attic A1', '--model', 'N2S')
        self.addCleanup(vp.stop)
        printers = self.printers_json('--discover', '3', env=self.env(AF_DISCOVERY_PORT=str(port)))
        found = [p for p in printers if p['serial'] == vp['serial']]
        self.assertEqual(len(found), 1, printers)
        printer = found[0]
        self.assertEqual(printer['name'], 'Attic A1')
        self.assertEqual(printer['host'], '127.0.0.1')
        self.assertEqual(printer['model'], 'N2S')
        self.assertEqual(printer['mode'], 'lan-only')
        self.assertEqual(printer['sources'], ['discovered'])

    def test_discover_hostile_name(self):
        """A neighbour announcing a name full of control characters (ESC, BEL,
        the C1 CSI U+009B) cannot drive the terminal that lists it."""
        port = free_udp_port()
        name = 'Evil\x1b[2J\x07\u009b<b>&'
        vp = VirtualPrinter('--ssdp-target', f'127.0.0.1:{port}', '--ssdp-interval', '1',
                            '--name', name)
        self.addCleanup(vp.stop)
        result = self.run_cli('printers', '--discover', '3',
                              env=self.env(AF_DISCOVERY_PORT=str(port)))
        self.assertOk(result)
        controls = [bytes([c]) for c in range(0x20) if c not in (0x09, 0x0a)] + [b'\x7f'] + \
            [b'\xc2' + bytes([c]) for c in range(0x80, 0xa0)]
        for control in controls:
            self.assertNotIn(control, result.stdout)
        self.assertIn('\ufffd<b>&', result.stdout.decode())
        self.assertIn(vp['serial'], result.stdout.decode())

    def test_discover_saved(self):
        """A saved printer heard on the network is listed once, from both sources."""
        port = free_udp_port()
        vp = VirtualPrinter('--ssdp-target', f'127.0.0.1:{port}', '--ssdp-interval', '1')
        self.addCleanup(vp.stop)
        self.assertOk(self.add_printer(vp, name='Saved'))
        printers = self.printers_json('--discover', '3', env=self.env(AF_DISCOVERY_PORT=str(port)))
        self.assertEqual(len(printers), 1, printers)
        self.assertEqual(printers[0]['serial'], vp['serial'])
        self.assertEqual(printers[0]['sources'], ['manual', 'discovered'])
        self.assertEqual(printers[0]['mode'], 'lan-only')
        self.assertEqual(printers[0]['model'], 'C12')

    def test_bad_discover_value(self):
        for value in ('0', '-1', 'soon'):
            with self.subTest(value=value):
                self.assertFails(self.run_cli('printers', '--discover', value), 2)


class PrinterTestCase(LanCliTestCase):
    """A virtual printer saved as NAME before each test."""

    NAME = 'Bench P1S'
    VP_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.vp = VirtualPrinter(*cls.VP_ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.vp.stop()

    def setUp(self):
        super().setUp()
        self.assertOk(self.add_printer(self.vp, name=self.NAME))
        self.vp.control('idle')

    def send(self, path, *options, timeout=120):
        return self.run_cli('send', path, '--printer', self.NAME, *options, timeout=timeout)

    def status_json(self):
        result = self.run_cli('status', self.NAME, '--json')
        self.assertOk(result)
        return json.loads(result.stdout.decode('utf-8'))

    def wait_for_state(self, states, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.status_json()['state']
            if state in states:
                return state
            time.sleep(0.2)
        self.fail(f'the printer never reached {states}')


class SendTest(PrinterTestCase):
    # file, options, --ams-map tray for each filament slot (None: leave it out), and
    # the bed_type its curr_bed_type gives (hand-checked in the files). Files sliced
    # for another make of printer need --force.
    CASES = (
        ('gcode', 'bambustudio-01.09-cli-plate_1.gcode', ['--timelapse'], [2], 'cool_plate'),
        ('gcode', 'cura-5.9.1.gcode', ['--no-bed-leveling', '--flow-cali', 'on', '--force'], [0],
         'auto'),
        ('gcode', 'prusaslicer-2.8.1-mini-cube.bgcode', ['--bed-leveling', 'on', '--plate', '3',
                                                          '--force'], [1], 'auto'),
        ('gcode', 'orcaslicer-2.3.0-k1max.gcode', ['--flow-cali', 'on', '--timelapse', '--force'],
         [0, 2], 'hot_plate'),
        ('gcode', 'prusaslicer-2.9.3-thumbnails.gcode', [], [], 'auto'),
        ('3mf', 'bambustudio-02.07-p1s.gcode.3mf', ['--no-bed-leveling'], [1], 'textured_plate'),
        ('3mf', 'bambustudio-01.09-cli-2-rings.gcode.3mf', ['--timelapse'], [0], 'cool_plate'),
    )

    def test_send_with_options(self):
        for folder, name, options, trays, bed_type in self.CASES:
            path = os.path.join(CORPUS, folder, name)
            with self.subTest(file=name):
                self.vp.control('idle')
                before = len(self.vp.project_files())
                args = list(options)
                if trays:
                    args += ['--ams-map', ','.join(f'{i + 1}={t}' for i, t in enumerate(trays))]
                result = self.send(path, *args)
                self.assertOk(result)
                self.assertEqual(result.stdout, b'')
                sent = self.vp.project_files()
                self.assertEqual(len(sent), before + 1)
                request = sent[-1]
                plate = int(options[options.index('--plate') + 1]) if '--plate' in options else 1
                self.assertEqual(request['param'], f'Metadata/plate_{plate}.gcode')
                self.assertEqual(request['subtask_name'], stem(os.path.basename(path)))
                self.assertTrue(request['file'].endswith('.gcode.3mf'), request['file'])
                self.assertIn(request['url'], ('ftp://' + request['file'],
                                               'ftp:///' + request['file']))
                # A P1S has no "auto": it is levelling on, flow calibration off.
                self.assertIs(request['bed_leveling'], '--no-bed-leveling' not in options)
                self.assertEqual(request['auto_bed_leveling'],
                                 0 if '--no-bed-leveling' in options else 1)
                self.assertIs(request['flow_cali'], '--flow-cali' in options)
                self.assertEqual(request['extrude_cali_flag'], int('--flow-cali' in options))
                self.assertIs(request['timelapse'], '--timelapse' in options)
                self.assertIs(request['use_ams'], bool(trays))
                self.assertEqual(request['ams_mapping'], trays)
                self.assertEqual(request['bed_type'], bed_type)
                stored = os.path.join(self.vp['storage_dir'], request['file'])
                with zipfile.ZipFile(stored) as z:
                    self.assertIn(request['param'], z.namelist())
        self.assertCodeNowhere(self.vp['access_code'])

    def test_default_mapping(self):
        """The black PLA of filament 2 goes to the black PLA tray (1); unused 1 to none."""
        self.assertOk(self.send(gcode_path('orcaslicer-2.3.0-k1max.gcode'), '--force'))
        request = self.vp.project_files()[-1]
        self.assertEqual(request['ams_mapping'], [-1, 1])
        self.assertIs(request['use_ams'], True)

    def test_external_spool(self):
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), '--ams-map', '1=ext')
        self.assertOk(result)
        request = self.vp.project_files()[-1]
        self.assertIs(request['use_ams'], False)
        self.assertEqual(request['ams_mapping'], [-1])
        self.assertEqual(request['ams_mapping2'][0]['ams_id'], 255)

    def test_empty_tray_warns(self):
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), '--ams-map', '1=3')
        self.assertOk(result)
        self.assertIn('warning: --ams-map sends filament 1 to an empty tray', result.stderr.decode())
        self.assertEqual(self.vp.project_files()[-1]['ams_mapping'], [3])

    def test_missing_material_refused(self):
        """No tray holds ABS: status 2 and nothing uploaded; --force sends without a tray."""
        path = abs_copy(self.config)
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        message = self.assertFails(self.send(path), 2)
        self.assertIn('No tray holds filament 1 (ABS', message)
        self.assertIn('--force', message)
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)

        result = self.send(path, '--force')
        self.assertOk(result)
        self.assertRegex(result.stderr.decode(), r'warning: No tray holds filament 1 \(ABS')
        request = self.vp.project_files()[-1]
        self.assertEqual(request['ams_mapping'], [-1])
        self.assertIs(request['use_ams'], False)

    def test_other_make_refused(self):
        """G-code for a Creality K1 Max is refused before anything is uploaded."""
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        message = self.assertFails(self.send(gcode_path('bambustudio-01.10-generic.gcode')), 2)
        self.assertIn('sliced for Creality K1 Max, not for this P1S', message)
        self.assertIn('--force', message)
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)

        result = self.send(gcode_path('bambustudio-01.10-generic.gcode'), '--force')
        self.assertOk(result)
        self.assertIn('warning: This file was sliced for Creality K1 Max', result.stderr.decode())
        self.assertEqual(len(self.vp.project_files()), before[1] + 1)
        self.assertEqual(self.vp.project_files()[-1]['bed_type'], 'hot_plate')

    def test_send_wait_finishes(self):
        """After FINISH the file we uploaded is gone from the printer's storage."""
        result = self.send(gcode_path('prusaslicer-2.8.1-mini-cube.gcode'), '--wait', '--force')
        self.assertOk(result)
        self.assertIn('FINISH', result.stderr.decode())
        self.assertEqual(self.status_json()['state'], 'FINISH')
        name = self.vp.project_files()[-1]['file']
        self.assertRegex(name, r'^prusaslicer-2\.8\.1-mini-cube-[0-9a-f]{6}\.gcode\.3mf$')
        self.assertNotIn(name, self.vp.stored_files())

    def test_keep_file(self):
        """--keep-file leaves a finished print's file; names that sanitise alike get
        a name of their own each, so neither overwrites nor deletes the other."""
        first = os.path.join(self.config, 'twin part.gcode')
        second = os.path.join(self.config, 'twin_part.gcode')
        shutil.copyfile(gcode_path('prusaslicer-2.8.1-mini-cube.gcode'), first)
        shutil.copyfile(gcode_path('prusaslicer-2.8.1-mini-cube.gcode'), second)
        self.assertOk(self.send(first, '--wait', '--keep-file', '--force'))
        kept = self.vp.project_files()[-1]['file']
        self.assertIn(kept, self.vp.stored_files())
        self.assertOk(self.send(second, '--wait', '--force'))
        other = self.vp.project_files()[-1]['file']
        self.assertNotEqual(kept, other)
        self.assertTrue(kept.startswith('twin_part-') and other.startswith('twin_part-'))
        self.assertIn(kept, self.vp.stored_files())
        self.assertNotIn(other, self.vp.stored_files())
        with zipfile.ZipFile(os.path.join(self.vp['storage_dir'], kept)) as z:
            self.assertIn('Metadata/plate_1.gcode', z.namelist())

    def test_busy_printer(self):
        self.vp.control('busy')
        before = self.vp.stored_files()
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'))
        message = self.assertFails(result, 1, one_line=False)
        self.assertRegex(message, re.compile('busy|printing', re.I))
        status = self.status_json()
        self.assertEqual(status['state'], 'RUNNING')
        self.assertEqual(status['job_name'], 'other-job')
        self.assertEqual(self.vp.stored_files(), before)

    def test_not_developer_mode(self):
        self.vp.control('verify-failed on')
        self.addCleanup(self.vp.control, 'verify-failed off')
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'))
        message = self.assertFails(result, 1, one_line=False)
        self.assertIn('Developer Mode', message)

    def test_upload_fails(self):
        self.vp.control('kill-ftp')
        self.addCleanup(self.vp.control, 'start-ftp')
        before = len(self.vp.project_files())
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'))
        self.assertFails(result, 1, one_line=False)
        self.assertEqual(len(self.vp.project_files()), before)

    def test_interrupt(self):
        """Ctrl+C while the printer does not answer: a clean exit, nothing sent."""
        self.vp.control('silence on')
        self.addCleanup(self.vp.control, 'silence off')
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        proc = subprocess.Popen([EXE, 'send', gcode_path('cura-5.9.1.gcode'),
                                 '--printer', self.NAME], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertEqual(stdout, b'')
        self.assertTrue(stderr.decode().splitlines()[-1].startswith('atomform-connect: '))
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)

    def test_interrupt_upload(self):
        """Ctrl+C during the upload: status 1, and no partial file left on the printer."""
        big = os.path.join(self.config, 'big.gcode.3mf')
        shutil.copyfile(archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf'), big)
        with zipfile.ZipFile(big, 'a') as z:
            with z.open('Auxiliaries/padding.bin', 'w', force_zip64=True) as f:
                for _ in range(200):
                    f.write(os.urandom(1 << 20))
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        proc = subprocess.Popen([EXE, 'send', big, '--printer', self.NAME], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = b''
        while b'Uploading' not in line:
            line = proc.stderr.readline()
            self.assertNotEqual(line, b'', 'send ended before uploading')
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertEqual(stdout, b'')
        self.assertIn('nothing was left on the printer', stderr.decode().splitlines()[-1])
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)

    def test_interrupt_before_prepare(self):
        """Ctrl+C after project_file went out but while the printer still says IDLE:
        a stop (QoS 1) follows, and the printer never starts the job."""
        self.vp.control('start-delay 4')
        self.addCleanup(self.vp.control, 'start-delay 0')
        before = len(self.vp.project_files())
        proc = subprocess.Popen([EXE, 'send', gcode_path('prusaslicer-2.8.1-mini-cube.gcode'),
                                 '--printer', self.NAME, '--force'], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        deadline = time.monotonic() + 60
        while len(self.vp.project_files()) == before:
            self.assertLess(time.monotonic(), deadline, 'project_file never arrived')
            self.assertIsNone(proc.poll(), 'send ended before starting the print')
            time.sleep(0.05)
        self.assertEqual(self.status_json()['state'], 'IDLE')
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertEqual(stdout, b'')
        # Past the start delay the job would be PREPARE, then RUNNING, then FINISH.
        time.sleep(6)
        self.assertEqual(self.status_json()['state'], 'IDLE')
        sent = [(qos, r['print']['command']) for qos, r in self.vp.requests_with_qos()
                if isinstance(r.get('print'), dict)]
        start = max(i for i, (_, c) in enumerate(sent) if c == 'project_file')
        self.assertEqual(sent[start][0], 1, 'project_file must be QoS 1')
        self.assertIn((1, 'stop'), sent[start + 1:])
        # A cancelled job leaves nothing behind.
        self.assertNotIn(self.vp.project_files()[-1]['file'], self.vp.stored_files())

    def test_bad_input(self):
        before = len(self.vp.project_files())
        source = gcode_path('bambustudio-01.09-cli-plate_1.gcode')
        for args in (['send', source, '--printer', 'No Such Printer'],
                     ['send', source],
                     ['send', '--printer', self.NAME],
                     ['send', os.path.join(self.config, 'missing.gcode'), '--printer', self.NAME],
                     ['send', source, '--printer', self.NAME, '--ams-map', 'one=two'],
                     ['send', source, '--printer', self.NAME, '--ams-map', '5=0'],
                     ['send', source, '--printer', self.NAME, '--ams-map', '1=9'],
                     ['send', gcode_path('prusaslicer-2.9.3-thumbnails.gcode'),
                      '--printer', self.NAME, '--ams-map', '1=0'],
                     ['send', source, '--printer', self.NAME, '--plate', '0'],
                     ['send', archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf'),
                      '--printer', self.NAME, '--plate', '7'],
                     ['send', source, '--printer', self.NAME, '--bed-leveling', 'on',
                      '--no-bed-leveling'],
                     ['send', source, '--printer', self.NAME, '--bed-leveling', 'maybe'],
                     ['send', source, '--printer', self.NAME, '--flow-cali', 'yes'],
                     ['send', source, '--printer', self.NAME, '--ams-map', '1=253'],
                     ['status', 'No Such Printer'],
                     ['pause', 'No Such Printer'],
                     ['status'],
                     ['stop', self.NAME, 'extra']):
            with self.subTest(args=args):
                self.assertFails(self.run_cli(*args), 2)
        self.assertEqual(len(self.vp.project_files()), before)


def abs_copy(folder):
    """bambustudio-01.09-cli-plate_1.gcode with its PLA made ABS, which no tray holds."""
    with open(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), 'rb') as f:
        data = f.read()
    changed = re.sub(rb'^; filament_type = PLA$', b'; filament_type = ABS', data, flags=re.M)
    assert changed != data
    path = os.path.join(folder, 'abs-part.gcode')
    with open(path, 'wb') as f:
        f.write(changed)
    return path


class NoAmsTest(PrinterTestCase):
    """A P1P without AMS: it reports only the external spool (vt_tray)."""

    NAME = 'Bench P1P'
    VP_ARGS = ('--model', 'C11', '--no-ams')

    def test_external_spool_prints(self):
        """use_ams false, or the printer stops with "Failed to get AMS mapping table"."""
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), '--wait',
                           timeout=90)
        self.assertOk(result)
        request = self.vp.project_files()[-1]
        self.assertIs(request['use_ams'], False)
        self.assertEqual(request['ams_mapping'], [-1])
        self.assertEqual(request['ams_mapping2'][0]['ams_id'], 255)
        self.assertEqual(self.status_json()['state'], 'FINISH')

    def test_missing_tray_refused(self):
        path = abs_copy(self.config)
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        message = self.assertFails(self.send(path), 2)
        self.assertIn('No tray holds filament 1 (ABS', message)
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)
        self.assertOk(self.send(path, '--force'))
        self.assertIs(self.vp.project_files()[-1]['use_ams'], False)


class OtherModelTest(PrinterTestCase):
    """An A1 mini with a 0.6 mm nozzle: the P1S archive and 0.4 mm G-code do not fit."""

    NAME = 'Bench A1 mini'
    VP_ARGS = ('--model', 'N1', '--nozzle-diameter', '0.6')

    def test_other_model_refused(self):
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        message = self.assertFails(self.send(archive_path('bambustudio-02.07-p1s.gcode.3mf')), 2)
        self.assertIn('sliced for P1S, not for this A1 mini', message)
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)
        self.assertOk(self.send(archive_path('bambustudio-02.07-p1s.gcode.3mf'), '--force'))
        self.assertEqual(len(self.vp.project_files()), before[1] + 1)

    def test_other_nozzle_refused(self):
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        message = self.assertFails(self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode')),
                                   2)
        self.assertIn('sliced for a 0.4 mm nozzle, and this printer has a 0.6 mm nozzle',
                      message)
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)
        self.assertOk(self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), '--force'))


class NoStorageTest(PrinterTestCase):
    """A P2S without its USB stick: refused early, even with --force."""

    NAME = 'Bench P2S'
    VP_ARGS = ('--model', 'N7', '--no-storage')

    def test_no_storage_refused(self):
        before = (self.vp.stored_files(), len(self.vp.project_files()))
        for extra in ((), ('--force',)):
            with self.subTest(extra=extra):
                result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), *extra)
                message = self.assertFails(result, 1)
                self.assertIn('The printer has no USB stick', message)
        self.assertEqual((self.vp.stored_files(), len(self.vp.project_files())), before)


def set_model(config, serial, model):
    """Records the printer's model in printers.ini, as SSDP discovery does for
    a printer it hears (the manual add-printer path cannot know it)."""
    path = os.path.join(config, 'atomform-connect', 'printers.ini')
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    start = lines.index(f'[{serial}]')
    lines = [line for i, line in enumerate(lines)
             if not (i > start and line.startswith('model=')
                     and '[' not in ''.join(lines[start + 1:i]))]
    lines.insert(start + 1, f'model={model}')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def cut_utf8(text, limit):
    """text cut to at most limit bytes of UTF-8 on a character boundary."""
    data = text.encode('utf-8')[:limit]
    return data.decode('utf-8', 'ignore')


class CalibrationTest(LanCliTestCase):
    """project_file's calibration fields per model (docs/lan-protocol.md §2.5)."""

    # model, send options, expected fields
    CASES = (
        ('C12', [], dict(bed_leveling=True, auto_bed_leveling=1, flow_cali=False,
                         extrude_cali_flag=0, nozzle_offset_cali=0, layer_inspect=False,
                         vibration_cali=False)),
        ('C12', ['--bed-leveling', 'auto', '--flow-cali', 'on'],
         dict(bed_leveling=True, auto_bed_leveling=1, flow_cali=True, extrude_cali_flag=1)),
        ('BL-P001', ['--flow-cali', 'auto'],
         dict(auto_bed_leveling=1, extrude_cali_flag=0, nozzle_offset_cali=0,
              layer_inspect=True)),
        ('N7', [], dict(bed_leveling=False, auto_bed_leveling=2, flow_cali=False,
                        extrude_cali_flag=2, nozzle_offset_cali=0, layer_inspect=True,
                        vibration_cali=False)),
        ('O1D', ['--bed-leveling', 'off', '--flow-cali', 'on'],
         dict(bed_leveling=False, auto_bed_leveling=0, flow_cali=True, extrude_cali_flag=1,
              nozzle_offset_cali=2, layer_inspect=True)),
    )

    def test_models(self):
        source = gcode_path('bambustudio-01.09-cli-plate_1.gcode')
        for i, (model, options, fields) in enumerate(self.CASES):
            with self.subTest(model=model, options=options):
                vp = VirtualPrinter('--model', model)
                self.addCleanup(vp.stop)
                name = f'Cali {i} {model}'
                self.assertOk(self.add_printer(vp, name=name))
                set_model(self.config, vp['serial'], model)
                self.assertOk(self.run_cli('send', source, '--printer', name, *options))
                request = vp.project_files()[-1]
                for key, value in fields.items():
                    self.assertEqual((key, request[key]), (key, value))
                    self.assertIs(type(request[key]), type(value))
                vp.stop()


class DualExternalTest(PrinterTestCase):
    """An H2D's two external spools (vir_slot 254 and 255) are two trays."""

    NAME = 'Bench H2D'
    VP_ARGS = ('--model', 'O1D')

    def setUp(self):
        super().setUp()
        set_model(self.config, self.vp['serial'], 'O1D')

    def test_trays(self):
        externals = [(t['ams_id'], t['index'], t['material'])
                     for t in self.status_json()['trays'] if t['external']]
        self.assertEqual(externals, [(254, -1, 'PETG'), (255, -1, 'PLA')])
        human = self.run_cli('status', self.NAME)
        self.assertOk(human)
        self.assertIn('External spool (tray 254)', human.stdout.decode())
        self.assertIn('External spool (tray 255)', human.stdout.decode())

    def test_send_to_each_spool(self):
        source = gcode_path('bambustudio-01.09-cli-plate_1.gcode')
        for tray, ams_id in (('254', 254), ('255', 255), ('ext', 255)):
            with self.subTest(tray=tray):
                self.vp.control('idle')
                self.assertOk(self.send(source, '--ams-map', f'1={tray}'))
                request = self.vp.project_files()[-1]
                self.assertEqual(request['ams_mapping'], [-1])
                self.assertEqual(request['ams_mapping2'], [{'ams_id': ams_id, 'slot_id': 0}])
                self.assertIs(request['use_ams'], False)


class AttentionTest(PrinterTestCase):
    """A start that pauses at a fault is "needs attention", not printing."""

    # 0x07008011 AMS filament runout, with HMS 0700_2000_0002_0001.
    PAUSE = 'pause-next-start 0x07008011 0x07002000:0x00020001'

    def assertNeedsAttention(self, result):
        message = self.assertFails(result, 1, one_line=False)
        self.assertIn('needs attention', message)
        self.assertIn('0700-8011: The AMS ran out of filament', message)
        self.assertIn('(https://wiki.bambulab.com/en/hms/home)', message)
        self.assertIn('0700-2000-0002-0001 (https://wiki.bambulab.com/en/x1/troubleshooting/'
                      'hmscode/0700_2000_0002_0001)', message)

    def test_send_wait(self):
        self.assertEqual(self.vp.control(self.PAUSE)['ok'], True)
        result = self.send(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), '--wait')
        self.assertNeedsAttention(result)
        self.assertNotIn('RUNNING', result.stderr.decode())
        status = self.status_json()
        self.assertEqual(status['state'], 'PAUSE')
        self.assertIs(status['needs_attention'], True)
        self.assertEqual(status['print_error'], 0x07008011)
        self.assertEqual([(p['source'], p['code']) for p in status['problems']],
                         [('print_error', '0700-8011'), ('hms', '0700-2000-0002-0001')])
        self.assertIn('ran out of filament', status['problems'][0]['description'])
        self.assertEqual(status['problems'][1]['url'],
                         'https://wiki.bambulab.com/en/x1/troubleshooting/hmscode/'
                         '0700_2000_0002_0001')
        human = self.run_cli('status', self.NAME)
        self.assertOk(human)
        self.assertRegex(human.stdout.decode(), r'State: +Needs attention')
        self.assertIn('0700-8011: The AMS ran out of filament', human.stdout.decode())
        self.assertOk(self.run_cli('stop', self.NAME))

    def test_send(self):
        self.vp.control(self.PAUSE)
        self.assertNeedsAttention(self.send(archive_path('bambustudio-02.07-p1s.gcode.3mf')))
        self.assertOk(self.run_cli('stop', self.NAME))


class JobNameTest(PrinterTestCase):
    """The UTF-8 name goes to subtask_name; our job is known by its subtask_id."""

    def named_copy(self, name):
        path = os.path.join(self.config, name + '.gcode')
        shutil.copyfile(gcode_path('bambustudio-01.09-cli-plate_1.gcode'), path)
        return path

    def test_utf8_name(self):
        name = 'xy' + 'Würfel — 日本語 … ' * 5
        self.assertGreater(len(name.encode()), 100)
        # The 100-byte limit falls inside 語, so a byte cut would split it.
        self.assertFalse(name.encode()[:100].decode('utf-8', 'ignore').encode()
                         == name.encode()[:100])
        self.assertOk(self.send(self.named_copy(name)))
        request = self.vp.project_files()[-1]
        self.assertEqual(request['subtask_name'], cut_utf8(name, 100))
        self.assertLessEqual(len(request['subtask_name'].encode()), 100)
        self.assertTrue(request['file'].isascii(), request['file'])
        self.assertTrue(request['file'].endswith('.gcode.3mf'))
        status = self.status_json()
        self.assertEqual(status['job_name'], request['subtask_name'])
        self.assertEqual(status['subtask_id'], request['subtask_id'])

    def test_fresh_ids(self):
        path = self.named_copy('cube')
        ids = []
        for _ in range(2):
            self.vp.control('idle')
            self.assertOk(self.send(path))
            request = self.vp.project_files()[-1]
            self.assertEqual(request['task_id'], request['subtask_id'])
            self.assertTrue(0 < int(request['subtask_id']) < 2**31)
            ids.append(request['subtask_id'])
        self.assertNotEqual(ids[0], ids[1])

    def test_other_job_with_our_name(self):
        """Someone else's print under the same name is not taken for ours."""
        path = self.named_copy('Shared name')
        self.vp.control('other-job-on-next-start Shared name')
        result = self.run_cli('send', path, '--printer', self.NAME,
                              env=self.env(AF_LAN_START_TIMEOUT_SECONDS='4'))
        message = self.assertFails(result, 1, one_line=False)
        self.assertIn('did not start', message)
        request = self.vp.project_files()[-1]
        status = self.status_json()
        self.assertEqual((status['state'], status['job_name']), ('RUNNING', 'Shared name'))
        self.assertNotEqual(status['subtask_id'], request['subtask_id'])


class WaitTest(PrinterTestCase):
    """send --wait on a print slow enough to act on while it runs."""

    VP_ARGS = ('--speed', '60')
    SOURCE = 'orcaslicer-2.3.0-k1max.gcode'   # 1 h 32 min: about 90 s here

    def start_wait(self):
        proc = subprocess.Popen([EXE, 'send', gcode_path(self.SOURCE), '--printer', self.NAME,
                                 '--wait', '--force'], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.wait_for_state(('RUNNING',))
        return proc

    def test_stopped_print_fails(self):
        proc = self.start_wait()
        self.assertOk(self.run_cli('stop', self.NAME))
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertEqual(stdout, b'')
        last = stderr.decode().splitlines()[-1]
        self.assertTrue(last.startswith('atomform-connect: '), last)
        self.assertIn('failed', last)
        # A failed print leaves nothing behind, whatever --keep-file would say.
        self.assertNotIn(self.vp.project_files()[-1]['file'], self.vp.stored_files())

    def test_interrupt_stops_waiting_only(self):
        proc = self.start_wait()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertEqual(stdout, b'')
        self.assertIn('the print goes on', stderr.decode().splitlines()[-1])
        self.assertEqual(self.status_json()['state'], 'RUNNING')
        self.assertOk(self.run_cli('stop', self.NAME))


class ControlTest(PrinterTestCase):
    def test_status(self):
        self.vp.control('busy')
        status = self.status_json()
        self.assertEqual(status['state'], 'RUNNING')
        self.assertEqual(status['job_name'], 'other-job')
        self.assertEqual([(t['index'], t['material']) for t in status['trays']
                          if not t['external']][:3],
                         [(0, 'PLA'), (1, 'PLA'), (2, 'PETG')])
        human = self.run_cli('status', self.vp['serial'])
        self.assertOk(human)
        out = human.stdout.decode()
        self.assertIn('Printing', out)
        self.assertIn('other-job', out)
        self.assertIn('PETG', out)

    def test_without_keyring(self):
        env = self.env(DBUS_SESSION_BUS_ADDRESS='unix:path=/nonexistent/af-bus')
        message = self.assertFails(self.run_cli('status', self.NAME, env=env), 1)
        self.assertIn('keyring', message)

    def test_pause_resume_stop(self):
        self.vp.control('busy')
        for command, state in (('pause', 'PAUSE'), ('resume', 'RUNNING'), ('stop', 'FAILED')):
            with self.subTest(command=command):
                result = self.run_cli(command, self.NAME)
                self.assertOk(result)
                self.assertEqual(self.status_json()['state'], state)
        pauses = [r['print'] for r in self.vp.requests()
                  if isinstance(r.get('print'), dict) and r['print'].get('command') == 'pause']
        self.assertEqual(len(pauses), 1)

    def test_nothing_to_control(self):
        self.vp.control('idle')
        for command in ('pause', 'resume', 'stop'):
            with self.subTest(command=command):
                self.assertFails(self.run_cli(command, self.NAME), 1)


class HelpTest(LanCliTestCase):
    def test_help(self):
        result = self.run_cli('--help')
        self.assertOk(result)
        for command in ('printers', 'add-printer', 'send FILE', 'status PRINTER',
                        'pause|resume|stop'):
            self.assertIn(command, result.stdout.decode())

    def test_command_help(self):
        for command, option in (('printers', '--discover'), ('add-printer', '--trust-fingerprint'),
                                ('send', '--ams-map'), ('status', '--json'), ('pause', 'PRINTER'),
                                ('resume', 'PRINTER'), ('stop', 'PRINTER')):
            with self.subTest(command=command):
                result = self.run_cli(command, '--help')
                self.assertOk(result)
                self.assertIn(f'atomform-connect {command}', result.stdout.decode())
                self.assertIn(option, result.stdout.decode())

    def test_without_keyring(self):
        """Listing needs no keyring and no session bus."""
        env = self.env(DBUS_SESSION_BUS_ADDRESS='unix:path=/nonexistent/af-bus')
        result = self.run_cli('printers', '--json', env=env)
        self.assertOk(result)
        self.assertEqual(json.loads(result.stdout)['printers'], [])


if __name__ == '__main__':
    if len(sys.argv) < 4:
        sys.exit('usage: headless-run.sh --keyring test-lan-cli.py ATOMFORM_CONNECT CORPUS_DIR '
                 'VIRTUAL_PRINTER [unittest options]')
    if not os.environ.get('_HEADLESS_INNER'):
        sys.exit('test-lan-cli.py: run it under tests/headless-run.sh --keyring, which gives it '
                 'a throwaway HOME and keyring')
    EXE = os.path.abspath(sys.argv[1])
    CORPUS = os.path.abspath(sys.argv[2])
    VIRTUAL_PRINTER = os.path.abspath(sys.argv[3])
    # headless-run.sh shows the inner stderr only on failure; stdout always.
    unittest.main(argv=[sys.argv[0], '-v', *sys.argv[4:]],
                  testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
