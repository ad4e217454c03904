#!/usr/bin/python3
# tests/test-cloud-cli.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The cloud commands of `atomform-connect` (login, logout, whoami, history,
# send --cloud) and the core/cloud client behind them, against the reference
# cloud (tests/cloud/af-reference-cloud.py: real HTTPS, SQLite, a real
# mosquitto broker; docs/reference-cloud.md) and bound virtual printers in
# cloud mode, with a real gnome-keyring. It must run under
# `tests/headless-run.sh --keyring` (a throwaway HOME and keyring, which the
# test walks to prove no token lands in a file); it refuses to run otherwise.
# The app reads the cloud's address and CA from its settings (cloud-base-url,
# cloud-ca-file), here the keyfile backend in the throwaway HOME.
#
# usage: headless-run.sh --keyring test-cloud-cli.py ATOMFORM_CONNECT CORPUS_DIR
#            REFERENCE_CLOUD VIRTUAL_PRINTER SCHEMA_DIR APP_ID [unittest options]

import glob
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zipfile

EXE = CORPUS = REFERENCE_CLOUD = VIRTUAL_PRINTER = SCHEMA_DIR = APP_ID = None
PYTHON = '/usr/bin/python3'
rc_client = None
CLOUD = None
ENV = None
SCHEMA = 'tech.atomform.Connect.Token'
PASSWORD = 'correct horse battery'
# Everything any command printed, for the "no token in logs" check.
OUTPUTS = []


# GLib writes debug messages to stdout: the command's own output is the rest.
DEBUG_LINE = re.compile(r'^\(atomform-connect[^)]*\): [\w-]+-DEBUG: ')


def without_debug(text):
    return ''.join(line for line in text.splitlines(True) if not DEBUG_LINE.match(line))


def run(*args, timeout=240, check=None, debug=True):
    """Runs a command with every debug message on, so the logs are checked for tokens."""
    env = dict(ENV, G_MESSAGES_DEBUG='all') if debug else ENV
    started = time.monotonic()
    r = subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    r.elapsed = time.monotonic() - started
    OUTPUTS.append(r.stdout + r.stderr)
    r.stdout = without_debug(r.stdout)
    if check is not None:
        assert r.returncode == check, (args, r.returncode, r.stdout, r.stderr[-3000:])
    return r


def keyring(kind):
    """The token of that kind the keyring holds for the cloud, or None."""
    r = subprocess.run(['secret-tool', 'lookup', 'xdg:schema', SCHEMA,
                        'server', CLOUD.base_url, 'kind', kind],
                       capture_output=True, text=True, env=ENV)
    return r.stdout if r.returncode == 0 and r.stdout else None


def keyring_items():
    r = subprocess.run(['secret-tool', 'search', '--all', 'xdg:schema', SCHEMA],
                       capture_output=True, text=True, env=ENV)
    return r.stdout + r.stderr


def new_account(tag):
    email = '%s-%d@example.org' % (tag, time.monotonic_ns())
    account = CLOUD.create_account(email, PASSWORD, display_name='Ana ' + tag)
    account['email'] = email
    return account


def approve(user_code, email, decision='allow'):
    api = CLOUD.api()
    ans = api.request('POST', '/device', rc_client.form(user_code=user_code, email=email,
                                                        password=PASSWORD, decision=decision),
                      rc_client.FORM, version=None)
    api.close()
    return ans


def login(account):
    """`login` (device flow), confirmed as the user would in a browser."""
    p = subprocess.Popen([EXE, 'login'], env=dict(ENV, G_MESSAGES_DEBUG='all'),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL)
    lines = []
    code = None
    # Plain readline: select() would not see lines already in Python's buffer
    # (meson's timeout bounds the wait).
    while code is None:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r'^Open (https://\S+) and enter ([A-Z]{4}-[A-Z]{4})\.$', line)
        if m:
            code = m.group(2)
            assert m.group(1) == CLOUD.base_url + '/device', line
    assert code is not None, (lines, p.stderr.read() if p.poll() is not None else '')
    assert approve(code, account['email']).status == 200
    out, err = p.communicate(timeout=60)
    OUTPUTS.append(''.join(lines) + out + err)
    assert p.returncode == 0, (out, err[-3000:])
    assert 'Signed in as %s <%s>.' % (account['display_name'], account['email']) in out, out


class Printer:
    """A virtual printer in cloud mode, bound to an account."""

    def __init__(self, account, name, model='C12', speed='3000'):
        self.serial = '01P00A%09d' % (time.monotonic_ns() % 10 ** 9)
        bound = CLOUD.bind_printer(account['id'], self.serial, model=model, name=name)
        self.id = bound['id']
        self.dir = tempfile.mkdtemp(prefix='af-cloud-vp-')
        device = os.path.join(self.dir, 'device.json')
        with open(device, 'w', encoding='utf-8') as f:
            json.dump(bound['device'], f)
        self.log = open(os.path.join(self.dir, 'log'), 'w+', encoding='utf-8')
        self.proc = subprocess.Popen([PYTHON, VIRTUAL_PRINTER, '--serial', self.serial,
                                      '--model', model, '--speed', speed,
                                      '--cloud-device', device, '--ftp-server', 'pyftpdlib'],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError('the virtual printer did not start')
        self.info = json.loads(line)
        # The cloud sees it online once its first report arrived.
        deadline = time.monotonic() + 20
        api = CLOUD.api()
        while time.monotonic() < deadline:
            ans = api.request('GET', '/v1/printers/%s' % self.id,
                              headers={'Authorization': 'Bearer ' + self.token(account)})
            if ans.status == 200 and ans.json().get('online'):
                break
            time.sleep(0.2)
        api.close()

    def control(self, line):
        """A control line on the printer's stdin; waits for its answer."""
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        while True:
            event = json.loads(self.proc.stdout.readline())
            if event.get('event') == 'control' and event.get('command') == line:
                assert event['ok'], event
                return

    def cloud_view(self, account):
        """The printer as the cloud's API shows it to the account."""
        api = CLOUD.api()
        ans = api.request('GET', '/v1/printers/%s' % self.id,
                          headers={'Authorization': 'Bearer ' + self.token(account)})
        api.close()
        assert ans.status == 200, ans
        return ans.json()

    def job(self, account, job_id):
        api = CLOUD.api()
        ans = api.request('GET', '/v1/jobs/%s' % job_id,
                          headers={'Authorization': 'Bearer ' + self.token(account)})
        api.close()
        assert ans.status == 200, ans
        return ans.json()

    @staticmethod
    def token(account):
        if 'access_token' not in account:
            api = CLOUD.api()
            account.update(rc_client.sign_in(api, account['email'], PASSWORD))
            api.close()
        return account['access_token']

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


def wait_until(condition, limit=60):
    """Waits up to limit seconds for condition to hold."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.25)


def counters():
    return CLOUD.counters()


def api_routes():
    """How often each route of the API (not the test's admin one) was called."""
    return {k: n for k, n in counters()['routes'].items() if ' /v1/' in k or ' /device' in k}


def route_count(name):
    return counters()['routes'].get(name, 0)


def http_get(url):
    """A plain HTTP GET as the browser makes it after a redirect."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request('GET', u.path + ('?' + u.query if u.query else ''),
                 headers={'Accept': 'text/html'})
    r = conn.getresponse()
    body = r.read().decode()
    conn.close()
    return r.status, body


class BrowserLogin:
    """`login --browser`: the address it prints, and the process."""

    def __init__(self):
        self.proc = subprocess.Popen([EXE, 'login', '--browser'],
                                     env=dict(ENV, G_MESSAGES_DEBUG='all'),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)
        self.uri = None
        self.lines = []
        while self.uri is None:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if line.startswith(CLOUD.base_url + '/v1/oauth/authorize?'):
                self.uri = line.strip()
        if self.uri is None:
            self.proc.kill()
            raise AssertionError((self.lines, self.proc.communicate()))
        self.query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.uri).query))

    def finish(self):
        out, err = self.proc.communicate(timeout=60)
        OUTPUTS.append(''.join(self.lines) + out + err)
        return self.proc.returncode, out, err


class CloudCliTest(unittest.TestCase):

    def tearDown(self):
        CLOUD.admin_call('DELETE', '/admin/faults')

    # --- sign-in ----------------------------------------------------------

    def test_device_login_whoami_logout_leaves_no_token(self):
        account = new_account('device')
        login(account)
        r = run('whoami', check=0)
        self.assertEqual(r.stdout, '%s <%s>\n' % (account['display_name'], account['email']))

        access, refresh = keyring('access'), keyring('refresh')
        self.assertTrue(access and refresh)
        self.assertIn('account = %s' % account['id'], keyring_items())

        r = run('logout', check=0)
        self.assertEqual(r.stdout, 'Signed out.\n')
        self.assertIsNone(keyring('access'))
        self.assertIsNone(keyring('refresh'))
        self.assertNotIn(SCHEMA, keyring_items())
        # Revoked on the server (RFC 7009): the refresh token no longer works.
        api = CLOUD.api()
        ans = rc_client.token_request(api, grant_type='refresh_token', refresh_token=refresh)
        api.close()
        self.assertEqual(ans.status, 400)
        self.assertEqual(ans.json()['error'], 'invalid_grant')
        # Neither token in any file of HOME (settings, caches, logs) or any output.
        for token in (access, refresh):
            for root, _, files in os.walk(os.environ['HOME']):
                for name in files:
                    path = os.path.join(root, name)
                    if 'keyrings' in path.split(os.sep):
                        continue
                    try:
                        with open(path, 'rb') as f:
                            self.assertNotIn(token.encode(), f.read(), path)
                    except (PermissionError, FileNotFoundError, IsADirectoryError):
                        pass
            for text in OUTPUTS:
                self.assertNotIn(token, text)

        r = run('whoami', check=1)
        self.assertIn('atomform-connect login', r.stderr)
        r = run('logout', check=0)
        self.assertEqual(r.stdout, 'You were not signed in.\n')

    def test_device_login_refused(self):
        account = new_account('refuse')
        # A refused sign-in changes nothing: the session before it (if any) stays.
        before = keyring('refresh')
        p = subprocess.Popen([EXE, 'login'], env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        line = p.stdout.readline()
        code = re.search(r'enter ([A-Z]{4}-[A-Z]{4})\.', line).group(1)
        approve(code, account['email'], decision='deny')
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1, err)
        self.assertIn('The sign-in was refused', err)
        self.assertEqual(keyring('refresh'), before)

    def test_browser_sign_in_wrong_state_refused(self):
        account = new_account('browser')
        # A redirect with another state: an error page, the listener closes.
        login_run = BrowserLogin()
        q = login_run.query
        self.assertEqual(q['code_challenge_method'], 'S256')
        self.assertEqual(len(q['code_challenge']), 43)
        self.assertEqual(q['client_id'], 'atomform-connect')
        self.assertRegex(q['redirect_uri'], r'^http://127\.0\.0\.1:\d+/callback$')
        status, _ = http_get(q['redirect_uri'] + '?code=forged&state=' + 'x' * 43)
        self.assertEqual(status, 400)
        rc, out, err = login_run.finish()
        self.assertEqual(rc, 1)
        self.assertIn('did not complete', err)
        self.assertIsNone(keyring('refresh'))
        with self.assertRaises(ConnectionRefusedError):
            http_get(q['redirect_uri'] + '?code=forged&state=' + q['state'])

        # The real flow: the browser signs in at the cloud, follows its redirect.
        login_run = BrowserLogin()
        q = login_run.query
        api = CLOUD.api()
        got = rc_client.browser_sign_in(api, account['email'], PASSWORD, q['redirect_uri'],
                                        q['code_challenge'], q['state'])
        api.close()
        self.assertEqual(got['_redirect'], q['redirect_uri'])
        status, page = http_get(q['redirect_uri'] + '?' + urllib.parse.urlencode(
            {'code': got['code'], 'state': got['state']}))
        self.assertEqual(status, 200)
        self.assertIn('You are signed in', page)
        rc, out, err = login_run.finish()
        self.assertEqual(rc, 0, err[-3000:])
        self.assertIn('Signed in as %s <%s>.' % (account['display_name'], account['email']), out)
        self.assertIsNotNone(keyring('refresh'))
        run('whoami', check=0)

    def test_refresh_rotation(self):
        account = new_account('rotate')
        login(account)
        first = keyring('refresh')
        tokens_before = route_count('POST /v1/oauth/token')
        # The access token ends on the server; the client refreshes once on the 401.
        CLOUD.admin_call('POST', '/admin/tokens', {'account_id': account['id'],
                                                   'action': 'expire'})
        r = run('whoami', check=0)
        self.assertIn(account['email'], r.stdout)
        self.assertEqual(route_count('POST /v1/oauth/token'), tokens_before + 1)
        second = keyring('refresh')
        self.assertIsNotNone(second)
        self.assertNotEqual(first, second)
        # The rotated pair is used from then on: no further refresh.
        run('whoami', check=0)
        self.assertEqual(route_count('POST /v1/oauth/token'), tokens_before + 1)

    def test_refresh_before_expiry(self):
        account = new_account('early')
        login(account)
        access = keyring('access')
        # The keyring says the access token ends in a minute (less than the 5-minute
        # margin): the next command refreshes first, so the cloud never refuses it.
        subprocess.run(['secret-tool', 'clear', 'xdg:schema', SCHEMA, 'server', CLOUD.base_url,
                        'kind', 'access'], env=ENV, check=True)
        subprocess.run(['secret-tool', 'store', '--label', 'test', 'xdg:schema', SCHEMA,
                        'server', CLOUD.base_url, 'account', account['id'], 'kind', 'access',
                        'expires', str(int(time.time()) + 60)],
                       input=access, text=True, env=ENV, check=True)
        tokens_before = route_count('POST /v1/oauth/token')
        account_before = route_count('GET /v1/account')
        run('whoami', check=0)
        self.assertEqual(route_count('POST /v1/oauth/token'), tokens_before + 1)
        # One GET: the old token was not even tried.
        self.assertEqual(route_count('GET /v1/account'), account_before + 1)
        self.assertNotEqual(keyring('access'), access)

    def test_revoked_session_asks_to_sign_in_again(self):
        account = new_account('revoked')
        login(account)
        CLOUD.admin_call('POST', '/admin/tokens', {'account_id': account['id'],
                                                   'action': 'revoke'})
        r = run('whoami', check=1)
        self.assertIn('Sign in again', r.stderr)
        self.assertIn('atomform-connect login', r.stderr)
        self.assertIsNone(keyring('refresh'))
        self.assertIsNone(keyring('access'))
        login(account)
        run('whoami', check=0)

    # --- the engine's rules -------------------------------------------------

    def test_rate_limit_retry_after_honoured(self):
        account = new_account('ratelimit')
        login(account)
        before = route_count('GET /v1/account')
        CLOUD.fault(kind='rate-limit', route='GET /v1/account', count=1, retry_after=3)
        r = run('whoami', check=0)
        self.assertIn(account['email'], r.stdout)
        self.assertEqual(route_count('GET /v1/account'), before + 2)
        self.assertGreaterEqual(r.elapsed, 3.0)

    def test_server_errors_retried(self):
        account = new_account('fivexx')
        login(account)
        before = route_count('GET /v1/account')
        CLOUD.fault(kind='status', status=500, route='GET /v1/account', count=1)
        CLOUD.fault(kind='status', status=502, route='GET /v1/account', count=1)
        r = run('whoami', check=0)
        self.assertIn(account['email'], r.stdout)
        self.assertEqual(route_count('GET /v1/account'), before + 3)

    def test_outage_names_the_service(self):
        account = new_account('outage')
        login(account)
        before = route_count('GET /v1/history')
        CLOUD.fault(kind='status', status=503, route='GET /v1/history', count=-1, retry_after=0)
        r = run('history', check=1)
        # Six tries (the contract's limit for an action the user watches), then a plain answer.
        self.assertEqual(route_count('GET /v1/history'), before + 6)
        self.assertRegex(r.stderr, r'AtomForm’s print history service has been unavailable '
                                   r'since \d\d:\d\d\. Try again later; printing over the '
                                   r'network \(LAN\) still works\.')

    def test_other_api_version_stops(self):
        account = new_account('version')
        login(account)
        CLOUD.fault(kind='api-version', version='2.0', route='GET /v1/account', count=1)
        r = run('whoami', check=1)
        self.assertIn('version 2.0', r.stderr)
        self.assertIn('Update AtomForm Connect', r.stderr)
        self.assertIn('(LAN) still works', r.stderr)
        # Not signed out by it.
        self.assertIsNotNone(keyring('refresh'))

    # --- printing and history ------------------------------------------------

    def test_send_corpus_archives_finish_and_show_in_history(self):
        account = new_account('print')
        login(account)
        printer = Printer(account, 'Workshop P1S')
        try:
            archives = sorted(glob.glob(os.path.join(CORPUS, '3mf', '*.gcode.3mf')))
            self.assertGreaterEqual(len(archives), 2)
            for path in archives:
                r = run('send', path, '--printer', 'Workshop P1S', '--cloud', '--wait',
                        '--force', check=0)
                self.assertIn('Uploading… 100 %', r.stderr)
                self.assertIn('FINISH 100 %', r.stderr)
            r = run('history', '--json', check=0, debug=False)
            entries = json.loads(r.stdout)
            self.assertEqual(len(entries), len(archives))
            for entry, path in zip(entries, reversed(archives)):
                info = json.loads(run('inspect', '--json', path, check=0,
                                      debug=False).stdout)['plates'][0]['info']
                stem = os.path.basename(path)[:-len('.gcode.3mf')]
                self.assertTrue(entry['title'].startswith(stem), (entry['title'], stem))
                self.assertEqual(entry['status'], 'finished')
                self.assertEqual(entry['printer_name'], 'Workshop P1S')
                self.assertEqual(entry['printer_id'], printer.id)
                self.assertIsNotNone(entry['started_at'])
                self.assertIsNotNone(entry['ended_at'])
                self.assertLessEqual(entry['created_at'], entry['started_at'])
                self.assertLessEqual(entry['started_at'], entry['ended_at'])
                self.assertTrue(entry['file_available'])
                self.assertEqual([(f['type'], f['color'], round(f['weight_g'], 2))
                                  for f in entry['filament']],
                                 [(f['type'], f['color'], round(f['weight_g'], 2))
                                  for f in info['filaments']])
            # Thumbnails come through the API, byte for byte the archive's plate image.
            thumbs = tempfile.mkdtemp(prefix='af-thumbs-')
            got = json.loads(run('history', '--json', '--thumbnail-dir', thumbs, check=0,
                                 debug=False).stdout)
            for entry, path in zip(got, reversed(archives)):
                with zipfile.ZipFile(path) as z:
                    want = z.read('Metadata/plate_%d.png' % entry['plate'])
                self.assertTrue(entry['has_thumbnail'])
                self.assertEqual(entry['thumbnail_file'],
                                 os.path.join(thumbs, entry['id'] + '.png'))
                with open(entry['thumbnail_file'], 'rb') as f:
                    self.assertEqual(f.read(), want)
            # --limit pages and stops; --printer filters by name, serial or id.
            one = json.loads(run('history', '--json', '--limit', '1', check=0,
                                 debug=False).stdout)
            self.assertEqual([e['id'] for e in one], [entries[0]['id']])
            for name in ('Workshop P1S', printer.serial, printer.id):
                got = json.loads(run('history', '--json', '--printer', name, check=0,
                                     debug=False).stdout)
                self.assertEqual(len(got), len(archives))
            r = run('history', check=0, debug=False)
            self.assertIn('Status:    finished', r.stdout)
            self.assertIn('Stored until ', r.stdout)
            r = run('history', '--printer', 'No such printer', check=1, debug=False)
            self.assertIn('No printer called', r.stderr)
        finally:
            printer.stop()

    def test_upload_cut_at_half_resumes_storing_each_byte_once(self):
        account = new_account('cut')
        login(account)
        printer = Printer(account, 'Cut P1S')
        path = os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf')
        size = os.path.getsize(path)
        try:
            known = set(counters()['uploads'])
            CLOUD.fault(kind='drop-upload', route='PATCH /v1/uploads/{upload_id}', count=1,
                        at_upload_offset=size // 2)
            run('send', path, '--printer', 'Cut P1S', '--cloud', check=0)
            uploads = {k: v for k, v in counters()['uploads'].items() if k not in known}
            self.assertEqual(len(uploads), 1)
            got = list(uploads.values())[0]
            self.assertEqual(got['cut_chunks'], 1)
            self.assertEqual(got['patches'], 2)
            # Each byte stored once; the cut chunk was sent again, nothing more.
            self.assertEqual(got['bytes_appended'], size)
            self.assertEqual(got['bytes_received'], size + size // 2)
            self.assertGreaterEqual(route_count('HEAD /v1/uploads/{upload_id}'), 1)
        finally:
            CLOUD.admin_call('DELETE', '/admin/faults')
            printer.stop()

    def test_dropped_job_response_creates_one_job(self):
        account = new_account('drop')
        login(account)
        printer = Printer(account, 'Drop P1S')
        path = os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf')
        try:
            before = counters()
            CLOUD.fault(kind='drop-response', route='POST /v1/jobs', count=1)
            run('send', path, '--printer', 'Drop P1S', '--cloud', '--wait', check=0)
            after = counters()
            self.assertEqual(after['routes']['POST /v1/jobs'],
                             before['routes'].get('POST /v1/jobs', 0) + 2)
            new_keys = {k: n for k, n in after['jobs_by_idempotency_key'].items()
                        if k not in before['jobs_by_idempotency_key']}
            self.assertEqual(list(new_keys.values()), [1])
            self.assertEqual(after['idempotent_replays'], before['idempotent_replays'] + 1)
            entries = json.loads(run('history', '--json', check=0, debug=False).stdout)
            self.assertEqual(len(entries), 1)
            self.assertEqual(entries[0]['status'], 'finished')
        finally:
            printer.stop()

    def test_cancelled_upload_leaves_nothing_in_the_cloud(self):
        account = new_account('cancel')
        login(account)
        printer = Printer(account, 'Cancel P1S')
        path = os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf')
        try:
            before = counters()
            CLOUD.fault(kind='slow', route='PATCH /v1/uploads/{upload_id}', count=1, delay=8)
            p = subprocess.Popen([EXE, 'send', path, '--printer', 'Cancel P1S', '--cloud'],
                                 env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while route_count('PATCH /v1/uploads/{upload_id}') == \
                    before['routes'].get('PATCH /v1/uploads/{upload_id}', 0):
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.1)
            p.send_signal(2)
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 1, err)
            self.assertIn('Cancelled; nothing was left on the printer.', err)
            after = counters()
            self.assertEqual(after['routes'].get('DELETE /v1/uploads/{upload_id}', 0),
                             before['routes'].get('DELETE /v1/uploads/{upload_id}', 0) + 1)
            self.assertEqual(after['routes'].get('POST /v1/jobs', 0),
                             before['routes'].get('POST /v1/jobs', 0))
        finally:
            printer.stop()

    # --- printers, commands and readiness on the cloud route ------------------

    def test_printers_lists_the_accounts_printers(self):
        account = new_account('list')
        login(account)
        printer = Printer(account, 'Shelf P1S')
        try:
            doc = json.loads(run('printers', '--json', check=0, debug=False).stdout)
            self.assertEqual(doc['cloud_printers'], 'listed')
            listed = [p for p in doc['printers'] if p['serial'] == printer.serial]
            self.assertEqual(len(listed), 1, doc)
            got = listed[0]
            self.assertEqual(got['name'], 'Shelf P1S')
            self.assertEqual(got['sources'], ['cloud'])
            self.assertEqual(got['model'], 'C12')
            self.assertIsNone(got['host'])
            self.assertEqual(got['cloud'], {'id': printer.id, 'online': True, 'state': 'idle'})
            r = run('printers', check=0, debug=False)
            row = [line for line in r.stdout.splitlines() if printer.serial in line]
            self.assertEqual(len(row), 1, r.stdout)
            self.assertIn('Shelf P1S', row[0])
            self.assertTrue(row[0].rstrip().endswith('account'), row[0])
            self.assertNotIn('Not signed in', r.stdout)

            # LAN-only mode: the LAN list only, and not one request to the cloud.
            run('privacy', 'set', 'lan-only', 'on', check=0)
            try:
                before = api_routes()
                doc = json.loads(run('printers', '--json', check=0, debug=False).stdout)
                self.assertEqual(doc['cloud_printers'], 'lan-only')
                self.assertEqual([p for p in doc['printers'] if p['serial'] == printer.serial],
                                 [])
                r = run('printers', check=0, debug=False)
                self.assertIn('LAN-only mode is on: printers bound to your AtomForm account '
                              'are not listed', r.stdout)
                self.assertNotIn(printer.serial, r.stdout)
                after = api_routes()
                self.assertEqual(after, before, {k: (before.get(k), n) for k, n in after.items() if before.get(k) != n})
            finally:
                run('privacy', 'set', 'lan-only', 'off', check=0)

            # Signed out: said, and the account's printers are gone from the list.
            run('logout', check=0)
            doc = json.loads(run('printers', '--json', check=0, debug=False).stdout)
            self.assertEqual(doc['cloud_printers'], 'signed-out')
            self.assertEqual([p for p in doc['printers'] if p['serial'] == printer.serial], [])
            r = run('printers', check=0, debug=False)
            self.assertIn('Not signed in to an AtomForm account', r.stdout)
            self.assertIn('atomform-connect login', r.stdout)
        finally:
            printer.stop()

    def test_pause_resume_stop_through_the_cloud(self):
        account = new_account('pause')
        login(account)
        # 2.5 simulated hours at 60× take minutes: time to pause and resume.
        printer = Printer(account, 'Pause P1S', speed='60')
        path = os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf')
        try:
            r = run('pause', 'Pause P1S', '--cloud', check=1)
            self.assertIn('knows of no print on “Pause P1S”', r.stderr)
            run('send', path, '--printer', 'Pause P1S', '--cloud', check=0)
            job_id = printer.cloud_view(account)['current_job_id']
            self.assertIsNotNone(job_id)
            wait_until(lambda: printer.job(account, job_id)['state'] == 'running')
            actions = route_count('POST /v1/jobs/{job_id}/actions')

            r = run('pause', 'Pause P1S', '--cloud', check=0)
            self.assertEqual(r.stdout, 'Paused\n')
            # The cloud's job and the printer's own report agree.
            self.assertEqual(printer.job(account, job_id)['state'], 'paused')
            self.assertEqual(printer.cloud_view(account)['state'], 'paused')
            self.assertEqual(route_count('POST /v1/jobs/{job_id}/actions'), actions + 1)
            progress = printer.job(account, job_id)['progress']
            time.sleep(2)
            self.assertEqual(printer.job(account, job_id)['progress'], progress)

            r = run('resume', printer.serial, '--cloud', check=0)
            self.assertEqual(r.stdout, 'Printing\n')
            self.assertEqual(printer.job(account, job_id)['state'], 'running')
            self.assertEqual(printer.cloud_view(account)['state'], 'running')

            r = run('stop', printer.id, '--cloud', check=0)
            self.assertEqual(printer.job(account, job_id)['state'], 'cancelled')
            self.assertIsNone(printer.cloud_view(account)['current_job_id'])
            self.assertEqual(route_count('POST /v1/jobs/{job_id}/actions'), actions + 3)
            r = run('resume', 'Pause P1S', '--cloud', check=1)
            self.assertIn('nothing to resume', r.stderr)
        finally:
            printer.stop()

    def test_send_cloud_needs_the_printer_online_in_the_cloud(self):
        account = new_account('offline')
        login(account)
        printer = Printer(account, 'Attic P1S')
        path = os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf')
        try:
            printer.control('cloud-offline on')
            wait_until(lambda: not printer.cloud_view(account)['online'], limit=30)
            uploads = route_count('POST /v1/uploads')
            r = run('send', path, '--printer', 'Attic P1S', '--cloud', check=1)
            self.assertIn('AtomForm’s cloud does not hear from “Attic P1S”', r.stderr)
            self.assertIn('print over the local network', r.stderr)
            # Refused before anything was packed or uploaded.
            self.assertEqual(route_count('POST /v1/uploads'), uploads)
            printer.control('cloud-offline off')
            wait_until(lambda: printer.cloud_view(account)['online'], limit=30)
            run('send', path, '--printer', 'Attic P1S', '--cloud', '--wait', check=0)
        finally:
            printer.stop()

    def test_send_cloud_unknown_printer(self):
        account = new_account('unknown')
        login(account)
        r = run('send', os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf'),
                '--printer', 'Nowhere', '--cloud', check=1)
        self.assertIn('No printer called “Nowhere” is bound', r.stderr)


def main(argv):
    global EXE, CORPUS, REFERENCE_CLOUD, VIRTUAL_PRINTER, SCHEMA_DIR, APP_ID, rc_client
    global CLOUD, ENV
    if not os.environ.get('_HEADLESS_INNER'):
        sys.exit('run this under tests/headless-run.sh --keyring')
    EXE, CORPUS, REFERENCE_CLOUD, VIRTUAL_PRINTER, SCHEMA_DIR, APP_ID = argv[1:7]
    sys.path.insert(0, os.path.dirname(os.path.abspath(REFERENCE_CLOUD)))
    import rc_client as module
    rc_client = module
    state = tempfile.mkdtemp(prefix='af-cloud-')
    CLOUD = rc_client.Cloud(state)
    ENV = dict(os.environ, GSETTINGS_BACKEND='keyfile', GSETTINGS_SCHEMA_DIR=SCHEMA_DIR)
    ENV.pop('G_MESSAGES_DEBUG', None)
    try:
        for key, value in (('cloud-base-url', CLOUD.base_url),
                           ('cloud-ca-file', CLOUD.ca_file)):
            subprocess.run(['gsettings', 'set', APP_ID, key, value], env=ENV, check=True)
        program = unittest.main(argv=[argv[0]] + argv[7:], exit=False, verbosity=2)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        CLOUD.stop()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
