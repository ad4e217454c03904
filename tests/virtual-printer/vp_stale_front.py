#!/usr/bin/python3
# tests/virtual-printer/vp_stale_front.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback front for the virtual printer's MQTT broker that acts like a P1
holding a stale session after a crash or suspend: its first STALE connections
complete the TLS handshake (with the printer's own certificate) and then never
answer CONNECT; every later one is passed through to the broker byte for byte.

Usage: vp_stale_front.py HOST UPSTREAM_PORT CERT_AND_KEY.pem STALE
Prints {"port": N} when listening; logs {"event": "connection", "n": N,
"stale": true|false} per connection. Stop it with SIGTERM."""

import json
import signal
import socket
import ssl
import sys
import threading


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def hold(conn, context, held):
    try:
        tls = context.wrap_socket(conn, server_side=True)
        held.append(tls)
        while tls.recv(4096):
            pass               # read CONNECT and everything else, answer nothing
    except (OSError, ssl.SSLError):
        pass


def _die_with_parent():
    # A test that aborts cannot stop us: go when the process that started us does.
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(host, upstream_port, pem, stale):
    _die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(pem)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    listener.listen(8)
    emit({"port": listener.getsockname()[1]})
    held = []
    n = 0
    while True:
        conn, _ = listener.accept()
        n += 1
        is_stale = n <= int(stale)
        emit({"event": "connection", "n": n, "stale": is_stale})
        if is_stale:
            threading.Thread(target=hold, args=(conn, context, held), daemon=True).start()
            continue
        upstream = socket.create_connection((host, int(upstream_port)))
        threading.Thread(target=pump, args=(conn, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()


if __name__ == "__main__":
    main(*sys.argv[1:5])
