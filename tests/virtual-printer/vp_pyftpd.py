#!/usr/bin/python3
# tests/virtual-printer/vp_pyftpd.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Implicit-TLS FTPS server for the virtual printer when vsftpd cannot be used
(not root). Usage: vp_pyftpd.py HOST PORT CERT_AND_KEY.pem ROOT LOW-HIGH, with
the password of user bblp in $VP_ACCESS_CODE. It does not enforce TLS session
reuse on the data channel (vsftpd does)."""

import logging
import os
import sys

from OpenSSL import SSL
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer


class DataHandler(TLS_DTPHandler):
    # pyftpdlib 1.5.7 drops a data connection whose TLS handshake starts before
    # STOR/LIST (giampaolo/pyftpdlib#604); keep reading while it is pending.
    def readable(self):
        return self._ssl_accepting or super().readable()


class ImplicitTLSHandler(TLS_FTPHandler):
    tls_control_required = True
    tls_data_required = True
    dtp_handler = DataHandler

    def handle(self):
        # Implicit TLS: the handshake comes before the 220 banner.
        self.secure_connection(self.ssl_context)

    def handle_ssl_established(self):
        TLS_FTPHandler.handle(self)


def main(host, port, pem, root, ports):
    lo, hi = (int(x) for x in ports.split("-"))
    auth = DummyAuthorizer()
    auth.add_user("bblp", os.environ["VP_ACCESS_CODE"], root, perm="elradfmwMT")
    ImplicitTLSHandler.certfile = pem
    # TLS 1.2 only, like the printers (pyftpdlib 1.5.7 uses pyOpenSSL contexts).
    ImplicitTLSHandler.ssl_protocol = SSL.TLSv1_2_METHOD
    ImplicitTLSHandler.authorizer = auth
    ImplicitTLSHandler.passive_ports = range(lo, hi + 1)
    ImplicitTLSHandler.masquerade_address = host
    ImplicitTLSHandler.banner = "(vsFTPd 3.0.3)"
    logging.basicConfig(level=logging.WARNING)
    FTPServer((host, int(port)), ImplicitTLSHandler).serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:6])
