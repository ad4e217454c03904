# tests/cloud/rc_core.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reference cloud's state (SQLite), clock, tokens, counters, fault switches and
HTTP plumbing; the routes are in rc_api.py. See docs/reference-cloud.md."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from email.utils import formatdate


API_VERSION = "1.0"
CLIENT_ID = "atomform-connect"
DEFAULT_SCOPE = "account printers print history"
PROBLEM_BASE = "https://api.atomform.tech/problems/"

# Token and code lifetimes (seconds of the test clock).
ACCESS_TTL = 3600
REFRESH_TTL = 30 * 86400
CODE_TTL = 60
AUTH_REQUEST_TTL = 600
DEVICE_TTL = 900
DEVICE_INTERVAL = 5
IDEM_TTL = 86400
IDEM_TTL_TOKEN = 600
UPLOAD_TTL = 86400
FILE_RETENTION_DAYS = 90
DOWNLOAD_TTL = 3600
CURSOR_TTL = 7 * 86400

# Limits on untrusted input, checked before anything is parsed (docs/reference-cloud.md).
MAX_URL = 8192
MAX_QUERY_FIELDS = 16
MAX_JSON_BODY = 64 * 1024
MAX_FORM_BODY = 16 * 1024
MAX_JSON_DEPTH = 8
MAX_CHUNK = 4 * 1024 * 1024
MAX_UPLOAD = 2 * 1024 * 1024 * 1024
MAX_METADATA = 4096
MAX_FILENAME = 255
MAX_JOB_NAME = 100
MAX_PRINTER_NAME = 64
MAX_IDEM_KEY = 80
DRAIN_LIMIT = 16 * 1024 * 1024   # a refused body up to this size is read and dropped
SOCKET_TIMEOUT = 30

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IDEM_RE = re.compile(r'^"[0-9a-f-]{36}"$')
VERIFIER_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
STATE_RE = re.compile(r"^[\x21-\x7e]{22,128}$")
REDIRECT_RE = re.compile(r"^http://(127\.0\.0\.1|\[::1\]):([1-9][0-9]{0,4})/callback$")
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"

MODEL_NAMES = {"C11": "P1P", "C12": "P1S", "N1": "A1 mini", "N2S": "A1",
               "BL-P001": "X1 Carbon", "BL-P002": "X1", "C13": "X1E", "O1D": "H2D",
               "N7": "P2S", "3DPrinter-X1-Carbon": "X1 Carbon", "3DPrinter-X1": "X1"}
GCODE_TO_PRINTER = {"IDLE": "idle", "PREPARE": "preparing", "RUNNING": "running",
                    "PAUSE": "paused", "FINISH": "finished", "FAILED": "failed"}
GCODE_TO_JOB = {"PREPARE": "preparing", "RUNNING": "running", "PAUSE": "paused",
                "FINISH": "finished", "FAILED": "failed"}
JOB_ENDED = ("finished", "failed", "cancelled")
ERR_CANCELLED = 50348044
BED_TYPES = ("auto", "cool_plate", "eng_plate", "hot_plate", "textured_plate",
             "supertack_plate")
TRISTATE = {"auto": 2, "on": 1, "off": 0}
SERVICES = ("api", "sign-in", "uploads", "printing", "broker", "history")
OFFLINE_AFTER = 10.0  # seconds without a report before a printer counts as offline


def log(msg):
    sys.stderr.write("af-reference-cloud: %s\n" % msg)
    sys.stderr.flush()


def _die_with_parent():
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(host, port, proc=None, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (proc.args[0], proc.returncode))
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("port %d did not open" % port)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_id(prefix):
    return prefix + "_" + b64url(secrets.token_bytes(9))


class Clock:
    """Real time plus an offset that only the admin endpoint moves forward."""

    def __init__(self):
        self.offset = 0.0

    def now(self):
        return time.time() + self.offset


def rfc3339(ts):
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def http_date(ts):
    return formatdate(ts, usegmt=True)


# --- responses ---------------------------------------------------------------

class Response(Exception):
    """An answer; raised to stop handling a request early."""

    def __init__(self, status, body=b"", ctype=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = list(headers or [])


class FileBody:
    """A response body streamed from a file (archive downloads)."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)


class Drop(Exception):
    """Closes the connection without an answer (fault switches)."""


def json_response(status, obj, headers=None):
    return Response(status, json.dumps(obj).encode("utf-8"), "application/json", headers)


def problem(status, name, title, detail, headers=None, **ext):
    body = {"type": PROBLEM_BASE + name, "title": title, "status": status, "detail": detail}
    body.update(ext)
    return Response(status, body, "application/problem+json", headers)


def oauth_error(error, description, status=400):
    return problem(status, "oauth", "Sign-in failed", description, error=error,
                   error_description=description)


def invalid(detail):
    return problem(400, "invalid-request", "The request is malformed", detail)


def validation(errors, detail=None):
    return problem(422, "validation-failed", "The request is not valid",
                   detail or errors[0][1],
                   errors=[{"pointer": p, "detail": d} for p, d in errors])


def etag_of(obj):
    return '"%s"' % hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:20]


# --- untrusted input -----------------------------------------------------------

def json_depth_ok(raw, limit):
    """Scans for nesting deeper than limit without parsing (strings skipped)."""
    depth, in_str, esc = 0, False, False
    for ch in raw:
        if in_str:
            if esc:
                esc = False
            elif ch == 0x5C:
                esc = True
            elif ch == 0x22:
                in_str = False
        elif ch == 0x22:
            in_str = True
        elif ch in (0x7B, 0x5B):
            depth += 1
            if depth > limit:
                return False
        elif ch in (0x7D, 0x5D):
            depth -= 1
    return True


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate member %r" % k)
        obj[k] = v
    return obj


def parse_json(raw):
    if not json_depth_ok(raw, MAX_JSON_DEPTH):
        raise invalid("The JSON body is nested more than %d levels deep." % MAX_JSON_DEPTH)
    try:
        text = raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=_no_duplicates,
                          parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (UnicodeDecodeError, ValueError) as e:
        raise invalid("The body is not valid JSON: %s." % e)


def parse_form(raw):
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("ascii"), keep_blank_values=True,
                                       strict_parsing=bool(raw), max_num_fields=32)
    except (UnicodeDecodeError, ValueError) as e:
        raise oauth_error("invalid_request", "The form body is malformed: %s." % e)
    form = {}
    for k, v in pairs:
        if k in form:   # RFC 6749 §3.1: parameters must not repeat
            raise oauth_error("invalid_request", "The parameter %s is repeated." % k)
        form[k] = v
    return form


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def utf8_len(s):
    return len(s.encode("utf-8"))


class Cloud:
    def __init__(self, args):
        self.a = args
        self.state = os.path.abspath(args.state_dir)
        os.makedirs(self.state, exist_ok=True)
        os.chmod(self.state, 0o700)
        self.uploads_dir = os.path.join(self.state, "uploads")
        os.makedirs(self.uploads_dir, exist_ok=True)
        self.clock = Clock()
        self.lock = threading.RLock()
        self.db = sqlite3.connect(os.path.join(self.state, "cloud.db"),
                                  check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.create_schema()
        import rc_privacy
        rc_privacy.create_schema(self)
        # Requests that were running when an earlier run stopped never finished.
        self.db.execute("DELETE FROM idem WHERE state = 'running'")
        self.admin_secret = secrets.token_urlsafe(24)
        self.sign_key = secrets.token_bytes(32)
        self.faults = []
        self.route_counts = {}
        self.upload_counts = {}
        self.download_counts = {}
        self.replays = 0
        self.printer_state = {}     # serial -> merged "print" report
        self.printer_seen = {}      # serial -> time.monotonic() of the last report
        self.broker_family = {}     # account id -> family whose access token is the password
        self.dispatch_seq = {}      # (serial, project_file sequence_id) -> job id
        self.services = {s: {"state": "operational", "since": self.clock.now(), "detail": ""}
                         for s in SERVICES}
        self.upload_locks = {}
        self.broker = None
        self.done = threading.Event()

    def path(self, name):
        return os.path.join(self.state, name)

    # --- database -----------------------------------------------------------
    def create_schema(self):
        self.db.executescript("""
        CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL,
          salt BLOB NOT NULL, pw_hash BLOB NOT NULL, display_name TEXT NOT NULL,
          created_at REAL NOT NULL, history_enabled INTEGER NOT NULL DEFAULT 1);
        CREATE TABLE IF NOT EXISTS families (id TEXT PRIMARY KEY, account_id TEXT NOT NULL,
          scope TEXT NOT NULL, created_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS access_tokens (hash TEXT PRIMARY KEY,
          family_id TEXT NOT NULL, account_id TEXT NOT NULL, expires_at REAL NOT NULL,
          revoked INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS refresh_tokens (hash TEXT PRIMARY KEY,
          family_id TEXT NOT NULL, account_id TEXT NOT NULL, expires_at REAL NOT NULL,
          used INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS auth_requests (id TEXT PRIMARY KEY, redirect_uri TEXT,
          challenge TEXT, state TEXT, scope TEXT, created_at REAL);
        CREATE TABLE IF NOT EXISTS auth_codes (hash TEXT PRIMARY KEY, account_id TEXT,
          redirect_uri TEXT, challenge TEXT, scope TEXT, expires_at REAL,
          used INTEGER NOT NULL DEFAULT 0, family_id TEXT);
        CREATE TABLE IF NOT EXISTS device_codes (hash TEXT PRIMARY KEY,
          user_code TEXT UNIQUE, scope TEXT, expires_at REAL, interval INTEGER,
          last_poll REAL, status TEXT, account_id TEXT);
        CREATE TABLE IF NOT EXISTS printers (id TEXT PRIMARY KEY, serial TEXT UNIQUE,
          account_id TEXT, name TEXT, model_id TEXT, nozzle_diameter REAL, bound_at REAL,
          updated_at REAL, device_user TEXT, device_password TEXT);
        CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, account_id TEXT,
          length INTEGER, offset INTEGER, filename TEXT, md5 TEXT, created_at REAL,
          last_patch REAL, finished_at REAL, deleted INTEGER NOT NULL DEFAULT 0,
          plates TEXT, used INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS thumbnails (upload_id TEXT, plate INTEGER, png BLOB,
          PRIMARY KEY (upload_id, plate));
        CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, account_id TEXT,
          printer_id TEXT, upload_id TEXT, history_entry_id TEXT, name TEXT, task_id TEXT,
          state TEXT, progress INTEGER, layer INTEGER, total_layers INTEGER,
          remaining INTEGER, print_error TEXT, options TEXT, created_at REAL,
          started_at REAL, ended_at REAL, updated_at REAL, idem_key TEXT,
          stop_requested INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS history (id TEXT PRIMARY KEY, account_id TEXT,
          job_id TEXT, title TEXT, printer_id TEXT, plate INTEGER, status TEXT,
          created_at REAL, started_at REAL, ended_at REAL, estimated_seconds INTEGER,
          filament TEXT, upload_id TEXT, has_thumbnail INTEGER, file_stored INTEGER);
        CREATE TABLE IF NOT EXISTS idem (scope TEXT, key TEXT, fingerprint TEXT,
          route TEXT, state TEXT, status INTEGER, headers TEXT, body BLOB, ctype TEXT,
          expires_at REAL, PRIMARY KEY (scope, key));
        """)

    def q(self, sql, *params):
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def q1(self, sql, *params):
        rows = self.q(sql, *params)
        return rows[0] if rows else None

    # --- certificates ---------------------------------------------------------
    def make_certs(self):
        p = self.path
        if all(os.path.exists(p(f)) for f in ("ca.crt", "server.crt", "server.key")):
            return
        run = lambda cmd: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
             "-subj", "/CN=AtomForm Reference Cloud CA", "-keyout", p("ca.key"),
             "-out", p("ca.crt")])
        run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", p("server.key"), "-out", p("server.csr")])
        with open(p("server.ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n")
        run(["openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"),
             "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "825", "-out",
             p("server.crt"), "-extfile", p("server.ext")])
        os.chmod(p("server.key"), 0o600)

    # --- counters and faults --------------------------------------------------
    def count_route(self, route):
        import rc_privacy
        with self.lock:
            self.route_counts[route] = self.route_counts.get(route, 0) + 1
            rc_privacy.bump(self, "route", route)

    def upload_counter(self, upload_id):
        with self.lock:
            return self.upload_counts.setdefault(
                upload_id, {"bytes_received": 0, "bytes_appended": 0, "patches": 0,
                            "checksum_mismatches": 0, "cut_chunks": 0})

    def take_fault(self, route, kinds):
        """The first armed fault for route among kinds, used once."""
        with self.lock:
            for fault in self.faults:
                if fault["kind"] in kinds and fault["route"] in (route, "*") \
                        and fault["remaining"] != 0:
                    if fault["remaining"] > 0:
                        fault["remaining"] -= 1
                    fault["fired"] += 1
                    return dict(fault)
        return None

    def peek_version_fault(self, route):
        with self.lock:
            for fault in self.faults:
                if fault["kind"] == "api-version" and fault["route"] in (route, "*") \
                        and fault["remaining"] != 0:
                    return fault
        return None

    # --- tokens -------------------------------------------------------------
    def hash_password(self, password, salt):
        return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 20000)

    def check_credentials(self, email, password):
        row = self.q1("SELECT * FROM accounts WHERE email = ?", (email or "").strip().lower())
        if row is None:
            return None
        if not hmac.compare_digest(self.hash_password(password or "", row["salt"]),
                                   row["pw_hash"]):
            return None
        return row

    def issue_tokens(self, account_id, scope, family_id=None):
        now = self.clock.now()
        with self.lock:
            if family_id is None:
                family_id = new_id("fam")
                self.db.execute("INSERT INTO families VALUES (?,?,?,?,0)",
                                (family_id, account_id, scope, now))
            access = "at_" + secrets.token_urlsafe(32)
            refresh = "rt_" + secrets.token_urlsafe(32)
            self.db.execute("INSERT INTO access_tokens VALUES (?,?,?,?,0)",
                            (sha256_hex(access), family_id, account_id,
                             now + self.a.access_token_seconds))
            self.db.execute("INSERT INTO refresh_tokens VALUES (?,?,?,?,0)",
                            (sha256_hex(refresh), family_id, account_id, now + REFRESH_TTL))
            self.broker_family[account_id] = family_id
        if self.broker is not None:
            self.broker.set_account_password(account_id, access)
        return {"access_token": access, "token_type": "Bearer",
                "expires_in": self.a.access_token_seconds, "refresh_token": refresh,
                "refresh_expires_in": REFRESH_TTL, "scope": scope, "account_id": account_id}

    def revoke_family(self, family_id):
        with self.lock:
            row = self.q1("SELECT account_id FROM families WHERE id = ?", family_id)
            if row is None:
                return
            self.db.execute("UPDATE families SET revoked = 1 WHERE id = ?", (family_id,))
            self.db.execute("UPDATE access_tokens SET revoked = 1 WHERE family_id = ?",
                            (family_id,))
            self.db.execute("UPDATE refresh_tokens SET used = 1 WHERE family_id = ?",
                            (family_id,))
            current = self.broker_family.get(row["account_id"]) == family_id
            if current:
                self.broker_family.pop(row["account_id"], None)
        if current and self.broker is not None:
            self.broker.disable_account(row["account_id"])

    def authenticate(self, header):
        if not header or not header.startswith("Bearer "):
            raise self.unauthorized("This request needs an access token.")
        token = header[7:].strip()
        row = self.q1("SELECT t.*, f.revoked AS fam_revoked FROM access_tokens t "
                      "JOIN families f ON f.id = t.family_id WHERE t.hash = ?",
                      sha256_hex(token))
        if row is None or row["revoked"] or row["fam_revoked"]:
            raise self.unauthorized("The access token is not valid; sign in again.")
        if row["expires_at"] <= self.clock.now():
            raise self.unauthorized("The access token has expired; refresh it.")
        return row["account_id"]

    @staticmethod
    def unauthorized(detail):
        return problem(401, "unauthorized", "Not signed in", detail,
                       headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')])

    # --- cursors ------------------------------------------------------------
    def make_cursor(self, kind, filt, position):
        raw = json.dumps([kind, filt, position, int(self.clock.now())]).encode()
        sig = hmac.new(self.sign_key, raw, hashlib.sha256).digest()[:12]
        return "c_" + b64url(raw) + "." + b64url(sig)

    def read_cursor(self, cursor, kind, filt):
        bad = problem(400, "invalid-cursor", "The list position is not valid",
                      "The cursor is malformed, expired or for another list; reload the list.")
        try:
            if not cursor.startswith("c_") or len(cursor) > 512:
                raise ValueError
            body, sig = cursor[2:].split(".")
            raw = b64url_decode(body)
            want = hmac.new(self.sign_key, raw, hashlib.sha256).digest()[:12]
            if not hmac.compare_digest(want, b64url_decode(sig)):
                raise ValueError
            k, f, position, issued = json.loads(raw)
        except (ValueError, TypeError, UnicodeDecodeError):
            raise bad
        if k != kind or f != filt or self.clock.now() - issued > CURSOR_TTL:
            raise bad
        return position

    # --- representations ----------------------------------------------------
    def account_json(self, row):
        return {"id": row["id"], "display_name": row["display_name"], "email": row["email"],
                "region": "global", "created_at": rfc3339(row["created_at"]),
                "mqtt": {"host": self.a.host, "port": self.mqtt_port,
                         "username": "u_" + row["id"]}}

    def printer_json(self, row):
        serial = row["serial"]
        with self.lock:
            report = dict(self.printer_state.get(serial) or {})
            seen = self.printer_seen.get(serial)
        online = seen is not None and time.monotonic() - seen < self.a.offline_after
        if not online:
            state = "offline"
        else:
            state = GCODE_TO_PRINTER.get(report.get("gcode_state"), "unknown")
        job = self.q1("SELECT id FROM jobs WHERE printer_id = ? AND state NOT IN "
                      "('finished','failed','cancelled') ORDER BY created_at DESC LIMIT 1",
                      row["id"])
        return {"id": row["id"], "serial": serial, "name": row["name"],
                "model_id": row["model_id"],
                "model_name": MODEL_NAMES.get(row["model_id"], row["model_id"]),
                "online": online, "state": state, "nozzle_diameter": row["nozzle_diameter"],
                "current_job_id": job["id"] if job else None,
                "bound_at": rfc3339(row["bound_at"]), "updated_at": rfc3339(row["updated_at"])}

    def job_json(self, row):
        return {"id": row["id"], "printer_id": row["printer_id"],
                "history_entry_id": row["history_entry_id"], "name": row["name"],
                "task_id": row["task_id"], "state": row["state"],
                "progress": row["progress"], "layer": row["layer"],
                "total_layers": row["total_layers"], "remaining_seconds": row["remaining"],
                "print_error": row["print_error"], "options": json.loads(row["options"]),
                "created_at": rfc3339(row["created_at"]),
                "started_at": rfc3339(row["started_at"]),
                "ended_at": rfc3339(row["ended_at"]), "updated_at": rfc3339(row["updated_at"])}

    def history_json(self, row):
        import rc_privacy
        printer = self.q1("SELECT name FROM printers WHERE id = ?", row["printer_id"])
        stored = bool(row["file_stored"])
        days = rc_privacy.retention_days(self, row["account_id"])
        pending = rc_privacy.pending_deletion(self, row["account_id"], row["id"])
        return {"id": row["id"], "job_id": row["job_id"], "title": row["title"],
                "printer_id": row["printer_id"],
                "printer_name": printer["name"] if printer else "",
                "plate": row["plate"], "status": row["status"],
                "created_at": rfc3339(row["created_at"]),
                "started_at": rfc3339(row["started_at"]),
                "ended_at": rfc3339(row["ended_at"]),
                "estimated_seconds": row["estimated_seconds"],
                "filament": json.loads(row["filament"]),
                "has_thumbnail": bool(row["has_thumbnail"]), "file_available": stored,
                "file_expires_at": rfc3339(row["created_at"] + days * 86400)
                if stored else None,
                "deletion_pending": pending is not None,
                "deletion_due_at": rfc3339(pending[1]) if pending else None,
                "deletion_request_id": pending[0] if pending else None}

    # --- sweeping by the test clock -----------------------------------------------
    def sweep(self):
        """Deletes what the clock says is gone: unfinished uploads 24 h after their last
        PATCH, unused finished ones 24 h after the last byte, stored files after 90 days,
        and printed files no history entry keeps."""
        now = self.clock.now()
        with self.lock:
            for row in self.db.execute(
                    "SELECT id FROM uploads WHERE deleted = 0 AND used = 0 AND "
                    "last_patch + ? <= ?", (UPLOAD_TTL, now)).fetchall():
                self.delete_upload_file(row["id"])
            # A used file that no history entry keeps (the account's history is off) goes
            # when its last job ends.
            for row in self.db.execute(
                    "SELECT id FROM uploads u WHERE deleted = 0 AND used = 1 AND NOT EXISTS "
                    "(SELECT 1 FROM history h WHERE h.upload_id = u.id AND h.file_stored = 1) "
                    "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.upload_id = u.id AND "
                    "j.state NOT IN ('finished', 'failed', 'cancelled'))").fetchall():
                self.delete_upload_file(row["id"])
            for row in self.db.execute(
                    "SELECT h.id, h.upload_id FROM history h LEFT JOIN privacy_settings s ON "
                    "s.account_id = h.account_id WHERE h.file_stored = 1 AND h.created_at + "
                    "COALESCE(s.retention_days, ?) * 86400 <= ?",
                    (FILE_RETENTION_DAYS, now)).fetchall():
                self.db.execute("UPDATE history SET file_stored = 0 WHERE id = ?",
                                (row["id"],))
                self.delete_upload_file(row["upload_id"])
            import rc_privacy
            rc_privacy.sweep(self, now)

    def delete_upload_file(self, upload_id):
        with self.lock:
            self.db.execute("UPDATE uploads SET deleted = 1 WHERE id = ?", (upload_id,))
        try:
            os.unlink(os.path.join(self.uploads_dir, upload_id))
        except FileNotFoundError:
            pass

    # --- reports from printers -------------------------------------------------
    def on_project_file_ack(self, printer, ack):
        """A printer that refuses project_file (busy, secured firmware…) says so only in
        its ack: the job fails at once instead of staying dispatched (reference §1.7)."""
        self.printer_seen[printer["serial"]] = time.monotonic()
        if str(ack.get("result", "")).lower() not in ("fail", "failed"):
            return
        with self.lock:
            job_id = self.dispatch_seq.pop((printer["serial"], str(ack.get("sequence_id"))),
                                           None)
            job = self.db.execute("SELECT * FROM jobs WHERE id = ? AND state = 'dispatched'",
                                  (job_id,)).fetchone()
            if job is None:
                return
            code = ack.get("err_code")
            perr = "%04X-%04X" % (code >> 16, code & 0xFFFF) \
                if is_int(code) and 0 < code < 2**32 else None
            now = self.clock.now()
            self.db.execute("UPDATE jobs SET state = 'failed', print_error = ?, ended_at = ?, "
                            "updated_at = ? WHERE id = ?", (perr, now, now, job["id"]))
            if job["history_entry_id"]:
                self.db.execute("UPDATE history SET status = 'failed', ended_at = ? WHERE id = ?",
                                (now, job["history_entry_id"]))

    def on_report(self, serial, payload):
        section = payload.get("print")
        if not isinstance(section, dict):
            return
        printer = self.q1("SELECT * FROM printers WHERE serial = ?", serial)
        if printer is None:
            return
        if section.get("command") == "project_file" and "result" in section:
            self.on_project_file_ack(printer, section)
            return
        with self.lock:
            first = serial not in self.printer_state or \
                "gcode_state" not in self.printer_state[serial]
            merged = self.printer_state.setdefault(serial, {})
            merged.update(section)
            self.printer_seen[serial] = time.monotonic()
            report = dict(merged)
        if first and "gcode_state" not in section:
            # A delta before any full report: ask for everything once.
            self.broker.publish("device/%s/request" % serial,
                                {"pushing": {"command": "pushall", "sequence_id": "0"}}, qos=0)
            return
        ids = {str(report.get("subtask_id", "")), str(report.get("task_id", ""))} - {"", "0"}
        if not ids:
            return
        now = self.clock.now()
        with self.lock:
            job = self.db.execute(
                "SELECT * FROM jobs WHERE printer_id = ? AND task_id IN (%s) AND state NOT IN "
                "('finished','failed','cancelled') ORDER BY created_at DESC LIMIT 1"
                % ",".join("?" * len(ids)), (printer["id"], *ids)).fetchone()
            if job is None:
                return
            state = GCODE_TO_JOB.get(report.get("gcode_state"), job["state"])
            error = report.get("print_error") or 0
            if state == "failed" and (job["stop_requested"] or error == ERR_CANCELLED):
                state = "cancelled"
            started = job["started_at"]
            if state == "running" and started is None:
                started = now
            ended = now if state in JOB_ENDED else None
            perr = "%04X-%04X" % (error >> 16, error & 0xFFFF) \
                if is_int(error) and 0 < error < 2**32 else None
            remaining = report.get("mc_remaining_time")
            fields = (state, report.get("mc_percent") if is_int(report.get("mc_percent"))
                      else job["progress"],
                      report.get("layer_num") if is_int(report.get("layer_num")) else None,
                      report.get("total_layer_num")
                      if is_int(report.get("total_layer_num")) else None,
                      remaining * 60 if is_int(remaining) else None, perr, started, ended)
            old = (job["state"], job["progress"], job["layer"], job["total_layers"],
                   job["remaining"], job["print_error"], job["started_at"], job["ended_at"])
            if fields == old:
                return
            self.db.execute("UPDATE jobs SET state=?, progress=?, layer=?, total_layers=?, "
                            "remaining=?, print_error=?, started_at=?, ended_at=?, "
                            "updated_at=? WHERE id=?", (*fields, now, job["id"]))
            if job["history_entry_id"]:
                status = {"finished": "finished", "failed": "failed",
                          "cancelled": "cancelled"}.get(state, "printing")
                self.db.execute("UPDATE history SET status=?, started_at=?, ended_at=? "
                                "WHERE id=?", (status, started, ended,
                                               job["history_entry_id"]))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AtomFormReferenceCloud/1.0"
    sys_version = ""
    cloud = None        # set on the subclass
    admin = False

    def log_message(self, fmt, *args):
        pass

    def version_string(self):
        return self.server_version

    def setup(self):
        self.request.settimeout(SOCKET_TIMEOUT)
        super().setup()

    # Every method goes through dispatch.
    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_OPTIONS(self):
        self.dispatch("OPTIONS")

    # --- plumbing -------------------------------------------------------------
    def content_length(self, limit, name="body"):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise problem(411, "invalid-request", "Length required",
                          "Send a Content-Length; chunked bodies are not accepted.")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return 0
        if not raw.isdigit() or len(raw) > 12:
            raise invalid("Content-Length is not a number.")
        n = int(raw)
        if n > limit:
            self.drain(n)
            raise problem(413, "payload-too-large", "The request is too large",
                          "The %s is %d bytes; at most %d are accepted here." % (name, n, limit))
        return n

    def handle_expect_100(self):
        # "100 Continue" goes out only when a handler reads the body (continue_body), so a
        # request refused from its headers (413, 409, 401…) never makes the client send it.
        self.expect_pending = True
        return True

    def continue_body(self):
        if getattr(self, "expect_pending", False):
            self.expect_pending = False
            self.send_response_only(100)
            self.end_headers()

    def drain(self, n):
        """Reads and drops a refused body up to DRAIN_LIMIT, so that a client that sends
        the whole body before reading the answer gets the answer; past that, or when the
        client waits for "100 Continue", the connection closes after the answer."""
        self.body_consumed = True
        if n > DRAIN_LIMIT or getattr(self, "expect_pending", False):
            self.close_connection = True
            return
        while n > 0:
            piece = self.rfile.read(min(n, 65536))
            if not piece:
                self.close_connection = True
                return
            n -= len(piece)

    def read_body(self, limit, name="body"):
        n = self.content_length(limit, name)
        if n:
            self.continue_body()
        data = self.rfile.read(n) if n else b""
        if len(data) != n:
            raise Drop()
        return data

    def read_json(self, limit=MAX_JSON_BODY):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            self.read_body(limit)
            raise problem(415, "unsupported-media-type", "Unsupported media type",
                          "Send the body as application/json.")
        return parse_json(self.read_body(limit, "JSON body"))

    def read_form(self):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = self.read_body(MAX_FORM_BODY, "form body")
        if ctype != "application/x-www-form-urlencoded":
            raise problem(415, "unsupported-media-type", "Unsupported media type",
                          "Send the form as application/x-www-form-urlencoded.")
        return raw, parse_form(raw)

    def send(self, resp, version=API_VERSION):
        body = resp.body
        if isinstance(body, dict):
            body.setdefault("instance", self.route_path)
            body.setdefault("request_id", self.request_id)
            ra = [v for k, v in resp.headers if k == "Retry-After"]
            if ra and "retry_after" not in body and ra[0].isdigit():
                body["retry_after"] = int(ra[0])
            body = json.dumps(body).encode("utf-8")
        self.send_response(resp.status)
        if not self.admin:
            self.send_header("AtomForm-API-Version", version)
        self.send_header("X-Request-Id", self.request_id)
        for k, v in resp.headers:
            self.send_header(k, v)
        if body and resp.ctype:
            self.send_header("Content-Type", resp.ctype)
        if resp.status == 304 or self.command == "HEAD" and resp.status != 200:
            body = b""
        if resp.status != 304:
            size = body.size if isinstance(body, FileBody) else len(body)
            self.send_header("Content-Length", str(size))
        self.end_headers()
        if self.command == "HEAD" or not body:
            return
        if isinstance(body, FileBody):
            with open(body.path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    self.wfile.write(block)
        else:
            self.wfile.write(body)

    def dispatch(self, method):
        self.request_id = "req_" + b64url(secrets.token_bytes(6))
        self.body_consumed = False
        self.route_path = urllib.parse.urlsplit(self.path).path
        version = API_VERSION
        try:
            if len(self.path) > MAX_URL:
                self.close_connection = True
                raise problem(414, "invalid-request", "The URL is too long",
                              "URLs may be at most %d bytes." % MAX_URL)
            resp, version = self.route(method)
        except Response as r:
            resp = r
        except Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True
            return
        except Exception as e:
            log("internal error on %s %s: %r" % (method, self.route_path, e))
            import traceback
            traceback.print_exc()
            resp = problem(500, "internal", "The cloud failed",
                           "The reference cloud failed to answer: %s." % type(e).__name__)
        try:
            self.drain_unread()
            self.send(resp, version)
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True
        self.expect_pending = False

    def drain_unread(self):
        """A body refused before it was read is read and dropped first: closing a socket
        with unread data resets the connection and the client would lose the answer."""
        if getattr(self, "body_consumed", False):
            return
        raw = self.headers.get("Content-Length") or "0"
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
        elif raw.isdigit() and len(raw) <= 12 and int(raw) > 0:
            self.drain(int(raw))
        elif not raw.isdigit():
            self.close_connection = True
