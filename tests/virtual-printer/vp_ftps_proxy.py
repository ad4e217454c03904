#!/usr/bin/python3
# tests/virtual-printer/vp_ftps_proxy.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback implicit-FTPS proxy in front of the virtual printer's FTPS server
that holds each final "226" reply for DELAY seconds, as H2D printers do (30 s
and more) while the real vsftpd keeps doing the storing.

It ends TLS on both sides with the printer's own certificate: control lines go
through as they are, except that a 227 (PASV) reply names a data port of the
proxy; each data connection is relayed to the server's data port over a TLS
session resumed from the proxy's control session (vsftpd's require_ssl_reuse).

Usage: vp_ftps_proxy.py HOST UPSTREAM_PORT CERT_AND_KEY.pem DELAY
Prints {"port": N} when listening, then {"event": "held-226", "seconds": S}
each time it held a reply. Stop it with SIGTERM."""

import json
import re
import signal
import socket
import ssl
import sys
import threading
import time

PASV = re.compile(rb"^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)")


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _die_with_parent():
    # A test that aborts cannot stop us: go when the process that started us does.
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def close(*socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


class Session:
    def __init__(self, proxy, conn):
        self.proxy = proxy
        self.client = proxy.server_ctx.wrap_socket(conn, server_side=True)
        raw = socket.create_connection((proxy.host, proxy.upstream_port))
        self.upstream = proxy.client_ctx.wrap_socket(raw)
        self.lock = threading.Lock()

    def run(self):
        threading.Thread(target=self.client_to_upstream, daemon=True).start()
        self.upstream_to_client()

    def client_to_upstream(self):
        try:
            reader = self.client.makefile("rb")
            for line in reader:
                self.upstream.sendall(line)
        except (OSError, ValueError):
            pass
        finally:
            close(self.upstream)

    def upstream_to_client(self):
        try:
            reader = self.upstream.makefile("rb")
            for line in reader:
                if line.startswith(b"226") and self.proxy.delay > 0:
                    time.sleep(self.proxy.delay)
                    emit({"event": "held-226", "seconds": self.proxy.delay})
                match = PASV.match(line)
                if match:
                    line = self.open_data(match)
                self.client.sendall(line)
        except (OSError, ValueError):
            pass
        finally:
            close(self.client)

    def open_data(self, match):
        numbers = [int(x) for x in match.groups()]
        upstream_port = numbers[4] * 256 + numbers[5]
        listener = socket.socket()
        listener.bind((self.proxy.host, 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        threading.Thread(target=self.relay_data, args=(listener, upstream_port),
                         daemon=True).start()
        h = self.proxy.host.split(".")
        return ("227 Entering Passive Mode (%s,%s,%s,%s,%d,%d).\r\n"
                % (h[0], h[1], h[2], h[3], port // 256, port % 256)).encode()

    def relay_data(self, listener, upstream_port):
        conn, _ = listener.accept()
        close(listener)
        raw = socket.create_connection((self.proxy.host, upstream_port))
        client = upstream = None
        try:
            # The server insists on the control session being resumed here.
            upstream = self.proxy.client_ctx.wrap_socket(raw, session=self.upstream.session)
            client = self.proxy.server_ctx.wrap_socket(conn, server_side=True)
            done = threading.Event()

            def down():
                try:
                    while True:
                        data = upstream.recv(65536)
                        if not data:
                            break
                        client.sendall(data)
                except (OSError, ssl.SSLError):
                    pass
                done.set()

            threading.Thread(target=down, daemon=True).start()
            while True:
                data = client.recv(65536)
                if not data:
                    break
                upstream.sendall(data)
            try:
                upstream.unwrap()
            except (OSError, ssl.SSLError, ValueError):
                pass
            done.wait(5)
        except (OSError, ssl.SSLError):
            pass
        finally:
            close(*(s for s in (client, upstream, conn, raw) if s is not None))


class Proxy:
    def __init__(self, host, upstream_port, pem, delay):
        self.host = host
        self.upstream_port = int(upstream_port)
        self.delay = float(delay)
        self.server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.server_ctx.load_cert_chain(pem)
        self.client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.client_ctx.check_hostname = False
        self.client_ctx.verify_mode = ssl.CERT_NONE

    def serve(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(8)
        emit({"port": listener.getsockname()[1]})
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        try:
            Session(self, conn).run()
        except (OSError, ssl.SSLError):
            close(conn)


def main(host, upstream_port, pem, delay):
    _die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Proxy(host, upstream_port, pem, delay).serve()


if __name__ == "__main__":
    main(*sys.argv[1:5])
