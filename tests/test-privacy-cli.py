#!/usr/bin/python3
# tests/test-privacy-cli.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The privacy commands of `atomform-connect` and core/privacy behind them
# (docs/privacy.md), against the reference cloud (real HTTPS, SQLite, the test
# clock; docs/reference-cloud.md), virtual printers (LAN and cloud mode) and a
# real gnome-keyring. Runs under `tests/headless-run.sh --keyring` (a
# throwaway HOME, so $XDG_STATE_HOME/atomform-connect/local.sqlite is the
# test's own), with the keyfile GSettings backend so settings survive a
# restart as they do for a user.
#
# usage: headless-run.sh --keyring test-privacy-cli.py ATOMFORM_CONNECT CORPUS_DIR
#            REFERENCE_CLOUD VIRTUAL_PRINTER SCHEMA_DIR APP_ID [unittest options]

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timedelta, timezone

EXE = CORPUS = REFERENCE_CLOUD = VIRTUAL_PRINTER = SCHEMA_DIR = APP_ID = None
PYTHON = '/usr/bin/python3'
rc_client = None
CLOUD = None
CLOUD_STATE = None
ENV = None
PASSWORD = 'correct horse battery'
PURPOSES = ['print_history', 'ux_improvement', 'personalised_experience', 'marketing',
            'analytics']
DAY = 24 * 3600
DEBUG_LINE = re.compile(r'^\(atomform-connect[^)]*\): [\w-]+-DEBUG: ')


def run(*args, timeout=240, check=None, env=None):
    r = subprocess.run([EXE, *args], env=env or ENV, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    r.stdout = ''.join(line for line in r.stdout.splitlines(True)
                       if not DEBUG_LINE.match(line))
    if check is not None:
        assert r.returncode == check, (args, r.returncode, r.stdout, r.stderr[-3000:])
    return r


def run_json(*args):
    return json.loads(run(*args, check=0).stdout)


def local_db():
    path = os.path.join(os.environ.get('XDG_STATE_HOME') or
                        os.path.join(os.environ['HOME'], '.local', 'state'),
                        'atomform-connect', 'local.sqlite')
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    return db


def local_rows(table, where='1'):
    db = local_db()
    try:
        return [dict(r) for r in db.execute('SELECT * FROM %s WHERE %s' % (table, where))]
    finally:
        db.close()


def new_account(tag):
    email = '%s-%d@example.org' % (tag, time.monotonic_ns())
    account = CLOUD.create_account(email, PASSWORD, display_name='Ana ' + tag)
    account['email'] = email
    return account


def login(account):
    p = subprocess.Popen([EXE, 'login'], env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    code = None
    while code is None:
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(r'enter ([A-Z]{4}-[A-Z]{4})\.$', line)
        if m:
            code = m.group(1)
    assert code is not None, p.communicate()
    api = CLOUD.api()
    ans = api.request('POST', '/device', rc_client.form(user_code=code, email=account['email'],
                                                        password=PASSWORD, decision='allow'),
                      rc_client.FORM, version=None)
    api.close()
    assert ans.status == 200, ans
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, (out, err[-2000:])


def server_data(account):
    return CLOUD.admin_call('GET', '/admin/accounts/%s/data' % account['id'])


def server_settings(account):
    api = CLOUD.api()
    token = rc_client.sign_in(api, account['email'], PASSWORD)['access_token']
    ans = api.request('GET', '/v1/privacy/settings',
                      headers={'Authorization': 'Bearer ' + token})
    api.close()
    assert ans.status == 200, ans
    return ans.json()


def server_history(account):
    api = CLOUD.api()
    token = rc_client.sign_in(api, account['email'], PASSWORD)['access_token']
    ans = api.request('GET', '/v1/history?limit=100',
                      headers={'Authorization': 'Bearer ' + token})
    api.close()
    assert ans.status == 200, ans
    return {e['id']: e for e in ans.json()['items']}


def counters():
    return CLOUD.counters()


def start_cloud(port=None):
    global CLOUD
    CLOUD = rc_client.Cloud(CLOUD_STATE, ['--poll-seconds', '1']
                            + (['--port', str(port)] if port else []))


class Printer:
    """A virtual printer in cloud mode, bound to an account."""

    def __init__(self, account, name):
        self.serial = '01P00A%09d' % (time.monotonic_ns() % 10 ** 9)
        bound = CLOUD.bind_printer(account['id'], self.serial, model='C12', name=name)
        self.dir = tempfile.mkdtemp(prefix='af-privacy-vp-')
        device = os.path.join(self.dir, 'device.json')
        with open(device, 'w', encoding='utf-8') as f:
            json.dump(bound['device'], f)
        self.log = open(os.path.join(self.dir, 'log'), 'w+', encoding='utf-8')
        self.proc = subprocess.Popen([PYTHON, VIRTUAL_PRINTER, '--serial', self.serial,
                                      '--model', 'C12', '--speed', '3000',
                                      '--cloud-device', device, '--ftp-server', 'pyftpdlib'],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        if not self.proc.stdout.readline():
            self.stop()
            raise RuntimeError('the virtual printer did not start')
        time.sleep(1)

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


ARCHIVE = None


def cloud_print(printer_name):
    r = run('send', ARCHIVE, '--printer', printer_name, '--cloud', '--wait', '--force', check=0)
    assert 'FINISH 100 %' in r.stderr, r.stderr[-2000:]


class PrivacyCliTest(unittest.TestCase):

    def tearDown(self):
        CLOUD.admin_call('DELETE', '/admin/faults')
        run('privacy', 'set', 'lan-only', 'off', check=0)

    # --- switches ---------------------------------------------------------------

    def test_switches_round_trip_and_survive_restart(self):
        account = new_account('switch')
        login(account)
        shown = run_json('privacy', 'show', '--json')
        self.assertEqual((shown['incognito_printing'], shown['history_reprint'],
                          shown['file_retention_days'], shown['lan_only']),
                         (False, True, 90, False))

        r = run('privacy', 'set', 'incognito', 'on', check=0)
        self.assertIn('Turn incognito printing on: done.', r.stdout)
        self.assertTrue(server_settings(account)['incognito_printing'])
        r = run('privacy', 'set', 'history-reprint', 'off', check=0)
        self.assertFalse(server_settings(account)['history_reprint'])
        # Each command is a new process: the values come back from the cloud.
        shown = run_json('privacy', 'show', '--json')
        self.assertEqual((shown['incognito_printing'], shown['history_reprint']), (True, False))

        run('privacy', 'set', 'lan-only', 'on', check=0)
        shown = run_json('privacy', 'show', '--json')
        self.assertTrue(shown['lan_only'])
        # Offline by choice, the last known values are still shown.
        self.assertEqual((shown['incognito_printing'], shown['history_reprint'],
                          shown['settings_known']), (True, False, True))
        run('privacy', 'set', 'lan-only', 'off', check=0)
        self.assertFalse(run_json('privacy', 'show', '--json')['lan_only'])

        run('privacy', 'set', 'incognito', 'off', check=0)
        self.assertFalse(server_settings(account)['incognito_printing'])
        self.assertFalse(run_json('privacy', 'show', '--json')['incognito_printing'])
        r = run('privacy', 'set', 'incognito', 'maybe', check=2)
        self.assertIn('Say “on” or “off”', r.stderr)

    def test_stale_etag_is_reconciled_not_overwritten(self):
        account = new_account('etag')
        login(account)
        run('privacy', 'set', 'incognito', 'on', check=0)
        patches = counters()['routes'].get('PATCH /v1/privacy/settings', 0)
        # Another device turns history off: our cached ETag is now stale.
        CLOUD.admin_call('POST', '/admin/account-settings',
                         {'account_id': account['id'], 'history': False})
        r = run('privacy', 'set', 'incognito', 'off', check=0)
        self.assertIn('Turn incognito printing off: done.', r.stdout)
        settings = server_settings(account)
        self.assertFalse(settings['incognito_printing'])
        # The other device's change stands.
        self.assertFalse(settings['history_reprint'])
        # A 412, a re-read, then the change re-applied once.
        self.assertEqual(counters()['routes'].get('PATCH /v1/privacy/settings', 0), patches + 2)
        # Re-applying what the server already holds sends nothing.
        CLOUD.admin_call('POST', '/admin/account-settings',
                         {'account_id': account['id'], 'incognito': True})
        CLOUD.admin_call('POST', '/admin/account-settings',
                         {'account_id': account['id'], 'incognito': False})
        run('privacy', 'set', 'incognito', 'off', check=0)
        self.assertEqual(counters()['routes'].get('PATCH /v1/privacy/settings', 0), patches + 3)
        self.assertFalse(server_settings(account)['incognito_printing'])

    # --- consents ----------------------------------------------------------------

    def test_withdraw_each_consent_pending_then_withdrawn_within_72_hours(self):
        account = new_account('consent')
        login(account)
        consents = {c['purpose_id']: c for c in run_json('privacy', 'consents', '--json')}
        self.assertEqual(sorted(consents), sorted(PURPOSES))
        self.assertTrue(all(c['status'] == 'given' for c in consents.values()))
        for purpose in PURPOSES:
            r = run('privacy', 'withdraw', purpose, check=0)
            self.assertRegex(r.stdout, r'Request prq_\S+ \(Consent withdrawal\): Received, '
                                       r'pending; due by \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d\.')
        consents = {c['purpose_id']: c for c in run_json('privacy', 'consents', '--json')}
        for purpose in PURPOSES:
            self.assertEqual(consents[purpose]['status'], 'withdrawal_pending')
            self.assertIsNotNone(consents[purpose]['withdrawal_due_at'])
        requests = [r for r in run_json('privacy', 'requests', '--json')
                    if r['type'] == 'consent_withdrawal']
        self.assertEqual(sorted(r['purpose_id'] for r in requests), sorted(PURPOSES))
        for request in requests:
            self.assertEqual(request['status'], 'pending')
            self.assertEqual(request['due_at'], request['sla_due_at'])
        CLOUD.advance(72 * 3600 + 60)
        login(account)   # the clock move ended the access token's life
        consents = {c['purpose_id']: c for c in run_json('privacy', 'consents', '--json')}
        for purpose in PURPOSES:
            self.assertEqual(consents[purpose]['status'], 'withdrawn', purpose)
        for request in run_json('privacy', 'requests', '--json'):
            self.assertEqual(request['status'], 'completed')
        r = run('privacy', 'withdraw', 'telemetry', check=2)
        self.assertIn('is not a purpose', r.stderr)

    # --- data-rights requests ----------------------------------------------------

    def test_each_data_right_created_progressed_and_answered(self):
        account = new_account('rights')
        login(account)
        made = {}
        for kind in ('access', 'portability', 'rectification', 'erasure', 'restriction',
                     'objection'):
            r = run('privacy', 'request', kind, '--details', 'Please, for %s.' % kind, check=0)
            m = re.search(r'Request (prq_\S+) \(', r.stdout)
            self.assertIsNotNone(m, r.stdout)
            made[kind] = m.group(1)
        listed = {r['id']: r for r in run_json('privacy', 'requests', '--json')}
        for kind, rid in made.items():
            self.assertEqual(listed[rid]['type'], kind)
            self.assertEqual(listed[rid]['status'], 'pending')
            self.assertEqual(listed[rid]['details'], 'Please, for %s.' % kind)
            self.assertIsNotNone(listed[rid]['legal_due_at'])
            CLOUD.admin_call('POST', '/admin/privacy-requests/' + rid, {'action': 'progress'})
        listed = {r['id']: r for r in run_json('privacy', 'requests', '--json')}
        self.assertTrue(all(listed[rid]['status'] == 'in_progress' for rid in made.values()))
        # Erasure last: it removes earlier copies too (docs/cloud-api.md).
        for kind, rid in made.items():
            if kind == 'objection':
                CLOUD.admin_call('POST', '/admin/privacy-requests/' + rid,
                                 {'action': 'reject', 'reason': 'No processing to object to.'})
            elif kind != 'erasure':
                CLOUD.admin_call('POST', '/admin/privacy-requests/' + rid,
                                 {'action': 'complete'})
        listed = {r['id']: r for r in run_json('privacy', 'requests', '--json')}
        self.assertEqual(listed[made['objection']]['status'], 'rejected')
        self.assertEqual(listed[made['objection']]['rejection_reason'],
                         'No processing to object to.')
        for kind in ('access', 'portability', 'rectification', 'restriction'):
            self.assertEqual(listed[made[kind]]['status'], 'completed', kind)

        # The access copy, downloaded, is what the server holds.
        out = os.path.join(tempfile.mkdtemp(prefix='af-privacy-'), 'copy.json')
        r = run('privacy', 'download', made['access'], '-o', out, check=0)
        self.assertIn('Saved the copy', r.stdout)
        with open(out, encoding='utf-8') as f:
            copy = json.load(f)
        held = server_data(account)
        self.assertEqual(copy['format'], 'atomform-export/1')
        self.assertEqual(copy['type'], 'access')
        self.assertEqual(copy['account']['email'], held['accounts'][0]['email'])
        self.assertEqual(sorted(c['purpose_id'] for c in copy['consents']),
                         sorted(r['purpose_id'] for r in held['consents']))
        self.assertEqual(sorted(r['id'] for r in copy['privacy_requests']),
                         sorted(r['id'] for r in held['privacy_requests']
                                if r['id'] in {x['id'] for x in copy['privacy_requests']}))
        self.assertIn(made['access'], {r['id'] for r in copy['privacy_requests']})
        # No copy for a request that has none; nothing is written.
        bad = out + '.none'
        r = run('privacy', 'download', made['objection'], '-o', bad, check=1)
        self.assertIn('has no copy', r.stderr)
        self.assertFalse(os.path.exists(bad))
        CLOUD.admin_call('POST', '/admin/privacy-requests/' + made['erasure'],
                         {'action': 'complete'})
        listed = {r['id']: r for r in run_json('privacy', 'requests', '--json')}
        self.assertEqual(listed[made['erasure']]['status'], 'completed')
        r = run('privacy', 'download', made['access'], '-o', bad, check=1)
        self.assertFalse(os.path.exists(bad))

        # Cancel while pending; a second cancel of a closed one is refused.
        r = run('privacy', 'request', 'restriction', check=0)
        rid = re.search(r'Request (prq_\S+) \(', r.stdout).group(1)
        run('privacy', 'cancel', rid, check=0)
        listed = {r['id']: r for r in run_json('privacy', 'requests', '--json')}
        self.assertEqual(listed[rid]['status'], 'cancelled')
        r = run('privacy', 'cancel', made['access'], check=1)
        r = run('privacy', 'request', 'gossip', check=2)
        self.assertIn('not a kind of request', r.stderr)

    # --- the outbox ----------------------------------------------------------------

    def test_outbox_survives_sigkill_and_sends_each_request_exactly_once(self):
        account = new_account('outbox')
        login(account)
        run('privacy', 'show', check=0)
        port = int(CLOUD.base_url.rsplit(':', 1)[1])
        keys_before = set(counters()['privacy_requests_by_idempotency_key'])
        # The answer is lost after the server processed it.
        CLOUD.fault(kind='drop-response', route='POST /v1/privacy/requests', count=1)
        r = run('privacy', 'request', 'access', check=0)
        self.assertIn('kept on this computer. Will be sent when you are back online', r.stdout)
        CLOUD.stop()

        # Server gone: each action is committed, then the process is killed.
        actions = [('privacy', 'withdraw', 'marketing'),
                   ('privacy', 'request', 'erasure'),
                   ('privacy', 'set', 'incognito', 'on'),
                   ('history', 'delete', 'his_doesnotexist')]
        for args in actions:
            before = len(local_rows('outbox'))
            p = subprocess.Popen([EXE, *args], env=ENV, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while len(local_rows('outbox')) == before and time.monotonic() < deadline:
                time.sleep(0.005)
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            self.assertEqual(len(local_rows('outbox')), before + 1, args)
        # One more while offline, to completion: it says so plainly.
        r = run('privacy', 'withdraw', 'analytics', check=0)
        self.assertIn('Will be sent when you are back online', r.stdout)
        pending = local_rows('outbox', 'state = 0')
        self.assertEqual(len(pending), 6)

        start_cloud(port)
        run('privacy', 'requests', check=0)
        self.assertEqual(local_rows('outbox', 'state = 0'), [])
        c = counters()
        created = {k: n for k, n in c['privacy_requests_by_idempotency_key'].items()
                   if k not in keys_before}
        keys = {'"%s"' % row['key'] for row in pending if row['kind'] != 'set-settings'}
        self.assertEqual(set(created), keys)
        self.assertTrue(all(n == 1 for n in created.values()), created)
        for key in keys:
            self.assertEqual(c['idempotency_keys'][key]['processed'], 1, key)
        self.assertTrue(server_settings(account)['incognito_printing'])
        # A later run sends nothing again.
        run('privacy', 'requests', check=0)
        c2 = counters()
        for key in keys:
            self.assertEqual(c2['idempotency_keys'][key]['received'],
                             c['idempotency_keys'][key]['received'])

    # --- history deletion and incognito (real cloud prints) ----------------------

    def test_history_deletion_and_incognito(self):
        account = new_account('history')
        login(account)
        printer = Printer(account, 'History P1S')
        try:
            for _ in range(4):
                cloud_print('History P1S')
            entries = json.loads(run('history', '--json', check=0).stdout)
            self.assertEqual(len(entries), 4)
            self.assertEqual(len(local_rows('history', "route = 'cloud'")), 4)
            ids = [e['id'] for e in entries]

            r = run('history', 'delete', ids[0], check=0)
            self.assertRegex(r.stdout, r'History deletion|Print history deletion')
            r = run('history', 'delete', ids[1], ids[2], check=0)
            shown = server_history(account)
            for eid in ids[:3]:
                self.assertTrue(shown[eid]['deletion_pending'], eid)
                self.assertIsNotNone(shown[eid]['deletion_due_at'])
            CLOUD.advance(72 * 3600 + 60)
            login(account)
            shown = json.loads(run('history', '--json', check=0).stdout)
            self.assertEqual([e['id'] for e in shown], [ids[3]])
            held = {h['id'] for h in server_data(account)['history']}
            self.assertEqual(held, {ids[3]})
            run('history', 'delete', '--all', check=0)
            CLOUD.advance(72 * 3600 + 60)
            login(account)
            self.assertEqual(json.loads(run('history', '--json', check=0).stdout), [])
            self.assertEqual(server_data(account)['history'], [])

            # Incognito: a cloud print leaves nothing on the server or here.
            run('privacy', 'set', 'incognito', 'on', check=0)
            local_before = len(local_rows('history'))
            activity_before = len(local_rows('activity'))
            cloud_print('History P1S')
            CLOUD.advance(DAY + 60)
            login(account)
            data = server_data(account)
            self.assertEqual(data['history'], [])
            self.assertEqual([u for u in data['uploads'] if u.get('file_stored')], [])
            self.assertEqual([f for f in data['files'] if 'export' not in f], [])
            self.assertEqual(len(local_rows('history')), local_before)
            # The connections are logged, never the file's name.
            activity = local_rows('activity')
            self.assertGreater(len(activity), activity_before)
            name = os.path.basename(ARCHIVE).split('.')[0]
            for row in activity:
                self.assertNotIn(name, json.dumps(row))
        finally:
            printer.stop()

    # --- LAN-only -----------------------------------------------------------------

    def test_lan_only_full_lan_print_contacts_no_cloud(self):
        account = new_account('lanonly')
        login(account)
        vp = subprocess.Popen([PYTHON, VIRTUAL_PRINTER, '--speed', '3000'],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
        try:
            info = json.loads(vp.stdout.readline())
            r = subprocess.run([EXE, 'add-printer', '--host', info['host'], '--serial',
                                info['serial'], '--name', 'Bench',
                                '--mqtt-port', str(info['mqtt_port']),
                                '--ftps-port', str(info['ftps_port']),
                                '--trust-fingerprint', info['fingerprint']],
                               input=info['access_code'] + '\n', env=ENV,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            run('privacy', 'set', 'lan-only', 'on', check=0)
            run('forget-local-data', check=0)
            before = counters()['connections']
            r = run('send', ARCHIVE, '--printer', 'Bench', '--wait', '--force', check=0)
            self.assertIn('FINISH 100 %', r.stderr)
            # Nothing that would reach the cloud does: each is refused plainly.
            for args in (('whoami',), ('history',),
                         ('send', ARCHIVE, '--printer', 'Bench', '--cloud')):
                r = run(*args, check=1)
                self.assertIn('LAN-only mode is on', r.stderr, args)
            # What is known here is still shown, said to be not up to date.
            r = run('privacy', 'requests', check=0)
            self.assertIn('Not up to date: LAN-only mode is on', r.stderr)
            r = run('privacy', 'withdraw', 'marketing', check=0)
            self.assertIn('Will be sent when you are back online', r.stdout)
            after = counters()['connections']
            self.assertEqual(after['api'], before['api'])
            self.assertEqual(after['broker_by_username'], before['broker_by_username'])
            log = run_json('activity', '--json', '--limit', '0')
            self.assertEqual({e['purpose'] for e in log}, {'lan-mqtt', 'lan-ftps'})
            self.assertTrue(all(e['host'] == info['host'] for e in log))
            self.assertTrue(all(not e['cloud'] for e in log))
            self.assertGreater(sum(e['bytes_sent'] for e in log if e['purpose'] == 'lan-ftps'),
                               os.path.getsize(ARCHIVE) - 1)
            # Back online, the queued withdrawal is sent, and logged as cloud traffic.
            run('privacy', 'set', 'lan-only', 'off', check=0)
            run('privacy', 'requests', check=0)
            self.assertEqual(local_rows('outbox', 'state = 0'), [])
            self.assertGreater(counters()['connections']['api'], after['api'])
            log = run_json('activity', '--json', '--limit', '0')
            self.assertIn('cloud-api', {e['purpose'] for e in log})
            run('forget-local-data', check=0)
            self.assertEqual(run_json('activity', '--json'), [])
        finally:
            vp.terminate()
            vp.wait(10)

    # --- the local history on the command line ------------------------------------

    def add_lan_printer(self, name):
        vp = subprocess.Popen([PYTHON, VIRTUAL_PRINTER, '--speed', '3000'],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
        info = json.loads(vp.stdout.readline())
        r = subprocess.run([EXE, 'add-printer', '--host', info['host'], '--serial',
                            info['serial'], '--name', name,
                            '--mqtt-port', str(info['mqtt_port']),
                            '--ftps-port', str(info['ftps_port']),
                            '--trust-fingerprint', info['fingerprint']],
                           input=info['access_code'] + '\n', env=ENV,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            vp.terminate()
            vp.wait(10)
        self.assertEqual(r.returncode, 0, r.stderr)
        return vp

    def test_local_history_lists_this_computers_prints(self):
        account = new_account('localhist')
        login(account)
        vp = self.add_lan_printer('Desk')
        try:
            run('privacy', 'set', 'lan-only', 'on', check=0)
            run('forget-local-data', check=0)
            self.assertEqual(run_json('history', '--local', '--json'), [])
            r = run('history', '--local', check=0)
            self.assertEqual(r.stdout, 'This computer remembers no prints it sent.\n')
            before = counters()['connections']
            sent_after = datetime.now(timezone.utc).replace(microsecond=0)
            r = run('send', ARCHIVE, '--printer', 'Desk', '--wait', '--force', check=0)
            self.assertIn('FINISH 100 %', r.stderr)
            title = os.path.basename(ARCHIVE)
            rows = run_json('history', '--local', '--json')
            self.assertEqual([(e['title'], e['printer'], e['route'], e['cloud_entry_id'])
                              for e in rows], [(title, 'Desk', 'lan', None)])
            when = datetime.strptime(rows[0]['time'], '%Y-%m-%dT%H:%M:%SZ')
            when = when.replace(tzinfo=timezone.utc)
            self.assertTrue(sent_after <= when <= datetime.now(timezone.utc), rows[0]['time'])
            # The human form: the window's translated date format, local time.
            r = run('history', '--local', check=0)
            self.assertEqual(r.stdout, '%s\n  Sent:     %s\n  Printer:  Desk\n'
                                       '  Route:    Over the network (LAN)\n'
                             % (title, when.astimezone().strftime('%-d %B %Y, %H:%M')))
            # Incognito on (offline, so still in the outbox): a second print adds none.
            run('privacy', 'set', 'incognito', 'on', check=0)
            r = run('send', ARCHIVE, '--printer', 'Desk', '--wait', '--force', check=0)
            self.assertIn('FINISH 100 %', r.stderr)
            self.assertEqual(run_json('history', '--local', '--json'), rows)
            r = run('history', '--local', '--limit', '0', check=2)
            self.assertIn('--limit takes a number from 1 to 1000', r.stderr)
            r = run('history', '--local', '--printer', 'Desk', check=2)
            self.assertIn('--local takes only --json and --limit', r.stderr)
            after = counters()['connections']
            self.assertEqual(after['api'], before['api'])
            self.assertEqual(after['broker_by_username'], before['broker_by_username'])
            # Signed out it still lists, and contacts nothing.
            run('privacy', 'set', 'incognito', 'off', check=0)
            run('privacy', 'set', 'lan-only', 'off', check=0)
            run('privacy', 'requests', check=0)
            self.assertEqual(local_rows('outbox', 'state = 0'), [])
            run('logout', check=0)
            before = counters()['connections']
            self.assertEqual(run_json('history', '--local', '--json', '--limit', '1'), rows)
            self.assertEqual(counters()['connections']['api'], before['api'])
            run('forget-local-data', check=0)
            self.assertEqual(run_json('history', '--local', '--json'), [])
        finally:
            vp.terminate()
            vp.wait(10)


def main(argv):
    global EXE, CORPUS, REFERENCE_CLOUD, VIRTUAL_PRINTER, SCHEMA_DIR, APP_ID, rc_client
    global CLOUD_STATE, ENV, ARCHIVE
    if not os.environ.get('_HEADLESS_INNER'):
        sys.exit('run this under tests/headless-run.sh --keyring')
    EXE, CORPUS, REFERENCE_CLOUD, VIRTUAL_PRINTER, SCHEMA_DIR, APP_ID = argv[1:7]
    ARCHIVE = os.path.join(CORPUS, '3mf', 'bambustudio-02.07-p1s.gcode.3mf')
    sys.path.insert(0, os.path.dirname(os.path.abspath(REFERENCE_CLOUD)))
    import rc_client as module
    rc_client = module
    CLOUD_STATE = tempfile.mkdtemp(prefix='af-privacy-cloud-')
    start_cloud()
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
