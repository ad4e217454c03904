#!/usr/bin/python3
# tests/test-reference-cloud.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the reference cloud (tests/cloud/) over real HTTPS the way a browser and the app
# would, with its real mosquitto broker and a virtual printer in cloud mode, and checks
# server-side what happened through the admin counters. TAP output; meson suite "cloud".
#
#   test-reference-cloud.py [CORPUS_DIR]
#
# A component that cannot start fails the test (never a skip).

import base64
import hashlib
import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "cloud"))
sys.dont_write_bytecode = True

import paho.mqtt.client as mqtt  # noqa: E402
from rc_client import (FORM, JSON, Https, browser_sign_in, form, idem, pkce,  # noqa: E402
                       sign_in, token_request)
import rc_client  # noqa: E402

CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared",
                                                                "corpus")
RINGS = os.path.join(CORPUS, "3mf", "bambustudio-01.09-cli-2-rings.gcode.3mf")
P1S = os.path.join(CORPUS, "3mf", "bambustudio-02.07-p1s.gcode.3mf")
VP = os.path.join(HERE, "virtual-printer", "af-virtual-printer.py")
PROBLEM = "https://api.atomform.tech/problems/"
MiB = 1024 * 1024
REDIRECT = "http://127.0.0.1:49213/callback"
PRINTER_KEYS = {"id", "serial", "name", "model_id", "model_name", "online", "state",
                "nozzle_diameter", "current_job_id", "bound_at", "updated_at"}

results = []


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def ptype(ans):
    return json.loads(ans.body).get("type", "").replace(PROBLEM, "")


def is_problem(ans, status, name):
    eq(ans.status, status, "status of %r" % ans.body[:200])
    eq(ans.header("content-type"), "application/problem+json", "problem content type")
    body = json.loads(ans.body)
    eq(body["type"], PROBLEM + name, "problem type")
    eq(body["status"], status, "problem status member")
    check(body.get("request_id") and body.get("detail"), "problem has request_id and detail")
    return body


class World:
    """The cloud, two accounts, their printers and a cloud-mode virtual printer."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="af-cloud-test-")
        self.cloud = rc_client.Cloud(os.path.join(self.tmp, "cloud"),
                                     ["--offline-after", "3"])
        self.ana = self.cloud.create_account("ana@example.org", "ana-password-1",
                                             display_name="Ana")
        self.bo = self.cloud.create_account("bo@example.org", "bo-password-2")
        self.quiet = self.cloud.create_account("quiet@example.org", "quiet-password-3",
                                               history=False)
        self.serial_a = "01S00A%09d" % secrets.randbelow(10**9)
        self.serial_b = "01S00B%09d" % secrets.randbelow(10**9)
        self.serial_q = "01S00Q%09d" % secrets.randbelow(10**9)
        self.pa = self.cloud.bind_printer(self.ana["id"], self.serial_a, name="Workshop P1S")
        self.pb = self.cloud.bind_printer(self.bo["id"], self.serial_b)
        self.pq = self.cloud.bind_printer(self.quiet["id"], self.serial_q)
        self.vps = []
        self.vp_a = self.start_vp(self.pa)
        self.vp_q = self.start_vp(self.pq)

    def start_vp(self, binding):
        path = os.path.join(self.tmp, binding["serial"] + ".json")
        with open(path, "w") as f:
            json.dump(binding["device"], f)
        proc = subprocess.Popen(["/usr/bin/python3", VP, "--cloud-device", path,
                                 "--speed", "1500"], stdout=subprocess.PIPE,
                                stdin=subprocess.PIPE, text=True)
        self.vps.append(proc)
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the virtual printer did not start (exit %s)" % proc.wait())
        info = json.loads(line)
        eq(info["cloud"]["username"], binding["device"]["username"], "vp cloud user")
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        return proc

    def stop(self):
        for proc in self.vps:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(15)
        rc = self.cloud.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc


def auth(tokens):
    return {"Authorization": "Bearer " + tokens["access_token"]}


def wait_online(api, h, printer_id, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p = api.request("GET", "/v1/printers/" + printer_id, headers=h).json()
        if p["online"] and p["state"] in ("idle", "finished", "failed"):
            return p
        time.sleep(0.2)
    raise AssertionError("printer %s did not come online and idle" % printer_id)


def upload_file(api, h, data, name="part.gcode.3mf", chunk=4 * MiB, key=None):
    md5 = hashlib.md5(data).hexdigest()
    meta = "filename %s,md5 %s" % (base64.b64encode(name.encode()).decode(),
                                   base64.b64encode(md5.encode()).decode())
    ans = api.request("POST", "/v1/uploads", headers=dict(h, **{
        "Idempotency-Key": key or idem(), "Tus-Resumable": "1.0.0",
        "Upload-Length": str(len(data)), "Upload-Metadata": meta}))
    eq(ans.status, 201, "upload creation %r" % ans)
    loc = ans.header("location")
    offset = 0
    while offset < len(data):
        ans = patch(api, h, loc, offset, data[offset:offset + chunk])
        eq(ans.status, 204, "chunk at %d: %r" % (offset, ans))
        offset = int(ans.header("upload-offset"))
    return loc


def patch(api, h, loc, offset, piece, checksum=None):
    digest = checksum or base64.b64encode(hashlib.sha256(piece).digest()).decode()
    return api.request("PATCH", loc, piece, headers=dict(h, **{
        "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": "sha256 " + digest}))


def create_job(api, h, printer_id, upload_loc, name="rings", key=None, **options):
    body = {"printer_id": printer_id, "upload_id": upload_loc.rsplit("/", 1)[1], "name": name,
            "options": dict({"plate": 1}, **options)}
    return api.request("POST", "/v1/jobs", json.dumps(body),
                       dict(h, **JSON, **{"Idempotency-Key": key or idem()}))


def wait_job(api, h, job_id, states, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.request("GET", "/v1/jobs/" + job_id, headers=h).json()
        if job["state"] in states:
            return job
        time.sleep(0.2)
    raise AssertionError("job %s did not reach %s (last %s)" % (job_id, states, job["state"]))


# === tests =====================================================================

def test_conventions(w):
    api = w.cloud.api()
    t = sign_in(api, "ana@example.org", "ana-password-1")
    ans = api.request("GET", "/v1/account", headers=auth(t), version=None)
    is_problem(ans, 400, "invalid-request")
    ans = api.request("GET", "/v1/account", headers=auth(t), version="2.0")
    is_problem(ans, 400, "unsupported-api-version")
    ans = api.request("GET", "/v1/account")
    is_problem(ans, 401, "unauthorized")
    eq(ans.header("www-authenticate"), 'Bearer error="invalid_token"', "WWW-Authenticate")
    ans = api.request("GET", "/v1/account", headers=auth(t))
    eq(ans.status, 200, "account")
    eq(ans.header("atomform-api-version"), "1.0", "version header")
    acc = ans.json()
    eq(acc["mqtt"], {"host": "127.0.0.1", "port": w.cloud.info["mqtt_port"],
                     "username": "u_" + w.ana["id"]}, "account mqtt")
    eq(acc["display_name"], "Ana", "display name")
    ans2 = api.request("GET", "/v1/account", headers=dict(auth(t), **{
        "If-None-Match": ans.header("etag")}))
    eq(ans2.status, 304, "If-None-Match on the account")
    ans = api.request("GET", "/v1/account?extra=1", headers=auth(t))
    is_problem(ans, 400, "invalid-request")
    ans = api.request("GET", "/v1/service-status")
    eq(ans.status, 200, "service status needs no token")
    eq(sorted(s["service"] for s in ans.json()["services"]),
       sorted(["api", "sign-in", "uploads", "printing", "broker", "history"]), "services")
    ans = api.request("GET", "/v1/nothing-here", headers=auth(t))
    is_problem(ans, 404, "not-found")


def test_contract_routes(w):
    """The cloud serves exactly the routes of docs/cloud-api.yaml, plus its browser pages
    and the printers' download links."""
    import yaml
    import rc_api
    with open(os.path.join(HERE, "..", "docs", "cloud-api.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    contract = {"%s %s" % (m.upper(), path) for path, item in doc["paths"].items()
                for m in item if m in ("get", "put", "post", "delete", "head", "patch")}
    served = {r.name for r in rc_api.API_ROUTES}
    eq(sorted(contract - served), [], "contract routes the cloud lacks")
    eq(sorted(served - contract), ["GET /device", "GET /dl/{token}", "POST /device",
                                   "POST /signin"], "routes beyond the contract")


def test_pkce_sign_in(w):
    api = w.cloud.api()
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(32)
    # Refused before any sign-in page: plain PKCE, another redirect, a short state.
    for bad in ({"code_challenge_method": "plain"}, {"redirect_uri": "http://evil.example/cb"},
                {"redirect_uri": "http://localhost:4000/callback"}, {"state": "short"},
                {"client_id": "someone-else"}, {"code_challenge": "x"}):
        q = dict(response_type="code", client_id="atomform-connect", redirect_uri=REDIRECT,
                 code_challenge=challenge, code_challenge_method="S256", state=state)
        q.update(bad)
        ans = api.request("GET", "/v1/oauth/authorize?" + urllib.parse.urlencode(q),
                          version=None)
        eq(ans.status, 400, "authorize with %r" % bad)
        check(ans.header("location") is None, "no redirect for %r" % bad)
    # Wrong password: the form again, no redirect.
    got = browser_sign_in(api, "ana@example.org", "wrong", REDIRECT, challenge, state)
    eq(got.get("_page_status"), 401, "wrong password")
    # Two sign-ins at once: each redirect carries its own state (the client's listener
    # compares it), and a code only works with its own verifier.
    v2, c2 = pkce()
    state2 = secrets.token_urlsafe(32)
    first = browser_sign_in(api, "ana@example.org", "ana-password-1", REDIRECT, challenge,
                            state)
    second = browser_sign_in(api, "ana@example.org", "ana-password-1", REDIRECT, c2, state2)
    eq(first["state"], state, "state echoed")
    eq(second["state"], state2, "second state echoed")
    eq(first["_redirect"], REDIRECT, "redirect target")
    check(first["code"] != second["code"], "codes differ")
    # Verifier mismatch: refused, and the code is spent.
    ans = token_request(api, grant_type="authorization_code", code=second["code"],
                        redirect_uri=REDIRECT, code_verifier=verifier)
    body = is_problem(ans, 400, "oauth")
    eq(body["error"], "invalid_grant", "verifier mismatch error")
    ans = token_request(api, grant_type="authorization_code", code=second["code"],
                        redirect_uri=REDIRECT, code_verifier=v2)
    eq(json.loads(ans.body).get("error"), "invalid_grant", "a refused code stays spent")
    # Another redirect URI than the code's.
    third = browser_sign_in(api, "ana@example.org", "ana-password-1", REDIRECT, challenge,
                            secrets.token_urlsafe(32))
    ans = token_request(api, grant_type="authorization_code", code=third["code"],
                        redirect_uri="http://127.0.0.1:1/callback", code_verifier=verifier)
    eq(json.loads(ans.body).get("error"), "invalid_grant", "redirect mismatch")
    # The right verifier: tokens.
    ans = token_request(api, grant_type="authorization_code", code=first["code"],
                        redirect_uri=REDIRECT, code_verifier=verifier)
    eq(ans.status, 200, "code exchange %r" % ans)
    eq(ans.header("cache-control"), "no-store", "token answer not cached")
    tokens = ans.json()
    eq(tokens["account_id"], w.ana["id"], "account id")
    eq(tokens["expires_in"], 3600, "access lifetime")
    check(tokens["access_token"].startswith("at_") and
          tokens["refresh_token"].startswith("rt_"), "token shapes")
    eq(api.request("GET", "/v1/account", headers=auth(tokens)).status, 200, "token works")
    # A reused code is refused and revokes what it issued (RFC 6749 §4.1.2).
    ans = token_request(api, grant_type="authorization_code", code=first["code"],
                        redirect_uri=REDIRECT, code_verifier=verifier)
    eq(json.loads(ans.body).get("error"), "invalid_grant", "reused code")
    eq(api.request("GET", "/v1/account", headers=auth(tokens)).status, 401,
       "tokens of a reused code are revoked")
    # Cancel on the sign-in page: error=access_denied with the state.
    q = dict(response_type="code", client_id="atomform-connect", redirect_uri=REDIRECT,
             code_challenge=challenge, code_challenge_method="S256", state=state)
    page = api.request("GET", "/v1/oauth/authorize?" + urllib.parse.urlencode(q),
                       version=None).body.decode()
    rid = page.split('name="auth_request" value="')[1].split('"')[0]
    ans = api.request("POST", "/signin", form(auth_request=rid, decision="deny"), FORM,
                      version=None)
    eq(ans.status, 302, "deny redirects")
    loc = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(ans.header("location")).query))
    eq(loc, {"error": "access_denied", "state": state}, "deny redirect")
    # A code older than 60 s (test clock) is refused.
    late = browser_sign_in(api, "ana@example.org", "ana-password-1", REDIRECT, challenge,
                           state)
    w.cloud.advance(61)
    ans = token_request(api, grant_type="authorization_code", code=late["code"],
                        redirect_uri=REDIRECT, code_verifier=verifier)
    eq(json.loads(ans.body).get("error"), "invalid_grant", "expired code")


class LoopbackListener:
    """The app's side of the browser sign-in (docs/cloud-api.md): one request on
    127.0.0.1, accepted only with the state the app sent."""

    def __init__(self, state):
        import http.server
        listener = self
        self.state = state
        self.got = None

        class One(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                ok = self.path.startswith("/callback?") and q.get("state") == listener.state
                listener.got = q if ok else {"refused": q}
                self.send_response(200 if ok else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass
        self.server = http.server.HTTPServer(("127.0.0.1", 0), One)
        self.redirect_uri = "http://127.0.0.1:%d/callback" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.handle_request, daemon=True)
        self.thread.start()

    def follow(self, location):
        """What the browser does with the cloud's 302: one GET to the listener."""
        import http.client
        u = urllib.parse.urlsplit(location)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", u.path + "?" + u.query)
        status = c.getresponse().status
        c.close()
        self.thread.join(10)
        self.server.server_close()
        return status


def authorize_location(api, redirect_uri, challenge, state, email, password):
    q = dict(response_type="code", client_id="atomform-connect", redirect_uri=redirect_uri,
             code_challenge=challenge, code_challenge_method="S256", state=state)
    page = api.request("GET", "/v1/oauth/authorize?" + urllib.parse.urlencode(q),
                       version=None).body.decode()
    rid = page.split('name="auth_request" value="')[1].split('"')[0]
    ans = api.request("POST", "/signin", form(auth_request=rid, email=email, password=password,
                                              decision="allow"), FORM, version=None)
    eq(ans.status, 302, "sign-in redirects")
    return ans.header("location")


def test_loopback_redirect(w):
    api = w.cloud.api()
    verifier, challenge = pkce()
    # The right state: the listener takes the code and the app exchanges it.
    state = secrets.token_urlsafe(32)
    app = LoopbackListener(state)
    loc = authorize_location(api, app.redirect_uri, challenge, state, "ana@example.org",
                             "ana-password-1")
    eq(app.follow(loc), 200, "listener accepts its own state")
    ans = token_request(api, grant_type="authorization_code", code=app.got["code"],
                        redirect_uri=app.redirect_uri, code_verifier=verifier)
    eq(ans.status, 200, "exchange after the loopback redirect")
    # A redirect with a wrong state (a sign-in the app did not start, e.g. forged by a web
    # page): the listener refuses it, so its code is never exchanged.
    app = LoopbackListener(secrets.token_urlsafe(32))
    other = authorize_location(api, app.redirect_uri, challenge, secrets.token_urlsafe(32),
                               "bo@example.org", "bo-password-2")
    eq(app.follow(other), 400, "listener refuses a wrong state")
    check("refused" in app.got, "no code taken")


def test_device_flow(w):
    api = w.cloud.api()

    def start():
        ans = api.request("POST", "/v1/oauth/device_authorization",
                          form(client_id="atomform-connect"),
                          dict(FORM, **{"Idempotency-Key": idem()}))
        eq(ans.status, 200, "device authorization")
        return ans.json()

    d = start()
    check(len(d["user_code"]) == 9 and d["user_code"][4] == "-" and
          all(c in "BCDFGHJKLMNPQRSTVWXZ" for c in d["user_code"].replace("-", "")),
          "user code shape %r" % d["user_code"])
    eq(d["interval"], 5, "interval")
    eq(d["verification_uri"], w.cloud.base_url + "/device", "verification uri")

    def poll():
        return token_request(api, grant_type="urn:ietf:params:oauth:grant-type:device_code",
                             device_code=d["device_code"])
    eq(json.loads(poll().body).get("error"), "authorization_pending", "first poll")
    eq(json.loads(poll().body).get("error"), "slow_down", "poll too soon")
    page = api.request("GET", "/device?user_code=" + d["user_code"], version=None)
    eq(page.status, 200, "verification page")
    check(d["user_code"] in page.body.decode(), "page shows the code")
    ans = api.request("POST", "/device", form(user_code=d["user_code"], email="ana@example.org",
                                              password="nope", decision="allow"), FORM,
                      version=None)
    eq(ans.status, 401, "wrong password on the verification page")
    ans = api.request("POST", "/device", form(user_code=d["user_code"].lower(),
                                              email="ana@example.org",
                                              password="ana-password-1", decision="allow"),
                      FORM, version=None)
    eq(ans.status, 200, "approve")
    w.cloud.advance(11)        # the interval grew to 10 s after slow_down
    ans = poll()
    eq(ans.status, 200, "tokens after approval %r" % ans)
    tokens = ans.json()
    eq(tokens["account_id"], w.ana["id"], "device flow account")
    eq(api.request("GET", "/v1/account", headers=auth(tokens)).status, 200, "device token")
    eq(json.loads(poll().body).get("error"), "invalid_grant", "device code used once")
    # Refused by the user, and expired.
    d = start()
    api.request("POST", "/device", form(user_code=d["user_code"], email="ana@example.org",
                                        password="ana-password-1", decision="deny"), FORM,
                version=None)
    eq(json.loads(poll().body).get("error"), "access_denied", "denied")
    d = start()
    w.cloud.advance(901)
    eq(json.loads(poll().body).get("error"), "expired_token", "expired device code")


def test_refresh_rotation(w):
    api = w.cloud.api()
    t1 = sign_in(api, "ana@example.org", "ana-password-1")
    key = idem()
    ans = token_request(api, key=key, grant_type="refresh_token",
                        refresh_token=t1["refresh_token"])
    eq(ans.status, 200, "refresh")
    t2 = ans.json()
    check(t2["refresh_token"] != t1["refresh_token"], "refresh token rotated")
    check(t2["access_token"] != t1["access_token"], "new access token")
    # The answer was lost: the same key replays it instead of tripping reuse detection.
    again = token_request(api, key=key, grant_type="refresh_token",
                          refresh_token=t1["refresh_token"])
    eq(again.status, 200, "replayed refresh")
    eq(again.json(), t2, "the replay is the same answer")
    eq(again.header("idempotent-replayed"), "true", "marked as replay")
    eq(api.request("GET", "/v1/account", headers=auth(t2)).status, 200, "new access works")
    # The rotated token presented again with a new key: theft; the whole family ends.
    ans = token_request(api, grant_type="refresh_token", refresh_token=t1["refresh_token"])
    eq(json.loads(ans.body).get("error"), "invalid_grant", "reuse refused")
    eq(api.request("GET", "/v1/account", headers=auth(t2)).status, 401,
       "family's access token revoked")
    ans = token_request(api, grant_type="refresh_token", refresh_token=t2["refresh_token"])
    eq(json.loads(ans.body).get("error"), "invalid_grant", "family's refresh token revoked")
    # Another sign-in is another family and is not affected.
    t3 = sign_in(api, "ana@example.org", "ana-password-1")
    eq(api.request("GET", "/v1/account", headers=auth(t3)).status, 200, "other family")
    # Expiry by the test clock.
    w.cloud.advance(3601)
    body = is_problem(api.request("GET", "/v1/account", headers=auth(t3)), 401,
                      "unauthorized")
    check("expired" in body["detail"], "says expired")
    ans = token_request(api, grant_type="refresh_token", refresh_token=t3["refresh_token"])
    eq(ans.status, 200, "refresh after access expiry")


def test_revocation(w):
    api = w.cloud.api()
    t = sign_in(api, "ana@example.org", "ana-password-1")
    ans = api.request("POST", "/v1/oauth/revoke",
                      form(token=t["refresh_token"], token_type_hint="refresh_token",
                           client_id="atomform-connect"), dict(FORM, **{"Idempotency-Key": idem()}))
    eq(ans.status, 200, "revoke")
    eq(api.request("GET", "/v1/account", headers=auth(t)).status, 401, "access revoked too")
    ans = token_request(api, grant_type="refresh_token", refresh_token=t["refresh_token"])
    eq(json.loads(ans.body).get("error"), "invalid_grant", "refresh revoked")
    ans = api.request("POST", "/v1/oauth/revoke",
                      form(token="rt_unknown", client_id="atomform-connect"),
                      dict(FORM, **{"Idempotency-Key": idem()}))
    eq(ans.status, 200, "unknown token: 200 (RFC 7009 §2.2)")
    ans = api.request("POST", "/v1/oauth/revoke", form(token="x", client_id="atomform-connect"),
                      FORM)
    is_problem(ans, 400, "missing-idempotency-key")
    # Revoked elsewhere (admin: the web account page).
    t = sign_in(api, "ana@example.org", "ana-password-1")
    w.cloud.admin_call("POST", "/admin/tokens", {"account_id": w.ana["id"], "action": "revoke"})
    eq(api.request("GET", "/v1/account", headers=auth(t)).status, 401, "revoked by admin")


def test_printers(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    page = api.request("GET", "/v1/printers?limit=1", headers=h).json()
    eq(len(page["items"]), 1, "one printer")
    p = page["items"][0]
    eq(set(p), PRINTER_KEYS, "printer members (no access code)")
    eq(p["serial"], w.serial_a, "serial")
    eq(p["model_name"], "P1S", "model name")
    eq(page["next_cursor"], None, "single page")
    is_problem(api.request("GET", "/v1/printers?limit=101", headers=h), 400, "invalid-request")
    is_problem(api.request("GET", "/v1/printers?cursor=c_bogus.x", headers=h), 400,
               "invalid-cursor")
    is_problem(api.request("GET", "/v1/printers/" + w.pb["id"], headers=h), 404, "not-found")
    wait_online(api, h, w.pa["id"])
    ans = api.request("GET", "/v1/printers/" + w.pa["id"], headers=h)
    tag = ans.header("etag")
    hdr = dict(h, **{"Content-Type": "application/merge-patch+json"})
    path = "/v1/printers/" + w.pa["id"]
    is_problem(api.request("PATCH", path, '{"name": "Garage"}', hdr), 428,
               "precondition-required")
    is_problem(api.request("PATCH", path, '{"name": "Garage"}', dict(hdr, **{"If-Match": '"0"'})),
               412, "precondition-failed")
    is_problem(api.request("PATCH", path, '{"name": "Garage"}',
                           dict(h, **{"If-Match": tag, "Content-Type": "application/json"})),
               415, "unsupported-media-type")
    body = is_problem(api.request("PATCH", path, '{"name": "Garage", "colour": 1}',
                                  dict(hdr, **{"If-Match": tag})), 422, "validation-failed")
    eq(body["errors"][0]["pointer"], "/colour", "pointer to the unknown member")
    is_problem(api.request("PATCH", path, json.dumps({"name": "x" * 65}),
                           dict(hdr, **{"If-Match": tag})), 422, "validation-failed")
    ans = api.request("PATCH", path, json.dumps({"name": "y" * 64}),
                      dict(hdr, **{"If-Match": tag}))
    eq(ans.status, 200, "64-character name")
    ans = api.request("PATCH", path, json.dumps({"name": "Workshop P1S"}),
                      dict(hdr, **{"If-Match": ans.header("etag")}))
    eq(ans.status, 200, "rename back")
    eq(ans.json()["name"], "Workshop P1S", "renamed")
    check(ans.header("etag") != tag, "ETag changes with the name")


def test_strict_json(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))

    def post(body, ctype="application/json", key=None):
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return api.request("POST", "/v1/jobs", raw, dict(h, **{
            "Content-Type": ctype, "Idempotency-Key": key or idem()}))
    good = {"printer_id": w.pa["id"], "upload_id": "upl_missing", "name": "n",
            "options": {"plate": 1}}
    is_problem(api.request("POST", "/v1/jobs", json.dumps(good), dict(h, **JSON)), 400,
               "missing-idempotency-key")
    body = is_problem(post(dict(good, colour="red")), 422, "validation-failed")
    eq(body["errors"][0]["pointer"], "/colour", "unknown member")
    body = is_problem(post(dict(good, options={"plate": 1, "speed": 2})), 422,
                      "validation-failed")
    eq(body["errors"][0]["pointer"], "/options/speed", "unknown option")
    body = is_problem(post(dict(good, options={"ams_mapping": [
        {"filament": 1, "ams_id": 0, "slot_id": 9}]})), 422, "validation-failed")
    eq(body["errors"][0]["pointer"], "/options/ams_mapping/0/slot_id", "slot range")
    is_problem(post(dict(good, name="n" * 101)), 422, "validation-failed")
    # At the limit the name passes validation (the missing upload is next: 404).
    is_problem(post(dict(good, name="é" * 50)), 404, "not-found")
    is_problem(post(good, ctype="text/plain"), 415, "unsupported-media-type")
    is_problem(post("{"), 400, "invalid-request")
    is_problem(post('{"a": 1, "a": 2}'), 400, "invalid-request")
    nested = dict(good, options={"plate": 1, "x": [[[[[[1]]]]]]})    # 8 levels: parsed
    is_problem(post(nested), 422, "validation-failed")
    nested = dict(good, options={"plate": 1, "x": [[[[[[[1]]]]]]]})  # 9 levels: refused
    body = is_problem(post(nested), 400, "invalid-request")
    check("nested" in body["detail"], "depth named")
    big = json.dumps(dict(good, name="x" * (64 * 1024)))
    is_problem(post(big), 413, "payload-too-large")
    # Same key, another request.
    key = idem()
    first = post(good, key=key)
    is_problem(post(dict(good, name="other"), key=key), 422, "idempotency-key-reused")
    eq(post(good, key=key).body, first.body, "a final answer is replayed")


def png_header(width, height):
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr +
            struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))


def test_limits(w):
    """Each documented limit, at the limit and just past it."""
    import rc_archive
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    # JSON body: 64 KiB is parsed (then refused for its content), one byte more is not read.
    base = {"printer_id": w.pa["id"], "upload_id": "upl_x", "options": {"plate": 1}}
    pad = 64 * 1024 - len(json.dumps(dict(base, name="")))
    at = json.dumps(dict(base, name="x" * pad))
    eq(len(at), 64 * 1024, "body at the limit")
    for body, status in ((at, 422), (at + " ", 413)):
        ans = api.request("POST", "/v1/jobs", body, dict(h, **JSON, **{"Idempotency-Key": idem()}))
        eq(ans.status, status, "JSON body of %d bytes" % len(body))
    # URL: 8 KiB.
    for length, status in ((8192, 404), (8193, 414)):
        path = "/v1/" + "a" * (length - 4)
        eq(api.request("GET", path, headers=h).status, status, "URL of %d bytes" % length)
    # Query: 16 parameters are parsed (and refused as unknown), 17 are not parsed.
    for n, word in ((16, "Unknown"), (17, "malformed")):
        q = "&".join("p%d=1" % i for i in range(n))
        body = is_problem(api.request("GET", "/v1/history?" + q, headers=h), 400,
                          "invalid-request")
        check(word in body["detail"], "%d query parameters: %s" % (n, body["detail"]))
    # Form body: 16 KiB.
    for length, status in ((16 * 1024, 400), (16 * 1024 + 1, 413)):
        raw = "grant_type=refresh_token&client_id=atomform-connect&refresh_token="
        raw += "r" * (length - len(raw))
        ans = api.request("POST", "/v1/oauth/token", raw, dict(FORM, **{"Idempotency-Key": idem()}))
        eq(ans.status, status, "form of %d bytes" % length)
    # A client that waits for "100 Continue" gets a refusal from the headers alone, before
    # it sends any of the body (it never sends it here).
    import http.client
    loc = upload_start(api, h, 5 * MiB)
    conn = http.client.HTTPSConnection("127.0.0.1", int(w.cloud.base_url.rsplit(":", 1)[1]),
                                       context=ssl.create_default_context(
                                           cafile=w.cloud.ca_file), timeout=10)
    conn.putrequest("PATCH", loc)
    for k, v in dict(h, **{"AtomForm-API-Version": "1.0", "Tus-Resumable": "1.0.0",
                           "Upload-Offset": "0", "Expect": "100-continue",
                           "Content-Type": "application/offset+octet-stream",
                           "Upload-Checksum": "sha256 AAAA",
                           "Content-Length": str(4 * MiB + 1)}).items():
        conn.putheader(k, v)
    conn.endheaders()
    eq(conn.getresponse().status, 413, "413 before the body")
    conn.close()
    # Upload-Length: 2 GiB; filename: 255 bytes; Upload-Metadata: 4 KiB.
    md5 = base64.b64encode(b"0" * 32).decode()

    def create(length, name=b"f", extra=""):
        meta = "filename %s,md5 %s%s" % (base64.b64encode(name).decode(), md5, extra)
        return api.request("POST", "/v1/uploads", headers=dict(h, **{
            "Idempotency-Key": idem(), "Tus-Resumable": "1.0.0", "Upload-Length": str(length),
            "Upload-Metadata": meta}))
    eq(create(2 * 1024**3).status, 201, "2 GiB")
    eq(create(2 * 1024**3 + 1).status, 413, "2 GiB + 1")
    eq(create(10, "é".encode() * 127 + b"x").status, 201, "255-byte name")
    eq(create(10, "é".encode() * 128).status, 422, "256-byte name")
    head = len("filename %s,md5 %s" % (base64.b64encode(b"f").decode(), md5))
    for size, status in ((4096, 422), (4097, 400)):
        extra = "," + "k" * (size - head - 6) + " QUFB"  # an unknown key: 422 if parsed
        eq(len("filename Zg==,md5 %s%s" % (md5, extra)), size, "metadata size")
        eq(create(10, extra=extra).status, status, "Upload-Metadata of %d bytes" % size)
    # Thumbnails: 512×512 pixels are kept, 513 are left out (read from the PNG header).
    for side, kept in ((512, True), (513, False)):
        path = os.path.join(w.tmp, "thumb-%d.gcode.3mf" % side)
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("Metadata/plate_1.gcode", "G28\n")
            z.writestr("Metadata/plate_1.png", png_header(side, side) + b"\0" * 100)
        got = rc_archive.inspect(path)["plates"][1]["thumbnail"]
        eq(got is not None, kept, "thumbnail of %d pixels" % side)
    # Archive entries: 4096 are read, 4097 are not.
    for count, plates in ((4096, 1), (4097, 0)):
        path = os.path.join(w.tmp, "entries-%d.gcode.3mf" % count)
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("Metadata/plate_1.gcode", "G28\n")
            for i in range(count - 1):
                z.writestr("f%d" % i, "")
        eq(len(rc_archive.inspect(path)["plates"]), plates, "%d entries" % count)


def test_upload_resume(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    data = secrets.token_bytes(10 * MiB)
    md5 = hashlib.md5(data).hexdigest()
    meta = "filename %s,md5 %s" % (base64.b64encode("ringé.gcode.3mf".encode()).decode(),
                                   base64.b64encode(md5.encode()).decode())
    hdr = dict(h, **{"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
                     "Upload-Metadata": meta})
    is_problem(api.request("POST", "/v1/uploads", headers=dict(hdr, **{
        "Idempotency-Key": idem(), "Tus-Resumable": "0.2.2"})), 412, "invalid-request")
    is_problem(api.request("POST", "/v1/uploads", headers=dict(hdr, **{
        "Idempotency-Key": idem(), "Upload-Length": str(2 * 1024**3 + 1)})), 413,
        "payload-too-large")
    key = idem()
    ans = api.request("POST", "/v1/uploads", headers=dict(hdr, **{"Idempotency-Key": key}))
    eq(ans.status, 201, "creation")
    eq(ans.header("upload-offset"), "0", "offset 0")
    loc = ans.header("location")
    again = api.request("POST", "/v1/uploads", headers=dict(hdr, **{"Idempotency-Key": key}))
    eq(again.header("location"), loc, "creation replayed, not repeated")
    uid = loc.rsplit("/", 1)[1]
    # Limits: a chunk just past 4 MiB is refused before it is read; 4 MiB is accepted.
    is_problem(patch(api, h, loc, 0, data[:4 * MiB + 1]), 413, "payload-too-large")
    is_problem(patch(api, h, loc, 0, data[:1000],
                     checksum=base64.b64encode(b"\0" * 32).decode()), 460, "checksum-mismatch")
    eq(patch(api, h, loc, 0, data[:4 * MiB]).status, 204, "first chunk")
    body = is_problem(patch(api, h, loc, 0, data[:10]), 409, "upload-offset-mismatch")
    eq(body["expected_offset"], 4 * MiB, "expected offset")
    # The connection drops at 50 % of the file (1 MiB into the second chunk).
    w.cloud.fault(kind="drop-upload", route="PATCH /v1/uploads/{upload_id}",
                  at_upload_offset=5 * MiB)
    fresh = Https(w.cloud.base_url, w.cloud.ca_file)
    try:
        ans = patch(fresh, h, loc, 4 * MiB, data[4 * MiB:8 * MiB])
        raise AssertionError("the cut chunk got an answer: %r" % ans)
    except (ConnectionError, OSError, ssl.SSLError) as e:
        del e
    fresh.close()
    head = api.request("HEAD", loc, headers=dict(h, **{"Tus-Resumable": "1.0.0"}))
    eq(head.status, 200, "HEAD")
    eq(head.header("upload-offset"), str(4 * MiB), "the cut chunk was not appended")
    eq(head.header("upload-length"), str(10 * MiB), "length")
    eq(head.header("cache-control"), "no-store", "HEAD not cached")
    offset = int(head.header("upload-offset"))
    while offset < len(data):
        ans = patch(api, h, loc, offset, data[offset:offset + 4 * MiB])
        eq(ans.status, 204, "resumed chunk")
        offset = int(ans.header("upload-offset"))
    c = w.cloud.counters()["uploads"][uid]
    eq(c["bytes_appended"], len(data), "every byte stored once")
    eq(c["cut_chunks"], 1, "one cut chunk")
    # Received: the file, the refused 1000-byte chunk, and the 1 MiB cut off at 50 %.
    eq(c["bytes_received"], len(data) + 1000 + MiB, "bytes received")
    with open(os.path.join(w.cloud.info["state_dir"], "uploads", uid), "rb") as f:
        eq(hashlib.md5(f.read()).hexdigest(), md5, "stored file")
    is_problem(patch(api, h, loc, len(data), b"x"), 409, "upload-offset-mismatch")
    # An MD5 that does not match deletes the upload.
    bad = upload_file_expect_md5_failure(api, h)
    eq(bad, 422, "md5 mismatch")
    # Termination and expiry (test clock).
    loc2 = upload_start(api, h, 100)
    eq(api.request("DELETE", loc2, headers=dict(h, **{"Tus-Resumable": "1.0.0"})).status, 204,
       "delete")
    eq(api.request("HEAD", loc2, headers=dict(h, **{"Tus-Resumable": "1.0.0"})).status, 410,
       "deleted upload is gone")
    loc3 = upload_start(api, h, 100)
    eq(patch(api, h, loc3, 0, b"a" * 50).status, 204, "half of a small upload")
    w.cloud.advance(86400 - 10)
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    eq(api.request("HEAD", loc3, headers=dict(h, **{"Tus-Resumable": "1.0.0"})).status, 200,
       "still there before 24 h")
    w.cloud.advance(20)
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    eq(api.request("HEAD", loc3, headers=dict(h, **{"Tus-Resumable": "1.0.0"})).status, 410,
       "expired after 24 h without a PATCH")
    is_problem(patch(api, h, loc3, 50, b"a" * 50), 410, "upload-expired")


def upload_start(api, h, length, md5="0" * 32):
    meta = "filename %s,md5 %s" % (base64.b64encode(b"f.gcode.3mf").decode(),
                                   base64.b64encode(md5.encode()).decode())
    ans = api.request("POST", "/v1/uploads", headers=dict(h, **{
        "Idempotency-Key": idem(), "Tus-Resumable": "1.0.0", "Upload-Length": str(length),
        "Upload-Metadata": meta}))
    eq(ans.status, 201, "creation")
    return ans.header("location")


def upload_file_expect_md5_failure(api, h):
    loc = upload_start(api, h, 10, md5="0" * 32)
    ans = patch(api, h, loc, 0, b"0123456789")
    is_problem(ans, 422, "validation-failed")
    eq(api.request("HEAD", loc, headers=dict(h, **{"Tus-Resumable": "1.0.0"})).status, 410,
       "upload deleted after an MD5 mismatch")
    return ans.status


def test_rate_limit_and_5xx(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    w.cloud.fault(kind="rate-limit", route="GET /v1/account", retry_after=2)
    ans = api.request("GET", "/v1/account", headers=h)
    body = is_problem(ans, 429, "rate-limited")
    eq(ans.header("retry-after"), "2", "Retry-After")
    eq(body["retry_after"], 2, "retry_after member")
    eq(api.request("GET", "/v1/account", headers=h).status, 200, "after the 429")
    w.cloud.fault(kind="status", route="GET /v1/printers", status=503, count=2, retry_after=1)
    for _ in range(2):
        ans = api.request("GET", "/v1/printers", headers=h)
        body = is_problem(ans, 503, "service-unavailable")
        eq(ans.header("retry-after"), "1", "Retry-After on 503")
        check(body.get("service") and body.get("since"), "service and since")
    eq(api.request("GET", "/v1/printers", headers=h).status, 200, "after two 503s")
    w.cloud.fault(kind="status", route="GET /v1/printers", status=502)
    is_problem(api.request("GET", "/v1/printers", headers=h), 502, "internal")
    w.cloud.fault(kind="api-version", route="GET /v1/account", version="2.0")
    eq(api.request("GET", "/v1/account", headers=h).header("atomform-api-version"), "2.0",
       "another API version answered")
    eq(api.request("GET", "/v1/account", headers=h).header("atomform-api-version"), "1.0",
       "back to 1.0")
    w.cloud.fault(kind="slow", route="GET /v1/account", delay=1.0)
    start = time.monotonic()
    eq(api.request("GET", "/v1/account", headers=h).status, 200, "slow answer")
    check(time.monotonic() - start >= 1.0, "the answer was slow")
    w.cloud.admin_call("POST", "/admin/service-status",
                       {"service": "history", "state": "outage", "detail": "History is down."})
    ans = api.request("GET", "/v1/history", headers=h)
    body = is_problem(ans, 503, "service-unavailable")
    eq(body["service"], "history", "which service")
    states = {s["service"]: s["state"] for s in
              api.request("GET", "/v1/service-status").json()["services"]}
    eq(states["history"], "outage", "status page says so")
    w.cloud.admin_call("POST", "/admin/service-status",
                       {"service": "history", "state": "operational"})
    eq(api.request("GET", "/v1/history", headers=h).status, 200, "history back")


def test_cloud_print(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    wait_online(api, h, w.pa["id"])
    with open(RINGS, "rb") as f:
        data = f.read()
    loc = upload_file(api, h, data, name="2 rings.gcode.3mf")
    # Validation against the archive and the printer's report.
    body = is_problem(create_job(api, h, w.pa["id"], loc, plate=2), 422, "validation-failed")
    eq(body["errors"][0]["pointer"], "/options/plate", "no plate 2")
    body = is_problem(create_job(api, h, w.pa["id"], loc, ams_mapping=[
        {"filament": 1, "ams_id": 3, "slot_id": 0}]), 422, "validation-failed")
    eq(body["errors"][0]["pointer"], "/options/ams_mapping/0", "no AMS 3")
    is_problem(create_job(api, h, w.pb["id"], loc), 403, "printer-not-bound")
    half = upload_start(api, h, len(data), hashlib.md5(data).hexdigest())
    eq(patch(api, h, half, 0, data[:1000]).status, 204, "part of an upload")
    is_problem(create_job(api, h, w.pa["id"], half), 409, "upload-incomplete")
    # The printer leaves the cloud broker: offline, and jobs are refused.
    w.vp_a.stdin.write("cloud-offline on\n")
    w.vp_a.stdin.flush()
    deadline = time.monotonic() + 15
    while api.request("GET", "/v1/printers/" + w.pa["id"], headers=h).json()["online"]:
        check(time.monotonic() < deadline, "printer goes offline")
        time.sleep(0.2)
    eq(api.request("GET", "/v1/printers/" + w.pa["id"], headers=h).json()["state"], "offline",
       "state offline")
    is_problem(create_job(api, h, w.pa["id"], loc), 409, "printer-offline")
    w.vp_a.stdin.write("cloud-offline off\n")
    w.vp_a.stdin.flush()
    wait_online(api, h, w.pa["id"])
    # The POST is processed but its answer is lost; the retry with the same key gets the
    # same job, and only one exists.
    key = idem()
    w.cloud.fault(kind="drop-response", route="POST /v1/jobs")
    fresh = Https(w.cloud.base_url, w.cloud.ca_file)
    try:
        create_job(fresh, h, w.pa["id"], loc, key=key, use_ams=True,
                   ams_mapping=[{"filament": 1, "ams_id": 0, "slot_id": 1}])
        raise AssertionError("the dropped POST got an answer")
    except (ConnectionError, OSError, ssl.SSLError, Exception) as e:
        if isinstance(e, AssertionError):
            raise
    fresh.close()
    ans = create_job(api, h, w.pa["id"], loc, key=key, use_ams=True,
                     ams_mapping=[{"filament": 1, "ams_id": 0, "slot_id": 1}])
    eq(ans.status, 201, "retried job creation %r" % ans)
    eq(ans.header("idempotent-replayed"), "true", "the retry replayed the first answer")
    job = ans.json()
    eq(w.cloud.counters()["jobs_by_idempotency_key"].get(key), 1, "one job for the key")
    eq(job["state"], "dispatched", "dispatched")
    check(1 <= int(job["task_id"]) < 2**31, "task id range")
    is_problem(create_job(api, h, w.pa["id"], loc), 409, "printer-busy")
    done = wait_job(api, h, job["id"], ("finished", "failed", "cancelled"))
    eq(done["state"], "finished", "the print finished")
    eq(done["progress"], 100, "progress")
    check(done["started_at"] and done["ended_at"] and
          done["started_at"] <= done["ended_at"], "times")
    eq(w.cloud.counters()["downloads"].get(loc.rsplit("/", 1)[1]), 1,
       "the printer downloaded the archive once")
    # History: times, filament from the slice, thumbnail from the archive.
    page = api.request("GET", "/v1/history", headers=h).json()
    entry = next(e for e in page["items"] if e["job_id"] == job["id"])
    eq(entry["id"], job["history_entry_id"], "history entry of the job")
    eq(entry["status"], "finished", "history status")
    eq(entry["title"], "rings", "title")
    eq(entry["printer_name"], "Workshop P1S", "printer name")
    eq(entry["started_at"], done["started_at"], "started")
    eq(entry["ended_at"], done["ended_at"], "ended")
    eq(entry["estimated_seconds"], 26, "slicer estimate")
    eq(entry["filament"], [{"filament": 1, "type": "PLA", "color": "#00AE42",
                            "weight_g": 0.0, "length_mm": 10.0}], "filament")
    eq(entry["has_thumbnail"], True, "thumbnail")
    eq(page["file_retention_days"], 90, "retention")
    created = time.mktime(time.strptime(entry["created_at"], "%Y-%m-%dT%H:%M:%SZ"))
    expires = time.mktime(time.strptime(entry["file_expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    eq(expires - created, 90 * 86400, "file deleted 90 days after the print")
    thumb = api.request("GET", "/v1/history/%s/thumbnail" % entry["id"], headers=h)
    eq(thumb.header("content-type"), "image/png", "PNG")
    with zipfile.ZipFile(RINGS) as z:
        eq(thumb.body, z.read("Metadata/plate_1.png"), "the plate's thumbnail")
    eq(api.request("GET", "/v1/history/%s/thumbnail" % entry["id"], headers=dict(h, **{
        "If-None-Match": thumb.header("etag")})).status, 304, "thumbnail revalidated")
    eq(api.request("GET", "/v1/history/%s/thumbnail" % entry["id"]).status, 401,
       "no thumbnail without a token")
    # Paging: a second print; pages of one, newest first, no repeats.
    ans = create_job(api, h, w.pa["id"], loc, name="rings again")
    eq(ans.status, 201, "second job %r" % ans)
    wait_job(api, h, ans.json()["id"], ("finished",))
    p1 = api.request("GET", "/v1/history?limit=1", headers=h).json()
    eq(p1["items"][0]["title"], "rings again", "newest first")
    check(p1["next_cursor"], "a next page")
    p2 = api.request("GET", "/v1/history?limit=1&cursor=" + p1["next_cursor"], headers=h).json()
    eq(p2["items"][0]["id"], entry["id"], "second page")
    is_problem(api.request("GET", "/v1/history?limit=1&printer_id=%s&cursor=%s"
                           % (w.pa["id"], p1["next_cursor"]), headers=h), 400,
               "invalid-cursor")
    # Reprint from history; after 90 days the file is gone.
    ans = api.request("POST", "/v1/jobs", json.dumps({
        "printer_id": w.pa["id"], "history_entry_id": entry["id"], "name": "reprint",
        "options": {"plate": 1}}), dict(h, **JSON, **{"Idempotency-Key": idem()}))
    eq(ans.status, 201, "reprint %r" % ans)
    wait_job(api, h, ans.json()["id"], ("finished",))
    w.cloud.advance(90 * 86400 + 1)
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    e = api.request("GET", "/v1/history/" + entry["id"], headers=h).json()
    eq((e["file_available"], e["file_expires_at"]), (False, None), "file deleted after 90 days")
    ans = api.request("POST", "/v1/jobs", json.dumps({
        "printer_id": w.pa["id"], "history_entry_id": entry["id"], "name": "reprint",
        "options": {"plate": 1}}), dict(h, **JSON, **{"Idempotency-Key": idem()}))
    is_problem(ans, 410, "file-expired")


def test_job_actions(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    wait_online(api, h, w.pa["id"])
    with open(P1S, "rb") as f:
        loc = upload_file(api, h, f.read(), name="p1s.gcode.3mf")
    ans = create_job(api, h, w.pa["id"], loc, name="long print")
    eq(ans.status, 201, "job %r" % ans)
    job = ans.json()

    def act(action):
        return api.request("POST", "/v1/jobs/%s/actions" % job["id"],
                           json.dumps({"action": action}),
                           dict(h, **JSON, **{"Idempotency-Key": idem()}))
    is_problem(act("resume"), 409, "invalid-job-state")
    is_problem(api.request("POST", "/v1/jobs/%s/actions" % job["id"],
                           json.dumps({"action": "pause", "x": 1}),
                           dict(h, **JSON, **{"Idempotency-Key": idem()})), 422,
               "validation-failed")
    wait_job(api, h, job["id"], ("running",))
    eq(act("pause").status, 202, "pause sent")
    wait_job(api, h, job["id"], ("paused",))
    eq(act("resume").status, 202, "resume sent")
    wait_job(api, h, job["id"], ("running",))
    eq(act("stop").status, 202, "stop sent")
    done = wait_job(api, h, job["id"], ("cancelled", "failed", "finished"))
    eq(done["state"], "cancelled", "stopped job is cancelled")
    entry = api.request("GET", "/v1/history/" + job["history_entry_id"], headers=h).json()
    eq(entry["status"], "cancelled", "history says cancelled")
    is_problem(act("stop"), 409, "invalid-job-state")
    # Firmware that refuses project_file (secured, not in Developer Mode) only says so in
    # its ack: the job fails with the ack's err_code instead of staying dispatched.
    w.vp_a.stdin.write("verify-failed on\n")
    w.vp_a.stdin.flush()
    try:
        ans = create_job(api, h, w.pa["id"], loc, name="refused")
        eq(ans.status, 201, "job sent %r" % ans)
        failed = wait_job(api, h, ans.json()["id"], ("failed", "finished", "cancelled"))
        eq((failed["state"], failed["print_error"]), ("failed", "0502-4007"), "refused job")
        check(failed["ended_at"], "ended")
    finally:
        w.vp_a.stdin.write("verify-failed off\n")
        w.vp_a.stdin.flush()


def slice_filament(path):
    """The plate 1 filament of an archive's slice_info.config, read independently of the
    cloud's own reader."""
    import xml.etree.ElementTree as ET
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("Metadata/slice_info.config"))
    plate = root.find("plate")
    meta = {m.get("key"): m.get("value") for m in plate.findall("metadata")}
    return int(float(meta["prediction"])), [
        {"filament": int(f.get("id")), "type": f.get("type"), "color": f.get("color").upper(),
         "weight_g": round(float(f.get("used_g")), 2),
         "length_mm": round(float(f.get("used_m")) * 1000, 1)}
        for f in plate.findall("filament")]


def test_corpus_prints(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "ana@example.org", "ana-password-1"))
    archives = sorted(os.path.join(CORPUS, "3mf", n) for n in os.listdir(os.path.join(CORPUS,
                                                                                     "3mf")))
    check(len(archives) >= 2, "corpus archives")
    for path in archives:
        wait_online(api, h, w.pa["id"])
        with open(path, "rb") as f:
            loc = upload_file(api, h, f.read(), name=os.path.basename(path))
        ans = create_job(api, h, w.pa["id"], loc, name=os.path.basename(path)[:40])
        eq(ans.status, 201, "job for %s: %r" % (path, ans))
        job = wait_job(api, h, ans.json()["id"], ("finished", "failed", "cancelled"), 120)
        eq(job["state"], "finished", "%s printed" % path)
        entry = api.request("GET", "/v1/history/" + job["history_entry_id"], headers=h).json()
        estimate, filament = slice_filament(path)
        eq(entry["status"], "finished", "history status of %s" % path)
        eq((entry["started_at"], entry["ended_at"]), (job["started_at"], job["ended_at"]),
           "history times of %s" % path)
        eq(entry["estimated_seconds"], estimate, "estimate of %s" % path)
        eq(entry["filament"], filament, "filament of %s" % path)
        eq(entry["has_thumbnail"], True, "thumbnail of %s" % path)


def test_privacy_history_off(w):
    api = w.cloud.api()
    h = auth(sign_in(api, "quiet@example.org", "quiet-password-3"))
    wait_online(api, h, w.pq["id"])
    with open(RINGS, "rb") as f:
        loc = upload_file(api, h, f.read())
    ans = create_job(api, h, w.pq["id"], loc)
    eq(ans.status, 201, "job %r" % ans)
    eq(ans.json()["history_entry_id"], None, "no history entry")
    eq(wait_job(api, h, ans.json()["id"], ("finished",))["state"], "finished", "printed")
    eq(api.request("GET", "/v1/history", headers=h).json()["items"], [], "history stays empty")
    stored = os.path.join(w.cloud.info["state_dir"], "uploads", loc.rsplit("/", 1)[1])
    check(not os.path.exists(stored), "the printed file is not kept without history")


def mqtt_client(w, user, password):
    c = mqtt.Client(client_id="test-" + secrets.token_hex(4), protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    c.tls_set_context(ssl.create_default_context(cafile=w.cloud.ca_file))
    state = {"rc": None, "granted": {}, "messages": [], "event": threading.Event(),
             "sub": threading.Event()}

    def on_connect(client, userdata, flags, rc):
        state["rc"] = rc
        state["event"].set()

    def on_subscribe(client, userdata, mid, granted):
        state["granted"][mid] = granted[0]
        state["sub"].set()
    c.on_connect = on_connect
    c.on_subscribe = on_subscribe
    c.on_message = lambda cl, u, msg: state["messages"].append(msg.topic)
    c.connect(w.cloud.info["mqtt_host"], w.cloud.info["mqtt_port"], keepalive=10)
    c.loop_start()
    check(state["event"].wait(10), "CONNACK")
    return c, state


def subscribe(c, state, topic):
    state["sub"].clear()
    _, mid = c.subscribe(topic, qos=0)
    check(state["sub"].wait(10), "SUBACK")
    return state["granted"][mid]


def test_broker_acl(w):
    api = w.cloud.api()
    t = sign_in(api, "ana@example.org", "ana-password-1")
    user = "u_" + w.ana["id"]
    c, st = mqtt_client(w, user, t["access_token"])
    try:
        eq(st["rc"], 0, "account connects with its access token")
        eq(subscribe(c, st, "device/%s/report" % w.serial_a), 0, "own printer granted")
        eq(subscribe(c, st, "device/%s/report" % w.serial_b), 0x80, "other account's printer")
        eq(subscribe(c, st, "device/+/report"), 0x80, "wildcard refused")
        c.publish("device/%s/request" % w.serial_a,
                  json.dumps({"pushing": {"command": "pushall"}}))
        deadline = time.monotonic() + 10
        while not st["messages"] and time.monotonic() < deadline:
            time.sleep(0.05)
        check(st["messages"], "reports of the bound printer arrive")
        check(all(m == "device/%s/report" % w.serial_a for m in st["messages"]),
              "only the bound printer's reports")
    finally:
        c.disconnect()
        c.loop_stop()
    c, st = mqtt_client(w, user, "at_wrong")
    c.loop_stop()
    eq(st["rc"], 5, "wrong password refused")
    c, st = mqtt_client(w, "u_" + w.bo["id"], t["access_token"])
    c.loop_stop()
    eq(st["rc"], 5, "another account's user with this token refused")
    # A refresh moves the password to the new token; a revocation disables the client.
    t2 = token_request(api, grant_type="refresh_token", refresh_token=t["refresh_token"]).json()
    c, st = mqtt_client(w, user, t["access_token"])
    c.loop_stop()
    eq(st["rc"], 5, "old access token refused after refresh")
    c, st = mqtt_client(w, user, t2["access_token"])
    eq(st["rc"], 0, "new access token accepted")
    dropped = threading.Event()
    c.on_disconnect = lambda *a: dropped.set()
    api.request("POST", "/v1/oauth/revoke", form(token=t2["refresh_token"],
                                                 client_id="atomform-connect"),
                dict(FORM, **{"Idempotency-Key": idem()}))
    check(dropped.wait(10), "the revoked family's connection is dropped")
    c.loop_stop()
    c, st = mqtt_client(w, user, t2["access_token"])
    c.loop_stop()
    eq(st["rc"], 5, "revoked: refused")


TESTS = [test_conventions, test_contract_routes, test_pkce_sign_in, test_loopback_redirect,
         test_device_flow, test_refresh_rotation, test_revocation, test_printers,
         test_strict_json, test_limits, test_upload_resume, test_rate_limit_and_5xx,
         test_broker_acl, test_cloud_print, test_corpus_prints, test_job_actions,
         test_privacy_history_off]


def main():
    only = os.environ.get("AF_CLOUD_TEST")
    tests = [t for t in TESTS if not only or t.__name__ in only.split(",")]
    print("1..%d" % len(tests))
    sys.stdout.flush()
    try:
        w = World()
    except Exception:
        traceback.print_exc()
        for i, t in enumerate(tests, 1):
            print("not ok %d - %s # the cloud or the virtual printer did not start"
                  % (i, t.__name__))
        return 1
    failed = 0
    try:
        for i, t in enumerate(tests, 1):
            start = time.monotonic()
            try:
                t(w)
                print("ok %d - %s (%.1f s)" % (i, t.__name__, time.monotonic() - start))
            except Exception:
                failed += 1
                print("not ok %d - %s" % (i, t.__name__))
                for line in traceback.format_exc().splitlines():
                    print("# " + line)
            sys.stdout.flush()
    finally:
        rc = w.stop()
        if rc != 0:
            print("# the cloud exited with %s" % rc)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
