# tests/virtual-printer/vp_firmware.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The simulated printer firmware: an MQTT client (paho-mqtt 1.6) that answers
requests and runs print jobs on an accelerated clock. See
docs/virtual-printer.md for the behaviour tests rely on."""

import copy
import hashlib
import json
import os
import random
import re
import ssl
import threading
import time
import urllib.request

import paho.mqtt.client as mqtt

import vp_gcode

ERR_CANCELLED = 50348044          # 0x0300400C
ERR_BUSY = 0x05004004
ERR_VERIFY_FAILED = 84033543
# Cloud mode: the archive could not be downloaded from the project_file url
# (docs/virtual-printer.md); an MD5 mismatch is vp_gcode.ERR_MD5_MISMATCH.
ERR_DOWNLOAD_FAILED = 0x0500C013
MAX_DOWNLOAD = 2 * 1024 * 1024 * 1024
HMS_ATTR_FILE = 0x05000300
# "Failed to get AMS mapping table" (HMS 0700_8012 in ha-bambulab's hms_en.json):
# what a printer without an AMS does with use_ams true.
ERR_AMS_MAPPING = 0x07008012
# home_flag bits 8-9: the storage state (BambuStudio DevStorage: 0 none, 1 normal).
HOME_FLAG_STORAGE_NORMAL = 1 << 8
FUN_SECURED_BIT = 1 << 29
# Models with two nozzles, whose firmware lists two external spools in vir_slot.
DUAL_NOZZLE_MODELS = ("O1D", "O1E", "O1C2", "N6")
TICK = 0.25
HEARTBEAT = 1.0


def _tray(slot, kind, colour):
    tray = {"id": str(slot), "remain": 100 if kind else -1, "k": 0.02, "n": 1,
            "cali_idx": -1, "tag_uid": "0000000000000000", "total_len": 330000,
            "tray_diameter": "1.75", "bed_temp": "0", "bed_temp_type": "0",
            "xcam_info": "000000000000000000000000", "tray_uuid": "0" * 32}
    if kind:
        tray.update({"tray_type": kind, "tray_color": colour, "cols": [colour],
                     "tray_info_idx": "GFA00" if kind == "PLA" else "GFG00",
                     "tray_id_name": "", "tray_sub_brands": kind + " Basic",
                     "tray_weight": "1000", "nozzle_temp_min": "190",
                     "nozzle_temp_max": "250" if kind == "PETG" else "230", "state": 11})
    else:
        tray.update({"tray_type": "", "tray_color": "00000000", "cols": [], "state": 0})
    return tray


def _external(slot_id, kind, colour):
    spool = {"id": str(slot_id), "tray_type": kind, "tray_color": colour, "cols": [colour],
             "tray_info_idx": "GFL99", "tray_sub_brands": "", "tray_id_name": "",
             "tray_diameter": "1.75", "tray_weight": "0", "remain": 0, "k": 0.02,
             "n": 1, "cali_idx": -1, "nozzle_temp_min": "190", "ctype": 0,
             "nozzle_temp_max": "230", "tag_uid": "0000000000000000", "total_len": 330000,
             "bed_temp": "0", "bed_temp_type": "0", "drying_temp": "0", "drying_time": "0",
             "tray_uuid": "0" * 32, "xcam_info": "000000000000000000000000"}
    return spool


def initial_state(profile=None):
    """The first report; profile holds the printer's model, nozzle_diameter,
    ams (False: only the external spool, as a P1P without AMS) and storage."""
    profile = profile or {}
    state = _initial_state()
    state["nozzle_diameter"] = str(profile.get("nozzle_diameter", "0.4"))
    if not profile.get("ams", True):
        state["ams"].update({"ams": [], "ams_exist_bits": "0", "tray_exist_bits": "0",
                             "tray_is_bbl_bits": "0", "tray_read_done_bits": "0",
                             "tray_now": "254", "tray_pre": "254"})
    if not profile.get("storage", True):
        state["sdcard"] = False
        state["home_flag"] &= ~(3 << 8)
    if profile.get("model") in DUAL_NOZZLE_MODELS:
        # As ha-bambulab's MOCK-H2D.json: vir_slot lists the second (left)
        # nozzle's spool "254" and the main (right) nozzle's "255"; vt_tray
        # repeats "255".
        state["vir_slot"] = [_external(254, "PETG", "00AE42FF"),
                             _external(255, "PLA", "808080FF")]
        state["vt_tray"] = _external(255, "PLA", "808080FF")
    return state


def _initial_state():
    return {
        "command": "push_status", "msg": 0, "sequence_id": "0",
        "gcode_state": "IDLE", "mc_percent": 0, "mc_remaining_time": 0,
        "layer_num": 0, "total_layer_num": 0, "gcode_file_prepare_percent": "0",
        "nozzle_temper": 24.0, "nozzle_target_temper": 0.0, "bed_temper": 23.0,
        "bed_target_temper": 0.0, "chamber_temper": 22.0,
        "subtask_name": "", "gcode_file": "", "project_id": "0", "profile_id": "0",
        "task_id": "0", "subtask_id": "0", "print_type": "idle",
        "print_error": 0, "mc_print_error_code": "0", "hms": [], "stg": [], "stg_cur": 255,
        "mc_print_stage": "1", "mc_print_sub_stage": 0, "spd_lvl": 2, "spd_mag": 100,
        "wifi_signal": "-44dBm", "sdcard": True, "home_flag": HOME_FLAG_STORAGE_NORMAL,
        "fun": "0",
        "flag3": 671, "nozzle_diameter": "0.4", "nozzle_type": "stainless_steel",
        "s_obj": [], "lifecycle": "product", "queue_number": 0,
        "lights_report": [{"node": "chamber_light", "mode": "on"}],
        "upload": {"status": "idle", "progress": 0, "message": ""},
        "ams": {"ams": [{"id": "0", "humidity": "5", "temp": "25.0", "info": "1001",
                         "tray": [_tray(0, "PLA", "FFFFFFFF"), _tray(1, "PLA", "000000FF"),
                                  _tray(2, "PETG", "FF0000FF"), _tray(3, "", "")]}],
                "ams_exist_bits": "1", "tray_exist_bits": "7", "tray_is_bbl_bits": "7",
                "tray_now": "255", "tray_pre": "255", "tray_tar": "255",
                "tray_read_done_bits": "7", "tray_reading_bits": "0", "version": 3,
                "insert_flag": True, "power_on_flag": False},
        "vt_tray": {"id": "254", "tray_type": "PLA", "tray_color": "808080FF",
                    "tray_info_idx": "GFL99", "tray_sub_brands": "", "tray_id_name": "",
                    "tray_diameter": "1.75", "tray_weight": "0", "remain": 0, "k": 0.02,
                    "n": 1, "cali_idx": -1, "nozzle_temp_min": "190",
                    "nozzle_temp_max": "230", "tag_uid": "0000000000000000",
                    "tray_uuid": "0" * 32, "xcam_info": "000000000000000000000000"},
    }


class Firmware:
    def __init__(self, serial, host, port, ca_file, user, password, storage, requests_file,
                 speed, full_reports, emit, profile=None):
        self.serial = serial
        self.profile = dict(profile or {})
        self.storage = storage
        self.requests_file = requests_file
        self.qos_file = os.path.join(os.path.dirname(requests_file), "requests-qos.jsonl")
        self.speed = float(speed)
        self.full_reports = full_reports
        self.emit = emit
        self.lock = threading.RLock()
        self.state = initial_state(self.profile)
        # Set by control lines: how the next accepted project_file goes.
        self.next_pause = None       # (print_error, [hms entries]) to pause with
        self.next_other = None       # a name another client's job starts under
        self.state["fun"] = "%X" % (0x1A30F9CFB & ~FUN_SECURED_BIT)
        self.published = {}
        self.seq = 0
        self.silent = False
        self.verify_failed = False
        self.job_id = 0              # bumping it cancels the running job thread
        self.start_delay = 0.0       # seconds a job waits in IDLE before PREPARE
        self.pending_job = None      # the job id while it waits out start_delay
        self.paused = threading.Event()
        self.stopping = threading.Event()
        self.last_publish = 0.0
        self.connected = threading.Event()
        self.client = mqtt.Client(client_id="vp-fw-" + serial, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(user, password)
        self.client.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.tls_insecure_set(True)
        self.client.reconnect_delay_set(0.1, 1)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, rc: self.connected.clear()
        self.client.on_message = self._on_message
        self.host, self.port = host, port
        self.topic_report = "device/%s/report" % serial
        self.topic_request = "device/%s/request" % serial
        self.cloud = None            # the cloud broker connection, in cloud mode
        self.cloud_ca = None
        self.cloud_connected = threading.Event()
        self.cloud_offline = False

    # --- cloud mode ---------------------------------------------------------
    def connect_cloud(self, device, timeout=20):
        """Connects to the cloud broker as the device client (docs/virtual-printer.md):
        requests arrive from both brokers, reports go to both."""
        self.cloud_ca = device["ca_file"]
        c = mqtt.Client(client_id="vp-cloud-" + self.serial, protocol=mqtt.MQTTv311)
        c.username_pw_set(device["username"], device["password"])
        # The cloud's certificate names 127.0.0.1: chain and host name are checked.
        c.tls_set_context(ssl.create_default_context(cafile=self.cloud_ca))
        c.reconnect_delay_set(0.1, 1)
        c.on_connect = self._on_cloud_connect
        c.on_disconnect = lambda cl, u, rc: self.cloud_connected.clear()
        c.on_message = self._on_message
        self.cloud = c
        deadline = time.monotonic() + timeout
        while True:
            try:
                c.connect(device["mqtt_host"], int(device["mqtt_port"]), keepalive=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        c.loop_start()
        if not self.cloud_connected.wait(max(0.1, deadline - time.monotonic())):
            raise RuntimeError("firmware could not subscribe on the cloud broker")

    def _on_cloud_connect(self, client, userdata, flags, rc):
        if rc != 0:
            self.emit({"event": "error", "message": "cloud CONNACK %d" % rc})
            return
        client.subscribe(self.topic_request, qos=1)
        self.cloud_connected.set()

    def set_cloud_offline(self, on):
        """Disconnects from the cloud broker (the printer looks offline) or reconnects."""
        if self.cloud is None:
            raise RuntimeError("not in cloud mode")
        self.cloud_offline = on
        if on:
            self.cloud.disconnect()
            self.cloud.loop_stop()
            self.cloud_connected.clear()
        else:
            self.cloud.reconnect()
            self.cloud.loop_start()
            if not self.cloud_connected.wait(10):
                raise RuntimeError("could not reconnect to the cloud broker")

    def _download(self, req):
        """Fetches the project_file's https url into storage, verifying the cloud's
        certificate and the announced MD5; returns the stored file name."""
        url = str(req.get("url"))
        want = str(req.get("md5") or "").lower()
        base = os.path.basename(str(req.get("file") or "cloud.gcode.3mf"))
        name = "cloud-" + (re.sub(r"[^A-Za-z0-9._-]", "_", base) or "job.gcode.3mf")
        path = os.path.join(self.storage, name)
        md5 = hashlib.md5()
        size = 0
        try:
            ctx = ssl.create_default_context(cafile=self.cloud_ca)
            with urllib.request.urlopen(url, context=ctx, timeout=30) as r, \
                    open(path, "wb") as f:
                for block in iter(lambda: r.read(1 << 16), b""):
                    size += len(block)
                    if size > MAX_DOWNLOAD:
                        raise OSError("file larger than 2 GiB")
                    md5.update(block)
                    f.write(block)
        except (OSError, ValueError, ssl.SSLError) as e:
            self.emit({"event": "download", "ok": False, "message": str(e)})
            raise vp_gcode.JobError(ERR_DOWNLOAD_FAILED, "download failed: %s" % e)
        ok = md5.hexdigest() == want
        self.emit({"event": "download", "ok": ok, "bytes": size, "md5": md5.hexdigest()})
        if not ok:
            raise vp_gcode.JobError(vp_gcode.ERR_MD5_MISMATCH,
                                    "MD5 mismatch: project_file says %s, file is %s"
                                    % (want, md5.hexdigest()))
        return name

    # --- connection ---------------------------------------------------------
    def start(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.client.connect(self.host, self.port, keepalive=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.client.loop_start()
        if not self.connected.wait(max(0.1, deadline - time.monotonic())):
            raise RuntimeError("firmware could not subscribe on the broker")
        threading.Thread(target=self._ticker, daemon=True).start()

    def stop(self):
        self.stopping.set()
        self.job_id += 1
        self.paused.clear()
        for client in (self.client, self.cloud):
            if client is None:
                continue
            try:
                client.disconnect()
                client.loop_stop()
            except Exception:
                pass

    def _on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            self.emit({"event": "error", "message": "firmware CONNACK %d" % rc})
            return
        client.subscribe(self.topic_request, qos=1)
        self.connected.set()

    # --- publishing ---------------------------------------------------------
    def _next_seq(self):
        self.seq += 1
        return str(self.seq)

    def publish(self, payload, qos=0):
        if self.silent:
            return
        text = json.dumps(payload)
        self.client.publish(self.topic_report, text, qos=qos)
        if self.cloud is not None and self.cloud_connected.is_set():
            self.cloud.publish(self.topic_report, text, qos=qos)

    def publish_full(self):
        with self.lock:
            self.state["msg"] = 0
            self.state["sequence_id"] = self._next_seq()
            self.publish({"print": self.state})
            if not self.silent:
                self.published = copy.deepcopy(self.state)
            self.last_publish = time.monotonic()

    def _publish_delta(self, heartbeat):
        with self.lock:
            delta = {k: v for k, v in self.state.items()
                     if k not in ("msg", "sequence_id") and self.published.get(k) != v}
            if not delta and not heartbeat:
                return
            if not delta:
                delta = {"wifi_signal": self.state["wifi_signal"]}
            delta.update({"command": "push_status", "msg": 1, "sequence_id": self._next_seq()})
            self.publish({"print": delta})
            if not self.silent:
                self.published.update(copy.deepcopy(delta))
            self.last_publish = time.monotonic()

    def _ticker(self):
        while not self.stopping.wait(TICK):
            if not self.connected.is_set():
                continue
            self._drift_temperatures()
            heartbeat = time.monotonic() - self.last_publish >= HEARTBEAT
            if self.full_reports:
                with self.lock:
                    changed = any(self.published.get(k) != v for k, v in self.state.items()
                                  if k not in ("msg", "sequence_id"))
                if changed or heartbeat:
                    self.publish_full()
            else:
                self._publish_delta(heartbeat)

    def _drift_temperatures(self):
        # Temperatures move towards their targets so a client sees heating.
        with self.lock:
            for cur, tgt, room in (("nozzle_temper", "nozzle_target_temper", 24.0),
                                   ("bed_temper", "bed_target_temper", 23.0)):
                goal = self.state[tgt] or room
                now = self.state[cur]
                step = max(1.0, abs(goal - now) * min(1.0, self.speed / 120.0))
                now = goal if abs(goal - now) <= step else now + (step if goal > now else -step)
                self.state[cur] = round(now, 1)

    def update(self, **fields):
        with self.lock:
            old = self.state.get("gcode_state")
            self.state.update(fields)
            new = self.state.get("gcode_state")
        if old != new:
            self.emit({"event": "state", "state": new})
            if not self.full_reports:
                self._publish_delta(False)
            else:
                self.publish_full()

    def ack(self, section, request, **fields):
        body = {"command": request.get("command"), "sequence_id": request.get("sequence_id", "0")}
        body.update(fields)
        self.publish({section: body})

    # --- requests -----------------------------------------------------------
    def _on_message(self, client, userdata, msg):
        text = msg.payload.decode("utf-8", "replace")
        with open(self.requests_file, "a", encoding="utf-8") as f:
            f.write(text.replace("\n", " ") + "\n")
        try:
            payload = json.loads(text)
        except ValueError:
            self.emit({"event": "error", "message": "request is not JSON"})
            return
        # The QoS the broker delivered with: we subscribe at QoS 1, so it is
        # the QoS the client published with (0 or 1).
        with open(self.qos_file, "a", encoding="utf-8") as f:
            f.write(json.dumps({"qos": msg.qos, "payload": payload}) + "\n")
        self.emit({"event": "request", "payload": payload})
        if not isinstance(payload, dict):
            return
        for section, body in payload.items():
            if isinstance(body, dict):
                self._dispatch(section, body)

    def _dispatch(self, section, req):
        command = req.get("command")
        if section == "pushing" and command in ("pushall", "start"):
            self.publish_full()
        elif section == "info" and command == "get_version":
            self.ack("info", req, module=[
                {"name": "ota", "sw_ver": "01.08.02.00", "hw_ver": "",
                 "sn": self.serial, "project_name": self.profile.get("model", "C12"),
                 "loader_ver": "00.00.00.00"},
                {"name": "mc", "sw_ver": "00.00.26.45", "hw_ver": "MC07", "sn": "0"},
                {"name": "ams/0", "sw_ver": "00.00.06.49", "hw_ver": "AMS08", "sn": "0"}],
                result="success")
        elif section == "print" and command in ("project_file", "pause", "resume", "stop"):
            if self.verify_failed:
                self.ack("print", req, result="failed", reason="mqtt message verify failed",
                         err_code=ERR_VERIFY_FAILED)
                return
            getattr(self, "_cmd_" + command)(req)

    def _cmd_project_file(self, req):
        with self.lock:
            state = self.state["gcode_state"]
        if state not in ("IDLE", "FINISH", "FAILED"):
            # "Busy" is print_error 0x05004004 (not an HMS entry); the
            # running job goes on.
            self.ack("print", req, result="fail", reason="device is busy", err_code=ERR_BUSY)
            self.update(print_error=ERR_BUSY, mc_print_error_code=str(ERR_BUSY))
            return
        self.ack("print", req, result="success", reason="")
        self.job_id += 1
        self.paused.clear()
        if self.next_other is not None:
            # Another client's job won the race: ours never starts.
            name, self.next_other = self.next_other, None
            self.start_other(name)
            return
        pause, self.next_pause = self.next_pause, None
        threading.Thread(target=self._run_job, args=(self.job_id, req, pause),
                         daemon=True).start()

    def _cmd_pause(self, req):
        if self.state["gcode_state"] != "RUNNING":
            return self.ack("print", req, result="fail", reason="no job")
        self.ack("print", req, result="success", reason="")
        self.paused.set()
        self.update(gcode_state="PAUSE", stg_cur=16)

    def _cmd_resume(self, req):
        if self.state["gcode_state"] != "PAUSE":
            return self.ack("print", req, result="fail", reason="no job")
        self.ack("print", req, result="success", reason="")
        self.paused.clear()
        self.update(gcode_state="RUNNING", stg_cur=0)

    def _cmd_stop(self, req):
        if self.pending_job is not None and self.pending_job == self.job_id:
            # A job accepted but still waiting out start-delay never starts.
            self.ack("print", req, result="success", reason="")
            self.job_id += 1
            self.pending_job = None
            self.emit({"event": "job-stopped-before-start"})
            return
        if self.state["gcode_state"] not in ("PREPARE", "RUNNING", "PAUSE"):
            return self.ack("print", req, result="fail", reason="no job")
        self.ack("print", req, result="success", reason="")
        self.job_id += 1
        self.paused.clear()
        self.update(gcode_state="FAILED", print_error=ERR_CANCELLED,
                    mc_print_error_code=str(ERR_CANCELLED), stg_cur=255,
                    nozzle_target_temper=0.0, bed_target_temper=0.0, print_type="idle")

    # --- the print job ------------------------------------------------------
    def _sleep(self, job, seconds):
        """Sleeps on the job's clock; False when the job was cancelled."""
        end = time.monotonic() + seconds
        while True:
            if job != self.job_id or self.stopping.is_set():
                return False
            if self.paused.is_set():
                end += 0.02
            elif time.monotonic() >= end:
                return True
            time.sleep(0.02)

    def _file_name(self, req):
        url = str(req.get("url") or "")
        for prefix in ("ftp:///", "ftp://", "file:///sdcard/", "file:///mnt/sdcard/"):
            if url.startswith(prefix):
                return url[len(prefix):].lstrip("/")
        return str(req.get("file") or "").lstrip("/")

    def _run_job(self, job, req, pause=None):
        if self.start_delay > 0:
            self.pending_job = job
            waited = self._sleep(job, self.start_delay)
            if self.pending_job == job:
                self.pending_job = None
            if not waited:
                return
        name = self._file_name(req)
        hms = list(self.state["hms"])
        self.update(gcode_state="PREPARE", stg_cur=2, mc_percent=0, layer_num=0,
                    mc_remaining_time=0, print_error=0, mc_print_error_code="0", hms=hms,
                    subtask_name=str(req.get("subtask_name", "")), gcode_file=name,
                    project_id=str(req.get("project_id", "0")),
                    task_id=str(req.get("task_id", "0")),
                    subtask_id=str(req.get("subtask_id", "0")),
                    print_type="local", gcode_file_prepare_percent="0",
                    nozzle_target_temper=220.0, bed_target_temper=55.0)
        if not self._sleep(job, max(0.2, 120.0 / self.speed)):
            return
        if req.get("use_ams") is True and not self.state["ams"]["ams"]:
            # No AMS to map the filaments to: the printer stops in PREPARE and
            # waits for the user, as real firmware does.
            if job == self.job_id:
                self.emit({"event": "job-error", "code": ERR_AMS_MAPPING,
                           "message": "Failed to get AMS mapping table"})
                self.update(gcode_state="PAUSE", stg_cur=16, print_error=ERR_AMS_MAPPING,
                            mc_print_error_code=str(ERR_AMS_MAPPING))
            return
        if pause is not None:
            # Like firmware that stops at the start (filament runout, AMS
            # mapping failure…): PAUSE with print_error and its HMS entries,
            # until someone resumes or stops it.
            code, hms = pause
            self.paused.set()
            self.update(gcode_state="PAUSE", stg_cur=16, print_error=code,
                        mc_print_error_code=str(code), hms=self.state["hms"] + hms)
            if not self._sleep(job, 0):
                return
            self.update(print_error=0, mc_print_error_code="0", hms=[])
        try:
            if self.cloud is not None and str(req.get("url", "")).startswith("https://"):
                name = self._download(req)
                if job != self.job_id:
                    return
            path = os.path.realpath(os.path.join(self.storage, name))
            if not path.startswith(os.path.realpath(self.storage) + os.sep):
                raise vp_gcode.JobError(vp_gcode.ERR_FILE_UNREADABLE, "path outside storage")
            gcode = vp_gcode.read_plate(path, str(req.get("param", "Metadata/plate_1.gcode")))
            total, steps = vp_gcode.progress_steps(gcode)
        except vp_gcode.JobError as e:
            if job == self.job_id:
                self.emit({"event": "job-error", "code": e.code, "message": str(e)})
                self.update(gcode_state="FAILED", stg_cur=255, print_error=e.code,
                            mc_print_error_code=str(e.code), nozzle_target_temper=0.0,
                            bed_target_temper=0.0, print_type="idle",
                            hms=self.state["hms"] + [{"attr": HMS_ATTR_FILE,
                                                      "code": 0x00010000 | (e.code & 0xFF)}])
            return
        if job != self.job_id:
            return
        pct, rem, layer = steps[0]
        self.update(gcode_state="RUNNING", stg_cur=0, total_layer_num=total,
                    gcode_file_prepare_percent="100", mc_percent=pct,
                    mc_remaining_time=rem, layer_num=layer)
        for pct_n, rem_n, layer_n in steps[1:]:
            delay = max(0, rem - rem_n) * 60.0 / self.speed
            if not self._sleep(job, max(0.005, delay)):
                return
            rem = rem_n
            with self.lock:
                self.state.update(mc_percent=pct_n, mc_remaining_time=rem_n, layer_num=layer_n)
        if not self._sleep(job, 0.05):
            return
        self.update(gcode_state="FINISH", stg_cur=255, mc_percent=100, mc_remaining_time=0,
                    layer_num=total, nozzle_target_temper=0.0, bed_target_temper=0.0,
                    print_type="idle")

    # --- control lines ------------------------------------------------------
    def force_busy(self):
        self.job_id += 1
        self.paused.clear()
        self.update(gcode_state="RUNNING", stg_cur=0, subtask_name="other-job",
                    gcode_file="other-job.gcode.3mf", mc_percent=42, mc_remaining_time=60,
                    layer_num=10, total_layer_num=100, print_error=0, print_type="local",
                    nozzle_target_temper=220.0, bed_target_temper=55.0)

    def start_other(self, name):
        """A print started by someone else (on the screen or another client)
        under NAME, with its own task and subtask ids."""
        other_id = str(random.randint(1, 2**31 - 1))
        self.job_id += 1
        self.paused.clear()
        self.update(gcode_state="RUNNING", stg_cur=0, subtask_name=name,
                    gcode_file=name + ".gcode.3mf", mc_percent=5, mc_remaining_time=90,
                    layer_num=1, total_layer_num=100, print_error=0, print_type="local",
                    task_id=other_id, subtask_id=other_id,
                    nozzle_target_temper=220.0, bed_target_temper=55.0)

    def force_idle(self):
        self.job_id += 1
        self.paused.clear()
        self.update(gcode_state="IDLE", stg_cur=255, print_error=0, mc_print_error_code="0",
                    hms=[], mc_percent=0, mc_remaining_time=0, layer_num=0,
                    nozzle_target_temper=0.0, bed_target_temper=0.0, print_type="idle")

    def set_verify_failed(self, on):
        self.verify_failed = on
        fun = 0x1A30F9CFB | FUN_SECURED_BIT if on else 0x1A30F9CFB & ~FUN_SECURED_BIT
        self.update(fun="%X" % fun)

    def publish_raw(self, obj):
        self.publish(obj)
