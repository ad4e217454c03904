# tests/cloud/rc_broker.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cloud MQTT broker: real mosquitto with TLS and the dynamic-security plugin
(clients, roles and ACLs change at run time), and the cloud's own admin connection
(paho-mqtt from Debian) that manages it, publishes print commands and reads reports."""

import itertools
import json
import os
import queue
import secrets
import ssl
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

DYNSEC = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"
CONTROL = "$CONTROL/dynamic-security/v1"
# mosquitto 2.0.11 answers "Internal error" to addClientRole when the client already has
# the role (a printer bound again, or clients restored from the database).
ROLE_HELD = ("Internal error", "already")


class BrokerError(Exception):
    pass


class Broker:
    def __init__(self, state, host, port, ca_file, cert_file, key_file, on_report,
                 preexec_fn=None):
        self.state = state
        self.host, self.port = host, port
        self.ca_file, self.cert_file, self.key_file = ca_file, cert_file, key_file
        self.on_report = on_report
        self.preexec_fn = preexec_fn
        self.admin_password = secrets.token_urlsafe(24)
        self.proc = None
        self.client = None
        self.connected = threading.Event()
        self._corr = itertools.count(1)
        self._waiting = {}
        self._lock = threading.Lock()
        # Reports are handled on a thread of their own: the network thread must stay free
        # to deliver the answers of dynamic-security commands that a request may be
        # waiting for while it holds the cloud's lock.
        self._reports = queue.Queue()
        threading.Thread(target=self._report_loop, daemon=True).start()

    def _report_loop(self):
        while True:
            serial, payload = self._reports.get()
            try:
                self.on_report(serial, payload)
            except Exception as e:  # a bad report must not stop report handling
                with open(self.path("cloud.log"), "a") as f:
                    f.write("report handling failed: %r\n" % e)

    def path(self, name):
        return os.path.join(self.state, name)

    # --- mosquitto ----------------------------------------------------------
    def write_config(self):
        dynsec = self.path("dynsec.json")
        if os.path.exists(dynsec):
            os.unlink(dynsec)   # clients are recreated from the database at each start
        subprocess.run(["mosquitto_ctrl", "dynsec", "init", dynsec, "admin",
                        self.admin_password], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        with open(dynsec) as f:
            doc = json.load(f)
        # The cloud itself publishes print commands to every printer.
        for role in doc.get("roles", []):
            if role.get("rolename") == "admin":
                role["acls"].append({"acltype": "publishClientSend", "topic": "device/#",
                                     "allow": True})
        with open(dynsec, "w") as f:
            json.dump(doc, f)
        os.chmod(dynsec, 0o600)
        with open(self.path("mosquitto.conf"), "w") as f:
            if os.geteuid() == 0:
                f.write("user root\n")
            f.write("per_listener_settings false\nallow_anonymous false\npersistence false\n"
                    "log_dest file %s\nlog_type error\nlog_type warning\nlog_type notice\n"
                    "plugin %s\nplugin_opt_config_file %s\n"
                    "listener %d %s\ncafile %s\ncertfile %s\nkeyfile %s\n"
                    "tls_version tlsv1.2\nrequire_certificate false\n"
                    % (self.path("mosquitto.log"), DYNSEC, dynsec, self.port, self.host,
                       self.ca_file, self.cert_file, self.key_file))

    def start(self, wait_port):
        self.write_config()
        self.proc = subprocess.Popen(["mosquitto", "-c", self.path("mosquitto.conf")],
                                     preexec_fn=self.preexec_fn, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(self.path("mosquitto.stderr"), "a"))
        wait_port(self.host, self.port, self.proc)
        self.connect_admin()

    def stop(self):
        if self.client is not None:
            try:
                self.client.disconnect()
                self.client.loop_stop()
            except Exception:
                pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # --- the admin connection ----------------------------------------------
    def connect_admin(self, timeout=15):
        c = mqtt.Client(client_id="af-cloud-admin-" + secrets.token_hex(4),
                        protocol=mqtt.MQTTv311)
        c.username_pw_set("admin", self.admin_password)
        ctx = ssl.create_default_context(cafile=self.ca_file)
        c.tls_set_context(ctx)
        c.reconnect_delay_set(0.1, 1)
        c.on_connect = self._on_connect
        c.on_disconnect = lambda *a: self.connected.clear()
        c.on_message = self._on_message
        self.client = c
        deadline = time.monotonic() + timeout
        while True:
            try:
                c.connect(self.host, self.port, keepalive=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        c.loop_start()
        if not self.connected.wait(max(0.1, deadline - time.monotonic())):
            raise BrokerError("the cloud could not connect to its own broker")

    def _on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            return
        client.subscribe([(CONTROL + "/response", 1), ("device/+/report", 0)])
        # SUBACK is not awaited: a command sent before it would lose its answer,
        # so connected is set once the subscription is acknowledged.
        client.on_subscribe = lambda *a: self.connected.set()

    def _on_message(self, client, userdata, msg):
        if msg.topic == CONTROL + "/response":
            try:
                doc = json.loads(msg.payload)
            except ValueError:
                return
            for resp in doc.get("responses", []):
                with self._lock:
                    waiter = self._waiting.pop(resp.get("correlationData"), None)
                if waiter is not None:
                    waiter[1].append(resp)
                    waiter[0].set()
            return
        parts = msg.topic.split("/")
        if len(parts) == 3 and parts[0] == "device" and parts[2] == "report":
            try:
                payload = json.loads(msg.payload)
            except ValueError:
                return
            if isinstance(payload, dict):
                self._reports.put((parts[1], payload))

    def command(self, command, ignore=(), **fields):
        """Runs one dynamic-security command and waits for its answer."""
        corr = str(next(self._corr))
        event, box = threading.Event(), []
        with self._lock:
            self._waiting[corr] = (event, box)
        body = dict(fields, command=command, correlationData=corr)
        self.client.publish(CONTROL, json.dumps({"commands": [body]}), qos=1)
        if not event.wait(10):
            with self._lock:
                self._waiting.pop(corr, None)
            raise BrokerError("broker did not answer %s" % command)
        error = box[0].get("error")
        if error and not any(word in error for word in ignore):
            raise BrokerError("%s: %s" % (command, error))

    def publish(self, topic, payload, qos=1):
        info = self.client.publish(topic, json.dumps(payload), qos=qos)
        info.wait_for_publish(5)
        if not info.is_published():
            raise BrokerError("could not publish to %s" % topic)

    # --- clients and roles --------------------------------------------------
    def add_account(self, account_id):
        user = "u_" + account_id
        self.command("createClient", ignore=("already exists",), username=user,
                     password=secrets.token_urlsafe(24))
        self.command("createRole", ignore=("already exists",), rolename="acct_" + account_id)
        self.command("addClientRole", ignore=ROLE_HELD, username=user,
                     rolename="acct_" + account_id)

    def set_account_password(self, account_id, token):
        self.command("setClientPassword", username="u_" + account_id, password=token)
        self.command("enableClient", username="u_" + account_id)

    def disable_account(self, account_id):
        self.command("disableClient", username="u_" + account_id)

    def remove_device(self, account_id, serial):
        """The account no longer reaches the printer's topics (it was bound elsewhere)."""
        acct = "acct_" + account_id
        for acltype, topic in (("subscribePattern", "device/%s/report" % serial),
                               ("publishClientSend", "device/%s/request" % serial)):
            self.command("removeRoleACL", ignore=("not found",), rolename=acct,
                         acltype=acltype, topic=topic)

    def add_device(self, account_id, serial, username, password):
        role = "dev_" + serial
        self.command("createClient", ignore=("already exists",), username=username,
                     password=password)
        self.command("setClientPassword", username=username, password=password)
        self.command("createRole", ignore=("already exists",), rolename=role)
        for acltype, topic in (("publishClientSend", "device/%s/report" % serial),
                               ("subscribePattern", "device/%s/request" % serial)):
            self.command("addRoleACL", ignore=("already exists",), rolename=role,
                         acltype=acltype, topic=topic, allow=True)
        self.command("addClientRole", ignore=ROLE_HELD, username=username, rolename=role)
        acct = "acct_" + account_id
        for acltype, topic in (("subscribePattern", "device/%s/report" % serial),
                               ("publishClientSend", "device/%s/request" % serial)):
            self.command("addRoleACL", ignore=("already exists",), rolename=acct,
                         acltype=acltype, topic=topic, allow=True)
