# tests/cloud/rc_api.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The routes of the reference cloud: docs/cloud-api.md (the contract) on the API
server, and the test-only admin endpoint (docs/reference-cloud.md)."""

import base64
import hashlib
import hmac
import html
import http.server
import json
import os
import re
import secrets
import socket
import socketserver
import ssl
import threading
import time
import urllib.parse

import rc_archive
import rc_privacy
from rc_core import (API_VERSION, AUTH_REQUEST_TTL, BED_TYPES, CHALLENGE_RE, CLIENT_ID,
                     CODE_TTL, DEFAULT_SCOPE, DEVICE_INTERVAL, DEVICE_TTL, DOWNLOAD_TTL,
                     ID_RE, IDEM_RE, IDEM_TTL, IDEM_TTL_TOKEN,
                     MAX_CHUNK, MAX_FILENAME, MAX_JOB_NAME, MAX_METADATA, MAX_PRINTER_NAME,
                     MAX_QUERY_FIELDS, MAX_UPLOAD, REDIRECT_RE, SERVICES, STATE_RE, TRISTATE,
                     UPLOAD_TTL, USER_CODE_ALPHABET, VERIFIER_RE, Drop, FileBody, Handler, Response,
                     b64url, b64url_decode, etag_of, http_date, invalid, is_int, json_response,
                     new_id, oauth_error, problem, rfc3339, sha256_hex, utf8_len, validation)

API_ROUTES = []
ADMIN_ROUTES = []


class Route:
    def __init__(self, method, template, func, auth, version, service):
        self.method, self.template, self.func = method, template, func
        self.auth, self.version, self.service = auth, version, service
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.regex = re.compile("^" + pattern + "$")
        self.name = method + " " + template


def api(method, template, auth=True, version=True, service="api"):
    def deco(func):
        API_ROUTES.append(Route(method, template, func, auth, version, service))
        return func
    return deco


def admin(method, template):
    def deco(func):
        ADMIN_ROUTES.append(Route(method, template, func, False, False, None))
        return func
    return deco


def page(status, title, body, headers=None):
    doc = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>"
           "</head><body><h1>%s</h1>%s</body></html>" % (html.escape(title), html.escape(title),
                                                         body))
    return Response(status, doc.encode("utf-8"), "text/html; charset=utf-8",
                    [("Cache-Control", "no-store"), ("X-Frame-Options", "DENY"),
                     ("Content-Security-Policy", "default-src 'none'; form-action 'self'")]
                    + list(headers or []))


def final_status(resp):
    """Answers an idempotency key keeps (docs/cloud-api.md): 2xx and request errors, not
    state-dependent ones (409, 429, 5xx, OAuth's pending/slow_down)."""
    if 200 <= resp.status < 300:
        return True
    if resp.status not in (400, 403, 404, 410, 422):
        return False
    if isinstance(resp.body, dict) and resp.body.get("error") in ("authorization_pending",
                                                                  "slow_down"):
        return False
    return True


class ApiHandler(Handler):
    routes = API_ROUTES

    # --- routing --------------------------------------------------------------
    def route(self, method):
        cloud = self.cloud
        split = urllib.parse.urlsplit(self.path)
        found, other = None, False
        for r in self.routes:
            m = r.regex.match(split.path)
            if m:
                if r.method == method:
                    found = (r, m)
                    break
                other = True
        if found is None:
            if other:
                raise problem(405, "invalid-request", "Method not allowed",
                              "%s is not allowed on %s." % (method, split.path))
            raise problem(404, "not-found", "Not found", "There is no such resource.")
        r, m = found
        self.route_name = r.name
        cloud.count_route(r.name)
        for value in m.groupdict().values():
            if not ID_RE.match(value) and not r.template.startswith("/dl/"):
                raise problem(404, "not-found", "Not found", "There is no such resource.")
        version = API_VERSION
        if not self.admin:
            version = self.faults_before(r)
        if self.admin:
            auth = self.headers.get("Authorization") or ""
            if not hmac.compare_digest(auth.encode(), ("Bearer " + cloud.admin_secret).encode()):
                raise problem(401, "unauthorized", "Not allowed", "Admin secret missing.")
        if r.version:
            self.check_version()
        self.query = self.parse_query(split.query)
        cloud.sweep()
        account = cloud.authenticate(self.headers.get("Authorization")) if r.auth else None
        self.account = account
        resp = r.func(self, **m.groupdict())
        if not self.admin and cloud.take_fault(r.name, ("drop-response",)):
            raise Drop()
        return resp, version

    def faults_before(self, r):
        cloud = self.cloud
        version = API_VERSION
        vf = cloud.take_fault(r.name, ("api-version",))
        if vf:
            version = vf["version"]
        slow = cloud.take_fault(r.name, ("slow",))
        if slow:
            time.sleep(slow["delay"])
        f = cloud.take_fault(r.name, ("status", "rate-limit"))
        if f:
            headers = []
            if f["kind"] == "rate-limit" or f["status"] == 503:
                headers.append(("Retry-After", str(f["retry_after"])))
            if f["kind"] == "rate-limit":
                raise problem(429, "rate-limited", "Too many requests",
                              "Too many requests; try again in %d seconds." % f["retry_after"],
                              headers=headers)
            if f["status"] == 503:
                raise problem(503, "service-unavailable", "Service unavailable",
                              "The %s service is unavailable." % r.service, headers=headers,
                              service=r.service, since=rfc3339(cloud.clock.now()))
            raise problem(f["status"], "internal", "The cloud failed",
                          "The cloud failed to answer (fault switch).")
        down = ("outage", "maintenance")
        name = r.service
        if cloud.services.get(name, {}).get("state") not in down:
            name = "api"
            if cloud.services["api"]["state"] not in down or \
                    r.template == "/v1/service-status":
                name = None
        if name is not None:
            svc = cloud.services[name]
            raise problem(503, "service-unavailable", "Service unavailable",
                          svc["detail"] or "The %s service is unavailable." % name,
                          headers=[("Retry-After", "30")], service=name,
                          since=rfc3339(svc["since"]))
        return version

    def check_version(self):
        value = self.headers.get("AtomForm-API-Version")
        if value is None:
            raise invalid("Send the AtomForm-API-Version header (1.0).")
        m = re.match(r"^([0-9]{1,3})\.([0-9]{1,3})$", value.strip())
        if not m:
            raise invalid("AtomForm-API-Version must be MAJOR.MINOR.")
        if m.group(1) != "1":
            raise problem(400, "unsupported-api-version", "Unsupported API version",
                          "This cloud speaks version 1 of the API, not %s." % value.strip())

    def parse_query(self, query):
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True,
                                           strict_parsing=bool(query),
                                           max_num_fields=MAX_QUERY_FIELDS)
        except ValueError as e:
            raise invalid("The query is malformed: %s." % e)
        out = {}
        for k, v in pairs:
            if k in out:
                raise invalid("The query parameter %s is repeated." % k)
            out[k] = v
        return out

    def only_query(self, *names):
        for k in self.query:
            if k not in names:
                raise invalid("Unknown query parameter %s." % k)

    def limit_cursor(self):
        raw = self.query.get("limit", "20")
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            raise invalid("limit must be 1 to 100.")
        return int(raw), self.query.get("cursor")

    def read_body(self, limit, name="body"):
        self.body_consumed = True
        return super().read_body(limit, name)

    # --- idempotency ------------------------------------------------------------
    def idempotent(self, scope, body, fn, extra=b"", ttl=IDEM_TTL):
        key = self.headers.get("Idempotency-Key")
        if key is None:
            raise problem(400, "missing-idempotency-key", "Idempotency-Key missing",
                          "Every POST needs an Idempotency-Key header.")
        key = key.strip()
        if len(key) > 80 or not IDEM_RE.match(key):
            raise invalid('Idempotency-Key must be a quoted UUID, e.g. "8e03978e-…".')
        cloud = self.cloud
        rc_privacy.count_key(cloud, key, self.route_name, processed=False)
        fp = hashlib.sha256(b"\0".join([self.command.encode(), self.route_path.encode(),
                                        body, extra])).hexdigest()
        now = cloud.clock.now()
        with cloud.lock:
            row = cloud.q1("SELECT * FROM idem WHERE scope = ? AND key = ?", scope, key)
            if row is not None and row["expires_at"] <= now:
                cloud.db.execute("DELETE FROM idem WHERE scope = ? AND key = ?", (scope, key))
                row = None
            if row is not None:
                if row["fingerprint"] != fp:
                    raise problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                                  "This Idempotency-Key was used with another request.")
                if row["state"] == "running":
                    raise problem(409, "idempotency-in-progress", "Still in progress",
                                  "A request with this key is still being processed.",
                                  headers=[("Retry-After", "1")])
                cloud.replays += 1
                headers = json.loads(row["headers"]) + [["Idempotent-Replayed", "true"]]
                raise Response(row["status"], row["body"], row["ctype"],
                               [tuple(h) for h in headers])
            cloud.db.execute("INSERT INTO idem VALUES (?,?,?,?, 'running', 0, '[]', x'', '', ?)",
                             (scope, key, fp, self.route_name, now + ttl))
        self.idem_key = key
        rc_privacy.count_key(cloud, key, self.route_name, processed=True)
        try:
            try:
                resp = fn()
            except Response as r:
                resp = r
        except BaseException:
            cloud.q("DELETE FROM idem WHERE scope = ? AND key = ?", scope, key)
            raise
        if final_status(resp):
            body = resp.body
            if isinstance(body, dict):
                body = dict(body, instance=self.route_path, request_id=self.request_id)
                body = json.dumps(body).encode("utf-8")
            cloud.q("UPDATE idem SET state = 'done', status = ?, headers = ?, body = ?, "
                    "ctype = ? WHERE scope = ? AND key = ?", resp.status,
                    json.dumps(resp.headers), body, resp.ctype or "", scope, key)
        else:
            cloud.q("DELETE FROM idem WHERE scope = ? AND key = ?", scope, key)
        return resp

    def conditional(self, obj, status=200, extra_headers=()):
        tag = etag_of(obj)
        inm = self.headers.get("If-None-Match")
        if inm and tag in [t.strip() for t in inm.split(",")]:
            return Response(304, b"", None, [("ETag", tag)])
        return json_response(status, obj, [("ETag", tag)] + list(extra_headers))

    def wants_json(self):
        accept = self.headers.get("Accept") or ""
        return "application/problem+json" in accept or "application/json" in accept


class AdminHandler(ApiHandler):
    routes = ADMIN_ROUTES
    admin = True


# === sign-in =====================================================================

SIGNIN_FORM = """<p>Sign in to your AtomForm account to let <b>AtomForm Connect</b> use your
printers, upload files and read your print history.</p>%s
<form method="post" action="/signin">
<input type="hidden" name="auth_request" value="%s">
<p><label>E-mail <input type="email" name="email" autocomplete="username"></label></p>
<p><label>Password <input type="password" name="password"
 autocomplete="current-password"></label></p>
<p><button type="submit" name="decision" value="allow">Sign in and allow</button>
<button type="submit" name="decision" value="deny">Cancel</button></p>
</form>"""


def authorize_problem(h, detail):
    if h.wants_json():
        return oauth_error("invalid_request", detail)
    return page(400, "Sign-in cannot start", "<p>%s</p><p>Nothing was sent back to the "
                "application. Start sign-in again from AtomForm Connect.</p>"
                % html.escape(detail))


@api("GET", "/v1/oauth/authorize", auth=False, version=False, service="sign-in")
def authorize(h):
    q = h.query
    known = ("response_type", "client_id", "redirect_uri", "code_challenge",
             "code_challenge_method", "state", "scope")
    for k in q:
        if k not in known:
            return authorize_problem(h, "Unknown parameter %s." % k)
    if q.get("client_id") != CLIENT_ID:
        return authorize_problem(h, "Unknown client.")
    m = REDIRECT_RE.match(q.get("redirect_uri", ""))
    if not m or not 1 <= int(m.group(2)) <= 65535:
        return authorize_problem(h, "The redirect URI must be http://127.0.0.1:PORT/callback "
                                 "or http://[::1]:PORT/callback.")
    if q.get("response_type") != "code":
        return authorize_problem(h, "response_type must be code.")
    if q.get("code_challenge_method") != "S256":
        return authorize_problem(h, "PKCE with code_challenge_method S256 is required.")
    if not CHALLENGE_RE.match(q.get("code_challenge", "")):
        return authorize_problem(h, "code_challenge must be 43 base64url characters.")
    if not STATE_RE.match(q.get("state", "")):
        return authorize_problem(h, "state must be 22 to 128 printable characters.")
    scope = q.get("scope", DEFAULT_SCOPE)
    if not scope or any(s not in DEFAULT_SCOPE.split() for s in scope.split(" ")):
        return authorize_problem(h, "Unknown scope.")
    rid = new_id("ar")
    h.cloud.q("INSERT INTO auth_requests VALUES (?,?,?,?,?,?)", rid, q["redirect_uri"],
              q["code_challenge"], q["state"], scope, h.cloud.clock.now())
    return page(200, "Sign in to AtomForm", SIGNIN_FORM % ("", html.escape(rid)))


def redirect(uri, **params):
    return Response(302, b"", None, [("Location", uri + "?" + urllib.parse.urlencode(params)),
                                     ("Cache-Control", "no-store")])


@api("POST", "/signin", auth=False, version=False, service="sign-in")
def signin(h):
    _, form = h.read_form()
    cloud = h.cloud
    with cloud.lock:
        req = cloud.q1("SELECT * FROM auth_requests WHERE id = ?", form.get("auth_request", ""))
        if req is None or req["created_at"] + AUTH_REQUEST_TTL <= cloud.clock.now():
            return page(400, "Sign-in expired", "<p>This sign-in page has expired or was "
                        "already used. Start sign-in again from AtomForm Connect.</p>")
        if form.get("decision") == "deny":
            cloud.db.execute("DELETE FROM auth_requests WHERE id = ?", (req["id"],))
            return redirect(req["redirect_uri"], error="access_denied", state=req["state"])
        account = cloud.check_credentials(form.get("email"), form.get("password"))
        if account is None:
            return page(401, "Sign in to AtomForm", SIGNIN_FORM % (
                "<p role=\"alert\">The e-mail address or the password is wrong.</p>",
                html.escape(req["id"])))
        cloud.db.execute("DELETE FROM auth_requests WHERE id = ?", (req["id"],))
        code = b64url(secrets.token_bytes(24))
        cloud.db.execute("INSERT INTO auth_codes VALUES (?,?,?,?,?,?,0,NULL)",
                         (sha256_hex(code), account["id"], req["redirect_uri"],
                          req["challenge"], req["scope"], cloud.clock.now() + CODE_TTL))
    return redirect(req["redirect_uri"], code=code, state=req["state"])


@api("POST", "/v1/oauth/token", auth=False, service="sign-in")
def token(h):
    raw, form = h.read_form()
    return h.idempotent("oauth", raw, lambda: token_grant(h, form), ttl=IDEM_TTL_TOKEN)


def token_grant(h, form):
    cloud = h.cloud
    if form.get("client_id") != CLIENT_ID:
        return oauth_error("invalid_client", "Unknown client.", 401)
    grant = form.get("grant_type")
    now = cloud.clock.now()
    with cloud.lock:
        if grant == "authorization_code":
            for name in ("code", "redirect_uri", "code_verifier"):
                if not form.get(name):
                    return oauth_error("invalid_request", "%s is missing." % name)
            if not VERIFIER_RE.match(form["code_verifier"]):
                return oauth_error("invalid_request", "code_verifier is malformed.")
            row = cloud.q1("SELECT * FROM auth_codes WHERE hash = ?", sha256_hex(form["code"]))
            if row is None:
                return oauth_error("invalid_grant", "The authorization code is not valid.")
            if row["used"]:
                # RFC 6749 §4.1.2: a reused code revokes what it issued.
                if row["family_id"]:
                    cloud.revoke_family(row["family_id"])
                return oauth_error("invalid_grant", "The authorization code was already used.")
            cloud.db.execute("UPDATE auth_codes SET used = 1 WHERE hash = ?", (row["hash"],))
            if row["expires_at"] <= now:
                return oauth_error("invalid_grant", "The authorization code has expired.")
            if row["redirect_uri"] != form["redirect_uri"]:
                return oauth_error("invalid_grant", "The redirect URI does not match.")
            challenge = b64url(hashlib.sha256(form["code_verifier"].encode()).digest())
            if not hmac.compare_digest(challenge, row["challenge"]):
                return oauth_error("invalid_grant", "The code verifier does not match.")
            tokens = cloud.issue_tokens(row["account_id"], row["scope"])
            cloud.db.execute("UPDATE auth_codes SET family_id = (SELECT family_id FROM "
                             "access_tokens WHERE hash = ?) WHERE hash = ?",
                             (sha256_hex(tokens["access_token"]), row["hash"]))
        elif grant == "urn:ietf:params:oauth:grant-type:device_code":
            if not form.get("device_code"):
                return oauth_error("invalid_request", "device_code is missing.")
            row = cloud.q1("SELECT * FROM device_codes WHERE hash = ?",
                           sha256_hex(form["device_code"]))
            if row is None or row["status"] == "used":
                return oauth_error("invalid_grant", "The device code is not valid.")
            if row["expires_at"] <= now:
                return oauth_error("expired_token", "The code expired; start sign-in again.")
            if row["status"] == "denied":
                return oauth_error("access_denied", "The user refused the sign-in.")
            if row["status"] == "pending":
                too_soon = row["last_poll"] is not None and \
                    now - row["last_poll"] < row["interval"]
                interval = row["interval"] + (5 if too_soon else 0)
                cloud.db.execute("UPDATE device_codes SET last_poll = ?, interval = ? "
                                 "WHERE hash = ?", (now, interval, row["hash"]))
                if too_soon:
                    return oauth_error("slow_down", "Poll every %d seconds." % interval)
                return oauth_error("authorization_pending", "The user has not signed in yet.")
            cloud.db.execute("UPDATE device_codes SET status = 'used' WHERE hash = ?",
                             (row["hash"],))
            tokens = cloud.issue_tokens(row["account_id"], row["scope"])
        elif grant == "refresh_token":
            if not form.get("refresh_token"):
                return oauth_error("invalid_request", "refresh_token is missing.")
            row = cloud.q1("SELECT r.*, f.revoked AS fam_revoked, f.scope FROM refresh_tokens r "
                           "JOIN families f ON f.id = r.family_id WHERE r.hash = ?",
                           sha256_hex(form["refresh_token"]))
            if row is None or row["fam_revoked"]:
                return oauth_error("invalid_grant", "The refresh token is not valid.")
            if row["used"]:
                # RFC 9700 §4.14: a rotated token presented again means theft.
                cloud.revoke_family(row["family_id"])
                return oauth_error("invalid_grant", "The refresh token was already used; "
                                   "every session of this sign-in has been ended.")
            if row["expires_at"] <= now:
                return oauth_error("invalid_grant", "The refresh token has expired.")
            cloud.db.execute("UPDATE refresh_tokens SET used = 1 WHERE hash = ?", (row["hash"],))
            tokens = cloud.issue_tokens(row["account_id"], row["scope"], row["family_id"])
        elif not grant:
            return oauth_error("invalid_request", "grant_type is missing.")
        else:
            return oauth_error("unsupported_grant_type", "Unknown grant_type.")
    return json_response(200, tokens, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])


@api("POST", "/v1/oauth/device_authorization", auth=False, service="sign-in")
def device_authorization(h):
    raw, form = h.read_form()

    def run():
        cloud = h.cloud
        if form.get("client_id") != CLIENT_ID:
            return oauth_error("invalid_client", "Unknown client.", 401)
        scope = form.get("scope") or DEFAULT_SCOPE
        if any(s not in DEFAULT_SCOPE.split() for s in scope.split(" ")):
            return oauth_error("invalid_scope", "Unknown scope.")
        device_code = "dc_" + secrets.token_urlsafe(32)
        with cloud.lock:
            while True:
                code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
                if cloud.q1("SELECT 1 FROM device_codes WHERE user_code = ?", code) is None:
                    break
            cloud.db.execute("INSERT INTO device_codes VALUES (?,?,?,?,?,NULL,'pending',NULL)",
                             (sha256_hex(device_code), code, scope,
                              cloud.clock.now() + DEVICE_TTL, DEVICE_INTERVAL))
        shown = code[:4] + "-" + code[4:]
        uri = cloud.base_url + "/device"
        return json_response(200, {"device_code": device_code, "user_code": shown,
                                   "verification_uri": uri,
                                   "verification_uri_complete": uri + "?user_code=" + shown,
                                   "expires_in": DEVICE_TTL, "interval": DEVICE_INTERVAL},
                             [("Cache-Control", "no-store")])
    return h.idempotent("oauth", raw, run, ttl=IDEM_TTL_TOKEN)


DEVICE_FORM = """<p>Enter the code AtomForm Connect shows, and sign in to connect it to your
account.</p>%s
<form method="post" action="/device">
<p><label>Code <input name="user_code" value="%s" autocomplete="off"></label></p>
<p><label>E-mail <input type="email" name="email" autocomplete="username"></label></p>
<p><label>Password <input type="password" name="password"
 autocomplete="current-password"></label></p>
<p><button type="submit" name="decision" value="allow">Connect</button>
<button type="submit" name="decision" value="deny">Refuse</button></p>
</form>"""


def normal_user_code(text):
    return "".join(c for c in (text or "").upper() if c.isalnum())


@api("GET", "/device", auth=False, version=False, service="sign-in")
def device_page(h):
    h.only_query("user_code")
    code = normal_user_code(h.query.get("user_code"))[:8]
    shown = code[:4] + "-" + code[4:] if len(code) == 8 else code
    return page(200, "Connect a device", DEVICE_FORM % ("", html.escape(shown)))


@api("POST", "/device", auth=False, version=False, service="sign-in")
def device_submit(h):
    _, form = h.read_form()
    cloud = h.cloud
    code = normal_user_code(form.get("user_code"))
    with cloud.lock:
        row = cloud.q1("SELECT * FROM device_codes WHERE user_code = ?", code)
        if row is None or row["status"] != "pending" or row["expires_at"] <= cloud.clock.now():
            return page(400, "Connect a device", DEVICE_FORM % (
                "<p role=\"alert\">This code is not valid or has expired.</p>", ""))
        account = cloud.check_credentials(form.get("email"), form.get("password"))
        if account is None:
            return page(401, "Connect a device", DEVICE_FORM % (
                "<p role=\"alert\">The e-mail address or the password is wrong.</p>",
                html.escape(form.get("user_code", ""))))
        status = "denied" if form.get("decision") == "deny" else "approved"
        cloud.db.execute("UPDATE device_codes SET status = ?, account_id = ? WHERE hash = ?",
                         (status, account["id"], row["hash"]))
    if status == "denied":
        return page(200, "Not connected", "<p>The device was not connected.</p>")
    return page(200, "Device connected", "<p>AtomForm Connect is now signed in. You can "
                "close this page.</p>")


@api("POST", "/v1/oauth/revoke", auth=False, service="sign-in")
def revoke(h):
    raw, form = h.read_form()

    def run():
        cloud = h.cloud
        if form.get("client_id") != CLIENT_ID:
            return oauth_error("invalid_client", "Unknown client.", 401)
        if not form.get("token"):
            return oauth_error("invalid_request", "token is missing.")
        hint = form.get("token_type_hint")
        if hint not in (None, "refresh_token", "access_token"):
            return oauth_error("unsupported_token_type", "Unknown token_type_hint.")
        digest = sha256_hex(form["token"])
        with cloud.lock:
            row = cloud.q1("SELECT family_id FROM refresh_tokens WHERE hash = ?", digest)
            if row is not None:
                cloud.revoke_family(row["family_id"])
            else:
                row = cloud.q1("SELECT account_id, family_id FROM access_tokens WHERE hash = ?",
                               digest)
                if row is not None:
                    cloud.db.execute("UPDATE access_tokens SET revoked = 1 WHERE hash = ?",
                                     (digest,))
                    if cloud.broker_family.get(row["account_id"]) == row["family_id"]:
                        cloud.broker_family.pop(row["account_id"], None)
                        cloud.broker.disable_account(row["account_id"])
        return Response(200, b"", None, [("Cache-Control", "no-store")])
    return h.idempotent("oauth", raw, run, ttl=IDEM_TTL_TOKEN)


# === account and printers ==========================================================

@api("GET", "/v1/account")
def get_account(h):
    h.only_query()
    row = h.cloud.q1("SELECT * FROM accounts WHERE id = ?", h.account)
    account = h.cloud.account_json(row)
    if h.cloud.take_fault(h.route_name, ("broker-unreachable",)):
        # The broker as a client outside cannot reach it: a loopback port
        # where nothing listens (printers keep using the real one).
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.bind(("127.0.0.1", 0))
        account["mqtt"]["port"] = probe.getsockname()[1]
        probe.close()
    return h.conditional(account)


@api("GET", "/v1/printers")
def list_printers(h):
    h.only_query("limit", "cursor")
    limit, cursor = h.limit_cursor()
    cloud = h.cloud
    after = cloud.read_cursor(cursor, "printers", "") if cursor else ["", ""]
    rows = cloud.q("SELECT * FROM printers WHERE account_id = ? AND (bound_at > ? OR "
                   "(bound_at = ? AND id > ?)) ORDER BY bound_at, id LIMIT ?", h.account,
                   after[0] or -1, after[0] or -1, after[1], limit + 1)
    items = [cloud.printer_json(r) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = cloud.make_cursor("printers", "", [last["bound_at"], last["id"]])
    return json_response(200, {"items": items, "next_cursor": nxt})


def own_printer(h, printer_id):
    row = h.cloud.q1("SELECT * FROM printers WHERE id = ? AND account_id = ?", printer_id,
                     h.account)
    if row is None:
        raise problem(404, "not-found", "No such printer",
                      "No printer with this id is bound to your account.")
    return row


@api("GET", "/v1/printers/{printer_id}")
def get_printer(h, printer_id):
    h.only_query()
    return h.conditional(h.cloud.printer_json(own_printer(h, printer_id)))


@api("PATCH", "/v1/printers/{printer_id}")
def rename_printer(h, printer_id):
    h.only_query()
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    raw = h.read_body(4096, "JSON body")
    if ctype != "application/merge-patch+json":
        raise problem(415, "unsupported-media-type", "Unsupported media type",
                      "Send the change as application/merge-patch+json.")
    cloud = h.cloud
    with cloud.lock:
        row = own_printer(h, printer_id)
        current = etag_of(cloud.printer_json(row))
        if_match = h.headers.get("If-Match")
        if if_match is None:
            raise problem(428, "precondition-required", "If-Match required",
                          "Send the printer's ETag in If-Match.")
        if current not in [t.strip() for t in if_match.split(",")]:
            raise problem(412, "precondition-failed", "The printer changed",
                          "The printer was changed elsewhere; reload it and try again.")
        from rc_core import parse_json
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise validation([("", "The body must be a JSON object.")])
        errors = [("/" + k, "Unknown member %s." % k) for k in body if k != "name"]
        name = body.get("name")
        if "name" not in body:
            errors.append(("/name", "name is required."))
        elif not isinstance(name, str) or not name.strip() or len(name) > MAX_PRINTER_NAME:
            errors.append(("/name", "The name must be 1 to %d characters." % MAX_PRINTER_NAME))
        if errors:
            raise validation(errors)
        cloud.db.execute("UPDATE printers SET name = ?, updated_at = ? WHERE id = ?",
                         (name.strip(), cloud.clock.now(), printer_id))
        row = own_printer(h, printer_id)
    return h.conditional(cloud.printer_json(row))


# === uploads ========================================================================

def tus_headers(extra=()):
    return [("Tus-Resumable", "1.0.0")] + list(extra)


def check_tus(h):
    if h.headers.get("Tus-Resumable") != "1.0.0":
        raise problem(412, "invalid-request", "Unsupported tus version",
                      "Send Tus-Resumable: 1.0.0.", headers=[("Tus-Version", "1.0.0")])


def parse_metadata(value):
    if value is None:
        raise invalid("Upload-Metadata is missing.")
    if len(value) > MAX_METADATA:
        raise invalid("Upload-Metadata is longer than %d bytes." % MAX_METADATA)
    meta = {}
    for part in value.split(","):
        words = part.strip().split(" ")
        if len(words) not in (1, 2) or not words[0] or words[0] in meta:
            raise invalid("Upload-Metadata is malformed.")
        try:
            meta[words[0]] = base64.b64decode(words[1], validate=True) if len(words) == 2 \
                else b""
        except ValueError:
            raise invalid("Upload-Metadata value of %s is not base64." % words[0])
    errors = [("/Upload-Metadata/" + k, "Unknown metadata key %s." % k)
              for k in meta if k not in ("filename", "md5")]
    try:
        filename = meta.get("filename", b"").decode("utf-8")
    except UnicodeDecodeError:
        filename = None
    if not filename or len(meta["filename"]) > MAX_FILENAME or "\0" in filename:
        errors.append(("/Upload-Metadata/filename",
                       "filename must be UTF-8, 1 to %d bytes." % MAX_FILENAME))
    md5 = meta.get("md5", b"").decode("ascii", "replace")
    if not re.match(r"^[0-9a-f]{32}$", md5):
        errors.append(("/Upload-Metadata/md5", "md5 must be 32 lower-case hex digits."))
    if errors:
        raise validation(errors)
    return filename, md5


def upload_expires(row):
    return http_date(row["last_patch"] + UPLOAD_TTL)


@api("POST", "/v1/uploads", service="uploads")
def create_upload(h):
    h.only_query()
    check_tus(h)
    raw = h.read_body(0, "creation body (creation-with-upload is not supported)")
    length_raw = h.headers.get("Upload-Length") or ""
    meta_raw = h.headers.get("Upload-Metadata")
    extra = ("%s\n%s" % (length_raw, meta_raw)).encode("utf-8", "replace")

    def run():
        if not length_raw.isdigit() or len(length_raw) > 12 or int(length_raw) < 1:
            return invalid("Upload-Length must be a positive whole number.")
        length = int(length_raw)
        if length > MAX_UPLOAD:
            return problem(413, "payload-too-large", "The file is too large",
                           "Files may be at most 2 GiB.")
        filename, md5 = parse_metadata(meta_raw)
        cloud = h.cloud
        uid = new_id("upl")
        now = cloud.clock.now()
        open(os.path.join(cloud.uploads_dir, uid), "wb").close()
        cloud.q("INSERT INTO uploads VALUES (?,?,?,0,?,?,?,?,NULL,0,NULL,0)", uid, h.account,
                length, filename, md5, now, now)
        cloud.upload_counter(uid)
        return Response(201, b"", None, tus_headers([
            ("Location", "/v1/uploads/" + uid), ("Upload-Offset", "0"),
            ("Upload-Expires", http_date(now + UPLOAD_TTL))]))
    return h.idempotent(h.account, raw, run, extra=extra)


def own_upload(h, upload_id, bodyless=False):
    cloud = h.cloud
    row = cloud.q1("SELECT * FROM uploads WHERE id = ? AND account_id = ?", upload_id, h.account)
    if row is None:
        raise problem(404, "not-found", "No such upload", "There is no such upload.")
    if row["deleted"]:
        raise problem(410, "upload-expired", "The upload is gone",
                      "The upload expired or was deleted; start a new one.")
    return row


@api("HEAD", "/v1/uploads/{upload_id}", service="uploads")
def head_upload(h, upload_id):
    check_tus(h)
    row = own_upload(h, upload_id)
    return Response(200, b"", None, tus_headers([
        ("Upload-Offset", str(row["offset"])), ("Upload-Length", str(row["length"])),
        ("Upload-Expires", upload_expires(row)), ("Cache-Control", "no-store")]))


def upload_lock(cloud, upload_id):
    with cloud.lock:
        return cloud.upload_locks.setdefault(upload_id, threading.Lock())


@api("PATCH", "/v1/uploads/{upload_id}", service="uploads")
def patch_upload(h, upload_id):
    h.only_query()
    check_tus(h)
    cloud = h.cloud
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/offset+octet-stream":
        raise problem(415, "unsupported-media-type", "Unsupported media type",
                      "Send upload bytes as application/offset+octet-stream.")
    lock = upload_lock(cloud, upload_id)
    if not lock.acquire(timeout=SOCKET_WAIT):
        raise problem(409, "upload-offset-mismatch", "The upload is busy",
                      "Another request is appending to this upload.",
                      headers=[("Retry-After", "1")])
    try:
        return patch_locked(h, upload_id)
    finally:
        lock.release()


SOCKET_WAIT = 35


def patch_locked(h, upload_id):
    cloud = h.cloud
    row = own_upload(h, upload_id)
    off_raw = h.headers.get("Upload-Offset") or ""
    if not off_raw.isdigit() or len(off_raw) > 12:
        raise invalid("Upload-Offset must be a whole number.")
    checksum = (h.headers.get("Upload-Checksum") or "").split(" ")
    if len(checksum) != 2 or checksum[0] not in ("sha256", "sha1"):
        raise invalid("Upload-Checksum must be 'sha256 <base64>' (or sha1).")
    try:
        want = base64.b64decode(checksum[1], validate=True)
    except ValueError:
        raise invalid("Upload-Checksum's digest is not base64.")
    if row["offset"] >= row["length"]:
        raise problem(409, "upload-offset-mismatch", "The upload is complete",
                      "All bytes of this upload have arrived.", expected_offset=row["offset"])
    if int(off_raw) != row["offset"]:
        raise problem(409, "upload-offset-mismatch", "Wrong offset",
                      "The server holds %d bytes; continue from there." % row["offset"],
                      expected_offset=row["offset"])
    n = h.content_length(MAX_CHUNK, "chunk")
    if row["offset"] + n > row["length"]:
        raise problem(413, "payload-too-large", "Past the end of the upload",
                      "The chunk goes past Upload-Length.")
    h.body_consumed = True
    h.continue_body()
    counter = cloud.upload_counter(upload_id)
    with cloud.lock:
        counter["patches"] += 1
    cut = None
    fault = cloud.take_fault(h.route_name, ("drop-upload",))
    if fault:
        cut = fault.get("after_bytes")
        if fault.get("at_upload_offset") is not None:
            cut = max(0, fault["at_upload_offset"] - row["offset"])
        cut = min(cut, n)
    data = bytearray()
    limit = n if cut is None else cut
    while len(data) < limit:
        try:
            piece = h.rfile.read(min(65536, limit - len(data)))
        except (OSError, ssl.SSLError):
            piece = b""
        if not piece:
            break
        data += piece
    with cloud.lock:
        counter["bytes_received"] += len(data)
    if len(data) < n:
        # A chunk cut off midway cannot be checked: it is dropped whole.
        with cloud.lock:
            counter["cut_chunks"] += 1
        raise Drop()
    algo = hashlib.sha256 if checksum[0] == "sha256" else hashlib.sha1
    if not hmac.compare_digest(algo(data).digest(), want):
        with cloud.lock:
            counter["checksum_mismatches"] += 1
        raise problem(460, "checksum-mismatch", "Checksum mismatch",
                      "The chunk does not match Upload-Checksum; nothing was appended.")
    path = os.path.join(cloud.uploads_dir, upload_id)
    with open(path, "r+b") as f:
        f.seek(row["offset"])
        f.write(data)
        f.truncate()
    offset = row["offset"] + n
    now = cloud.clock.now()
    with cloud.lock:
        counter["bytes_appended"] += n
        cloud.db.execute("UPDATE uploads SET offset = ?, last_patch = ? WHERE id = ?",
                         (offset, now, upload_id))
    if offset == row["length"]:
        md5 = hashlib.md5()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                md5.update(block)
        if md5.hexdigest() != row["md5"]:
            cloud.delete_upload_file(upload_id)
            raise validation([("/Upload-Metadata/md5", "The file's MD5 is %s, not the %s "
                               "announced; the upload was deleted." % (md5.hexdigest(),
                                                                       row["md5"]))])
        info = rc_archive.inspect(path)
        plates = {str(n): {k: v for k, v in p.items() if k != "thumbnail"}
                  for n, p in info["plates"].items()}
        with cloud.lock:
            cloud.db.execute("UPDATE uploads SET finished_at = ?, plates = ? WHERE id = ?",
                             (now, json.dumps(plates), upload_id))
            for n, p in info["plates"].items():
                if p["thumbnail"]:
                    cloud.db.execute("INSERT OR REPLACE INTO thumbnails VALUES (?,?,?)",
                                     (upload_id, n, p["thumbnail"]))
    return Response(204, b"", None, tus_headers([
        ("Upload-Offset", str(offset)), ("Upload-Expires", http_date(now + UPLOAD_TTL))]))


@api("DELETE", "/v1/uploads/{upload_id}", service="uploads")
def delete_upload(h, upload_id):
    h.only_query()
    check_tus(h)
    cloud = h.cloud
    with cloud.lock:
        row = own_upload(h, upload_id)
        if row["used"]:
            raise problem(409, "upload-in-use", "The upload is in use",
                          "A print job uses this upload; it follows the history rules now.")
        cloud.delete_upload_file(upload_id)
    return Response(204, b"", None, tus_headers())


@api("GET", "/dl/{token}", auth=False, version=False, service="printing")
def download(h, token):
    """The signed HTTPS download a printer gets in project_file's url."""
    cloud = h.cloud
    try:
        body, sig = token.split(".")
        upload_id, exp = b64url_decode(body).decode("ascii").split("|")
        want = hmac.new(cloud.sign_key, body.encode(), hashlib.sha256).digest()[:16]
        ok = hmac.compare_digest(want, b64url_decode(sig)) and float(exp) > cloud.clock.now()
    except (ValueError, UnicodeDecodeError):
        ok = False
    row = cloud.q1("SELECT * FROM uploads WHERE id = ?", upload_id) if ok else None
    if row is None or row["deleted"] or row["finished_at"] is None:
        raise problem(404, "not-found", "Not found", "The link is not valid or has expired.")
    with cloud.lock:
        cloud.download_counts[upload_id] = cloud.download_counts.get(upload_id, 0) + 1
    return Response(200, FileBody(os.path.join(cloud.uploads_dir, upload_id)),
                    "application/octet-stream", [("Cache-Control", "no-store")])


def download_url(cloud, upload_id):
    exp = int(cloud.clock.now() + DOWNLOAD_TTL)
    body = b64url(("%s|%d" % (upload_id, exp)).encode())
    sig = hmac.new(cloud.sign_key, body.encode(), hashlib.sha256).digest()[:16]
    return "%s/dl/%s.%s" % (cloud.base_url, body, b64url(sig))


# === jobs ============================================================================

def check_options(options, errors):
    known = {"plate", "bed_type", "bed_leveling", "flow_cali", "timelapse", "use_ams",
             "ams_mapping"}
    for k in options:
        if k not in known:
            errors.append(("/options/" + k, "Unknown member %s." % k))
    out = {"plate": 1, "bed_type": "auto", "bed_leveling": "auto", "flow_cali": "auto",
           "timelapse": False, "use_ams": False, "ams_mapping": []}
    out.update({k: v for k, v in options.items() if k in known})
    if not is_int(out["plate"]) or not 1 <= out["plate"] <= 999:
        errors.append(("/options/plate", "plate must be a whole number from 1."))
    if out["bed_type"] not in BED_TYPES:
        errors.append(("/options/bed_type", "Unknown bed_type."))
    for k in ("bed_leveling", "flow_cali"):
        if out[k] not in TRISTATE:
            errors.append(("/options/" + k, "%s must be auto, on or off." % k))
    for k in ("timelapse", "use_ams"):
        if not isinstance(out[k], bool):
            errors.append(("/options/" + k, "%s must be true or false." % k))
    mapping = out["ams_mapping"]
    if not isinstance(mapping, list) or len(mapping) > 64:
        errors.append(("/options/ams_mapping", "ams_mapping must be a list of trays."))
        return out
    seen = set()
    for i, tray in enumerate(mapping):
        where = "/options/ams_mapping/%d" % i
        if not isinstance(tray, dict):
            errors.append((where, "Each tray is an object."))
            continue
        for k in tray:
            if k not in ("filament", "ams_id", "slot_id"):
                errors.append((where + "/" + k, "Unknown member %s." % k))
        for k in ("filament", "ams_id", "slot_id"):
            if not is_int(tray.get(k)):
                errors.append((where + "/" + k, "%s must be a whole number." % k))
        if is_int(tray.get("filament")) and (tray["filament"] < 1 or tray["filament"] in seen):
            errors.append((where + "/filament", "filament must be 1 or more, once each."))
        seen.add(tray.get("filament"))
        if is_int(tray.get("slot_id")) and not 0 <= tray["slot_id"] <= 3:
            errors.append((where + "/slot_id", "slot_id must be 0 to 3."))
        if is_int(tray.get("ams_id")) and not (0 <= tray["ams_id"] <= 7 or
                                               tray["ams_id"] in (254, 255)):
            errors.append((where + "/ams_id", "ams_id must be an AMS unit, 254 or 255."))
    return out


def printer_trays(report):
    """(ams_id, slot_id) pairs the printer reported."""
    trays = set()
    ams = report.get("ams") if isinstance(report.get("ams"), dict) else {}
    for unit in ams.get("ams") or []:
        if not isinstance(unit, dict):
            continue
        try:
            uid = int(unit.get("id"))
        except (TypeError, ValueError):
            continue
        for tray in unit.get("tray") or []:
            try:
                trays.add((uid, int(tray.get("id"))))
            except (TypeError, ValueError, AttributeError):
                pass
    vir = report.get("vir_slot")
    if isinstance(vir, list) and vir:
        for spool in vir:
            try:
                trays.add((int(spool.get("id")), 0))
            except (TypeError, ValueError, AttributeError):
                pass
    elif isinstance(report.get("vt_tray"), dict):
        trays.add((255, 0))
    return trays


def validate_job(h, body):
    errors = []
    if not isinstance(body, dict):
        raise validation([("", "The body must be a JSON object.")])
    known = ("printer_id", "upload_id", "history_entry_id", "name", "options")
    for k in body:
        if k not in known:
            errors.append(("/" + k, "Unknown member %s." % k))
    for k in ("printer_id", "name", "options"):
        if k not in body:
            errors.append(("/" + k, "%s is required." % k))
    for k in ("printer_id", "upload_id", "history_entry_id"):
        if k in body and (not isinstance(body[k], str) or not ID_RE.match(body[k])):
            errors.append(("/" + k, "%s must be an id." % k))
    if ("upload_id" in body) == ("history_entry_id" in body):
        errors.append(("/upload_id", "Give either upload_id or history_entry_id."))
    name = body.get("name")
    if "name" in body and (not isinstance(name, str) or not name or
                           utf8_len(name) > MAX_JOB_NAME):
        errors.append(("/name", "name must be 1 to %d bytes of UTF-8." % MAX_JOB_NAME))
    options = body.get("options")
    if "options" in body and not isinstance(options, dict):
        errors.append(("/options", "options must be an object."))
        options = {}
    opts = check_options(options or {}, errors)
    if errors:
        raise validation(errors)
    return opts


@api("POST", "/v1/jobs", service="printing")
def create_job(h):
    h.only_query()
    raw_ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    from rc_core import MAX_JSON_BODY, parse_json
    raw = h.read_body(MAX_JSON_BODY, "JSON body")

    def run():
        if raw_ctype != "application/json":
            return problem(415, "unsupported-media-type", "Unsupported media type",
                           "Send the job as application/json.")
        body = parse_json(raw)
        opts = validate_job(h, body)
        return dispatch_job(h, body, opts)
    return h.idempotent(h.account, raw, run)


def dispatch_job(h, body, opts):
    cloud = h.cloud
    now = cloud.clock.now()
    with cloud.lock:
        printer = cloud.q1("SELECT * FROM printers WHERE id = ?", body["printer_id"])
        if printer is None or printer["account_id"] != h.account:
            return problem(403, "printer-not-bound", "The printer is not bound",
                           "This printer is not bound to your AtomForm account.")
        if "history_entry_id" in body:
            entry = cloud.q1("SELECT * FROM history WHERE id = ? AND account_id = ?",
                             body["history_entry_id"], h.account)
            if entry is None:
                return problem(404, "not-found", "No such history entry",
                               "There is no such history entry.")
            if rc_privacy.pending_deletion(cloud, h.account, entry["id"]):
                return problem(409, "deletion-pending", "The entry is being deleted",
                               "This history entry is being deleted, with its file.")
            if not entry["file_stored"]:
                return problem(410, "file-expired", "The file is gone",
                               "The cloud deleted this print's file after %d days. Send it "
                               "again from the file."
                               % rc_privacy.retention_days(cloud, h.account))
            upload = cloud.q1("SELECT * FROM uploads WHERE id = ?", entry["upload_id"])
        else:
            upload = cloud.q1("SELECT * FROM uploads WHERE id = ? AND account_id = ?",
                              body["upload_id"], h.account)
            if upload is None:
                return problem(404, "not-found", "No such upload", "There is no such upload.")
            if upload["deleted"]:
                return problem(410, "upload-expired", "The upload is gone",
                               "The upload expired or was deleted; upload the file again.")
            if upload["finished_at"] is None:
                return problem(409, "upload-incomplete", "The upload is not finished",
                               "The server holds %d of %d bytes; finish the upload first."
                               % (upload["offset"], upload["length"]))
        card = cloud.printer_json(printer)
        report = dict(cloud.printer_state.get(printer["serial"]) or {})
        if not card["online"]:
            return problem(409, "printer-offline", "The printer is offline",
                           "“%s” has not reported to the cloud for %d seconds."
                           % (printer["name"], cloud.a.offline_after))
        busy = card["state"] not in ("idle", "finished", "failed")
        active = cloud.q1("SELECT id FROM jobs WHERE printer_id = ? AND state = 'dispatched' "
                          "AND created_at > ?", printer["id"], now - 120)
        if busy or active:
            return problem(409, "printer-busy", "The printer is busy",
                           "“%s” is busy; it can take a new print when the current one ends."
                           % printer["name"])
        plates = json.loads(upload["plates"] or "{}")
        plate = plates.get(str(opts["plate"]))
        errors = []
        if plate is None:
            errors.append(("/options/plate", "The file has no plate %d." % opts["plate"]))
        trays = printer_trays(report)
        used = {f["filament"] for f in (plate or {}).get("filament", [])}
        for i, tray in enumerate(opts["ams_mapping"]):
            if (tray["ams_id"], tray["slot_id"]) not in trays:
                errors.append(("/options/ams_mapping/%d" % i,
                               "The printer has no tray %d/%d." % (tray["ams_id"],
                                                                   tray["slot_id"])))
            if used and tray["filament"] > max(used):
                errors.append(("/options/ams_mapping/%d/filament" % i,
                               "The plate has no filament %d." % tray["filament"]))
        if errors:
            return validation(errors)
        account = cloud.q1("SELECT * FROM accounts WHERE id = ?", h.account)
        job_id, task_id = new_id("job"), str(secrets.randbelow(2**31 - 1) + 1)
        settings = rc_privacy.settings_row(cloud, h.account)
        incognito = bool(settings["incognito"])
        entry_id = new_id("his") if account["history_enabled"] and not incognito else None
        cloud.db.execute(
            "INSERT INTO jobs (id, account_id, printer_id, upload_id, history_entry_id, name, "
            "task_id, state, progress, options, created_at, updated_at, idem_key, "
            "stop_requested, incognito) VALUES (?,?,?,?,?,?,?,'dispatched',0,?,?,?,?,0,?)",
            (job_id, h.account, printer["id"], upload["id"], entry_id, body["name"], task_id,
             json.dumps(opts), now, now, getattr(h, "idem_key", None), int(incognito)))
        cloud.db.execute("UPDATE uploads SET used = 1 WHERE id = ?", (upload["id"],))
        if entry_id:
            cloud.db.execute(
                "INSERT INTO history VALUES (?,?,?,?,?,?,'printing',?,NULL,NULL,?,?,?,?,1)",
                (entry_id, h.account, job_id, body["name"], printer["id"], opts["plate"], now,
                 plate.get("estimated_seconds"), json.dumps(plate.get("filament", [])),
                 upload["id"], 1 if cloud.q1("SELECT 1 FROM thumbnails WHERE upload_id = ? "
                                             "AND plate = ?", upload["id"], opts["plate"])
                 else 0))
        job = cloud.q1("SELECT * FROM jobs WHERE id = ?", job_id)
    message = project_file(cloud, upload, opts, body["name"], task_id)
    with cloud.lock:
        cloud.dispatch_seq[(printer["serial"], message["print"]["sequence_id"])] = job_id
    try:
        cloud.broker.publish("device/%s/request" % printer["serial"], message)
    except Exception as e:
        with cloud.lock:
            cloud.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            cloud.db.execute("DELETE FROM history WHERE job_id = ?", (job_id,))
        return problem(503, "service-unavailable", "The broker is unavailable",
                       "The print could not be sent: %s." % e, service="broker",
                       since=rfc3339(now), headers=[("Retry-After", "5")])
    rep = cloud.job_json(job)
    return json_response(201, rep, [("Location", "/v1/jobs/" + job_id), ("ETag", etag_of(rep))])


def project_file(cloud, upload, opts, name, task_id):
    mapping = opts["ams_mapping"]
    slots = max([t["filament"] for t in mapping] + [0])
    flat = [-1] * slots
    second = [{"ams_id": 255, "slot_id": 255} for _ in range(slots)]
    for t in mapping:
        if t["ams_id"] < 254:
            flat[t["filament"] - 1] = t["ams_id"] * 4 + t["slot_id"]
        second[t["filament"] - 1] = {"ams_id": t["ams_id"], "slot_id": t["slot_id"]}
    return {"print": {
        "command": "project_file", "sequence_id": str(secrets.randbelow(10**6)),
        "param": "Metadata/plate_%d.gcode" % opts["plate"],
        "url": download_url(cloud, upload["id"]), "file": upload["filename"],
        "md5": upload["md5"], "task_id": task_id, "subtask_id": task_id,
        "project_id": "0", "profile_id": "0", "subtask_name": name,
        "bed_type": opts["bed_type"],
        "bed_leveling": opts["bed_leveling"] == "on",
        "auto_bed_leveling": TRISTATE[opts["bed_leveling"]],
        "flow_cali": opts["flow_cali"] == "on",
        "extrude_cali_flag": TRISTATE[opts["flow_cali"]], "nozzle_offset_cali": 2,
        "vibration_cali": True, "layer_inspect": True, "timelapse": opts["timelapse"],
        "use_ams": opts["use_ams"], "ams_mapping": flat, "ams_mapping2": second, "cfg": "0"}}


def own_job(h, job_id):
    row = h.cloud.q1("SELECT * FROM jobs WHERE id = ? AND account_id = ?", job_id, h.account)
    if row is None:
        raise problem(404, "not-found", "No such job", "There is no such job.")
    return row


@api("GET", "/v1/jobs/{job_id}", service="printing")
def get_job(h, job_id):
    h.only_query()
    return h.conditional(h.cloud.job_json(own_job(h, job_id)))


@api("POST", "/v1/jobs/{job_id}/actions", service="printing")
def job_action(h, job_id):
    h.only_query()
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    from rc_core import parse_json
    raw = h.read_body(4096, "JSON body")

    def run():
        if ctype != "application/json":
            return problem(415, "unsupported-media-type", "Unsupported media type",
                           "Send the action as application/json.")
        body = parse_json(raw)
        if not isinstance(body, dict):
            return validation([("", "The body must be a JSON object.")])
        errors = [("/" + k, "Unknown member %s." % k) for k in body if k != "action"]
        if body.get("action") not in ("pause", "resume", "stop"):
            errors.append(("/action", "action must be pause, resume or stop."))
        if errors:
            return validation(errors)
        cloud = h.cloud
        action = body["action"]
        with cloud.lock:
            job = own_job(h, job_id)
            allowed = {"pause": ("running", "preparing"), "resume": ("paused",),
                       "stop": ("dispatched", "preparing", "running", "paused")}[action]
            if job["state"] not in allowed:
                return problem(409, "invalid-job-state", "Not possible now",
                               "The job is %s; it cannot %s." % (job["state"], action))
            if action == "stop":
                cloud.db.execute("UPDATE jobs SET stop_requested = 1 WHERE id = ?", (job_id,))
            printer = cloud.q1("SELECT serial FROM printers WHERE id = ?", job["printer_id"])
        cloud.broker.publish("device/%s/request" % printer["serial"],
                             {"print": {"command": action, "param": "",
                                        "sequence_id": str(secrets.randbelow(10**6))}})
        return json_response(202, cloud.job_json(own_job(h, job_id)))
    return h.idempotent(h.account, raw, run)


# === history =========================================================================

@api("GET", "/v1/history", service="history")
def list_history(h):
    h.only_query("limit", "cursor", "printer_id")
    limit, cursor = h.limit_cursor()
    filt = h.query.get("printer_id", "")
    if filt and not ID_RE.match(filt):
        raise invalid("printer_id is not an id.")
    cloud = h.cloud
    sql = "SELECT * FROM history WHERE account_id = ?"
    params = [h.account]
    if filt:
        sql += " AND printer_id = ?"
        params.append(filt)
    if cursor:
        t, i = cloud.read_cursor(cursor, "history", filt)
        sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
        params += [t, t, i]
    rows = cloud.q(sql + " ORDER BY created_at DESC, id DESC LIMIT ?", *params, limit + 1)
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = cloud.make_cursor("history", filt, [last["created_at"], last["id"]])
    return json_response(200, {"items": [cloud.history_json(r) for r in rows[:limit]],
                               "next_cursor": nxt,
                               "file_retention_days": rc_privacy.retention_days(cloud,
                                                                                h.account)})


def own_entry(h, entry_id):
    row = h.cloud.q1("SELECT * FROM history WHERE id = ? AND account_id = ?", entry_id,
                     h.account)
    if row is None:
        raise problem(404, "not-found", "No such history entry", "There is no such entry.")
    return row


@api("GET", "/v1/history/{entry_id}", service="history")
def get_history(h, entry_id):
    h.only_query()
    return h.conditional(h.cloud.history_json(own_entry(h, entry_id)))


@api("GET", "/v1/history/{entry_id}/thumbnail", service="history")
def get_thumbnail(h, entry_id):
    h.only_query()
    entry = own_entry(h, entry_id)
    row = h.cloud.q1("SELECT png FROM thumbnails WHERE upload_id = ? AND plate = ?",
                     entry["upload_id"], entry["plate"])
    if row is None:
        raise problem(404, "not-found", "No thumbnail", "This print has no thumbnail.")
    png = bytes(row["png"])
    tag = '"%s"' % hashlib.sha256(png).hexdigest()[:20]
    inm = h.headers.get("If-None-Match")
    if inm and tag in [t.strip() for t in inm.split(",")]:
        return Response(304, b"", None, [("ETag", tag)])
    return Response(200, png, "image/png", [("ETag", tag), ("Cache-Control", "private")])


@api("GET", "/v1/service-status", auth=False)
def service_status(h):
    h.only_query()
    cloud = h.cloud
    return json_response(200, {"services": [
        {"service": s, "state": cloud.services[s]["state"],
         "since": rfc3339(cloud.services[s]["since"]),
         "detail": cloud.services[s]["detail"] or ""} for s in SERVICES]})


# === admin ============================================================================

def admin_body(h):
    from rc_core import parse_json
    body = h.read_json()
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.")
    return body, parse_json


def need(body, name, kind=str):
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise invalid("%s is required (%s)." % (name, kind.__name__))
    return value


@admin("POST", "/admin/accounts")
def admin_create_account(h):
    body, _ = admin_body(h)
    email = need(body, "email").strip().lower()
    password = need(body, "password")
    cloud = h.cloud
    aid = new_id("acc")
    salt = secrets.token_bytes(16)
    consents = body.get("consents") or {}
    if not isinstance(consents, dict) or any(
            k not in rc_privacy.PURPOSES or v not in ("given", "refused")
            for k, v in consents.items()):
        raise invalid("consents maps purposes to given or refused.")
    with cloud.lock:
        if cloud.q1("SELECT 1 FROM accounts WHERE email = ?", email):
            raise problem(409, "invalid-request", "Exists", "An account has this e-mail.")
        cloud.db.execute("INSERT INTO accounts VALUES (?,?,?,?,?,?,?)",
                         (aid, email, salt, cloud.hash_password(password, salt),
                          body.get("display_name") or email.split("@")[0],
                          cloud.clock.now(), 0 if body.get("history") is False else 1))
        rc_privacy.ensure_account(cloud, aid, consents)
        if body.get("incognito") is True:
            cloud.db.execute("UPDATE privacy_settings SET incognito = 1 WHERE account_id = ?",
                             (aid,))
    cloud.broker.add_account(aid)
    row = cloud.q1("SELECT * FROM accounts WHERE id = ?", aid)
    return json_response(201, {"id": aid, "email": email, "display_name": row["display_name"],
                               "mqtt_username": "u_" + aid})


@admin("POST", "/admin/account-settings")
def admin_account_settings(h):
    body, _ = admin_body(h)
    aid = need(body, "account_id")
    cloud = h.cloud
    with cloud.lock:
        if cloud.q1("SELECT 1 FROM accounts WHERE id = ?", aid) is None:
            raise problem(404, "not-found", "No such account", "No such account.")
        rc_privacy.ensure_account(cloud, aid)
        if "history" in body:
            cloud.q("UPDATE accounts SET history_enabled = ? WHERE id = ?",
                    1 if need(body, "history", bool) else 0, aid)
        if "incognito" in body:
            cloud.q("UPDATE privacy_settings SET incognito = ? WHERE account_id = ?",
                    1 if need(body, "incognito", bool) else 0, aid)
        if "file_retention_days" in body:
            days = need(body, "file_retention_days", int)
            if not 1 <= days <= 3650:
                raise invalid("file_retention_days must be 1 to 3650.")
            cloud.q("UPDATE privacy_settings SET retention_days = ? WHERE account_id = ?",
                    days, aid)
        rc_privacy.touch_settings(cloud, aid)
    return json_response(200, {"account_id": aid})


@admin("POST", "/admin/printers")
def admin_bind_printer(h):
    body, _ = admin_body(h)
    cloud = h.cloud
    aid = need(body, "account_id")
    serial = need(body, "serial")
    if not re.match(r"^[A-Za-z0-9_-]{1,32}$", serial):
        raise invalid("serial may hold letters, digits, - and _.")
    if cloud.q1("SELECT 1 FROM accounts WHERE id = ?", aid) is None:
        raise problem(404, "not-found", "No such account", "No such account.")
    model = body.get("model") or "C12"
    existing = cloud.q1("SELECT * FROM printers WHERE serial = ?", serial)
    now = cloud.clock.now()
    if existing is not None:
        pid, user, password = existing["id"], existing["device_user"], \
            existing["device_password"]
        cloud.q("UPDATE printers SET account_id = ?, bound_at = ?, updated_at = ? WHERE id = ?",
                aid, now, now, pid)
        if existing["account_id"] != aid:
            cloud.broker.remove_device(existing["account_id"], serial)
    else:
        pid, user, password = new_id("prn"), "dev_" + serial, secrets.token_urlsafe(18)
        cloud.q("INSERT INTO printers VALUES (?,?,?,?,?,?,?,?,?,?)", pid, serial, aid,
                body.get("name") or "Virtual " + serial[-4:], model,
                float(body.get("nozzle_diameter") or 0.4), now, now, user, password)
    cloud.broker.add_device(aid, serial, user, password)
    return json_response(201, {"id": pid, "serial": serial, "account_id": aid, "device": {
        "serial": serial, "mqtt_host": cloud.a.host, "mqtt_port": cloud.mqtt_port,
        "ca_file": cloud.path("ca.crt"), "username": user, "password": password}})


@admin("POST", "/admin/clock")
def admin_clock(h):
    body, _ = admin_body(h)
    seconds = body.get("advance_seconds", 0)
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or \
            not 0 <= seconds <= 10 * 365 * 86400:
        raise invalid("advance_seconds must be 0 to ten years.")
    cloud = h.cloud
    with cloud.lock:
        cloud.clock.offset += seconds
    cloud.sweep()
    return json_response(200, {"now": rfc3339(cloud.clock.now()), "offset": cloud.clock.offset})


@admin("GET", "/admin/clock")
def admin_get_clock(h):
    return json_response(200, {"now": rfc3339(h.cloud.clock.now()),
                               "offset": h.cloud.clock.offset})


FAULT_KINDS = ("status", "rate-limit", "slow", "drop-upload", "drop-response", "api-version",
               "broker-unreachable")


@admin("POST", "/admin/faults")
def admin_add_fault(h):
    body, _ = admin_body(h)
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        raise invalid("kind must be one of %s." % ", ".join(FAULT_KINDS))
    route = body.get("route", "*")
    if route != "*" and route not in [r.name for r in API_ROUTES]:
        raise invalid("Unknown route %r; use 'METHOD /template' as in the counters." % route)
    count = body.get("count", 1)
    if not is_int(count) or count < -1 or count == 0:
        raise invalid("count must be a positive number, or -1 for always.")
    fault = {"id": new_id("flt"), "kind": kind, "route": route, "remaining": count,
             "fired": 0, "status": body.get("status", 503),
             "retry_after": body.get("retry_after", 1), "delay": body.get("delay", 1.0),
             "after_bytes": body.get("after_bytes", 0),
             "at_upload_offset": body.get("at_upload_offset"),
             "version": body.get("version", "2.0")}
    if kind == "status" and (not is_int(fault["status"]) or not 500 <= fault["status"] <= 599):
        raise invalid("status must be 500 to 599.")
    if not is_int(fault["retry_after"]) or not 0 <= fault["retry_after"] <= 86400:
        raise invalid("retry_after must be 0 to 86400 seconds.")
    if not isinstance(fault["delay"], (int, float)) or not 0 <= fault["delay"] <= 60:
        raise invalid("delay must be 0 to 60 seconds.")
    if not is_int(fault["after_bytes"]) or fault["after_bytes"] < 0:
        raise invalid("after_bytes must be 0 or more.")
    if fault["at_upload_offset"] is not None and (not is_int(fault["at_upload_offset"]) or
                                                  fault["at_upload_offset"] < 0):
        raise invalid("at_upload_offset must be 0 or more.")
    if not isinstance(fault["version"], str) or not re.match(r"^\d+\.\d+$", fault["version"]):
        raise invalid("version must be MAJOR.MINOR.")
    with h.cloud.lock:
        h.cloud.faults.append(fault)
    return json_response(201, fault)


@admin("GET", "/admin/faults")
def admin_list_faults(h):
    with h.cloud.lock:
        return json_response(200, {"faults": [dict(f) for f in h.cloud.faults]})


@admin("DELETE", "/admin/faults")
def admin_clear_faults(h):
    with h.cloud.lock:
        h.cloud.faults.clear()
    return Response(204)


@admin("POST", "/admin/tokens")
def admin_tokens(h):
    body, _ = admin_body(h)
    aid = need(body, "account_id")
    action = body.get("action")
    cloud = h.cloud
    if action == "expire":
        cloud.q("UPDATE access_tokens SET expires_at = ? WHERE account_id = ? AND expires_at > ?",
                cloud.clock.now() - 1, aid, cloud.clock.now() - 1)
    elif action == "revoke":
        for row in cloud.q("SELECT id FROM families WHERE account_id = ? AND revoked = 0", aid):
            cloud.revoke_family(row["id"])
    else:
        raise invalid("action must be expire or revoke.")
    return json_response(200, {"account_id": aid, "action": action})


@admin("POST", "/admin/service-status")
def admin_service_status(h):
    body, _ = admin_body(h)
    service = body.get("service")
    state = body.get("state")
    if service not in SERVICES or state not in ("operational", "degraded", "outage",
                                                "maintenance"):
        raise invalid("service and state must be from the contract's lists.")
    cloud = h.cloud
    with cloud.lock:
        cloud.services[service] = {"state": state, "since": cloud.clock.now(),
                                   "detail": str(body.get("detail") or "")[:200]}
    return json_response(200, {"service": service, "state": state})


@admin("GET", "/admin/counters")
def admin_counters(h):
    cloud = h.cloud
    with cloud.lock:
        jobs = {}
        for row in cloud.db.execute("SELECT idem_key, COUNT(*) AS n FROM jobs "
                                    "GROUP BY idem_key").fetchall():
            jobs[row["idem_key"] or ""] = row["n"]
        out = {
            "routes": dict(cloud.route_counts),
            "uploads": {k: dict(v) for k, v in cloud.upload_counts.items()},
            "jobs_by_idempotency_key": jobs, "idempotent_replays": cloud.replays,
            "downloads": dict(cloud.download_counts)}
    out.update(rc_privacy.counters(cloud))
    return json_response(200, out)


@admin("GET", "/admin/jobs/{job_id}")
def admin_job(h, job_id):
    row = h.cloud.q1("SELECT * FROM jobs WHERE id = ?", job_id)
    if row is None:
        raise problem(404, "not-found", "No such job", "No such job.")
    return json_response(200, h.cloud.job_json(row))


# === servers ============================================================================

class TLSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    count_connections = None

    def finish_request(self, request, client_address):
        if self.count_connections is not None:
            rc_privacy.bump(self.count_connections, "connection", "api")
        try:
            request.settimeout(10)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def shutdown_request(self, request):
        try:
            request.close()
        except OSError:
            pass

    def handle_error(self, request, client_address):
        pass


def make_server(cloud, ctx, host, port, admin):
    base = AdminHandler if admin else ApiHandler
    handler = type("Bound" + base.__name__, (base,), {"cloud": cloud})
    server = TLSServer((host, port), handler)
    server.ssl_context = ctx
    if not admin:
        server.count_connections = cloud
    return server


def restore_broker(cloud):
    """mosquitto's clients are rebuilt from the database at every start: accounts get a
    random password until their next token (clients refresh on "not authorised")."""
    for row in cloud.q("SELECT id FROM accounts"):
        cloud.broker.add_account(row["id"])
    for row in cloud.q("SELECT * FROM printers WHERE account_id IS NOT NULL"):
        cloud.broker.add_device(row["account_id"], row["serial"], row["device_user"],
                                row["device_password"])


rc_privacy.register(api, admin)
