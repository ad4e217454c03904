#!/usr/bin/python3
# tests/test-virtual-printer.py [AF_EXE]
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Self-test of tests/virtual-printer/af-virtual-printer.py, using only
independent clients (mosquitto_sub/mosquitto_pub, curl, paho-mqtt) and none of
our C code. With AF_EXE (the built atomform-connect) the uploaded archive is
made by `atomform-connect pack`, else it is zipped here from a corpus G-code.
Prints TAP."""

import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import paho.mqtt.client as mqtt

HERE = os.path.dirname(os.path.abspath(__file__))
VP = os.path.join(HERE, "virtual-printer", "af-virtual-printer.py")
CORPUS = os.environ.get("AF_CORPUS_DIR", os.path.join(HERE, "..", "..", "shared", "corpus"))
GCODE = os.path.join(CORPUS, "gcode", "bambustudio-01.10-generic.gcode")
ERR_MD5 = 0x0500C012
ERR_CANCELLED = 50348044

n_test = 0
failed = 0


def ok(cond, name, detail=""):
    global n_test, failed
    n_test += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n_test, name))
    if not cond:
        failed += 1
        for line in str(detail).splitlines()[:20]:
            print("# " + line)
    sys.stdout.flush()
    return cond


class Printer:
    def __init__(self, *extra):
        self.proc = subprocess.Popen([sys.executable, VP, "--speed", "600"] + list(extra),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("virtual printer did not start (rc %s)" % self.proc.wait())
        self.info = json.loads(line)
        self.events = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.events.append(json.loads(line))

    def __getitem__(self, key):
        return self.info[key]

    def control(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for e in self.events:
                if e.get("event") == "control" and e.get("command") == line:
                    self.events.remove(e)
                    return e["ok"]
            time.sleep(0.02)
        return False

    def children(self):
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)

    def mqtt_args(self):
        return ["-h", self["host"], "-p", str(self["mqtt_port"]), "--cafile", self["ca_file"],
                "--insecure"]


class Client:
    """A paho client as the app would be: user bblp, collects every report."""

    def __init__(self, p, password=None):
        self.p = p
        self.reports = []
        self.c = mqtt.Client(client_id="selftest-%d" % time.monotonic_ns(),
                             protocol=mqtt.MQTTv311)
        self.c.username_pw_set("bblp", password or p["access_code"])
        self.c.tls_set(ca_certs=p["ca_file"], tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.c.tls_insecure_set(True)
        self.c.on_message = lambda c, u, m: self.reports.append(json.loads(m.payload))
        self.subscribed = threading.Event()
        self.c.on_subscribe = lambda *a: self.subscribed.set()
        self.c.connect(p["host"], p["mqtt_port"])
        self.c.subscribe("device/%s/report" % p["serial"])
        self.c.loop_start()
        self.subscribed.wait(5)
        self.seq = 20000

    def send(self, section, **body):
        self.seq += 1
        body["sequence_id"] = str(self.seq)
        self.c.publish("device/%s/request" % self.p["serial"], json.dumps({section: body}),
                       qos=1 if body.get("command") in ("pause", "resume", "stop") else 0)
        return str(self.seq)

    def wait(self, pred, timeout=20):
        deadline = time.monotonic() + timeout
        i = 0
        while time.monotonic() < deadline:
            while i < len(self.reports):
                if pred(self.reports[i]):
                    return self.reports[i]
                i += 1
            time.sleep(0.02)
        return None

    def state(self):
        merged = {}
        for r in self.reports:
            merged.update(r.get("print", {}) if r.get("print", {}).get("command") ==
                          "push_status" else {})
        return merged

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def print_of(r, **want):
    pr = r.get("print", {})
    return all(pr.get(k) == v for k, v in want.items())


def make_archive(path, exe, bad_md5=False):
    if exe and not bad_md5:
        subprocess.run([exe, "pack", GCODE, "-o", path], check=True, capture_output=True)
        return
    data = open(GCODE, "rb").read()
    md5 = hashlib.md5(data).hexdigest().upper()
    if bad_md5:
        md5 = "0" * 32
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Metadata/plate_1.gcode.md5", md5)
        z.writestr("Metadata/plate_1.gcode", data)


def curl_upload(p, code, local, name):
    return subprocess.run(["curl", "-sS", "--ftp-pasv", "--ssl-reqd", "--cacert", p["ca_file"],
                           "--resolve", "%s:%d:%s" % (p["serial"], p["ftps_port"], p["host"]),
                           "-T", local, "--max-time", "20",
                           "ftps://%s:%d/%s" % (p["serial"], p["ftps_port"], name),
                           "-u", "bblp:" + code], capture_output=True, text=True)


def project_file(client, name, subtask):
    return client.send("print", command="project_file", param="Metadata/plate_1.gcode",
                       project_id="0", profile_id="0", task_id="0", subtask_id="0",
                       subtask_name=subtask, file=name, url="ftp://" + name,
                       md5="from_sd_card", bed_type="textured_plate", bed_leveling=False,
                       flow_cali=False, vibration_cali=False, layer_inspect=False,
                       timelapse=False, use_ams=True, ams_mapping=[0],
                       ams_mapping2=[{"ams_id": 0, "slot_id": 0}])


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 and os.access(sys.argv[1], os.X_OK) else None
    tmp = tempfile.mkdtemp(prefix="af-vp-test-")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(5)
    a = Printer("--ssdp-target", "127.0.0.1:%d" % udp.getsockname()[1], "--ssdp-interval", "1")
    b = None
    try:
        b = run(a, exe, tmp, udp)
    finally:
        for p in (a, b):
            if p is not None and p.proc.poll() is None:
                p.proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_test)
    return 1 if failed else 0


def run(a, exe, tmp, udp):
    info = a.info
    ok(all(k in info for k in ("serial", "access_code", "name", "model", "host", "mqtt_port",
                               "ftps_port", "ca_file", "cert_file", "fingerprint",
                               "storage_dir", "state_dir", "requests_file", "ssdp_target",
                               "pid")), "ready line has every key", info)
    ok(info["state_dir"].startswith("/tmp/") and len(info["access_code"]) == 8
       and info["serial"].startswith("01S00A") and len(info["serial"]) == 15,
       "defaults: /tmp state, 8-digit code, 01S00A serial", info)
    der = subprocess.run(["openssl", "x509", "-in", info["cert_file"], "-outform", "DER"],
                         capture_output=True).stdout
    subj = subprocess.run(["openssl", "x509", "-in", info["cert_file"], "-noout", "-subject"],
                          capture_output=True, text=True).stdout
    ok(hashlib.sha256(der).hexdigest() == info["fingerprint"] and info["serial"] in subj,
       "fingerprint is SHA-256 of the leaf DER, CN = serial", subj)

    # SSDP NOTIFY.
    try:
        data = udp.recv(4096).decode()
    except OSError as e:
        data = str(e)
    ok(data.startswith("NOTIFY * HTTP/1.1\r\n") and "USN: %s\r\n" % a["serial"] in data
       and "DevModel.bambu.com: C12" in data and "DevConnect.bambu.com: lan" in data
       and "max-age=30" in data and "Location: 127.0.0.1" in data, "SSDP NOTIFY", data)

    # mosquitto_sub sees a full report after pushall.
    sub = subprocess.Popen(["mosquitto_sub"] + a.mqtt_args() +
                           ["-u", "bblp", "-P", a["access_code"], "-t",
                            "device/%s/report" % a["serial"], "-C", "6", "-W", "6"],
                           stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    subprocess.run(["mosquitto_pub"] + a.mqtt_args() +
                   ["-u", "bblp", "-P", a["access_code"], "-t", "device/%s/request" % a["serial"],
                    "-m", '{"pushing":{"sequence_id":"1","command":"pushall"}}'], check=True)
    out = sub.communicate(timeout=10)[0]
    full = [json.loads(l)["print"] for l in out.splitlines() if '"msg": 0' in l]
    ok(full and full[0]["gcode_state"] == "IDLE" and len(full[0]["ams"]["ams"][0]["tray"]) == 4
       and full[0]["ams"]["ams"][0]["tray"][2]["tray_type"] == "PETG"
       and not int(full[0]["fun"], 16) & (1 << 29) and "vt_tray" in full[0],
       "mosquitto_sub: full report after pushall", out[:2000])

    # Wrong password refused.
    r = subprocess.run(["mosquitto_sub"] + a.mqtt_args() +
                       ["-u", "bblp", "-P", "00000000", "-t", "device/%s/report" % a["serial"],
                        "-C", "1", "-W", "3"], capture_output=True, text=True)
    ok(r.returncode != 0 and "not authorised" in (r.stdout + r.stderr).lower(),
       "wrong access code refused", r.stderr)

    # ACL: bblp cannot read the request topic.
    sub = subprocess.Popen(["mosquitto_sub"] + a.mqtt_args() +
                           ["-u", "bblp", "-P", a["access_code"], "-t",
                            "device/%s/request" % a["serial"], "-C", "1", "-W", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(0.5)
    subprocess.run(["mosquitto_pub"] + a.mqtt_args() +
                   ["-u", "bblp", "-P", a["access_code"], "-t", "device/%s/request" % a["serial"],
                    "-m", '{"info":{"sequence_id":"2","command":"get_version"}}'], check=True)
    out = sub.communicate(timeout=10)[0]
    ok(out.strip() == "", "ACL: bblp does not receive request messages", out)

    # FTPS upload with curl; a second printer rejects the first one's code.
    b = Printer()
    archive = os.path.join(tmp, "cube.gcode.3mf")
    make_archive(archive, exe)
    r = curl_upload(a, a["access_code"], archive, "cube.gcode.3mf")
    stored = os.path.join(a["storage_dir"], "cube.gcode.3mf")
    ok(r.returncode == 0 and os.path.exists(stored)
       and open(stored, "rb").read() == open(archive, "rb").read(),
       "curl uploads over implicit FTPS (%s archive)" % ("packed" if exe else "zipped"),
       r.stderr)
    r = curl_upload(b, a["access_code"], archive, "cube.gcode.3mf")
    ok(r.returncode == 67, "second printer rejects the first printer's code", r.stderr)
    r = curl_upload(b, b["access_code"], archive, "cube.gcode.3mf")
    ok(r.returncode == 0, "second printer accepts its own code", r.stderr)

    # project_file drives PREPARE -> RUNNING -> FINISH.
    c = Client(a)
    seq = project_file(c, "cube.gcode.3mf", "selftest cube")
    ack = c.wait(lambda r: print_of(r, command="project_file", sequence_id=seq))
    ok(ack and ack["print"].get("result") == "success", "project_file acked with its id", ack)
    fin = c.wait(lambda r: print_of(r, gcode_state="FINISH"), 30)
    st = c.state()
    states = [r["print"]["gcode_state"] for r in c.reports if "gcode_state" in r.get("print", {})]
    percents = [r["print"]["mc_percent"] for r in c.reports if "mc_percent" in r.get("print", {})]
    layers = [r["print"]["layer_num"] for r in c.reports if "layer_num" in r.get("print", {})]
    ok(fin is not None and "PREPARE" in states and "RUNNING" in states
       and states.index("PREPARE") < states.index("RUNNING") < states.index("FINISH"),
       "PREPARE -> RUNNING -> FINISH", states)
    ok(len(set(percents)) > 3 and st.get("mc_percent") == 100 and max(layers) == 25
       and st.get("total_layer_num") == 25, "progress and layers from the G-code",
       (percents, layers))
    ok(st.get("subtask_name") == "selftest cube" and st.get("gcode_file") == "cube.gcode.3mf",
       "subtask_name and gcode_file", st)
    reqs = [json.loads(l) for l in open(a["requests_file"])]
    pf = [q["print"] for q in reqs if q.get("print", {}).get("command") == "project_file"]
    ok(pf and pf[0]["url"] == "ftp://cube.gcode.3mf" and pf[0]["sequence_id"] == seq
       and pf[0]["ams_mapping"] == [0], "requests_file holds the request verbatim", reqs)

    # A bad MD5 ends FAILED.
    bad = os.path.join(tmp, "bad.gcode.3mf")
    make_archive(bad, None, bad_md5=True)
    curl_upload(a, a["access_code"], bad, "bad.gcode.3mf")
    c.reports.clear()
    project_file(c, "bad.gcode.3mf", "bad")
    f = c.wait(lambda r: print_of(r, gcode_state="FAILED"))
    st = c.state()
    ok(f is not None and st.get("print_error") == ERR_MD5 and st.get("hms"),
       "bad MD5 ends FAILED with print_error 0x0500C012 and hms", st.get("hms"))

    # Busy: project_file answered with 0500_4004.
    c.reports.clear()
    ok(a.control("busy"), "control: busy")
    seq = project_file(c, "cube.gcode.3mf", "while busy")
    ack = c.wait(lambda r: print_of(r, command="project_file", sequence_id=seq))
    busy = c.wait(lambda r: r.get("print", {}).get("print_error") == 0x05004004)
    ok(ack and ack["print"]["result"] == "fail" and busy is not None
       and c.state().get("gcode_state") == "RUNNING"
       and c.state().get("subtask_name") == "other-job", "busy printer answers 0500_4004", ack)

    # pause / resume / stop.
    c.reports.clear()
    c.send("print", command="pause", param="")
    p1 = c.wait(lambda r: print_of(r, gcode_state="PAUSE"))
    c.send("print", command="resume", param="")
    p2 = c.wait(lambda r: print_of(r, gcode_state="RUNNING"))
    c.send("print", command="stop", param="")
    p3 = c.wait(lambda r: print_of(r, gcode_state="FAILED"))
    ok(p1 and p2 and p3 and c.state().get("print_error") == ERR_CANCELLED,
       "pause, resume, stop (print_error 50348044)", c.state().get("print_error"))

    # verify-failed mode.
    ok(a.control("idle") and a.control("verify-failed on"), "control: idle, verify-failed on")
    c.reports.clear()
    seq = project_file(c, "cube.gcode.3mf", "secured")
    ack = c.wait(lambda r: print_of(r, command="project_file", sequence_id=seq))
    ok(ack and ack["print"].get("err_code") == 84033543
       and ack["print"].get("reason") == "mqtt message verify failed",
       "verify-failed ack", ack)
    a.control("verify-failed off")

    # silence and restart-broker.
    ok(a.control("silence on"), "control: silence on")
    time.sleep(0.3)
    c.reports.clear()
    time.sleep(1.5)
    ok(not c.reports, "silence: no reports", c.reports[:2])
    a.control("silence off")
    ok(c.wait(lambda r: True, 3) is not None, "silence off: reports again")
    c.close()
    ok(a.control("restart-broker"), "control: restart-broker")
    c = Client(a)
    c.send("pushing", command="pushall")
    ok(c.wait(lambda r: print_of(r, msg=0), 10) is not None, "firmware back after restart")
    c.close()

    # kill-ftp / start-ftp.
    ok(a.control("kill-ftp"), "control: kill-ftp")
    r = curl_upload(a, a["access_code"], archive, "x.gcode.3mf")
    ok(r.returncode == 7, "upload refused while FTP is down", r.returncode)
    ok(a.control("start-ftp"), "control: start-ftp")
    r = curl_upload(a, a["access_code"], archive, "x.gcode.3mf")
    ok(r.returncode == 0, "upload works again", r.stderr)

    # An X1 model sends full reports (msg 0) without being asked.
    x1 = Printer("--model", "BL-P001", "--ftp-server", "pyftpdlib")
    c = Client(x1)
    c.wait(lambda r: False, 2.5)
    msgs = [r["print"].get("msg") for r in c.reports if "print" in r]
    ok(len(msgs) >= 2 and set(msgs) == {0}
       and all("gcode_state" in r["print"] for r in c.reports), "X1: periodic full reports",
       msgs)
    c.close()
    ok(x1.stop() == 0, "X1 printer (pyftpdlib) stops with rc 0")

    # A P1P without AMS, card or 0.4 mm nozzle: the report's shape, the model
    # in get_version, and use_ams true stopped as real firmware stops it.
    p1p = Printer("--model", "C11", "--no-ams", "--no-storage", "--nozzle-diameter", "0.6",
                  "--ftp-server", "pyftpdlib")
    c = Client(p1p)
    c.send("info", command="get_version")
    version = c.wait(lambda r: r.get("info", {}).get("command") == "get_version")
    ota = [m for m in (version or {}).get("info", {}).get("module", []) if m["name"] == "ota"]
    ok(ota and ota[0].get("project_name") == "C11", "no AMS: get_version names the model", ota)
    c.send("pushing", command="pushall")
    full = c.wait(lambda r: print_of(r, msg=0))
    pr = (full or {}).get("print", {})
    ok(pr.get("ams", {}).get("ams") == [] and pr.get("vt_tray", {}).get("id") == "254",
       "no AMS: empty ams.ams, vt_tray only", pr.get("ams"))
    ok(pr.get("sdcard") is False and (pr.get("home_flag", -1) >> 8) & 3 == 0
       and pr.get("nozzle_diameter") == "0.6", "no storage: sdcard false, home_flag bits 8-9 = 0",
       (pr.get("sdcard"), pr.get("home_flag"), pr.get("nozzle_diameter")))
    r = curl_upload(p1p, p1p["access_code"], archive, "ams.gcode.3mf")
    ok(r.returncode == 0, "no AMS: upload", r.stderr)
    project_file(c, "ams.gcode.3mf", "ams")
    paused = c.wait(lambda r: print_of(r, gcode_state="PAUSE"), 30)
    ok(paused is not None and c.state().get("print_error") == 0x07008012,
       "no AMS: use_ams true stops in PAUSE with 0x07008012", c.state().get("print_error"))
    c.close()
    ok(p1p.stop() == 0, "P1P printer stops with rc 0")

    # SIGTERM leaves nothing behind.
    for p in (a, b):
        kids = p.children()
        pam = (["/etc/pam.d/af-vp-%s-%d" % (p["serial"].lower(), p["pid"])]
               if os.geteuid() == 0 else [])
        ok(all(os.path.exists(f) for f in pam), "PAM file present while running")
        rc = p.stop()
        time.sleep(0.2)
        alive = [k for k in kids if os.path.exists("/proc/%d" % k)
                 and open("/proc/%d/stat" % k).read().split(") ")[1][0] != "Z"]
        ok(rc == 0 and not alive and not any(os.path.exists(f) for f in pam)
           and not os.path.exists(p["state_dir"]),
           "SIGTERM: rc 0, no process, no PAM file, no state dir", (rc, alive))
    return b


if __name__ == "__main__":
    sys.exit(main())
