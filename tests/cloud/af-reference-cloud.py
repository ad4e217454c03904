#!/usr/bin/python3
# tests/cloud/af-reference-cloud.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reference AtomForm cloud: docs/cloud-api.md over HTTPS on loopback (standard
library only, state in SQLite), a cloud MQTT broker (mosquitto + dynamic security),
a test clock and fault switches behind an admin endpoint. Prints one JSON ready line
and runs until SIGTERM. See docs/reference-cloud.md."""

import argparse
import ipaddress
import json
import os
import signal
import ssl
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import rc_api  # noqa: E402
import rc_broker  # noqa: E402
from rc_core import (ACCESS_TTL, OFFLINE_AFTER, Cloud, _die_with_parent,  # noqa: E402
                     free_port, log, wait_port)


def main(argv):
    ap = argparse.ArgumentParser(description="Start the reference AtomForm cloud.")
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--admin-port", type=int, default=0)
    ap.add_argument("--mqtt-port", type=int, default=0)
    ap.add_argument("--access-token-seconds", type=int, default=ACCESS_TTL)
    ap.add_argument("--offline-after", type=int, default=int(OFFLINE_AFTER),
                    help="seconds without a report before a printer counts as offline")
    ap.add_argument("--poll-seconds", type=int, default=2,
                    help="the Retry-After the privacy routes suggest for polling")
    a = ap.parse_args(argv)
    if ipaddress.ip_address(a.host) not in ipaddress.ip_network("127.0.0.0/8"):
        ap.error("--host must be a loopback address (127.0.0.0/8)")
    if not 60 <= a.access_token_seconds <= 86400:
        ap.error("--access-token-seconds takes 60 to 86400")
    if not 2 <= a.offline_after <= 3600:
        ap.error("--offline-after takes 2 to 3600")
    if not 1 <= a.poll_seconds <= 3600:
        ap.error("--poll-seconds takes 1 to 3600")
    parent = os.getppid()
    cloud = Cloud(a)
    signal.signal(signal.SIGTERM, lambda *_: cloud.done.set())
    signal.signal(signal.SIGINT, lambda *_: cloud.done.set())
    _die_with_parent()
    if os.getppid() != parent:
        return 0
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    servers = []
    rc = 0
    try:
        cloud.make_certs()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cloud.path("server.crt"), cloud.path("server.key"))
        cloud.mqtt_port = a.mqtt_port or free_port(a.host)
        api = rc_api.make_server(cloud, ctx, a.host, a.port, admin=False)
        admin = rc_api.make_server(cloud, ctx, a.host, a.admin_port, admin=True)
        servers = [api, admin]
        cloud.base_url = "https://%s:%d" % (a.host, api.server_address[1])
        cloud.broker = rc_broker.Broker(cloud.state, a.host, cloud.mqtt_port,
                                        cloud.path("ca.crt"), cloud.path("server.crt"),
                                        cloud.path("server.key"), cloud.on_report,
                                        preexec_fn=_die_with_parent)
        cloud.broker.start(wait_port)
        rc_api.restore_broker(cloud)
        for s in servers:
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                             daemon=True).start()
        sys.stdout.write(json.dumps({
            "base_url": cloud.base_url, "ca_file": cloud.path("ca.crt"),
            "admin_url": "https://%s:%d" % (a.host, admin.server_address[1]),
            "admin_secret": cloud.admin_secret, "mqtt_host": a.host,
            "mqtt_port": cloud.mqtt_port, "state_dir": cloud.state,
            "pid": os.getpid()}) + "\n")
        sys.stdout.flush()
        while not cloud.done.wait(0.5):
            pass
    except Exception as e:
        log("start-up failed: %s" % (e.stderr.decode(errors="replace").strip()
                                     if isinstance(e, subprocess.CalledProcessError) and e.stderr
                                     else e))
        rc = 1
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        if cloud.broker is not None:
            cloud.broker.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
