# tests/cloud/rc_client.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small HTTPS client for tests and build-aux/cloud.sh: starts the reference cloud,
talks to its API as a browser or the app would, and to its admin endpoint."""

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.headers, self.body[:300])


class Https:
    """One keep-alive HTTPS connection that verifies the cloud's certificate."""

    def __init__(self, base_url, ca_file):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.conn = None

    def request(self, method, path, body=b"", headers=None, version="1.0"):
        hdrs = {"Host": "%s:%d" % (self.host, self.port)}
        if version:
            hdrs["AtomForm-API-Version"] = version
        hdrs.update(headers or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                        timeout=30)
            try:
                self.conn.putrequest(method, path, skip_host=True,
                                     skip_accept_encoding=True)
                for k, v in hdrs.items():
                    self.conn.putheader(k, v)
                if body or method in ("POST", "PATCH", "PUT"):
                    self.conn.putheader("Content-Length", str(len(body)))
                self.conn.endheaders(body or None)
                r = self.conn.getresponse()
                data = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    ssl.SSLEOFError):
                self.close()
                # A kept-alive connection the server had closed: once more on a new one.
                # On a fresh connection the failure is the answer (tests check drops).
                if fresh or attempt:
                    raise
                continue
            ans = Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
            if r.will_close:
                self.close()
            return ans

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def idem():
    return '"%s"' % uuid.uuid4()


def form(**fields):
    return urllib.parse.urlencode(fields)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


class Cloud:
    """A running reference cloud (a child process) and its admin endpoint."""

    def __init__(self, state_dir, extra_args=()):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "af-reference-cloud.py"),
             "--state-dir", state_dir] + list(extra_args),
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError("the reference cloud did not start (exit %s)"
                               % self.proc.returncode)
        self.info = json.loads(line)
        self.base_url = self.info["base_url"]
        self.ca_file = self.info["ca_file"]
        self.admin = Https(self.info["admin_url"], self.ca_file)

    def admin_call(self, method, path, body=None, expect=(200, 201, 204)):
        data = json.dumps(body).encode() if body is not None else b""
        ans = self.admin.request(method, path, data,
                                 {"Authorization": "Bearer " + self.info["admin_secret"],
                                  "Content-Type": "application/json"}, version=None)
        if ans.status not in expect:
            raise RuntimeError("admin %s %s: %r" % (method, path, ans))
        return ans.json() if ans.body else None

    def create_account(self, email, password, **extra):
        return self.admin_call("POST", "/admin/accounts",
                               dict(extra, email=email, password=password))

    def bind_printer(self, account_id, serial, model="C12", name=None):
        body = {"account_id": account_id, "serial": serial, "model": model}
        if name:
            body["name"] = name
        return self.admin_call("POST", "/admin/printers", body)

    def fault(self, **spec):
        return self.admin_call("POST", "/admin/faults", spec)

    def counters(self):
        return self.admin_call("GET", "/admin/counters")

    def advance(self, seconds):
        return self.admin_call("POST", "/admin/clock", {"advance_seconds": seconds})

    def api(self):
        return Https(self.base_url, self.ca_file)

    def stop(self):
        self.admin.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def pkce():
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def browser_sign_in(api, email, password, redirect_uri, challenge, state,
                    scope="account printers print history"):
    """Plays the browser: opens the authorize URL, submits the sign-in form, and returns
    the redirect's query (code and state, or error) as a dict."""
    q = urllib.parse.urlencode({"response_type": "code", "client_id": "atomform-connect",
                                "redirect_uri": redirect_uri, "code_challenge": challenge,
                                "code_challenge_method": "S256", "state": state,
                                "scope": scope})
    ans = api.request("GET", "/v1/oauth/authorize?" + q, version=None,
                      headers={"Accept": "text/html"})
    if ans.status != 200:
        return {"_page_status": ans.status, "_page": ans.body.decode()}
    m = re.search(r'name="auth_request" value="([^"]+)"', ans.body.decode())
    ans = api.request("POST", "/signin", form(auth_request=m.group(1), email=email,
                                              password=password, decision="allow"),
                      FORM, version=None)
    if ans.status != 302:
        return {"_page_status": ans.status, "_page": ans.body.decode()}
    loc = urllib.parse.urlsplit(ans.header("Location"))
    out = dict(urllib.parse.parse_qsl(loc.query))
    out["_redirect"] = "%s://%s%s" % (loc.scheme, loc.netloc, loc.path)
    return out


def token_request(api, key=None, **fields):
    fields.setdefault("client_id", "atomform-connect")
    return api.request("POST", "/v1/oauth/token", form(**fields),
                       dict(FORM, **{"Idempotency-Key": key or idem()}))


def sign_in(api, email, password):
    """The whole PKCE sign-in; returns the token answer."""
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(32)
    redirect_uri = "http://127.0.0.1:49213/callback"
    got = browser_sign_in(api, email, password, redirect_uri, challenge, state)
    assert got.get("state") == state, got
    ans = token_request(api, grant_type="authorization_code", code=got["code"],
                        redirect_uri=redirect_uri, code_verifier=verifier)
    assert ans.status == 200, ans
    return ans.json()


if __name__ == "__main__":
    sys.exit("this module is imported by tests and build-aux/cloud.sh")
