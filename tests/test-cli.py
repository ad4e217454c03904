#!/usr/bin/python3
# tests/test-cli.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The command line: `atomform-connect inspect` and `pack` on the shared corpus,
# their exit statuses, and what they leave behind. Every run happens without a
# display and without a session bus, as on a server or in a slicer's
# post-processing step.
#
# usage: test-cli.py ATOMFORM_CONNECT CORPUS_DIR [unittest options]

import json
import os
import pty
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zipfile

EXE = None
CORPUS = None

# What each corpus file says, looked up by hand in the files themselves.
# Only a subset per file: tests/test-gcode.c checks every field.
GCODE = {
    'bambustudio-01.09-cli-plate_1.gcode': {
        'kind': 'ascii', 'slicer_version': '01.09.07.52',
        'print_time_s': 26, 'layer_count': 2,
    },
    'bambustudio-01.10-generic.gcode': {
        'kind': 'ascii', 'slicer_version': '01.10.02.76',
        'print_time_s': 13 * 60 + 5, 'layer_count': 25, 'total_weight_g': 4.48,
        'printer_model': 'Creality K1 Max',
    },
    'cura-5.9.1.gcode': {
        'kind': 'ascii', 'slicer_version': '5.9.1',
        'print_time_s': 2848, 'layer_count': 25,
    },
    'cura-5.x-thumbnail.gcode': {
        'kind': 'ascii', 'slicer_version': '5.10.2', 'print_time_s': 2147,
    },
    'orcaslicer-2.3.0-k1max.gcode': {
        'kind': 'ascii', 'slicer': 'OrcaSlicer', 'slicer_version': '2.3.0-beta2',
        'print_time_s': 1 * 3600 + 32 * 60 + 43, 'layer_count': 190,
        'total_weight_g': 95.76, 'printer_model': 'CR-K1 Max',
    },
    'orcaslicer-2.3.0-thumbnail-block.gcode': {
        'kind': 'ascii', 'slicer': 'OrcaSlicer', 'slicer_version': '2.3.0',
        'layer_count': 72,
    },
    'prusaslicer-2.8.1-mini-cube.gcode': {
        'kind': 'ascii', 'slicer': 'PrusaSlicer', 'slicer_version': '2.8.1',
        'printer_model': 'MK4S', 'print_time_s': 3 * 60 + 41, 'total_weight_g': 0.75,
    },
    'prusaslicer-2.8.1-mini-cube.bgcode': {
        'kind': 'binary', 'slicer': 'PrusaSlicer', 'slicer_version': '2.8.1',
        'printer_model': 'MK4S', 'print_time_s': 3 * 60 + 41, 'total_weight_g': 0.75,
    },
    'prusaslicer-2.9.3-thumbnails.gcode': {
        'kind': 'ascii', 'slicer': 'PrusaSlicer', 'slicer_version': '2.9.3',
    },
}

# Per file, the thumbnails as (format, width, height), in file order.
THUMBNAILS = {
    'prusaslicer-2.9.3-thumbnails.gcode':
        [('PNG', 16, 16), ('PNG', 220, 124), ('QOI', 64, 64), ('JPG', 64, 64)],
    'orcaslicer-2.3.0-thumbnail-block.gcode': [('PNG', 160, 160), ('PNG', 112, 112)],
    'cura-5.x-thumbnail.gcode': [('PNG', 64, 64)],
    'orcaslicer-2.3.0-k1max.gcode': [('PNG', 96, 96), ('PNG', 300, 300)],
    'cura-5.9.1.gcode': [],
}

ARCHIVES = {
    'bambustudio-01.09-cli-2-rings.gcode.3mf': {
        1: {'slicer_version': '01.09.07.52', 'print_time_s': 26, 'layer_count': 2},
    },
    'bambustudio-02.07-p1s.gcode.3mf': {
        1: {'slicer_version': '02.07.01.62', 'print_time_s': 9038, 'layer_count': 658,
            'total_weight_g': 29.49, 'printer_model_id': 'C12',
            'objects': ['箱体和套筒-内层.STL', '箱体和套筒-外层.STL']},
    },
}


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def gcode_path(name):
    return os.path.join(CORPUS, 'gcode', name)


def archive_path(name):
    return os.path.join(CORPUS, '3mf', name)


def headless_env(**extra):
    """The environment of a server: no display, no session bus."""
    env = dict(os.environ)
    for key in ('DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS'):
        env.pop(key, None)
    env.update(extra)
    return env


def run(*args, env=None):
    return subprocess.run([EXE, *args], capture_output=True, timeout=120,
                          env=env if env is not None else headless_env())


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='af-cli-')
        self.addCleanup(shutil.rmtree, self.tmp)

    def assertOk(self, result):
        self.assertEqual(result.returncode, 0,
                         f'stderr: {result.stderr.decode(errors="replace")}')

    def assertFails(self, result, status):
        """Fails with status, one 'atomform-connect: …' line on stderr, nothing on stdout."""
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, status, f'stderr: {stderr}')
        self.assertEqual(result.stdout, b'')
        self.assertTrue(stderr.startswith('atomform-connect: '), stderr)
        self.assertTrue(stderr.endswith('\n'), stderr)
        self.assertEqual(stderr.count('\n'), 1, stderr)
        self.assertGreater(len(stderr.strip()), len('atomform-connect: '))

    def inspect_json(self, path):
        result = run('inspect', path, '--json')
        self.assertOk(result)
        self.assertEqual(result.stderr, b'')
        return json.loads(result.stdout.decode('utf-8'))

    def assertInfo(self, info, expected):
        self.assertEqual(info['format_version'], 1)
        for key, value in expected.items():
            with self.subTest(key=key):
                if isinstance(value, float):
                    self.assertAlmostEqual(info[key], value, places=2)
                else:
                    self.assertEqual(info[key], value)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def copy_corpus(self, path):
        dest = os.path.join(self.tmp, os.path.basename(path))
        shutil.copyfile(path, dest)
        return dest


class InspectTest(CliTestCase):
    def test_gcode_json(self):
        for name, expected in GCODE.items():
            with self.subTest(file=name):
                self.assertInfo(self.inspect_json(gcode_path(name)), expected)

    def test_gcode_json_shape(self):
        """Every key the docs call 'always' is there, with its type."""
        for name in GCODE:
            with self.subTest(file=name):
                info = self.inspect_json(gcode_path(name))
                self.assertIsInstance(info['kind'], str)
                self.assertIsInstance(info['nozzle_diameters_mm'], list)
                self.assertIsInstance(info['filaments'], list)
                self.assertIsInstance(info['objects'], list)
                self.assertIsInstance(info['thumbnails'], list)
                self.assertIsInstance(info['settings'], dict)
                for i, filament in enumerate(info['filaments']):
                    self.assertEqual(filament['index'], i + 1)
                for value in info.values():
                    self.assertIsNotNone(value)

    def test_thumbnails(self):
        for name, expected in THUMBNAILS.items():
            with self.subTest(file=name):
                info = self.inspect_json(gcode_path(name))
                found = [(t['format'], t['width'], t['height']) for t in info['thumbnails']]
                self.assertEqual(found, expected)
                for thumbnail in info['thumbnails']:
                    self.assertGreater(thumbnail['bytes'], 0)

    def test_binary_matches_text(self):
        """The .bgcode and the .gcode of the same print say the same."""
        text = self.inspect_json(gcode_path('prusaslicer-2.8.1-mini-cube.gcode'))
        binary = self.inspect_json(gcode_path('prusaslicer-2.8.1-mini-cube.bgcode'))
        for key in ('slicer', 'slicer_version', 'printer_model', 'print_time_s',
                    'total_weight_g', 'nozzle_diameters_mm'):
            with self.subTest(key=key):
                self.assertEqual(text.get(key), binary.get(key))

    def test_archive_json(self):
        for name, plates in ARCHIVES.items():
            with self.subTest(file=name):
                doc = self.inspect_json(archive_path(name))
                self.assertEqual(doc['format_version'], 1)
                self.assertEqual(doc['kind'], 'archive')
                self.assertEqual([p['plate'] for p in doc['plates']], list(plates))
                for plate in doc['plates']:
                    self.assertIs(plate['md5_ok'], True)
                    self.assertInfo(plate['info'], plates[plate['plate']])

    def test_json_is_utf8_in_any_locale(self):
        result = run('inspect', archive_path('bambustudio-02.07-p1s.gcode.3mf'), '--json',
                     env=headless_env(LC_ALL='C'))
        self.assertOk(result)
        doc = json.loads(result.stdout.decode('utf-8'))
        self.assertIn('箱体和套筒-内层.STL', doc['plates'][0]['info']['objects'])

    def test_detects_by_content(self):
        """A renamed file is still read for what it is."""
        archive = self.write('archive.gcode',
                             read_bytes(archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf')))
        self.assertEqual(self.inspect_json(archive)['kind'], 'archive')
        binary = self.write('binary.gcode.3mf',
                            read_bytes(gcode_path('prusaslicer-2.8.1-mini-cube.bgcode')))
        self.assertEqual(self.inspect_json(binary)['kind'], 'binary')

    def test_md5_mismatch_is_reported(self):
        source = archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf')
        damaged = os.path.join(self.tmp, 'damaged.gcode.3mf')
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(damaged, 'w') as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == 'Metadata/plate_1.gcode':
                    data += b'; changed after slicing\n'
                zout.writestr(item, data)
        doc = self.inspect_json(damaged)
        self.assertIs(doc['plates'][0]['md5_ok'], False)

    def test_human_output(self):
        result = run('inspect', gcode_path('orcaslicer-2.3.0-k1max.gcode'),
                     env=headless_env(LC_ALL='C.UTF-8'))
        self.assertOk(result)
        out = result.stdout.decode()
        self.assertIn('OrcaSlicer 2.3.0-beta2', out)
        self.assertIn('1 h 32 min 43 s', out)
        self.assertIn('190', out)
        self.assertIn('CR-K1 Max', out)
        self.assertIn('95.76 g', out)
        self.assertIn('PNG 300×300', out)

    def test_human_output_archive(self):
        result = run('inspect', archive_path('bambustudio-02.07-p1s.gcode.3mf'),
                     env=headless_env(LC_ALL='C.UTF-8'))
        self.assertOk(result)
        out = result.stdout.decode()
        self.assertIn('Plate 1', out)
        self.assertIn('2 h 30 min 38 s', out)
        self.assertIn('matches', out)
        self.assertRegex(out, r'Model ID: +C12\n')

    def test_printer_model_id_absent(self):
        """slice_info's printer_model_id is empty, and no printer is named."""
        doc = self.inspect_json(archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf'))
        self.assertNotIn('printer_model_id', doc['plates'][0]['info'])
        info = self.inspect_json(gcode_path('bambustudio-01.10-generic.gcode'))
        self.assertEqual(info['printer_model'], 'Creality K1 Max')
        self.assertNotIn('printer_model_id', info)

    def test_human_output_minutes(self):
        result = run('inspect', gcode_path('prusaslicer-2.8.1-mini-cube.bgcode'),
                     env=headless_env(LC_ALL='C.UTF-8'))
        self.assertOk(result)
        out = result.stdout.decode()
        self.assertIn('PrusaSlicer 2.8.1', out)
        self.assertIn('3 min 41 s', out)
        self.assertIn('Binary G-code', out)

    def test_ignores_display_and_bus(self):
        """A broken display and bus prove inspect touches neither."""
        env = headless_env(DISPLAY=':4242', WAYLAND_DISPLAY='af-no-such-display',
                           DBUS_SESSION_BUS_ADDRESS='unix:path=/nonexistent/af-bus')
        result = run('inspect', gcode_path('cura-5.9.1.gcode'), env=env)
        self.assertOk(result)
        self.assertEqual(result.stderr, b'')
        self.assertIn(b'Cura', result.stdout)


class PackTest(CliTestCase):
    SOURCE = 'bambustudio-01.09-cli-plate_1.gcode'

    def pack_ok(self, *args):
        result = run('pack', *args)
        self.assertOk(result)
        self.assertEqual(result.stderr, b'', 'no progress when stderr is not a terminal')
        return result

    def assertArchive(self, path, source, plate):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            entry = f'Metadata/plate_{plate}.gcode'
            self.assertIn(entry, names)
            self.assertEqual(z.read(entry), read_bytes(source))
            self.assertIn(entry + '.md5', names)
            for name in names:
                self.assertFalse(name.startswith('/') or '..' in name.split('/'), name)
        doc = self.inspect_json(path)
        self.assertEqual([p['plate'] for p in doc['plates']], [plate])
        self.assertIs(doc['plates'][0]['md5_ok'], True)

    def test_default_name(self):
        source = self.copy_corpus(gcode_path(self.SOURCE))
        result = self.pack_ok(source)
        dest = os.path.join(self.tmp, 'bambustudio-01.09-cli-plate_1.gcode.3mf')
        self.assertEqual(result.stdout.decode(), dest + '\n')
        self.assertArchive(dest, source, 1)
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         sorted([self.SOURCE, os.path.basename(dest)]))

    def test_output_option(self):
        source = self.copy_corpus(gcode_path(self.SOURCE))
        out_dir = tempfile.mkdtemp(prefix='af-cli-out-', dir=self.tmp)
        dest = os.path.join(out_dir, 'renamed.3mf')
        self.pack_ok(source, '-o', dest)
        self.assertArchive(dest, source, 1)
        self.assertEqual(os.listdir(out_dir), ['renamed.3mf'])

    def test_plate_option(self):
        source = self.copy_corpus(gcode_path(self.SOURCE))
        dest = os.path.join(self.tmp, 'plate2.gcode.3mf')
        self.pack_ok(source, '--plate', '2', '-o', dest)
        self.assertArchive(dest, source, 2)
        with zipfile.ZipFile(dest) as z:
            self.assertNotIn('Metadata/plate_1.gcode', z.namelist())

    def test_progress_on_a_terminal(self):
        source = self.copy_corpus(gcode_path('cura-5.9.1.gcode'))
        master, slave = pty.openpty()
        try:
            result = subprocess.run([EXE, 'pack', source], stdout=subprocess.PIPE,
                                    stderr=slave, env=headless_env(LC_ALL='C.UTF-8'),
                                    timeout=120)
            os.close(slave)
            slave = None
            seen = b''
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
        self.assertEqual(result.returncode, 0, seen)
        self.assertIn(b'100 %', seen)

    def test_archive_source(self):
        """Repacking an archive takes its first plate and does not overwrite it."""
        source = self.copy_corpus(archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf'))
        result = self.pack_ok(source)
        dest = os.path.join(self.tmp, 'bambustudio-01.09-cli-2-rings-repacked.gcode.3mf')
        self.assertEqual(result.stdout.decode(), dest + '\n')
        with zipfile.ZipFile(source) as z:
            plate = z.read('Metadata/plate_1.gcode')
        with zipfile.ZipFile(dest) as z:
            self.assertEqual(z.read('Metadata/plate_1.gcode'), plate)
        self.assertIs(self.inspect_json(dest)['plates'][0]['md5_ok'], True)

    def test_checker_agrees_with_inspect(self):
        """What a user does: inspect, pack, and the archive says what inspect said.

        tests/check-archive.py reads the archive with Python's zipfile and
        xml.etree only, and compares slice_info, the plate JSON and the
        settings with this command's own `inspect --json` output.
        """
        checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check-archive.py')
        for name in sorted(os.listdir(os.path.join(CORPUS, 'gcode'))):
            with self.subTest(source=name):
                source = self.copy_corpus(gcode_path(name))
                report = os.path.join(self.tmp, name + '.json')
                with open(report, 'wb') as f:
                    result = run('inspect', source, '--json')
                    self.assertOk(result)
                    f.write(result.stdout)
                dest = os.path.join(self.tmp, name + '.gcode.3mf')
                self.pack_ok(source, '-o', dest)
                check = subprocess.run(['/usr/bin/python3', checker, dest, '--ours',
                                        '--inspect', report],
                                       capture_output=True, timeout=120)
                self.assertEqual(check.returncode, 0,
                                 check.stdout.decode() + check.stderr.decode())

    def test_binary_source(self):
        source = self.copy_corpus(gcode_path('prusaslicer-2.8.1-mini-cube.bgcode'))
        self.pack_ok(source)
        dest = os.path.join(self.tmp, 'prusaslicer-2.8.1-mini-cube.gcode.3mf')
        with zipfile.ZipFile(dest) as z:
            self.assertIn('Metadata/plate_1.gcode', z.namelist())


def garbage():
    rng = random.Random(20261130)
    data = bytes(rng.randrange(256) for _ in range(4096))
    # Neither a zip nor binary G-code by accident.
    return b'\x00\xff' + data


class FailureTest(CliTestCase):
    """Each failure: its status, one line on stderr, and nothing left behind."""

    def assertFailsClean(self, args, status, watch_dir=None):
        watch_dir = watch_dir or self.tmp
        before = sorted(os.listdir(watch_dir))
        self.assertFails(run(*args), status)
        self.assertEqual(sorted(os.listdir(watch_dir)), before)

    def bad_inputs(self):
        zip_slip = os.path.join(self.tmp, 'slip.gcode.3mf')
        with zipfile.ZipFile(zip_slip, 'w') as z:
            z.writestr('Metadata/plate_1.gcode', '; HEADER_BLOCK_START\nG1 X1\n')
            z.writestr('../escaped.gcode', 'G1 X1\n')
        truncated = self.write('truncated.bgcode',
                               read_bytes(gcode_path('prusaslicer-2.8.1-mini-cube.bgcode'))[:300])
        return {
            'empty': self.write('empty.gcode', b''),
            'garbage': self.write('garbage.gcode', garbage()),
            'zip garbage': self.write('garbage.gcode.3mf', b'PK\x03\x04' + garbage()),
            'truncated bgcode': truncated,
            'directory': tempfile.mkdtemp(prefix='dir-', dir=self.tmp),
            'missing': os.path.join(self.tmp, 'no-such-file.gcode'),
            'zip slip': zip_slip,
        }

    def test_inspect_bad_input(self):
        for what, path in self.bad_inputs().items():
            for json_flag in ([], ['--json']):
                with self.subTest(input=what, json=bool(json_flag)):
                    self.assertFailsClean(['inspect', path, *json_flag], 2)

    def test_pack_bad_input(self):
        for what, path in self.bad_inputs().items():
            with self.subTest(input=what):
                self.assertFailsClean(['pack', path], 2)
                self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.tmp),
                                                             'escaped.gcode')))

    def test_bad_usage(self):
        source = self.copy_corpus(gcode_path(PackTest.SOURCE))
        for args in (['inspect'],
                     ['inspect', source, source],
                     ['inspect', '--no-such-option', source],
                     ['pack'],
                     ['pack', source, '--plate', 'two'],
                     ['pack', source, '--plate', '0'],
                     ['pack', source, '--plate', '-3'],
                     ['pack', source, '--output']):
            with self.subTest(args=args):
                self.assertFailsClean(args, 2)

    def test_bad_application_option(self):
        """GApplication words this one itself, but the status is still 2."""
        result = run('--no-such-option')
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, b'')
        self.assertEqual(result.stderr.decode().count('\n'), 1)

    def test_pack_onto_itself(self):
        source = self.copy_corpus(archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf'))
        before = read_bytes(source)
        self.assertFailsClean(['pack', source, '-o', source], 2)
        self.assertEqual(read_bytes(source), before)

    def test_unwritable_output(self):
        """A file where the output's folder should be: ENOTDIR, status 1."""
        source = self.copy_corpus(gcode_path(PackTest.SOURCE))
        dest = os.path.join(source, 'out.gcode.3mf')
        self.assertFailsClean(['pack', source, '-o', dest], 1)

    def test_missing_output_folder(self):
        source = self.copy_corpus(gcode_path(PackTest.SOURCE))
        dest = os.path.join(self.tmp, 'no-such-folder', 'out.gcode.3mf')
        self.assertFailsClean(['pack', source, '-o', dest], 1)

    def test_missing_plate_of_archive(self):
        source = self.copy_corpus(archive_path('bambustudio-01.09-cli-2-rings.gcode.3mf'))
        dest = os.path.join(self.tmp, 'out.gcode.3mf')
        self.assertFailsClean(['pack', source, '--plate', '7', '-o', dest], 2)


class HelpTest(CliTestCase):
    def test_version(self):
        result = run('--version')
        self.assertOk(result)
        self.assertRegex(result.stdout.decode(), r'^atomform-connect \d+\.\d+\.\d+\n$')

    def test_help(self):
        result = run('--help')
        self.assertOk(result)
        out = result.stdout.decode()
        self.assertIn('inspect FILE', out)
        self.assertIn('pack FILE', out)

    def test_command_help(self):
        for command, option in (('inspect', '--json'), ('pack', '--plate')):
            with self.subTest(command=command):
                result = run(command, '--help')
                self.assertOk(result)
                out = result.stdout.decode()
                self.assertIn(f'atomform-connect {command}', out)
                self.assertIn(option, out)


# Bytes a terminal acts on: C0 but newline and tab, DEL, and C1 in UTF-8.
CONTROL = [bytes([c]) for c in range(0x20) if c not in (0x09, 0x0a)] + [b'\x7f'] + \
    [b'\xc2' + bytes([c]) for c in range(0x80, 0xa0)]

EVIL_SLICER = 'Evil\x1b[2J\x07'
EVIL_FILAMENT = 'PLA\u009b31m'
EVIL_OBJECT = '<b>&amp;</b>\x1b]0;pwned\x07'


def evil_gcode():
    return (f'; generated by {EVIL_SLICER} 1.0\n'
            f'; filament_type = {EVIL_FILAMENT}\n'
            f'; printing object {EVIL_OBJECT} id:0 copy 0\nG28\n').encode()


def bgcode(blocks):
    """A .bgcode without checksums; blocks are (type, payload), uncompressed."""
    import struct
    out = b'GCDE' + struct.pack('<IH', 1, 0)
    for kind, payload in blocks:
        params = struct.pack('<HHH', 0, 16, 16) if kind == 5 else struct.pack('<H', 0)
        out += struct.pack('<HHI', kind, 0, len(payload)) + params + payload
    return out


def png_claiming(side):
    """A 4×4 PNG whose IHDR claims side×side pixels."""
    import struct
    import zlib
    raw = b''.join(b'\x00' + b'\x00' * 12 for _ in range(4))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data)))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', side, side, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


class HostileTest(CliTestCase):
    """Hostile files: control characters never reach the terminal, and every
    generated bomb ends in status 2 or a bounded result, in under 5 s and
    256 MB."""

    def assertNoControl(self, data, what):
        for control in CONTROL:
            self.assertNotIn(control, data, f'{what} holds {control!r}')

    def test_control_characters(self):
        path = self.write('evil.gcode', evil_gcode())
        result = run('inspect', path)
        self.assertOk(result)
        self.assertNoControl(result.stdout, 'inspect')
        out = result.stdout.decode()
        self.assertIn('Evil\ufffd[2J\ufffd 1.0', out)
        self.assertIn('PLA\ufffd31m', out)
        self.assertIn('<b>&amp;</b>\ufffd]0;pwned\ufffd', out)

        # JSON keeps the exact text, escaped, so a program reads it back whole.
        result = run('inspect', '--json', path)
        self.assertOk(result)
        self.assertNoControl(result.stdout, 'inspect --json')
        info = json.loads(result.stdout)
        self.assertEqual(info['slicer'], EVIL_SLICER)
        self.assertEqual(info['filaments'][0]['type'], EVIL_FILAMENT)
        self.assertEqual(info['objects'], [EVIL_OBJECT])

    def test_control_characters_in_errors(self):
        path = self.write('bad\x1b[2J\x9b.gcode', b'\x00' * 64)
        result = run('inspect', path)
        self.assertFails(result, 2)
        self.assertNoControl(result.stderr, 'the error line')

    def test_json_depth_in_each_file_kind(self):
        """objects_info nesting 64 deep is read; 65 deep is ignored, in plain
        G-code, in a .bgcode's metadata and in an archive's plate G-code."""
        def objects_info(depth):
            inner = '[' * (depth - 3) + ']' * (depth - 3)
            return '{"objects":[{"name":"Cube","x":%s}]}' % inner

        for depth, expected in ((64, ['Cube']), (65, [])):
            text = ('; generated by PrusaSlicer 2.8.1\n; objects_info = %s\nG28\n'
                    % objects_info(depth)).encode()
            archive = os.path.join(self.tmp, f'depth-{depth}.gcode.3mf')
            with zipfile.ZipFile(archive, 'w') as z:
                z.writestr('Metadata/plate_1.gcode', text)
            files = {
                'gcode': self.write(f'depth-{depth}.gcode', text),
                'bgcode': self.write(f'depth-{depth}.bgcode', bgcode(
                    [(2, ('objects_info=%s\n' % objects_info(depth)).encode()),
                     (1, b'G28\n')])),
                'archive': archive,
            }
            for kind, path in files.items():
                with self.subTest(depth=depth, kind=kind):
                    result = run('inspect', '--json', path)
                    self.assertOk(result)
                    info = json.loads(result.stdout)
                    if kind == 'archive':
                        info = info['plates'][0]['info']
                    self.assertEqual(info['objects'], expected)

    def hostile_files(self):
        deep = b'; generated by PrusaSlicer 2.8.1\n; objects_info = ' + b'[' * 1000000 + b'\nG28\n'
        b64 = __import__('base64').b64encode(png_claiming(60000))
        bomb_png = (b'; generated by PrusaSlicer 2.8.1\n; thumbnail begin 16x16 %d\n; %s\n'
                    b'; thumbnail end\nG28\n' % (len(b64), b64))
        many_labels = b''.join(b'; printing object part-%d id:%d copy 0\n' % (i, i)
                               for i in range(40000)) + b'G28\n'
        archive = os.path.join(self.tmp, 'deep.gcode.3mf')
        with zipfile.ZipFile(archive, 'w') as z:
            z.writestr('Metadata/plate_1.gcode', deep)
        return {
            'deep objects_info': (self.write('deep.gcode', deep), 0),
            'archive entry with deep objects_info': (archive, 0),
            'thumbnail claiming 60000x60000': (self.write('bomb.gcode', bomb_png), 0),
            'many labels': (self.write('labels.gcode', many_labels), 0),
            'bgcode block past the limit': (self.write('block.bgcode', bgcode(
                [(5, b'\x00' * (8 * 1024 * 1024 + 1)), (1, b'G28\n')])), 2),
            'bgcode thumbnails past the total': (self.write('total.bgcode', bgcode(
                [(5, b'\x00' * (8 * 1024 * 1024))] * 4 + [(4, b'k=v\n'), (1, b'G28\n')])), 2),
            'bgcode deep objects_info': (self.write('deep.bgcode', bgcode(
                [(2, b'objects_info=' + b'[' * 1000000 + b'\n'), (1, b'G28\n')])), 0),
        }

    def test_budget(self):
        import resource
        import time
        for what, (path, status) in self.hostile_files().items():
            for args in (['inspect', path], ['inspect', '--json', path]):
                with self.subTest(input=what, args=args[:-1]):
                    start = time.monotonic()
                    result = run(*args)
                    elapsed = time.monotonic() - start
                    self.assertEqual(result.returncode, status,
                                     result.stderr.decode(errors='replace'))
                    if status == 2:
                        self.assertRegex(result.stderr.decode(), r'^atomform-connect: .+\n$')
                    self.assertLess(elapsed, 5)
                    # ru_maxrss is in KiB, the largest of any child so far.
                    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                    self.assertLess(peak, 256 * 1024)



class HandoffTest(CliTestCase):
    """The import-file links and the post-processing mode on the command line
    (docs/handoff.md); tests/ui/ proves the same routes through the window.
    """

    @staticmethod
    def link(path):
        return ('atomform-connect://import-file?path=%s&name=Cube&version=1.0.0'
                % urllib.parse.quote(path, safe=''))

    def test_inspect_a_link(self):
        folder = os.path.join(self.tmp, 'Prints & Co + 50%25 \u00fc')
        os.mkdir(folder)
        path = os.path.join(folder, 'Cube & 100% + \u00fc.gcode')
        shutil.copy(gcode_path('orcaslicer-2.3.0-k1max.gcode'), path)
        result = run('inspect', self.link(path), '--json')
        self.assertOk(result)
        info = json.loads(result.stdout)
        self.assertEqual(info['printer_model'], 'CR-K1 Max')
        self.assertEqual(info['print_time_s'], 5563)

    def test_bad_links(self):
        gone = os.path.join(self.tmp, 'gone & away.gcode')
        cases = [
            (self.link(gone), 'gone & away.gcode\u201d does not exist'),
            (self.link(self.tmp), 'is a folder'),
            ('atomform-connect://import-file?path=%2Ftmp%2F..%2Fetc%2Fpasswd', '\u201c..\u201d'),
            ('atomform-connect://import-file?path=' + '%2Fa' * 5000, 'longer than 16384'),
        ]
        for url, says in cases:
            with self.subTest(says=says):
                result = run('inspect', url, env=headless_env(LC_ALL='C.UTF-8'))
                self.assertFails(result, 2)
                self.assertIn(says, result.stderr.decode())

    def test_from_slicer_usage(self):
        self.assertFails(run('--from-slicer'), 2)
        result = run('--from-slicer', os.path.join(self.tmp, 'gone.gcode'),
                     env=headless_env(XDG_CACHE_HOME=self.tmp))
        self.assertFails(result, 2)
        self.assertIn('does not exist', result.stderr.decode())
        # Nothing was made in the cache for a file that was not there.
        self.assertEqual(os.listdir(self.tmp), [])
        help_text = run('--from-slicer', '--help')
        self.assertOk(help_text)
        self.assertIn(b'SLIC3R_PP_OUTPUT_NAME', help_text.stdout)
    def test_from_slicer_copies_pruned_and_forgotten(self):
        # The slicer's call, with its environment; the window it starts has
        # no display here and ends at once, which leaves the copy as it is.
        cache = os.path.join(self.tmp, 'cache')
        copies = os.path.join(cache, 'atomform-connect', 'from-slicer')
        env = headless_env(XDG_CACHE_HOME=cache, XDG_STATE_HOME=os.path.join(self.tmp, 'state'),
                           SLIC3R_PP_HOST='File', SLIC3R_LAYER_HEIGHT='0.2')

        def hand_off(name):
            temp = os.path.join(self.tmp, '.28394.gcode.pp')
            shutil.copy(gcode_path('orcaslicer-2.3.0-k1max.gcode'), temp)
            self.assertOk(run('--from-slicer', temp,
                              env=dict(env, SLIC3R_PP_OUTPUT_NAME='/media/SD/' + name)))
            os.unlink(temp)

        def held():
            return sorted(name for folder in os.listdir(copies)
                          for name in os.listdir(os.path.join(copies, folder)))

        def age(name, seconds):
            [folder] = [f for f in os.listdir(copies)
                        if os.listdir(os.path.join(copies, f)) == [name]]
            then = time.time() - seconds
            os.utime(os.path.join(copies, folder), (then, then))

        week = 7 * 24 * 3600
        hand_off('Old.gcode')
        self.assertEqual(held(), ['Old.gcode'])
        age('Old.gcode', week + 60)
        hand_off('Recent.gcode')
        self.assertEqual(held(), ['Recent.gcode'])
        age('Recent.gcode', week - 60)
        hand_off('New.gcode')
        self.assertEqual(held(), ['New.gcode', 'Recent.gcode'])
        # Forgetting local data takes the copies too (the window's Clear
        # Local Data calls the same core function).
        self.assertOk(run('forget-local-data', env=env))
        self.assertEqual(os.listdir(copies), [])

if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit('usage: test-cli.py ATOMFORM_CONNECT CORPUS_DIR [unittest options]')
    EXE = os.path.abspath(sys.argv[1])
    CORPUS = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], '-v', *sys.argv[3:]])
