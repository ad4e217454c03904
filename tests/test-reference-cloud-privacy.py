#!/usr/bin/python3
# tests/test-reference-cloud-privacy.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The privacy part of the reference cloud (docs/cloud-api.md, "Privacy";
# docs/reference-cloud.md) over real HTTPS, with a cloud-mode virtual printer and the
# test clock: the settings and their ETag, consent withdrawal in 72 hours, history
# deletion that really removes rows and files, each data-rights request's lifecycle, the
# access export against the database, incognito prints, history reprinting off, the
# 90-day retention and the counters client tests rely on. TAP; meson suite "cloud".
#
#   test-reference-cloud-privacy.py [CORPUS_DIR]

import calendar
import importlib.util
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "cloud"))
sys.dont_write_bytecode = True

import rc_client  # noqa: E402
from rc_client import JSON, idem, sign_in  # noqa: E402

_spec = importlib.util.spec_from_file_location("rc_tests",
                                               os.path.join(HERE, "test-reference-cloud.py"))
T = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(T)
auth, check, eq, is_problem = T.auth, T.check, T.eq, T.is_problem
upload_file, create_job, wait_job, wait_online = (T.upload_file, T.create_job, T.wait_job,
                                                  T.wait_online)

RINGS = T.RINGS
HOUR = 3600
DAY = 86400
PURPOSES = ["print_history", "ux_improvement", "personalised_experience", "marketing",
            "analytics"]
DSR = ["access", "rectification", "erasure", "restriction", "portability", "objection"]


def ts(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def add_month(t, n=1):
    g = time.gmtime(t)
    m = g.tm_mon - 1 + n
    y, m = g.tm_year + m // 12, m % 12 + 1
    d = min(g.tm_mday, calendar.monthrange(y, m)[1])
    return calendar.timegm((y, m, d, g.tm_hour, g.tm_min, g.tm_sec))


class World:
    """One cloud, one printer shared by the accounts of the tests (bound to each in turn)."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="af-cloud-privacy-")
        self.cloud = rc_client.Cloud(os.path.join(self.tmp, "cloud"),
                                     ["--offline-after", "3", "--access-token-seconds",
                                      "86400", "--poll-seconds", "7"])
        self.state = self.cloud.info["state_dir"]
        self.vps = []
        self.accounts = {}

    def account(self, name, **extra):
        acc = self.cloud.create_account(name + "@example.org", name + "-password-1", **extra)
        self.accounts[name] = acc
        return acc

    def printer(self, name):
        """Binds a new cloud-mode virtual printer to the account."""
        serial = "01S00P%09d" % secrets.randbelow(10**9)
        binding = self.cloud.bind_printer(self.accounts[name]["id"], serial)
        path = os.path.join(self.tmp, serial + ".json")
        with open(path, "w") as f:
            json.dump(binding["device"], f)
        proc = subprocess.Popen(["/usr/bin/python3", T.VP, "--cloud-device", path,
                                 "--speed", "1500"], stdout=subprocess.PIPE,
                                stdin=subprocess.PIPE, text=True)
        self.vps.append(proc)
        if not proc.stdout.readline():
            raise RuntimeError("the virtual printer did not start (exit %s)" % proc.wait())
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        return binding

    def h(self, api, name):
        return auth(sign_in(api, name + "@example.org", name + "-password-1"))

    def data(self, name):
        return self.cloud.admin_call("GET", "/admin/accounts/%s/data"
                                     % self.accounts[name]["id"])

    def sql(self, query, *params):
        """Reads the cloud's database directly (the admin view could miss a row)."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.state, "cloud.db"),
                             uri=True)
        try:
            return db.execute(query, params).fetchall()
        finally:
            db.close()

    def stored(self, upload_id):
        return os.path.exists(os.path.join(self.state, "uploads", upload_id))

    def stop(self):
        for proc in self.vps:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(15)
        rc = self.cloud.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc


def print_one(w, api, h, printer, name):
    """A cloud print to FINISH; returns (job, upload id)."""
    wait_online(api, h, printer["id"])
    with open(RINGS, "rb") as f:
        loc = upload_file(api, h, f.read(), name=name + ".gcode.3mf")
    ans = create_job(api, h, printer["id"], loc, name=name)
    eq(ans.status, 201, "job %r" % ans)
    job = wait_job(api, h, ans.json()["id"], ("finished", "failed", "cancelled"))
    eq(job["state"], "finished", "print %s" % name)
    return job, loc.rsplit("/", 1)[1]


def post(api, h, path, body=None, key=None):
    data = json.dumps(body) if body is not None else b""
    hdrs = dict(h, **{"Idempotency-Key": key or idem()})
    if body is not None:
        hdrs.update(JSON)
    return api.request("POST", path, data, hdrs)


def get(api, h, path):
    ans = api.request("GET", path, headers=h)
    eq(ans.status, 200, "GET %s %r" % (path, ans))
    return ans.json()


def admin_request(w, rid, action, reason=None, expect=(200,)):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    return w.cloud.admin_call("POST", "/admin/privacy-requests/" + rid, body, expect=expect)


# === tests =====================================================================

def test_settings_etag(w):
    w.account("set")
    api = w.cloud.api()
    h = w.h(api, "set")
    ans = api.request("GET", "/v1/privacy/settings", headers=h)
    eq(ans.status, 200, "settings")
    eq(ans.json(), dict(ans.json(), incognito_printing=False, history_reprint=True,
                        file_retention_days=90, file_deletion_request_id=None,
                        file_deletion_due_at=None), "defaults")
    tag = ans.header("etag")
    check(tag and tag.startswith('"'), "a strong ETag")
    eq(api.request("GET", "/v1/privacy/settings", headers=dict(h, **{
        "If-None-Match": tag})).status, 304, "If-None-Match")
    mp = {"Content-Type": "application/merge-patch+json"}

    def patch(body, if_match=None, ctype=mp):
        hdrs = dict(h, **ctype)
        if if_match:
            hdrs["If-Match"] = if_match
        return api.request("PATCH", "/v1/privacy/settings", json.dumps(body), hdrs)
    is_problem(patch({"incognito_printing": True}), 428, "precondition-required")
    is_problem(patch({"incognito_printing": True}, tag, JSON), 415, "unsupported-media-type")
    body = is_problem(patch({"file_retention_days": 30}, tag), 422, "validation-failed")
    eq(body["errors"][0]["pointer"], "/file_retention_days", "read-only member")
    is_problem(patch({"incognito_printing": "yes"}, tag), 422, "validation-failed")
    is_problem(patch({"colour": True}, tag), 422, "validation-failed")
    ans = patch({"incognito_printing": True}, tag)
    eq(ans.status, 200, "PATCH %r" % ans)
    eq(ans.json()["incognito_printing"], True, "incognito on")
    new = ans.header("etag")
    check(new != tag, "a new ETag")
    # Another device changed the settings: the stale ETag is refused, nothing changes.
    is_problem(patch({"incognito_printing": False}, tag), 412, "precondition-failed")
    eq(get(api, h, "/v1/privacy/settings")["incognito_printing"], True, "not overwritten")
    ans = patch({"incognito_printing": False}, new)
    eq((ans.status, ans.json()["incognito_printing"]), (200, False), "with the fresh ETag")
    # history_reprint off and on again: with no stored file, no deletion request.
    ans = patch({"history_reprint": False}, ans.header("etag"))
    eq((ans.json()["history_reprint"], ans.json()["file_deletion_request_id"]), (False, None),
       "history off, nothing to delete")
    ans = patch({"history_reprint": True}, ans.header("etag"))
    eq((ans.status, ans.json()["history_reprint"]), (200, True), "history on again")


def test_consent_withdrawal(w):
    acc = w.account("wd", consents={"marketing": "refused"})
    p = w.printer("wd")
    api = w.cloud.api()
    h = w.h(api, "wd")
    job, upload = print_one(w, api, h, p, "before")
    check(w.stored(upload), "a stored file before the withdrawal")
    lst = get(api, h, "/v1/consents")
    eq([c["purpose_id"] for c in lst["items"]], PURPOSES, "every purpose")
    eq(lst["pii_principal_id"], acc["id"], "principal")
    status = {c["purpose_id"]: c["status"] for c in lst["items"]}
    eq(status["marketing"], "refused", "marketing refused at creation")
    is_problem(post(api, h, "/v1/consents/marketing/withdrawal"), 409, "consent-not-given")
    is_problem(post(api, h, "/v1/consents/nothing/withdrawal"), 404, "not-found")
    requests = {}
    for purpose in [x for x in PURPOSES if x != "marketing"]:
        key = idem()
        ans = post(api, h, "/v1/consents/%s/withdrawal" % purpose, key=key)
        eq(ans.status, 202, "withdrawal of %s %r" % (purpose, ans))
        req = ans.json()
        eq(ans.header("location"), "/v1/privacy/requests/" + req["id"], "Location")
        eq(ans.header("retry-after"), "7", "Retry-After")
        eq((req["type"], req["status"], req["purpose_id"], req["article"]),
           ("consent_withdrawal", "pending", purpose, "Art. 7(3)"), "request")
        eq(ts(req["sla_due_at"]) - ts(req["received_at"]), 72 * HOUR, "72 hours")
        eq(req["due_at"], req["sla_due_at"], "the SLA binds")
        eq(ts(req["legal_due_at"]), add_month(ts(req["received_at"])), "one month")
        # The same key again: the same answer, nothing new.
        again = post(api, h, "/v1/consents/%s/withdrawal" % purpose, key=key)
        eq((again.status, again.json()["id"], again.header("idempotent-replayed")),
           (202, req["id"], "true"), "replay")
        # Another key while pending: the pending request, nothing new.
        other = post(api, h, "/v1/consents/%s/withdrawal" % purpose)
        eq((other.status, other.json()["id"]), (200, req["id"]), "already pending")
        c = get(api, h, "/v1/consents/" + purpose)
        eq((c["status"], c["withdrawal_request_id"], c["withdrawal_due_at"]),
           ("withdrawal_pending", req["id"], req["sla_due_at"]), "pending with its deadline")
        counts = w.cloud.counters()
        eq(counts["privacy_requests_by_idempotency_key"].get(key), 1, "one request per key")
        eq((counts["idempotency_keys"][key]["received"],
            counts["idempotency_keys"][key]["processed"]), (2, 1), "received twice, once done")
        requests[purpose] = req
    is_problem(post(api, h, "/v1/consents/analytics/grant",
                    {"notice_version": "2026-06-01"}), 409, "withdrawal-pending")
    w.cloud.advance(71 * HOUR)
    h = w.h(api, "wd")
    for purpose, req in requests.items():
        eq(get(api, h, "/v1/privacy/requests/" + req["id"])["status"], "pending",
           "still pending at 71 h")
    check(w.stored(upload), "the file is kept while the withdrawal is pending")
    w.cloud.advance(HOUR)
    h = w.h(api, "wd")
    for purpose, req in requests.items():
        ans = api.request("GET", "/v1/privacy/requests/" + req["id"], headers=h)
        r = ans.json()
        eq((r["status"], r["closed_at"]), ("completed", req["sla_due_at"]),
           "%s completed at 72 h" % purpose)
        eq(ans.header("retry-after"), None, "no polling hint once closed")
        c = get(api, h, "/v1/consents/" + purpose)
        eq((c["status"], c["withdrawn_at"], c["withdrawal_due_at"]),
           ("withdrawn", req["sla_due_at"], None), "%s withdrawn" % purpose)
        eq([e["event_type"] for e in c["events"]], ["given", "withdrawal_requested",
                                                     "withdrawn"], "27560 events")
    # print_history: history reprinting stops and the stored files go; entries stay.
    s = get(api, h, "/v1/privacy/settings")
    eq(s["history_reprint"], False, "history reprinting off after the withdrawal")
    check(not w.stored(upload), "the stored file was deleted")
    e = get(api, h, "/v1/history/" + job["history_entry_id"])
    eq(e["file_available"], False, "entry kept, file gone")
    is_problem(post(api, h, "/v1/consents/analytics/withdrawal"), 409, "consent-not-given")
    # Consent is needed to switch history back on; giving it takes the current notice.
    ans = api.request("PATCH", "/v1/privacy/settings", json.dumps({"history_reprint": True}),
                      dict(h, **{"Content-Type": "application/merge-patch+json",
                                 "If-Match": api.request("GET", "/v1/privacy/settings",
                                                         headers=h).header("etag")}))
    is_problem(ans, 409, "consent-required")
    is_problem(post(api, h, "/v1/consents/print_history/grant", {"notice_version": "2020-01"}),
               409, "notice-outdated")
    ans = post(api, h, "/v1/consents/print_history/grant", {"notice_version": "2026-06-01"})
    eq((ans.status, ans.json()["status"]), (200, "given"), "given again")


def test_history_deletion(w):
    w.account("del")
    p = w.printer("del")
    api = w.cloud.api()
    h = w.h(api, "del")
    jobs = [print_one(w, api, h, p, "part-%d" % i) for i in range(4)]
    entries = [j["history_entry_id"] for j, _ in jobs]
    uploads = [u for _, u in jobs]
    for u in uploads:
        check(w.stored(u), "stored before")
    # Refused shapes.
    is_problem(post(api, h, "/v1/history/deletions", {}), 422, "validation-failed")
    is_problem(post(api, h, "/v1/history/deletions", {"entry_ids": entries[:1],
                                                      "all_entries": True}),
               422, "validation-failed")
    is_problem(post(api, h, "/v1/history/deletions", {"entry_ids": ["a b"]}), 422,
               "validation-failed")
    is_problem(post(api, h, "/v1/history/deletions", {"entry_ids": entries[:1] * 2}), 422,
               "validation-failed")
    many = ["his_x%d" % i for i in range(101)]
    is_problem(post(api, h, "/v1/history/deletions", {"entry_ids": many}), 422,
               "validation-failed")
    at_limit = post(api, h, "/v1/history/deletions", {"entry_ids": many[:100]})
    eq((at_limit.status, at_limit.json()["not_found_entry_ids"], at_limit.json()["entry_ids"]),
       (202, many[:100], []), "100 ids, none of them the account's")
    is_problem(api.request("POST", "/v1/history/deletions", json.dumps({"all_entries": True}),
                           dict(h, **JSON)), 400, "missing-idempotency-key")
    # One entry.
    key = idem()
    one = post(api, h, "/v1/history/deletions", {"entry_ids": [entries[0], "his_gone"]}, key)
    eq(one.status, 202, "deletion of one %r" % one)
    r1 = one.json()
    eq((r1["entry_ids"], r1["not_found_entry_ids"], r1["all_entries"]),
       ([entries[0]], ["his_gone"], False), "covers the one that exists")
    eq(ts(r1["sla_due_at"]) - ts(r1["received_at"]), 72 * HOUR, "72 hours")
    e = get(api, h, "/v1/history/" + entries[0])
    eq((e["deletion_pending"], e["deletion_due_at"], e["deletion_request_id"]),
       (True, r1["sla_due_at"], r1["id"]), "entry shows deletion pending until")
    eq(get(api, h, "/v1/history/" + entries[1])["deletion_pending"], False, "others not")
    ans = api.request("POST", "/v1/jobs", json.dumps({
        "printer_id": p["id"], "history_entry_id": entries[0], "name": "reprint",
        "options": {"plate": 1}}), dict(h, **JSON, **{"Idempotency-Key": idem()}))
    is_problem(ans, 409, "deletion-pending")
    eq(post(api, h, "/v1/history/deletions", {"entry_ids": [entries[0], "his_gone"]},
            key).json()["id"], r1["id"], "a replay is the same request")
    # Several.
    r2 = post(api, h, "/v1/history/deletions", {"entry_ids": entries[1:3]}).json()
    eq(r2["entry_ids"], entries[1:3], "several")
    w.cloud.advance(72 * HOUR - 60)
    h = w.h(api, "del")
    eq(get(api, h, "/v1/history/" + entries[0])["deletion_pending"], True,
       "still there a minute before the deadline")
    w.cloud.advance(60)
    h = w.h(api, "del")
    for rid, covered in ((r1["id"], entries[:1]), (r2["id"], entries[1:3])):
        r = get(api, h, "/v1/privacy/requests/" + rid)
        eq(r["status"], "completed", "deletion completed at 72 h")
        for eid in covered:
            is_problem(api.request("GET", "/v1/history/" + eid, headers=h), 404, "not-found")
    eq(get(api, h, "/v1/privacy/requests/" + r2["id"])["outcome"],
       "Deleted: 2 history entries and 2 stored files.", "outcome")
    data = w.data("del")
    eq([x["id"] for x in data["history"]], entries[3:], "rows gone from the database")
    eq([x["id"] for x in data["jobs"]], [jobs[3][0]["id"]], "job rows gone")
    eq([x["id"] for x in data["uploads"]], uploads[3:], "upload rows gone")
    eq([x["upload_id"] for x in data["thumbnails"]], uploads[3:], "thumbnails gone")
    eq(w.sql("SELECT upload_id FROM thumbnails WHERE upload_id IN (?,?,?,?) ORDER BY "
             "upload_id", *uploads), [(uploads[3],)], "no thumbnail row of a deleted print")
    eq(w.sql("SELECT COUNT(*) FROM uploads WHERE id IN (?,?,?)", *uploads[:3]), [(0,)],
       "no upload row of a deleted print")
    for u in uploads[:3]:
        check(not w.stored(u), "file %s gone from disk" % u)
    names = json.dumps(data["idem"])
    for j, u in jobs[:3]:
        check(j["id"] not in names and u not in names, "no stored answer names a deleted print")
    check(jobs[3][0]["id"] in names, "the kept print's stored answer is still there")
    # All.
    r3 = post(api, h, "/v1/history/deletions", {"all_entries": True}).json()
    eq((r3["entry_ids"], r3["all_entries"]), (entries[3:], True), "all of what exists")
    w.cloud.advance(72 * HOUR)
    h = w.h(api, "del")
    eq(get(api, h, "/v1/history")["items"], [], "history empty")
    data = w.data("del")
    eq((data["history"], data["jobs"], data["uploads"], data["thumbnails"], data["files"]),
       ([], [], [], [], []), "nothing of the prints is left")
    check(not w.stored(uploads[3]), "last file gone")


def test_dsr_lifecycles(w):
    acc = w.account("dsr")
    p = w.printer("dsr")
    api = w.cloud.api()
    h = w.h(api, "dsr")
    job, upload = print_one(w, api, h, p, "mine")
    unfinished = T.upload_start(api, h, 1000).rsplit("/", 1)[1]
    is_problem(post(api, h, "/v1/privacy/requests", {"type": "delete"}), 422,
               "validation-failed")
    is_problem(post(api, h, "/v1/privacy/requests", {"type": "access",
                                                     "rectify": {"display_name": "X"}}),
               422, "validation-failed")
    is_problem(post(api, h, "/v1/privacy/requests", {"type": "access",
                                                     "scope": {"purposes": ["marketing"]}}),
               422, "validation-failed")
    is_problem(post(api, h, "/v1/privacy/requests", {"type": "objection",
                                                     "scope": {"purposes": ["nope"]}}),
               422, "validation-failed")
    is_problem(post(api, h, "/v1/privacy/requests", {"type": "access", "details": "x" * 2001}),
               422, "validation-failed")
    bodies = {"access": {"type": "access"}, "portability": {"type": "portability"},
              "rectification": {"type": "rectification", "details": "Misspelt",
                                "rectify": {"display_name": "Dee Ess"}},
              "erasure": {"type": "erasure"},
              "restriction": {"type": "restriction", "scope": {"purposes": ["analytics"]}},
              "objection": {"type": "objection", "scope": {"purposes": ["marketing"]}}}
    reqs, keys = {}, {}
    for t in DSR:
        keys[t] = idem()
        ans = post(api, h, "/v1/privacy/requests", bodies[t], keys[t])
        eq(ans.status, 202, "%s request %r" % (t, ans))
        r = ans.json()
        eq((r["type"], r["status"], r["sla_due_at"], r["cancellable"]),
           (t, "pending", None, True), "%s pending" % t)
        eq(ts(r["legal_due_at"]), add_month(ts(r["received_at"])), "one calendar month")
        eq(r["due_at"], r["legal_due_at"], "the legal deadline binds")
        eq(post(api, h, "/v1/privacy/requests", bodies[t], keys[t]).json()["id"], r["id"],
           "replay")
        reqs[t] = r
    is_problem(post(api, h, "/v1/privacy/requests", {"type": "objection"}, keys["access"]),
               422, "idempotency-key-reused")
    bare = post(api, h, "/v1/privacy/requests", {"type": "rectification"}).json()
    cancel_me = post(api, h, "/v1/privacy/requests", {"type": "access"}).json()
    ans = api.request("DELETE", "/v1/privacy/requests/" + cancel_me["id"], headers=h)
    eq((ans.status, ans.json()["status"], ans.json()["cancellable"]),
       (200, "cancelled", False), "cancelled while pending")
    eq(api.request("DELETE", "/v1/privacy/requests/" + cancel_me["id"],
                   headers=h).json()["status"], "cancelled", "cancel again: same answer")
    counts = w.cloud.counters()["privacy_requests_by_idempotency_key"]
    for t in DSR:
        eq(counts.get(keys[t]), 1, "exactly one %s request" % t)
    listed = get(api, h, "/v1/privacy/requests?limit=3")
    eq(len(listed["items"]), 3, "paged")
    check(listed["next_cursor"], "next page")
    rest = get(api, h, "/v1/privacy/requests?limit=100&cursor=" + listed["next_cursor"])
    ids = [x["id"] for x in listed["items"] + rest["items"]]
    eq(sorted(ids), sorted([r["id"] for r in reqs.values()] + [bare["id"], cancel_me["id"]]),
       "every request once")
    # 24 h: in progress; the rectification that says nothing is rejected.
    w.cloud.advance(DAY)
    h = w.h(api, "dsr")
    for t in DSR:
        eq(get(api, h, "/v1/privacy/requests/" + reqs[t]["id"])["status"], "in_progress",
           "%s in progress" % t)
    b = get(api, h, "/v1/privacy/requests/" + bare["id"])
    eq((b["status"], b["rejection_reason"]),
       ("rejected", "The request does not say what to correct."), "rejected with reason")
    is_problem(api.request("DELETE", "/v1/privacy/requests/" + reqs["access"]["id"],
                           headers=h), 409, "request-not-cancellable")
    # The controller extends the objection (with its reason) and rejects the restriction.
    ext = admin_request(w, reqs["objection"]["id"], "extend", "Many requests this month.")
    eq((ext["status"], ext["extension_reason"]), ("extended", "Many requests this month."),
       "extended")
    eq(ts(ext["extended_due_at"]), add_month(ts(ext["received_at"]), 3), "by two more months")
    eq(ext["due_at"], ext["extended_due_at"], "the extension binds")
    admin_request(w, reqs["objection"]["id"], "extend", "again", expect=(409,))
    rej = admin_request(w, reqs["restriction"]["id"], "reject", "Identity not verified.")
    eq((rej["status"], rej["rejection_reason"]), ("rejected", "Identity not verified."),
       "rejected")
    # Access is completed now (the admin forces it) so its copy holds the print.
    done = admin_request(w, reqs["access"]["id"], "complete")
    eq(done["status"], "completed", "access completed")
    eq(done["result_url"], "/v1/privacy/requests/%s/result" % done["id"], "result_url")
    eq(ts(done["result_expires_at"]) - ts(done["closed_at"]), 7 * DAY, "7 days to download")
    ans = api.request("GET", done["result_url"], headers=h)
    eq((ans.status, ans.header("content-type"), ans.header("cache-control")),
       (200, "application/json", "no-store"), "download")
    eq(len(ans.body), done["result_bytes"], "result_bytes")
    exp = ans.json()
    data = w.data("dsr")
    eq(exp["format"], "atomform-export/1", "format")
    eq(exp["account"]["email"], data["accounts"][0]["email"], "account")
    eq([e["id"] for e in exp["print_history"]], [r["id"] for r in data["history"]], "history")
    eq([e["title"] for e in exp["print_history"]], [r["title"] for r in data["history"]],
       "titles")
    eq([j["id"] for j in exp["jobs"]], [r["id"] for r in data["jobs"]], "jobs")
    eq(sorted((u["id"], u["filename"], u["md5"]) for u in exp["uploads"]),
       sorted((r["id"], r["filename"], r["md5"]) for r in data["uploads"]), "uploads")
    eq(sorted(r["id"] for r in exp["privacy_requests"]),
       sorted(r["id"] for r in data["privacy_requests"]), "privacy requests")
    eq([(c["purpose_id"], c["status"]) for c in exp["consents"]],
       sorted((r["purpose_id"], r["status"]) for r in data["consents"]), "consents")
    eq(len(exp["sessions"]), len(data["families"]), "sessions")
    eq([x["id"] for x in exp["printers"]], [p["id"]], "printers")
    check(exp["processing"]["retention"]["print_files_days"] == 90, "Art. 15 information")
    eq(api.request("GET", done["result_url"]).status, 401, "the copy needs the token")
    other = w.account("dsr-other")
    ho = w.h(api, "dsr-other")
    is_problem(api.request("GET", done["result_url"], headers=ho), 404, "not-found")
    is_problem(api.request("GET", "/v1/privacy/requests/%s/result" % reqs["erasure"]["id"],
                           headers=h), 404, "not-found")
    check(other, "another account")
    eq(post(api, ho, "/v1/privacy/requests", {"type": "access", "details": "é" * 1000}).status,
       202, "details of 2000 bytes")
    is_problem(post(api, ho, "/v1/privacy/requests", {"type": "access",
                                                      "details": "é" * 1000 + "x"}),
               422, "validation-failed")
    eq(post(api, ho, "/v1/privacy/requests", {"type": "rectification",
                                              "rectify": {"display_name": "n" * 64}}).status,
       202, "a name of 64 characters")
    is_problem(post(api, ho, "/v1/privacy/requests", {"type": "rectification",
                                                      "rectify": {"display_name": "n" * 65}}),
               422, "validation-failed")
    # 7 days: the rest completes by itself (the extended one waits for its legal date).
    w.cloud.advance(6 * DAY)
    h = w.h(api, "dsr")
    for t in ("portability", "rectification", "erasure"):
        eq(get(api, h, "/v1/privacy/requests/" + reqs[t]["id"])["status"], "completed",
           "%s completed in 7 days" % t)
    eq(get(api, h, "/v1/privacy/requests/" + reqs["objection"]["id"])["status"], "extended",
       "extended still open")
    eq(get(api, h, "/v1/account")["display_name"], "Dee Ess", "rectified")
    port = get(api, h, get(api, h, "/v1/privacy/requests/" +
                           reqs["portability"]["id"])["result_url"])
    eq((port["type"], "jobs" in port, "printers" in port), ("portability", False, False),
       "portability holds what the user provided")
    # Erasure removed the print information, rows and files; requests and consents stay.
    data = w.data("dsr")
    eq((data["history"], data["jobs"], data["uploads"], data["thumbnails"]),
       ([], [], [], []), "erased rows")
    check(not w.stored(upload), "erased file")
    eq(w.sql("SELECT COUNT(*) FROM uploads WHERE account_id = ?", acc["id"]), [(0,)],
       "no upload row, not even the unfinished %s" % unfinished)
    eq(w.sql("SELECT COUNT(*) FROM thumbnails WHERE upload_id = ?", upload), [(0,)],
       "no thumbnail")
    eq([f for f in data["files"] if f.startswith("uploads/")], [], "no stored upload")
    check(not any(r["route"] in ("POST /v1/jobs", "POST /v1/uploads") for r in data["idem"]),
          "no stored answers of prints")
    eq(len(data["privacy_requests"]), 8, "requests kept as the record")
    is_problem(api.request("GET", done["result_url"], headers=h), 410, "result-expired")
    check(not os.path.exists(os.path.join(w.state, "exports", done["id"] + ".json")),
          "the erased copy is gone from disk")
    w.cloud.advance(31 * DAY)
    h = w.h(api, "dsr")
    eq(get(api, h, "/v1/privacy/requests/" + reqs["objection"]["id"])["status"], "completed",
       "the extended request completed by its date")
    # A portability copy expires 7 days after completion.
    por = get(api, h, "/v1/privacy/requests/" + reqs["portability"]["id"])
    is_problem(api.request("GET", por["result_url"], headers=h), 410, "result-expired")
    eq([f for f in w.data("dsr")["files"] if f.startswith("exports/")], [], "copies deleted")
    check(acc, "account")


def test_incognito_print(w):
    w.account("inc")
    p = w.printer("inc")
    api = w.cloud.api()
    h = w.h(api, "inc")
    tag = api.request("GET", "/v1/privacy/settings", headers=h).header("etag")
    ans = api.request("PATCH", "/v1/privacy/settings", json.dumps({"incognito_printing": True}),
                      dict(h, **{"Content-Type": "application/merge-patch+json",
                                 "If-Match": tag}))
    eq(ans.status, 200, "incognito on")
    key = idem()
    wait_online(api, h, p["id"])
    with open(RINGS, "rb") as f:
        loc = upload_file(api, h, f.read(), name="secret.gcode.3mf")
    upload = loc.rsplit("/", 1)[1]
    ans = create_job(api, h, p["id"], loc, name="secret", key=key)
    eq(ans.status, 201, "incognito job %r" % ans)
    eq(ans.json()["history_entry_id"], None, "no history entry")
    job = wait_job(api, h, ans.json()["id"], ("finished", "failed"))
    eq(job["state"], "finished", "the print finished")
    eq(get(api, h, "/v1/history")["items"], [], "no history")
    deadline = time.monotonic() + 5
    while w.stored(upload) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(not w.stored(upload), "no stored file once the job ended")
    data = w.data("inc")
    eq(data["history"], [], "no history row")
    w.cloud.advance(DAY)
    data = w.data("inc")
    eq((data["jobs"], data["uploads"], data["thumbnails"], data["files"]), ([], [], [], []),
       "a day later nothing of the print is left")
    check("secret" not in json.dumps(data), "the name is nowhere")


def test_history_reprint_off(w):
    w.account("off")
    p = w.printer("off")
    api = w.cloud.api()
    h = w.h(api, "off")
    job, upload = print_one(w, api, h, p, "kept")
    tag = api.request("GET", "/v1/privacy/settings", headers=h).header("etag")
    ans = api.request("PATCH", "/v1/privacy/settings", json.dumps({"history_reprint": False}),
                      dict(h, **{"Content-Type": "application/merge-patch+json",
                                 "If-Match": tag}))
    eq(ans.status, 200, "history off %r" % ans)
    s = ans.json()
    check(s["file_deletion_request_id"], "a file deletion request")
    req = get(api, h, "/v1/privacy/requests/" + s["file_deletion_request_id"])
    eq((req["type"], req["status"], req["due_at"]), ("file_deletion", "pending",
                                                     s["file_deletion_due_at"]), "request")
    eq(ts(req["sla_due_at"]) - ts(req["received_at"]), 72 * HOUR, "72 hours")
    # A print while history is off leaves neither entry nor file.
    job2, upload2 = print_one(w, api, h, p, "unkept")
    eq(job2["history_entry_id"], None, "no entry while off")
    check(w.stored(upload), "the old file stays until the deadline")
    w.cloud.advance(72 * HOUR)
    h = w.h(api, "off")
    check(not w.stored(upload), "deleted by the deadline")
    check(not w.stored(upload2), "the file printed while off was never kept")
    e = get(api, h, "/v1/history/" + job["history_entry_id"])
    eq((e["file_available"], e["file_expires_at"]), (False, None), "entry stays, file gone")
    s = get(api, h, "/v1/privacy/settings")
    eq((s["file_deletion_request_id"], s["file_deletion_due_at"]), (None, None),
       "no deletion pending any more")
    eq(get(api, h, "/v1/privacy/requests/" + req["id"])["status"], "completed", "completed")


def test_retention(w):
    w.account("ret")
    p = w.printer("ret")
    api = w.cloud.api()
    h = w.h(api, "ret")
    job, upload = print_one(w, api, h, p, "old")
    e = get(api, h, "/v1/history/" + job["history_entry_id"])
    eq(ts(e["file_expires_at"]) - ts(e["created_at"]), 90 * DAY, "90 days")
    w.cloud.advance(ts(e["file_expires_at"]) - ts(w.cloud.admin_call(
        "GET", "/admin/clock")["now"]) - 60)
    h = w.h(api, "ret")
    check(w.stored(upload), "kept a minute before")
    w.cloud.advance(61)
    h = w.h(api, "ret")
    check(not w.stored(upload), "deleted at 90 days")
    eq(get(api, h, "/v1/history/" + job["history_entry_id"])["file_available"], False,
       "entry says so")


def test_counters(w):
    c0 = w.cloud.counters()
    api = w.cloud.api()
    for _ in range(3):
        fresh = rc_client.Https(w.cloud.base_url, w.cloud.ca_file)
        fresh.request("GET", "/v1/service-status")
        fresh.close()
    api.close()
    c1 = w.cloud.counters()
    eq(c1["connections"]["api"] - c0["connections"]["api"], 3, "three connections counted")
    eq(c1["routes_total"]["GET /v1/service-status"]
       - c0["routes_total"].get("GET /v1/service-status", 0), 3, "route totals")
    broker = c1["connections"]["broker_by_username"]
    check(any(k.startswith("dev_") and v >= 1 for k, v in broker.items()),
          "printer connections to the broker counted: %r" % broker)
    # Kept across a restart of the cloud with the same state directory.
    state = w.state
    w.cloud.stop()
    w.cloud = rc_client.Cloud(state, ["--offline-after", "3"])
    c2 = w.cloud.counters()
    eq(c2["connections"]["api"], c1["connections"]["api"], "connections kept")
    eq(c2["privacy_requests_by_idempotency_key"], c1["privacy_requests_by_idempotency_key"],
       "request counts kept")


TESTS = [test_settings_etag, test_consent_withdrawal, test_history_deletion,
         test_dsr_lifecycles, test_incognito_print, test_history_reprint_off, test_retention,
         test_counters]


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
            print("not ok %d - %s # the cloud did not start" % (i, t.__name__))
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
