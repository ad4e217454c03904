# tests/cloud/rc_privacy.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The privacy part of the reference cloud (docs/cloud-api.md, "Privacy"): settings,
consents, history deletion, data-rights requests, their processing on the test clock and
the admin calls that force it. See docs/reference-cloud.md."""

import calendar
import json
import os
import time

from rc_core import (ID_RE, Response, invalid, json_response, new_id, parse_json,
                     problem, rfc3339, utf8_len, validation)

NOTICE_VERSION = "2026-06-01"
NOTICE_URL = "https://atomform.tech/privacy"
SLA_SECONDS = 72 * 3600
DSR_START_SECONDS = 24 * 3600
DSR_DONE_SECONDS = 7 * 86400
RESULT_TTL = 7 * 86400
INCOGNITO_JOB_TTL = 86400
MAX_DETAILS = 2000
MAX_ENTRY_IDS = 100
MAX_DISPLAY_NAME = 64

PURPOSES = {
    "print_history": ("Keep print history and printing files for reprinting",
                      "service_provision", ["print_information"]),
    "ux_improvement": ("User-experience improvement programme (printer camera data)",
                       "research_and_development", ["printer_camera_information"]),
    "personalised_experience": ("Individualised experience and content", "personalisation",
                                ["account_information", "usage_information"]),
    "marketing": ("Marketing and advertising communications", "marketing",
                  ["account_information", "contact_information"]),
    "analytics": ("Usage analytics", "analytics", ["usage_information"]),
}
DSR_TYPES = {"access": "Art. 15", "rectification": "Art. 16", "erasure": "Art. 17",
             "restriction": "Art. 18", "portability": "Art. 20", "objection": "Art. 21"}
SLA_TYPES = {"consent_withdrawal": "Art. 7(3)", "history_deletion": "Art. 17",
             "file_deletion": "Art. 17"}
OPEN = ("pending", "in_progress", "extended")
# Idempotency records of these routes hold print information (names, ids of prints); the
# privacy routes' records hold only request ids and are kept, so a replay never redoes them.
PRINT_ROUTES = ("POST /v1/jobs", "POST /v1/uploads", "POST /v1/jobs/{job_id}/actions")

SCHEMA = """
CREATE TABLE IF NOT EXISTS privacy_settings (account_id TEXT PRIMARY KEY,
  incognito INTEGER NOT NULL DEFAULT 0, retention_days INTEGER NOT NULL DEFAULT 90,
  version INTEGER NOT NULL DEFAULT 1, updated_at REAL);
CREATE TABLE IF NOT EXISTS consents (account_id TEXT, purpose_id TEXT, status TEXT,
  given_at REAL, refused_at REAL, withdrawn_at REAL, withdrawal_requested_at REAL,
  withdrawal_request_id TEXT, notice_version TEXT, collection_method TEXT,
  receipt_id TEXT, updated_at REAL, PRIMARY KEY (account_id, purpose_id));
CREATE TABLE IF NOT EXISTS consent_events (seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT, purpose_id TEXT, event_time REAL, event_type TEXT,
  notice_version TEXT, actor TEXT, request_id TEXT);
CREATE TABLE IF NOT EXISTS privacy_requests (id TEXT PRIMARY KEY, account_id TEXT,
  type TEXT, status TEXT, received_at REAL, updated_at REAL, sla_due_at REAL,
  legal_due_at REAL, extended_due_at REAL, closed_at REAL, purpose_id TEXT,
  entry_ids TEXT, all_entries INTEGER NOT NULL DEFAULT 0, not_found TEXT, details TEXT,
  scope TEXT, rectify TEXT, rejection_reason TEXT, extension_reason TEXT, outcome TEXT,
  result_path TEXT, result_expires_at REAL, result_bytes INTEGER, idem_key TEXT);
CREATE TABLE IF NOT EXISTS counters (kind TEXT, name TEXT, n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, name));
CREATE TABLE IF NOT EXISTS idem_counts (key TEXT PRIMARY KEY, route TEXT,
  received INTEGER NOT NULL DEFAULT 0, processed INTEGER NOT NULL DEFAULT 0);
"""


def create_schema(cloud):
    cloud.db.executescript(SCHEMA)
    cols = [r[1] for r in cloud.db.execute("PRAGMA table_info(jobs)").fetchall()]
    if "incognito" not in cols:
        cloud.db.execute("ALTER TABLE jobs ADD COLUMN incognito INTEGER NOT NULL DEFAULT 0")
    cloud.exports_dir = os.path.join(cloud.state, "exports")
    os.makedirs(cloud.exports_dir, exist_ok=True)


def add_months(ts, n):
    """One calendar month on (Regulation 1182/71): the same day, or the month's last."""
    t = time.gmtime(ts)
    m = t.tm_mon - 1 + n
    y, m = t.tm_year + m // 12, m % 12 + 1
    d = min(t.tm_mday, calendar.monthrange(y, m)[1])
    return calendar.timegm((y, m, d, t.tm_hour, t.tm_min, t.tm_sec)) + (ts - int(ts))


# --- counters ------------------------------------------------------------------

def bump(cloud, kind, name, n=1):
    with cloud.lock:
        cloud.db.execute("INSERT INTO counters VALUES (?,?,?) ON CONFLICT(kind, name) DO "
                         "UPDATE SET n = n + ?", (kind, name, n, n))


def count_key(cloud, key, route, processed):
    with cloud.lock:
        cloud.db.execute("INSERT INTO idem_counts VALUES (?,?,0,0) ON CONFLICT(key) DO NOTHING",
                         (key, route))
        cloud.db.execute("UPDATE idem_counts SET received = received + ?, processed = "
                         "processed + ? WHERE key = ?", (0 if processed else 1,
                                                         1 if processed else 0, key))


def broker_connections(cloud):
    """MQTT clients that connected to the cloud broker, per user name (mosquitto's log)."""
    out = {}
    try:
        with open(os.path.join(cloud.state, "mosquitto.log"), errors="replace") as f:
            for line in f:
                if "New client connected" not in line:
                    continue
                i = line.rfind("u'")
                if i < 0:
                    continue
                name = line[i + 2:line.find("'", i + 2)]
                out[name] = out.get(name, 0) + 1
    except FileNotFoundError:
        pass
    return out


def counters(cloud):
    with cloud.lock:
        rows = cloud.db.execute("SELECT * FROM counters").fetchall()
        keys = cloud.db.execute("SELECT * FROM idem_counts").fetchall()
        reqs = cloud.db.execute("SELECT idem_key, COUNT(*) AS n FROM privacy_requests WHERE "
                                "idem_key IS NOT NULL GROUP BY idem_key").fetchall()
    conns = {r["name"]: r["n"] for r in rows if r["kind"] == "connection"}
    return {"connections": {"api": conns.get("api", 0),
                            "broker_by_username": broker_connections(cloud)},
            "routes_total": {r["name"]: r["n"] for r in rows if r["kind"] == "route"},
            "idempotency_keys": {r["key"]: {"route": r["route"], "received": r["received"],
                                            "processed": r["processed"]} for r in keys},
            "privacy_requests_by_idempotency_key": {r["idem_key"]: r["n"] for r in reqs}}


# --- state and representations ------------------------------------------------------

def ensure_account(cloud, account_id, consents=None):
    """Creates the settings row and the consent records of an account if missing."""
    now = cloud.clock.now()
    with cloud.lock:
        cloud.db.execute("INSERT OR IGNORE INTO privacy_settings VALUES (?,0,90,1,?)",
                         (account_id, now))
        for purpose in PURPOSES:
            if cloud.db.execute("SELECT 1 FROM consents WHERE account_id = ? AND "
                                "purpose_id = ?", (account_id, purpose)).fetchone():
                continue
            status = (consents or {}).get(purpose, "given")
            cloud.db.execute(
                "INSERT INTO consents VALUES (?,?,?,?,?,NULL,NULL,NULL,?,'app',?,?)",
                (account_id, purpose, status, now if status == "given" else None,
                 now if status == "refused" else None, NOTICE_VERSION, new_id("cr"), now))
            event(cloud, account_id, purpose, status, "controller", None, now)


def event(cloud, account_id, purpose, kind, actor, request_id, when):
    cloud.db.execute("INSERT INTO consent_events (account_id, purpose_id, event_time, "
                     "event_type, notice_version, actor, request_id) VALUES (?,?,?,?,?,?,?)",
                     (account_id, purpose, when, kind, NOTICE_VERSION, actor, request_id))


def settings_row(cloud, account_id):
    ensure_account(cloud, account_id)
    return cloud.q1("SELECT s.*, a.history_enabled FROM privacy_settings s JOIN accounts a "
                    "ON a.id = s.account_id WHERE s.account_id = ?", account_id)


def retention_days(cloud, account_id):
    row = cloud.q1("SELECT retention_days FROM privacy_settings WHERE account_id = ?",
                   account_id)
    return row["retention_days"] if row else 90


def settings_json(cloud, account_id):
    row = settings_row(cloud, account_id)
    fd = cloud.q1("SELECT id, sla_due_at FROM privacy_requests WHERE account_id = ? AND "
                  "type = 'file_deletion' AND status IN ('pending','in_progress','extended') "
                  "ORDER BY received_at DESC LIMIT 1", account_id)
    return {"incognito_printing": bool(row["incognito"]),
            "history_reprint": bool(row["history_enabled"]),
            "file_retention_days": row["retention_days"],
            "file_deletion_request_id": fd["id"] if fd else None,
            "file_deletion_due_at": rfc3339(fd["sla_due_at"]) if fd else None,
            "updated_at": rfc3339(row["updated_at"])}


def settings_etag(cloud, account_id):
    return '"%d"' % settings_row(cloud, account_id)["version"]


def touch_settings(cloud, account_id, now=None):
    cloud.db.execute("UPDATE privacy_settings SET version = version + 1, updated_at = ? "
                     "WHERE account_id = ?", (now or cloud.clock.now(), account_id))


def consent_json(row):
    text, category, pii = PURPOSES[row["purpose_id"]]
    return {"purpose_id": row["purpose_id"], "purpose": text, "purpose_category": category,
            "pii_categories": pii, "lawful_basis": "consent", "consent_type": "explicit",
            "status": row["status"], "given_at": rfc3339(row["given_at"]),
            "refused_at": rfc3339(row["refused_at"]),
            "withdrawn_at": rfc3339(row["withdrawn_at"]),
            "withdrawal_requested_at": rfc3339(row["withdrawal_requested_at"]),
            "withdrawal_request_id": row["withdrawal_request_id"],
            "withdrawal_due_at": rfc3339(row["withdrawal_requested_at"] + SLA_SECONDS)
            if row["status"] == "withdrawal_pending" else None,
            "notice_version": row["notice_version"],
            "collection_method": row["collection_method"], "receipt_id": row["receipt_id"],
            "termination": "on withdrawal", "third_party_disclosure": False,
            "updated_at": rfc3339(row["updated_at"])}


def consent_events(cloud, account_id, purpose):
    return [{"event_time": rfc3339(e["event_time"]), "event_type": e["event_type"],
             "notice_version": e["notice_version"], "actor": e["actor"],
             "request_id": e["request_id"]}
            for e in cloud.q("SELECT * FROM consent_events WHERE account_id = ? AND "
                             "purpose_id = ? ORDER BY seq", account_id, purpose)]


def consent_row(cloud, account_id, purpose):
    ensure_account(cloud, account_id)
    return cloud.q1("SELECT * FROM consents WHERE account_id = ? AND purpose_id = ?",
                    account_id, purpose)


def due_at(row):
    return row["extended_due_at"] or row["sla_due_at"] or row["legal_due_at"]


def request_json(row):
    done = row["status"] == "completed" and row["type"] in ("access", "portability")
    return {"id": row["id"], "type": row["type"],
            "article": DSR_TYPES.get(row["type"]) or SLA_TYPES[row["type"]],
            "status": row["status"], "received_at": rfc3339(row["received_at"]),
            "updated_at": rfc3339(row["updated_at"]),
            "sla_due_at": rfc3339(row["sla_due_at"]),
            "legal_due_at": rfc3339(row["legal_due_at"]),
            "extended_due_at": rfc3339(row["extended_due_at"]),
            "due_at": rfc3339(due_at(row)), "closed_at": rfc3339(row["closed_at"]),
            "purpose_id": row["purpose_id"],
            "entry_ids": json.loads(row["entry_ids"]) if row["entry_ids"] else None,
            "all_entries": bool(row["all_entries"]),
            "not_found_entry_ids": json.loads(row["not_found"]) if row["not_found"] else None,
            "details": row["details"],
            "scope": json.loads(row["scope"]) if row["scope"] else None,
            "rectify": json.loads(row["rectify"]) if row["rectify"] else None,
            "rejection_reason": row["rejection_reason"],
            "extension_reason": row["extension_reason"], "outcome": row["outcome"],
            "result_url": "/v1/privacy/requests/%s/result" % row["id"] if done else None,
            "result_expires_at": rfc3339(row["result_expires_at"]) if done else None,
            "result_media_type": "application/json" if done else None,
            "result_bytes": row["result_bytes"] if done else None,
            "cancellable": row["type"] in DSR_TYPES and row["status"] == "pending"}


def pending_deletion(cloud, account_id, entry_id):
    """(request id, due time) of an open history deletion covering the entry, or None."""
    for row in cloud.q("SELECT id, sla_due_at, entry_ids FROM privacy_requests WHERE "
                       "account_id = ? AND type = 'history_deletion' AND status IN "
                       "('pending','in_progress','extended') ORDER BY sla_due_at", account_id):
        if entry_id in json.loads(row["entry_ids"] or "[]"):
            return row["id"], row["sla_due_at"]
    return None


def new_request(cloud, account_id, rtype, idem_key, now, **fields):
    rid = new_id("prq")
    sla = now + SLA_SECONDS if rtype in SLA_TYPES else None
    cols = {"id": rid, "account_id": account_id, "type": rtype, "status": "pending",
            "received_at": now, "updated_at": now, "sla_due_at": sla,
            "legal_due_at": add_months(now, 1), "idem_key": idem_key}
    cols.update(fields)
    cloud.db.execute("INSERT INTO privacy_requests (%s) VALUES (%s)"
                     % (",".join(cols), ",".join("?" * len(cols))), tuple(cols.values()))
    return cloud.db.execute("SELECT * FROM privacy_requests WHERE id = ?", (rid,)).fetchone()


# --- carrying requests out -----------------------------------------------------------

def purge_idem(cloud, account_id, text):
    """Drops the stored answers of print routes that name text (a job or upload id)."""
    needle = text.encode()
    cloud.db.execute("DELETE FROM idem WHERE scope = ? AND route IN (%s) AND "
                     "(instr(body, ?) > 0 OR instr(headers, ?) > 0)"
                     % ",".join("?" * len(PRINT_ROUTES)),
                     (account_id, *PRINT_ROUTES, needle, text))


def purge_upload(cloud, account_id, upload_id):
    try:
        os.unlink(os.path.join(cloud.uploads_dir, upload_id))
    except FileNotFoundError:
        pass
    cloud.db.execute("DELETE FROM thumbnails WHERE upload_id = ?", (upload_id,))
    cloud.db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
    purge_idem(cloud, account_id, upload_id)


def upload_in_use(cloud, upload_id):
    return cloud.db.execute(
        "SELECT 1 FROM history WHERE upload_id = ? UNION ALL SELECT 1 FROM jobs WHERE "
        "upload_id = ? AND (state NOT IN ('finished','failed','cancelled') OR "
        "history_entry_id IS NOT NULL OR incognito = 1)", (upload_id, upload_id)).fetchone()


def delete_entries(cloud, account_id, entry_ids):
    """Really removes history entries, their jobs, files and what names them."""
    entries = files = 0
    for eid in entry_ids:
        row = cloud.db.execute("SELECT * FROM history WHERE id = ? AND account_id = ?",
                               (eid, account_id)).fetchone()
        if row is None:
            continue
        entries += 1
        cloud.db.execute("DELETE FROM history WHERE id = ?", (eid,))
        if row["job_id"]:
            cloud.db.execute("DELETE FROM jobs WHERE id = ?", (row["job_id"],))
            purge_idem(cloud, account_id, row["job_id"])
        up = row["upload_id"]
        if up and not upload_in_use(cloud, up):
            if os.path.exists(os.path.join(cloud.uploads_dir, up)):
                files += 1
            purge_upload(cloud, account_id, up)
    return entries, files


def delete_stored_files(cloud, account_id, before):
    n = 0
    for row in cloud.db.execute("SELECT id, upload_id FROM history WHERE account_id = ? AND "
                                "file_stored = 1 AND created_at <= ?",
                                (account_id, before)).fetchall():
        cloud.db.execute("UPDATE history SET file_stored = 0 WHERE id = ?", (row["id"],))
        if os.path.exists(os.path.join(cloud.uploads_dir, row["upload_id"])):
            n += 1
        cloud.delete_upload_file(row["upload_id"])
    return n


def plural(n, one, many):
    return "%d %s" % (n, one if n == 1 else many)


def close(cloud, row, status, now, **fields):
    fields.update(status=status, updated_at=now, closed_at=now)
    cloud.db.execute("UPDATE privacy_requests SET %s WHERE id = ?"
                     % ", ".join("%s = ?" % k for k in fields), (*fields.values(), row["id"]))


def complete(cloud, row, now):
    """Does what the request asks, now."""
    aid, t = row["account_id"], row["type"]
    extra = {}
    if t == "consent_withdrawal":
        purpose = row["purpose_id"]
        cloud.db.execute("UPDATE consents SET status = 'withdrawn', withdrawn_at = ?, "
                         "updated_at = ? WHERE account_id = ? AND purpose_id = ? AND "
                         "withdrawal_request_id = ?", (now, now, aid, purpose, row["id"]))
        event(cloud, aid, purpose, "withdrawn", "controller", row["id"], now)
        outcome = "The consent to “%s” is withdrawn." % PURPOSES[purpose][0]
        if purpose == "print_history":
            n = delete_stored_files(cloud, aid, now)
            cloud.db.execute("UPDATE accounts SET history_enabled = 0 WHERE id = ?", (aid,))
            touch_settings(cloud, aid, now)
            outcome += " History reprinting is off and %s deleted." % plural(
                n, "stored file was", "stored files were")
    elif t == "history_deletion":
        entries, files = delete_entries(cloud, aid, json.loads(row["entry_ids"] or "[]"))
        outcome = "Deleted: %s and %s." % (plural(entries, "history entry", "history entries"),
                                           plural(files, "stored file", "stored files"))
    elif t == "file_deletion":
        n = delete_stored_files(cloud, aid, row["received_at"])
        touch_settings(cloud, aid, now)
        outcome = "%s deleted." % plural(n, "stored file was", "stored files were")
    elif t in ("access", "portability"):
        data = export(cloud, aid, t, row["id"], now)
        path = os.path.join(cloud.exports_dir, row["id"] + ".json")
        raw = json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")
        with open(path + ".tmp", "wb") as f:
            f.write(raw)
        os.replace(path + ".tmp", path)
        extra = {"result_path": path, "result_expires_at": now + RESULT_TTL,
                 "result_bytes": len(raw)}
        outcome = "Your copy is ready to download until %s." % rfc3339(now + RESULT_TTL)
    elif t == "rectification":
        fix = json.loads(row["rectify"] or "{}")
        if "display_name" in fix:
            cloud.db.execute("UPDATE accounts SET display_name = ? WHERE id = ?",
                             (fix["display_name"], aid))
            outcome = "Your display name is now “%s”." % fix["display_name"]
        else:
            outcome = "Your correction was reviewed and applied as described."
    elif t == "erasure":
        outcome = erase(cloud, aid, row["id"])
    else:
        purposes = (json.loads(row["scope"]) if row["scope"] else {}).get(
            "purposes", list(PURPOSES))
        verb = "restricted" if t == "restriction" else "stopped after your objection"
        outcome = "Processing for %s is %s." % (", ".join(purposes), verb)
    close(cloud, row, "completed", now, outcome=outcome, **extra)


def erase(cloud, account_id, request_id):
    entries = [r["id"] for r in cloud.db.execute("SELECT id FROM history WHERE account_id = ?",
                                                 (account_id,)).fetchall()]
    n_entries, files = delete_entries(cloud, account_id, entries)
    for job in cloud.db.execute("SELECT id FROM jobs WHERE account_id = ?",
                                (account_id,)).fetchall():
        purge_idem(cloud, account_id, job["id"])
    cloud.db.execute("DELETE FROM jobs WHERE account_id = ?", (account_id,))
    for up in cloud.db.execute("SELECT id FROM uploads WHERE account_id = ?",
                               (account_id,)).fetchall():
        if os.path.exists(os.path.join(cloud.uploads_dir, up["id"])):
            files += 1
        purge_upload(cloud, account_id, up["id"])
    cloud.db.execute("DELETE FROM idem WHERE scope = ? AND route IN (%s)"
                     % ",".join("?" * len(PRINT_ROUTES)), (account_id, *PRINT_ROUTES))
    for r in cloud.db.execute("SELECT id, result_path FROM privacy_requests WHERE "
                              "account_id = ? AND result_path IS NOT NULL",
                              (account_id,)).fetchall():
        drop_result(cloud, r)
    return "%s, their jobs and %s were erased." % (
        plural(n_entries, "history entry", "history entries"),
        plural(files, "stored file", "stored files"))


def drop_result(cloud, row):
    try:
        os.unlink(row["result_path"])
    except (FileNotFoundError, TypeError):
        pass
    cloud.db.execute("UPDATE privacy_requests SET result_path = NULL WHERE id = ?",
                     (row["id"],))


def sweep(cloud, now):
    """Applies what the test clock made due (called under cloud.lock by Cloud.sweep)."""
    db = cloud.db
    for row in db.execute("SELECT * FROM privacy_requests WHERE status IN "
                          "('pending','in_progress','extended') ORDER BY received_at").fetchall():
        if row["type"] in SLA_TYPES:
            if now >= row["sla_due_at"]:
                # Carried out at its deadline: a clock move that jumps past it records
                # the deadline, not the moment the move was noticed.
                complete(cloud, row, row["sla_due_at"])
            continue
        status = row["status"]
        if status == "pending" and now >= row["received_at"] + DSR_START_SECONDS:
            if row["type"] == "rectification" and not row["rectify"] and not row["details"]:
                close(cloud, row, "rejected", now,
                      rejection_reason="The request does not say what to correct.")
                continue
            db.execute("UPDATE privacy_requests SET status = 'in_progress', updated_at = ? "
                       "WHERE id = ?", (now, row["id"]))
            status = "in_progress"
        finish = row["legal_due_at"] if status == "extended" else \
            row["received_at"] + DSR_DONE_SECONDS
        if status != "pending" and now >= finish:
            complete(cloud, db.execute("SELECT * FROM privacy_requests WHERE id = ?",
                                       (row["id"],)).fetchone(), finish)
    for row in db.execute("SELECT id, result_path FROM privacy_requests WHERE result_path IS "
                          "NOT NULL AND result_expires_at <= ?", (now,)).fetchall():
        drop_result(cloud, row)
    # Incognito prints: the job and its upload record go a day after the job ended.
    for job in db.execute("SELECT id, account_id, upload_id FROM jobs WHERE incognito = 1 AND "
                          "ended_at IS NOT NULL AND ended_at + ? <= ?",
                          (INCOGNITO_JOB_TTL, now)).fetchall():
        db.execute("DELETE FROM jobs WHERE id = ?", (job["id"],))
        purge_idem(cloud, job["account_id"], job["id"])
        if job["upload_id"] and not upload_in_use(cloud, job["upload_id"]):
            purge_upload(cloud, job["account_id"], job["upload_id"])


# --- exports ------------------------------------------------------------------------

def export(cloud, account_id, kind, request_id, now):
    acc = cloud.db.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    account = {"id": acc["id"], "email": acc["email"], "display_name": acc["display_name"],
               "region": "global", "created_at": rfc3339(acc["created_at"])}
    consents = []
    for row in cloud.db.execute("SELECT * FROM consents WHERE account_id = ? ORDER BY "
                                "purpose_id", (account_id,)).fetchall():
        c = consent_json(row)
        c["events"] = consent_events(cloud, account_id, row["purpose_id"])
        consents.append(c)
    history = [cloud.history_json(r) for r in cloud.db.execute(
        "SELECT * FROM history WHERE account_id = ? ORDER BY created_at, id",
        (account_id,)).fetchall()]
    uploads = [{"id": r["id"], "filename": r["filename"], "length": r["length"],
                "md5": r["md5"], "created_at": rfc3339(r["created_at"]),
                "file_stored": not r["deleted"] and
                os.path.exists(os.path.join(cloud.uploads_dir, r["id"]))}
               for r in cloud.db.execute("SELECT * FROM uploads WHERE account_id = ? ORDER BY "
                                         "created_at, id", (account_id,)).fetchall()]
    out = {"format": "atomform-export/1", "type": kind, "request_id": request_id,
           "generated_at": rfc3339(now), "account": account,
           "privacy_settings": settings_json(cloud, account_id), "consents": consents,
           "print_history": history, "uploads": uploads}
    if kind == "portability":
        return out
    out["printers"] = [{"id": r["id"], "serial": r["serial"], "name": r["name"],
                        "model_id": r["model_id"], "bound_at": rfc3339(r["bound_at"])}
                       for r in cloud.db.execute("SELECT * FROM printers WHERE account_id = ? "
                                                 "ORDER BY bound_at, id",
                                                 (account_id,)).fetchall()]
    out["jobs"] = [cloud.job_json(r) for r in cloud.db.execute(
        "SELECT * FROM jobs WHERE account_id = ? ORDER BY created_at, id",
        (account_id,)).fetchall()]
    out["privacy_requests"] = [request_json(r) for r in cloud.db.execute(
        "SELECT * FROM privacy_requests WHERE account_id = ? ORDER BY received_at, id",
        (account_id,)).fetchall()]
    out["sessions"] = [{"created_at": rfc3339(r["created_at"]), "revoked": bool(r["revoked"])}
                       for r in cloud.db.execute("SELECT * FROM families WHERE account_id = ? "
                                                 "ORDER BY created_at", (account_id,)).fetchall()]
    out["processing"] = {
        "purposes": [{"purpose_id": p, "purpose": v[0], "lawful_basis": "consent"}
                     for p, v in PURPOSES.items()] + [
            {"purpose_id": "cloud_printing", "purpose": "Sending your prints to your printers",
             "lawful_basis": "contract"}],
        "recipients": ["AtomForm's hosting provider (United States, standard contractual "
                       "clauses)"],
        "retention": {"print_files_days": retention_days(cloud, account_id),
                      "account": "until the account is closed"},
        "source": "you, your printers and AtomForm Connect"}
    return out


def account_data(cloud, account_id):
    """Every row that names the account, and its files on disk (admin, tests)."""
    db = cloud.db

    def rows(sql, *params):
        out = []
        for r in db.execute(sql, params).fetchall():
            d = {}
            for k in r.keys():
                v = r[k]
                d[k] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
            out.append(d)
        return out
    with cloud.lock:
        data = {
            "accounts": rows("SELECT id, email, display_name, created_at, history_enabled "
                             "FROM accounts WHERE id = ?", account_id),
            "privacy_settings": rows("SELECT * FROM privacy_settings WHERE account_id = ?",
                                     account_id),
            "consents": rows("SELECT * FROM consents WHERE account_id = ?", account_id),
            "consent_events": rows("SELECT * FROM consent_events WHERE account_id = ?",
                                   account_id),
            "privacy_requests": rows("SELECT * FROM privacy_requests WHERE account_id = ?",
                                     account_id),
            "printers": rows("SELECT id, serial, name, model_id, bound_at FROM printers "
                             "WHERE account_id = ?", account_id),
            "history": rows("SELECT * FROM history WHERE account_id = ?", account_id),
            "jobs": rows("SELECT * FROM jobs WHERE account_id = ?", account_id),
            "uploads": rows("SELECT * FROM uploads WHERE account_id = ?", account_id),
            "thumbnails": rows("SELECT upload_id, plate, length(png) AS bytes FROM thumbnails "
                               "WHERE upload_id IN (SELECT id FROM uploads WHERE "
                               "account_id = ?) OR upload_id IN (SELECT upload_id FROM "
                               "history WHERE account_id = ?)", account_id, account_id),
            "idem": rows("SELECT key, route, status, body, headers FROM idem WHERE scope = ?",
                         account_id),
            "families": rows("SELECT id, created_at, revoked FROM families WHERE "
                             "account_id = ?", account_id),
        }
        ups = [u["id"] for u in data["uploads"]] + [h["upload_id"] for h in data["history"]]
        files = sorted(set(os.path.join("uploads", u) for u in ups if u and os.path.exists(
            os.path.join(cloud.uploads_dir, u))))
        for r in data["privacy_requests"]:
            if r["result_path"] and os.path.exists(r["result_path"]):
                files.append(os.path.relpath(r["result_path"], cloud.state))
        data["files"] = files
    return data


# --- routes ---------------------------------------------------------------------------

def register(api, admin):
    """Adds the privacy routes (called once from rc_api, which owns the route table)."""

    def poll_headers(h, row=None, location=False):
        out = []
        if location:
            out.append(("Location", "/v1/privacy/requests/" + row["id"]))
        if row is None or row["status"] in OPEN:
            out.append(("Retry-After", str(h.cloud.a.poll_seconds)))
        return out

    def accepted(h, row):
        return json_response(202, request_json(row), poll_headers(h, row, True))

    def json_body(h, raw, ctype, optional=False):
        if optional and not raw:
            return {}
        if ctype != "application/json":
            raise problem(415, "unsupported-media-type", "Unsupported media type",
                          "Send the body as application/json.")
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise validation([("", "The body must be a JSON object.")])
        return body

    def read(h):
        from rc_core import MAX_JSON_BODY
        h.only_query()
        ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return h.read_body(MAX_JSON_BODY, "JSON body"), ctype

    # settings
    @api("GET", "/v1/privacy/settings")
    def get_settings(h):
        h.only_query()
        cloud = h.cloud
        with cloud.lock:
            tag = settings_etag(cloud, h.account)
            obj = settings_json(cloud, h.account)
        inm = h.headers.get("If-None-Match")
        if inm and tag in [t.strip() for t in inm.split(",")]:
            return Response(304, b"", None, [("ETag", tag)])
        return json_response(200, obj, [("ETag", tag)])

    @api("PATCH", "/v1/privacy/settings")
    def patch_settings(h):
        h.only_query()
        ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = h.read_body(4096, "JSON body")
        cloud = h.cloud
        if ctype != "application/merge-patch+json":
            raise problem(415, "unsupported-media-type", "Unsupported media type",
                          "Send the change as application/merge-patch+json.")
        with cloud.lock:
            tag = settings_etag(cloud, h.account)
            if_match = h.headers.get("If-Match")
            if if_match is None:
                raise problem(428, "precondition-required", "If-Match required",
                              "Send the settings' ETag in If-Match.")
            if tag not in [t.strip() for t in if_match.split(",")]:
                raise problem(412, "precondition-failed", "The settings changed",
                              "The privacy settings were changed elsewhere; reload them and "
                              "apply your change again.")
            body = parse_json(raw)
            if not isinstance(body, dict):
                raise validation([("", "The body must be a JSON object.")])
            errors = []
            for k, v in body.items():
                if k == "file_retention_days":
                    errors.append(("/" + k, "file_retention_days is read-only."))
                elif k not in ("incognito_printing", "history_reprint"):
                    errors.append(("/" + k, "Unknown member %s." % k))
                elif not isinstance(v, bool):
                    errors.append(("/" + k, "%s must be true or false." % k))
            if not body:
                errors.append(("", "Change at least one setting."))
            if errors:
                raise validation(errors)
            row = settings_row(cloud, h.account)
            now = cloud.clock.now()
            changed = False
            if body.get("history_reprint") is True and not row["history_enabled"]:
                c = consent_row(cloud, h.account, "print_history")
                if c["status"] != "given":
                    raise problem(409, "consent-required", "Consent needed",
                                  "Keeping print history needs your consent to “%s”; give "
                                  "it first." % PURPOSES["print_history"][0])
                cloud.db.execute("UPDATE accounts SET history_enabled = 1 WHERE id = ?",
                                 (h.account,))
                changed = True
            if body.get("history_reprint") is False and row["history_enabled"]:
                cloud.db.execute("UPDATE accounts SET history_enabled = 0 WHERE id = ?",
                                 (h.account,))
                stored = cloud.db.execute("SELECT COUNT(*) FROM history WHERE account_id = ? "
                                          "AND file_stored = 1", (h.account,)).fetchone()[0]
                if stored:
                    new_request(cloud, h.account, "file_deletion", None, now)
                changed = True
            if "incognito_printing" in body and \
                    body["incognito_printing"] != bool(row["incognito"]):
                cloud.db.execute("UPDATE privacy_settings SET incognito = ? WHERE "
                                 "account_id = ?", (int(body["incognito_printing"]),
                                                    h.account))
                changed = True
            if changed:
                touch_settings(cloud, h.account, now)
            return json_response(200, settings_json(cloud, h.account),
                                 [("ETag", settings_etag(cloud, h.account))])

    # consents
    def purpose_of(purpose_id):
        if purpose_id not in PURPOSES:
            raise problem(404, "not-found", "No such purpose",
                          "There is no consent purpose %s." % purpose_id)
        return purpose_id

    @api("GET", "/v1/consents")
    def list_consents(h):
        h.only_query()
        cloud = h.cloud
        ensure_account(cloud, h.account)
        rows = cloud.q("SELECT * FROM consents WHERE account_id = ?", h.account)
        order = list(PURPOSES)
        rows.sort(key=lambda r: order.index(r["purpose_id"]))
        return json_response(200, {
            "pii_principal_id": h.account,
            "controller": {"name": "AtomForm", "contact": "admin@atomform.tech",
                           "url": "https://atomform.tech"},
            "notice_url": NOTICE_URL, "notice_version": NOTICE_VERSION,
            "jurisdiction": "EU", "language": "en",
            "items": [consent_json(r) for r in rows]})

    @api("GET", "/v1/consents/{purpose_id}")
    def get_consent(h, purpose_id):
        h.only_query()
        purpose_of(purpose_id)
        obj = consent_json(consent_row(h.cloud, h.account, purpose_id))
        obj["events"] = consent_events(h.cloud, h.account, purpose_id)
        return h.conditional(obj)

    @api("POST", "/v1/consents/{purpose_id}/withdrawal")
    def withdraw(h, purpose_id):
        raw, ctype = read(h)

        def run():
            purpose_of(purpose_id)
            body = json_body(h, raw, ctype, optional=True)
            if body:
                return validation([("/" + k, "Unknown member %s." % k) for k in body])
            cloud = h.cloud
            with cloud.lock:
                c = consent_row(cloud, h.account, purpose_id)
                if c["status"] == "withdrawal_pending":
                    row = cloud.db.execute("SELECT * FROM privacy_requests WHERE id = ?",
                                           (c["withdrawal_request_id"],)).fetchone()
                    return json_response(200, request_json(row), poll_headers(h, row))
                if c["status"] != "given":
                    return problem(409, "consent-not-given", "Nothing to withdraw",
                                   "This consent is %s; there is nothing to withdraw."
                                   % c["status"])
                now = cloud.clock.now()
                row = new_request(cloud, h.account, "consent_withdrawal", h.idem_key, now,
                                  purpose_id=purpose_id)
                cloud.db.execute("UPDATE consents SET status = 'withdrawal_pending', "
                                 "withdrawal_requested_at = ?, withdrawal_request_id = ?, "
                                 "updated_at = ? WHERE account_id = ? AND purpose_id = ?",
                                 (now, row["id"], now, h.account, purpose_id))
                event(cloud, h.account, purpose_id, "withdrawal_requested", "pii_principal",
                      row["id"], now)
                return accepted(h, row)
        return h.idempotent(h.account, raw, run)

    @api("POST", "/v1/consents/{purpose_id}/grant")
    def grant(h, purpose_id):
        raw, ctype = read(h)

        def run():
            purpose_of(purpose_id)
            body = json_body(h, raw, ctype)
            errors = [("/" + k, "Unknown member %s." % k) for k in body
                      if k != "notice_version"]
            if not isinstance(body.get("notice_version"), str):
                errors.append(("/notice_version", "notice_version is required."))
            if errors:
                return validation(errors)
            cloud = h.cloud
            with cloud.lock:
                c = consent_row(cloud, h.account, purpose_id)
                if c["status"] == "withdrawal_pending":
                    return problem(409, "withdrawal-pending", "A withdrawal is pending",
                                   "The withdrawal of this consent is still being processed.")
                if body["notice_version"] != NOTICE_VERSION:
                    return problem(409, "notice-outdated", "The notice changed",
                                   "The privacy notice is now version %s; show it first."
                                   % NOTICE_VERSION)
                now = cloud.clock.now()
                cloud.db.execute("UPDATE consents SET status = 'given', given_at = ?, "
                                 "withdrawn_at = NULL, refused_at = NULL, "
                                 "withdrawal_requested_at = NULL, withdrawal_request_id = NULL, "
                                 "notice_version = ?, receipt_id = ?, updated_at = ? WHERE "
                                 "account_id = ? AND purpose_id = ?",
                                 (now, NOTICE_VERSION, new_id("cr"), now, h.account,
                                  purpose_id))
                event(cloud, h.account, purpose_id, "given", "pii_principal", None, now)
                return json_response(200, consent_json(consent_row(cloud, h.account,
                                                                   purpose_id)))
        return h.idempotent(h.account, raw, run)

    # history deletion
    @api("POST", "/v1/history/deletions", service="history")
    def delete_history(h):
        raw, ctype = read(h)

        def run():
            body = json_body(h, raw, ctype)
            errors = [("/" + k, "Unknown member %s." % k) for k in body
                      if k not in ("entry_ids", "all_entries")]
            ids = body.get("entry_ids")
            if ("entry_ids" in body) == ("all_entries" in body):
                errors.append(("", "Give either entry_ids or all_entries."))
            if "all_entries" in body and body["all_entries"] is not True:
                errors.append(("/all_entries", "all_entries must be true."))
            if "entry_ids" in body:
                if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_ENTRY_IDS:
                    errors.append(("/entry_ids", "entry_ids must list 1 to %d ids."
                                   % MAX_ENTRY_IDS))
                else:
                    for i, e in enumerate(ids):
                        if not isinstance(e, str) or not ID_RE.match(e):
                            errors.append(("/entry_ids/%d" % i, "Not an id."))
                        elif ids.index(e) != i:
                            errors.append(("/entry_ids/%d" % i, "This id is listed twice."))
            if errors:
                return validation(errors)
            cloud = h.cloud
            with cloud.lock:
                have = [r["id"] for r in cloud.db.execute(
                    "SELECT id FROM history WHERE account_id = ? ORDER BY created_at, id",
                    (h.account,)).fetchall()]
                if body.get("all_entries"):
                    cover, missing = have, []
                else:
                    cover = [e for e in ids if e in have]
                    missing = [e for e in ids if e not in have]
                row = new_request(cloud, h.account, "history_deletion", h.idem_key,
                                  cloud.clock.now(), entry_ids=json.dumps(cover),
                                  all_entries=1 if body.get("all_entries") else 0,
                                  not_found=json.dumps(missing))
                return accepted(h, row)
        return h.idempotent(h.account, raw, run)

    # data-rights requests
    def own_request(h, request_id):
        row = h.cloud.q1("SELECT * FROM privacy_requests WHERE id = ? AND account_id = ?",
                         request_id, h.account)
        if row is None:
            raise problem(404, "not-found", "No such request", "There is no such request.")
        return row

    @api("GET", "/v1/privacy/requests")
    def list_requests(h):
        h.only_query("limit", "cursor")
        limit, cursor = h.limit_cursor()
        cloud = h.cloud
        sql = "SELECT * FROM privacy_requests WHERE account_id = ?"
        params = [h.account]
        if cursor:
            t, i = cloud.read_cursor(cursor, "privacy-requests", "")
            sql += " AND (received_at < ? OR (received_at = ? AND id < ?))"
            params += [t, t, i]
        rows = cloud.q(sql + " ORDER BY received_at DESC, id DESC LIMIT ?", *params, limit + 1)
        nxt = None
        if len(rows) > limit:
            last = rows[limit - 1]
            nxt = cloud.make_cursor("privacy-requests", "", [last["received_at"], last["id"]])
        return json_response(200, {"items": [request_json(r) for r in rows[:limit]],
                                   "next_cursor": nxt})

    @api("POST", "/v1/privacy/requests")
    def create_request(h):
        raw, ctype = read(h)

        def run():
            body = json_body(h, raw, ctype)
            known = ("type", "details", "rectify", "scope")
            errors = [("/" + k, "Unknown member %s." % k) for k in body if k not in known]
            t = body.get("type")
            if t not in DSR_TYPES:
                errors.append(("/type", "type must be one of %s." % ", ".join(DSR_TYPES)))
            details = body.get("details")
            if details is not None and (not isinstance(details, str) or
                                        utf8_len(details) > MAX_DETAILS):
                errors.append(("/details", "details must be text of at most %d bytes."
                               % MAX_DETAILS))
            rectify = body.get("rectify")
            if rectify is not None:
                if t != "rectification":
                    errors.append(("/rectify", "rectify is for rectification requests."))
                elif not isinstance(rectify, dict) or not rectify:
                    errors.append(("/rectify", "rectify must name what to correct."))
                else:
                    for k, v in rectify.items():
                        if k != "display_name":
                            errors.append(("/rectify/" + k, "Only display_name can be "
                                           "corrected here."))
                        elif not isinstance(v, str) or not 1 <= len(v) <= MAX_DISPLAY_NAME:
                            errors.append(("/rectify/display_name", "display_name must be "
                                           "1 to %d characters." % MAX_DISPLAY_NAME))
            scope = body.get("scope")
            if scope is not None:
                if t not in ("restriction", "objection"):
                    errors.append(("/scope", "scope is for restriction and objection "
                                   "requests."))
                elif not isinstance(scope, dict) or set(scope) != {"purposes"} or \
                        not isinstance(scope["purposes"], list) or not scope["purposes"]:
                    errors.append(("/scope", "scope must be {\"purposes\": [...]}."))
                else:
                    for i, p in enumerate(scope["purposes"]):
                        if p not in PURPOSES or scope["purposes"].index(p) != i:
                            errors.append(("/scope/purposes/%d" % i, "Unknown or repeated "
                                           "purpose."))
            if errors:
                return validation(errors)
            cloud = h.cloud
            with cloud.lock:
                row = new_request(cloud, h.account, t, h.idem_key, cloud.clock.now(),
                                  details=details,
                                  rectify=json.dumps(rectify) if rectify else None,
                                  scope=json.dumps(scope) if scope else None)
                return accepted(h, row)
        return h.idempotent(h.account, raw, run)

    @api("GET", "/v1/privacy/requests/{request_id}")
    def get_request(h, request_id):
        h.only_query()
        row = own_request(h, request_id)
        return h.conditional(request_json(row), extra_headers=poll_headers(h, row))

    @api("DELETE", "/v1/privacy/requests/{request_id}")
    def cancel_request(h, request_id):
        h.only_query()
        cloud = h.cloud
        with cloud.lock:
            row = own_request(h, request_id)
            if row["status"] != "cancelled":
                if row["type"] not in DSR_TYPES or row["status"] != "pending":
                    raise problem(409, "request-not-cancellable", "Cannot be cancelled",
                                  "Only a data-rights request that is still pending can be "
                                  "cancelled; this one is %s." % row["status"])
                close(cloud, row, "cancelled", cloud.clock.now())
            row = own_request(h, request_id)
        return json_response(200, request_json(row))

    @api("GET", "/v1/privacy/requests/{request_id}/result")
    def get_result(h, request_id):
        h.only_query()
        row = own_request(h, request_id)
        if row["type"] not in ("access", "portability") or row["status"] != "completed":
            raise problem(404, "not-found", "No copy", "This request has no copy to download.")
        if row["result_path"] is None or not os.path.exists(row["result_path"]):
            raise problem(410, "result-expired", "The copy is gone",
                          "The copy was deleted on %s; ask for a new one."
                          % rfc3339(row["result_expires_at"]))
        from rc_core import FileBody
        return Response(200, FileBody(row["result_path"]), "application/json", [
            ("Cache-Control", "no-store"),
            ("Content-Disposition", 'attachment; filename="atomform-%s-%s.json"'
             % (row["type"], row["id"]))])

    # admin
    @admin("POST", "/admin/consents")
    def admin_consent(h):
        body = h.read_json()
        aid, purpose, status = body.get("account_id"), body.get("purpose_id"), \
            body.get("status")
        if purpose not in PURPOSES or status not in ("given", "refused"):
            raise invalid("purpose_id must be a purpose and status given or refused.")
        cloud = h.cloud
        with cloud.lock:
            if cloud.q1("SELECT 1 FROM accounts WHERE id = ?", aid) is None:
                raise problem(404, "not-found", "No such account", "No such account.")
            c = consent_row(cloud, aid, purpose)
            now = cloud.clock.now()
            if c["withdrawal_request_id"] and c["status"] == "withdrawal_pending":
                close(cloud, cloud.db.execute("SELECT * FROM privacy_requests WHERE id = ?",
                                              (c["withdrawal_request_id"],)).fetchone(),
                      "completed", now, outcome="Closed by the controller.")
            cloud.db.execute("UPDATE consents SET status = ?, given_at = ?, refused_at = ?, "
                             "withdrawn_at = NULL, withdrawal_requested_at = NULL, "
                             "withdrawal_request_id = NULL, updated_at = ? WHERE "
                             "account_id = ? AND purpose_id = ?",
                             (status, now if status == "given" else c["given_at"],
                              now if status == "refused" else None, now, aid, purpose))
            event(cloud, aid, purpose, status, "controller", None, now)
            return json_response(200, consent_json(consent_row(cloud, aid, purpose)))

    @admin("POST", "/admin/privacy-requests/{request_id}")
    def admin_request(h, request_id):
        body = h.read_json()
        action, reason = body.get("action"), body.get("reason")
        if action not in ("progress", "complete", "extend", "reject"):
            raise invalid("action must be progress, complete, extend or reject.")
        if action in ("extend", "reject") and (not isinstance(reason, str) or not reason):
            raise invalid("%s needs a reason." % action)
        cloud = h.cloud
        with cloud.lock:
            row = cloud.q1("SELECT * FROM privacy_requests WHERE id = ?", request_id)
            if row is None:
                raise problem(404, "not-found", "No such request", "No such request.")
            if row["status"] not in OPEN:
                raise problem(409, "invalid-request", "Closed", "The request is %s."
                              % row["status"])
            now = cloud.clock.now()
            if action == "progress":
                cloud.db.execute("UPDATE privacy_requests SET status = 'in_progress', "
                                 "updated_at = ? WHERE id = ?", (now, request_id))
            elif action == "complete":
                complete(cloud, row, now)
            elif action == "extend":
                if row["type"] not in DSR_TYPES or row["extended_due_at"] or \
                        now >= row["legal_due_at"]:
                    raise problem(409, "invalid-request", "Cannot extend",
                                  "Only a data-rights request can be extended, once, before "
                                  "its legal deadline.")
                cloud.db.execute("UPDATE privacy_requests SET status = 'extended', "
                                 "extended_due_at = ?, extension_reason = ?, updated_at = ? "
                                 "WHERE id = ?", (add_months(row["received_at"], 3), reason,
                                                  now, request_id))
            else:
                close(cloud, row, "rejected", now, rejection_reason=reason)
            return json_response(200, request_json(cloud.q1(
                "SELECT * FROM privacy_requests WHERE id = ?", request_id)))

    @admin("GET", "/admin/accounts/{account_id}/data")
    def admin_account_data(h, account_id):
        if h.cloud.q1("SELECT 1 FROM accounts WHERE id = ?", account_id) is None:
            raise problem(404, "not-found", "No such account", "No such account.")
        return json_response(200, account_data(h.cloud, account_id))
