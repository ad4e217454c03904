#!/usr/bin/python3
# tests/virtual-printer/af-virtual-printer.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Starts one simulated printer on loopback: mosquitto (MQTT over TLS), vsftpd or
pyftpdlib (implicit FTPS), a firmware simulator and optionally SSDP NOTIFYs.
Prints one JSON ready line, then JSON events; stops everything on SIGTERM.
The interface is documented in docs/virtual-printer.md."""

import argparse
import hashlib
import ipaddress
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import vp_firmware  # noqa: E402

P1_MODELS = ("C11", "C12", "N1", "N2S")
X1_MODELS = ("BL-P001", "BL-P002", "3DPrinter-X1-Carbon", "3DPrinter-X1", "C13")
PAM_DIR = "/etc/pam.d"

_out_lock = threading.Lock()


def emit(obj):
    with _out_lock:
        try:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass


def log(msg):
    sys.stderr.write("af-virtual-printer: %s\n" % msg)
    sys.stderr.flush()


def _die_with_parent():
    # Children get SIGTERM when the main thread of this program dies, even by
    # SIGKILL, so a killed test leaves no broker or FTP server behind.
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def remove_stale_pam_files():
    """Removes PAM files of virtual printers whose process is gone."""
    try:
        names = [n for n in os.listdir(PAM_DIR) if n.startswith("af-vp-")]
    except OSError:
        return
    for name in names:
        path = os.path.join(PAM_DIR, name)
        try:
            first = open(path).readline()
            pid = int(first.split("(pid ")[1].split(")")[0])
        except (OSError, IndexError, ValueError):
            continue
        if not os.path.exists("/proc/%d" % pid):
            try:
                os.unlink(path)
            except OSError:
                pass


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_range(host, count=16):
    """A run of count free TCP ports for passive data connections."""
    for _ in range(200):
        base = random.randrange(30000, 60000 - count)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind((host, p))
            return base, base + count - 1
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free passive port range")


def wait_port(host, port, proc=None, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (proc.args[0], proc.returncode))
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("port %d did not open" % port)


class VirtualPrinter:
    def __init__(self, args):
        self.a = args
        self.procs = {}
        self.pam_file = None
        self.firmware = None
        self.done = threading.Event()
        self.controls = queue.Queue()
        self.keep_state = args.state_dir is not None
        if args.state_dir:
            os.makedirs(args.state_dir, exist_ok=True)
            self.state = os.path.abspath(args.state_dir)
        else:
            self.state = tempfile.mkdtemp(prefix="af-vp-", dir="/tmp")
        self.storage = os.path.join(self.state, "storage")
        os.makedirs(self.storage, exist_ok=True)
        self.requests_file = os.path.join(self.state, "requests.jsonl")
        open(self.requests_file, "a").close()
        self.fw_user = "fw-" + "".join(random.choice("abcdef0123456789") for _ in range(8))
        self.fw_pass = "".join(random.choice("abcdefghijkmnpqrstuvwxyz23456789")
                               for _ in range(20))

    def path(self, name):
        return os.path.join(self.state, name)

    # --- certificates -------------------------------------------------------
    def reuse_certs(self):
        """With --state-dir, keep an earlier run's certificates for the same
        serial, so a client that trusted or pinned them still does."""
        p = self.path
        if not self.keep_state or not all(os.path.exists(p(f)) for f in
                                          ("ca.crt", "server.crt", "server.key")):
            return False
        subject = subprocess.run(["openssl", "x509", "-in", p("server.crt"), "-noout",
                                  "-subject", "-nameopt", "RFC2253"],
                                 capture_output=True, text=True).stdout.strip()
        return subject == "subject=CN=" + self.a.serial

    def make_certs(self):
        a, p = self.a, self.path
        if self.reuse_certs():
            self.finish_certs()
            return
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
             "-subj", "/CN=AtomForm Virtual Printer CA", "-keyout", p("ca.key"),
             "-out", p("ca.crt")])
        run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + a.serial,
             "-keyout", p("server.key"), "-out", p("server.csr")])
        with open(p("server.ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")
        run(["openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"),
             "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "3650", "-out",
             p("server.crt"), "-extfile", p("server.ext")])
        self.finish_certs()

    def finish_certs(self):
        p = self.path
        der = subprocess.run(["openssl", "x509", "-in", p("server.crt"), "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.fingerprint = hashlib.sha256(der).hexdigest()
        with open(p("server.pem"), "w") as f:
            f.write(open(p("server.crt")).read() + open(p("server.key")).read())
        # OpenSSL settings for vsftpd: TLS 1.2 at most, like the printers.
        with open(p("openssl.cnf"), "w") as f:
            f.write("openssl_conf = vp_init\n[vp_init]\nssl_conf = vp_ssl\n[vp_ssl]\n"
                    "system_default = vp_tls\n[vp_tls]\nMaxProtocol = TLSv1.2\n")

    # --- mosquitto ----------------------------------------------------------
    def write_broker_config(self):
        a, p = self.a, self.path
        run(["mosquitto_passwd", "-c", "-b", p("mqtt.passwd"), "bblp", a.access_code])
        run(["mosquitto_passwd", "-b", p("mqtt.passwd"), self.fw_user, self.fw_pass])
        s = a.serial
        with open(p("mqtt.acl"), "w") as f:
            f.write("user bblp\ntopic write device/%s/request\ntopic read device/%s/report\n"
                    "user %s\ntopic read device/%s/request\ntopic write device/%s/report\n"
                    % (s, s, self.fw_user, s, s))
        with open(p("mosquitto.conf"), "w") as f:
            if os.geteuid() == 0:
                # As root mosquitto would drop to user "mosquitto" and lose the key.
                f.write("user root\n")
            f.write("per_listener_settings false\nallow_anonymous false\n"
                    "password_file %s\nacl_file %s\npersistence false\nlog_dest file %s\n"
                    "log_type error\nlog_type warning\nlog_type notice\n"
                    "listener %d %s\ncafile %s\ncertfile %s\nkeyfile %s\n"
                    "tls_version tlsv1.2\nrequire_certificate false\n"
                    % (p("mqtt.passwd"), p("mqtt.acl"), p("mosquitto.log"), a.mqtt_port,
                       a.host, p("ca.crt"), p("server.crt"), p("server.key")))

    def start_broker(self):
        proc = subprocess.Popen(["mosquitto", "-c", self.path("mosquitto.conf")],
                                preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=open(self.path("mosquitto.stderr"), "a"))
        self.procs["mosquitto"] = proc
        wait_port(self.a.host, self.a.mqtt_port, proc)

    # --- FTPS ---------------------------------------------------------------
    def write_vsftpd_config(self):
        a, p = self.a, self.path
        # vsftpd lower-cases pam_service_name, so the file name must be lower case.
        # The PID keeps two virtual printers with the same serial (tests that
        # run in parallel) from overwriting each other's user database.
        service = "af-vp-%s-%d" % (a.serial.lower(), os.getpid())
        with open(p("ftp-users.txt"), "w") as f:
            f.write("bblp\n%s\n" % a.access_code)
        if os.path.exists(p("ftp-users.db")):
            os.unlink(p("ftp-users.db"))
        run(["db_load", "-T", "-t", "hash", "-f", p("ftp-users.txt"), p("ftp-users.db")])
        os.unlink(p("ftp-users.txt"))
        self.pam_file = os.path.join(PAM_DIR, service)
        with open(self.pam_file, "w") as f:
            f.write("# Written by af-virtual-printer.py (pid %d); removed on exit.\n"
                    "auth required pam_userdb.so crypt=none db=%s\n"
                    "account required pam_userdb.so crypt=none db=%s\n"
                    % (os.getpid(), p("ftp-users"), p("ftp-users")))
        # The guest user "ftp" writes the uploads and must reach the storage dir.
        os.chmod(self.state, 0o711)
        shutil.chown(self.storage, "ftp", "ftp")
        lo, hi = free_range(a.host)
        with open(p("vsftpd.conf"), "w") as f:
            f.write("\n".join([
                "listen=YES", "listen_ipv6=NO", "listen_address=" + a.host,
                "listen_port=%d" % a.ftps_port, "background=NO",
                "anonymous_enable=NO", "local_enable=YES", "write_enable=YES",
                "local_umask=022", "guest_enable=YES", "guest_username=ftp",
                "virtual_use_local_privs=YES", "local_root=" + self.storage,
                "chroot_local_user=YES", "allow_writeable_chroot=YES",
                "pam_service_name=" + service, "delay_failed_login=0",
                "secure_chroot_dir=/var/run/vsftpd/empty", "seccomp_sandbox=NO",
                "ssl_enable=YES", "implicit_ssl=YES", "rsa_cert_file=" + p("server.crt"),
                "rsa_private_key_file=" + p("server.key"), "force_local_logins_ssl=YES",
                "force_local_data_ssl=YES", "require_ssl_reuse=YES", "ssl_tlsv1=YES",
                "ssl_sslv2=NO", "ssl_sslv3=NO", "ssl_ciphers=HIGH", "ssl_request_cert=NO",
                "pasv_enable=YES", "pasv_address=" + a.host, "pasv_min_port=%d" % lo,
                "pasv_max_port=%d" % hi, "port_enable=NO", "xferlog_enable=YES",
                "vsftpd_log_file=" + p("vsftpd.log"), "dual_log_enable=YES",
                "log_ftp_protocol=YES", "idle_session_timeout=300", ""]))
        os.makedirs("/var/run/vsftpd/empty", exist_ok=True)

    def start_ftp(self):
        a = self.a
        env = dict(os.environ)
        if a.ftp_server == "vsftpd":
            env["OPENSSL_CONF"] = self.path("openssl.cnf")
            cmd = ["vsftpd", self.path("vsftpd.conf")]
        else:
            lo, hi = free_range(a.host)
            cmd = [sys.executable, os.path.join(HERE, "vp_pyftpd.py"), a.host,
                   str(a.ftps_port), self.path("server.pem"), self.storage, "%d-%d" % (lo, hi)]
            env["VP_ACCESS_CODE"] = a.access_code
        proc = subprocess.Popen(cmd, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=open(self.path("ftp.stderr"), "a"), env=env)
        self.procs["ftp"] = proc
        wait_port(a.host, a.ftps_port, proc)

    def stop_proc(self, key):
        proc = self.procs.pop(key, None)
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # --- SSDP ---------------------------------------------------------------
    def ssdp_loop(self):
        a = self.a
        host, port = a.ssdp_target.rsplit(":", 1)
        msg = ("NOTIFY * HTTP/1.1\r\nHost: 239.255.255.250:1990\r\nServer: UPnP/1.0\r\n"
               "Location: %s\r\nNT: urn:bambulab-com:device:3dprinter:1\r\nNTS: ssdp:alive\r\n"
               "USN: %s\r\nCache-Control: max-age=%d\r\nDevModel.bambu.com: %s\r\n"
               "DevName.bambu.com: %s\r\nDevSignal.bambu.com: -44\r\n"
               "DevConnect.bambu.com: lan\r\nDevBind.bambu.com: free\r\n"
               "Devseclink.bambu.com: secure\r\nDevVersion.bambu.com: 01.08.02.00\r\n"
               "DevCap.bambu.com: 1\r\n\r\n"
               % (a.host, a.serial, a.max_age, a.model, a.name)).encode("utf-8")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((a.host, 0))
            while True:
                try:
                    s.sendto(msg, (host, int(port)))
                except OSError as e:
                    log("SSDP send failed: %s" % e)
                if self.done.wait(a.ssdp_interval):
                    return

    # --- control ------------------------------------------------------------
    def control(self, line):
        words = line.split(None, 1)
        if not words:
            return
        cmd, arg = words[0], (words[1].strip() if len(words) > 1 else "")
        ok, message = True, ""
        try:
            if cmd == "kill-ftp":
                self.stop_proc("ftp")
            elif cmd == "start-ftp":
                if "ftp" not in self.procs:
                    self.start_ftp()
            elif cmd == "restart-broker":
                self.stop_proc("mosquitto")
                self.firmware.connected.clear()
                time.sleep(1)
                self.start_broker()
                # Answer only when the firmware is subscribed again, so a client
                # that connects after the answer is heard.
                if not self.firmware.connected.wait(10):
                    raise RuntimeError("firmware did not reconnect")
            elif cmd == "busy":
                self.firmware.force_busy()
            elif cmd == "idle":
                self.firmware.force_idle()
            elif cmd == "pause-next-start" and arg:
                self.firmware.next_pause = parse_pause(arg)
            elif cmd == "other-job" and arg:
                self.firmware.start_other(arg)
            elif cmd == "other-job-on-next-start" and arg:
                self.firmware.next_other = arg
            elif cmd == "publish":
                with open(arg, encoding="utf-8") as f:
                    data = json.load(f)
                if isinstance(data, dict) and "pushall" in data:
                    data = data["pushall"]
                self.firmware.publish_raw(data)
            elif cmd in ("verify-failed", "silence") and arg in ("on", "off"):
                if cmd == "silence":
                    self.firmware.silent = arg == "on"
                else:
                    self.firmware.set_verify_failed(arg == "on")
            elif cmd == "start-delay":
                seconds = float(arg)
                if not 0 <= seconds <= 600:
                    raise ValueError("start-delay takes 0 to 600 seconds")
                self.firmware.start_delay = seconds
            elif cmd == "cloud-offline" and arg in ("on", "off"):
                self.firmware.set_cloud_offline(arg == "on")
            elif cmd == "quit":
                self.done.set()
            else:
                ok, message = False, "unknown command"
        except Exception as e:  # a failed control line must not kill the printer
            ok, message = False, str(e)
        emit({"event": "control", "command": line, "ok": ok, "message": message})

    def stdin_loop(self):
        # Control lines run on the main thread: children must be started from
        # a thread that lives as long as the program (PR_SET_PDEATHSIG).
        for line in sys.stdin:
            self.controls.put(line.strip())

    # --- life cycle ---------------------------------------------------------
    def start(self):
        a = self.a
        self.make_certs()
        self.write_broker_config()
        self.start_broker()
        if a.ftp_server == "vsftpd":
            remove_stale_pam_files()
            self.write_vsftpd_config()
        self.start_ftp()
        self.firmware = vp_firmware.Firmware(
            a.serial, a.host, a.mqtt_port, self.path("ca.crt"), self.fw_user, self.fw_pass,
            self.storage, self.requests_file, a.speed, a.reports == "full", emit,
            {"model": a.model, "nozzle_diameter": a.nozzle_diameter, "ams": not a.no_ams,
             "storage": not a.no_storage})
        self.firmware.start()
        cloud = None
        if a.cloud_device:
            self.firmware.connect_cloud(a.cloud_device)
            cloud = {"mqtt_host": a.cloud_device["mqtt_host"],
                     "mqtt_port": int(a.cloud_device["mqtt_port"]),
                     "username": a.cloud_device["username"]}
        if a.ssdp_target:
            threading.Thread(target=self.ssdp_loop, daemon=True).start()
        emit({"serial": a.serial, "access_code": a.access_code, "name": a.name,
              "model": a.model, "host": a.host, "mqtt_port": a.mqtt_port,
              "ftps_port": a.ftps_port, "ca_file": self.path("ca.crt"),
              "cert_file": self.path("server.crt"), "fingerprint": self.fingerprint,
              "storage_dir": self.storage, "state_dir": self.state,
              "requests_file": self.requests_file,
              "requests_qos_file": self.firmware.qos_file, "ssdp_target": a.ssdp_target,
              "cloud": cloud, "pid": os.getpid()})
        threading.Thread(target=self.stdin_loop, daemon=True).start()

    def cleanup(self):
        self.done.set()
        if self.firmware is not None:
            self.firmware.stop()
        for key in list(self.procs):
            self.stop_proc(key)
        if self.pam_file and os.path.exists(self.pam_file):
            os.unlink(self.pam_file)
        if not self.keep_state:
            shutil.rmtree(self.state, ignore_errors=True)


def parse_pause(arg):
    """'0x07008011 0x07000000:0x00020001 …' → (print_error, [hms entries])."""
    words = arg.split()
    code = int(words[0], 16)
    hms = []
    for word in words[1:]:
        attr, _, value = word.partition(":")
        hms.append({"attr": int(attr, 16), "code": int(value, 16)})
    if not 0 < code < 2**32 or any(not 0 <= v < 2**32 for h in hms for v in h.values()):
        raise ValueError("codes are 32-bit hex values")
    return code, hms


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Start one simulated printer on loopback.")
    ap.add_argument("--serial")
    ap.add_argument("--access-code")
    ap.add_argument("--model", default="C12")
    ap.add_argument("--nozzle-diameter", default="0.4")
    ap.add_argument("--no-ams", action="store_true")
    ap.add_argument("--no-storage", action="store_true")
    ap.add_argument("--name")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--mqtt-port", type=int, default=0)
    ap.add_argument("--ftps-port", type=int, default=0)
    ap.add_argument("--ssdp-target")
    ap.add_argument("--ssdp-interval", type=float, default=5.0)
    ap.add_argument("--max-age", type=int, default=30)
    ap.add_argument("--speed", type=float, default=60.0)
    ap.add_argument("--reports", choices=("delta", "full"))
    ap.add_argument("--state-dir")
    ap.add_argument("--ftp-server", choices=("vsftpd", "pyftpdlib"))
    ap.add_argument("--cloud-device", metavar="FILE",
                    help="cloud mode: the device object of the reference cloud's "
                         "POST /admin/printers answer (docs/reference-cloud.md)")
    a = ap.parse_args(argv)
    if not ipaddress.ip_address(a.host) in ipaddress.ip_network("127.0.0.0/8"):
        ap.error("--host must be a loopback address (127.0.0.0/8)")
    if a.ssdp_target:
        h, _, port = a.ssdp_target.rpartition(":")
        if not port.isdigit() or ipaddress.ip_address(h) not in ipaddress.ip_network("127.0.0.0/8"):
            ap.error("--ssdp-target must be LOOPBACK-IP:PORT")
    if a.speed < 1:
        ap.error("--speed must be at least 1")
    if a.cloud_device:
        try:
            with open(a.cloud_device, encoding="utf-8") as f:
                device = json.load(f)
            if not all(isinstance(device.get(k), str) for k in
                       ("mqtt_host", "ca_file", "username", "password")):
                raise ValueError("mqtt_host, ca_file, username and password are needed")
            int(device["mqtt_port"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            ap.error("--cloud-device: %s" % e)
        if a.serial and device.get("serial", a.serial) != a.serial:
            ap.error("--cloud-device is for serial %s, not %s" % (device["serial"], a.serial))
        a.serial = a.serial or device.get("serial")
        a.cloud_device = device
    a.serial = a.serial or "01S00A%09d" % random.randrange(10 ** 9)
    a.access_code = a.access_code or "%08d" % random.randrange(10 ** 8)
    a.name = a.name or "Virtual " + a.model
    a.reports = a.reports or ("full" if a.model in X1_MODELS else "delta")
    a.ftp_server = a.ftp_server or ("vsftpd" if os.geteuid() == 0 else "pyftpdlib")
    if a.ftp_server == "vsftpd" and os.geteuid() != 0:
        ap.error("vsftpd needs root; use --ftp-server pyftpdlib")
    if not all(c.isalnum() or c in "-_" for c in a.serial):
        ap.error("--serial may hold only letters, digits, '-' and '_'")
    a.mqtt_port = a.mqtt_port or free_port(a.host)
    a.ftps_port = a.ftps_port or free_port(a.host)
    return a


def main(argv):
    args = parse_args(argv)
    parent = os.getppid()
    vp = VirtualPrinter(args)
    signal.signal(signal.SIGTERM, lambda *_: vp.done.set())
    signal.signal(signal.SIGINT, lambda *_: vp.done.set())
    # A test that crashes cannot send SIGTERM: stop cleanly when the process
    # (strictly: the thread) that started us dies.
    _die_with_parent()
    if os.getppid() != parent:
        return 0
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    rc = 0
    try:
        vp.start()
        while not vp.done.is_set():
            try:
                vp.control(vp.controls.get(timeout=0.1))
            except queue.Empty:
                pass
    except Exception as e:
        log("start-up failed: %s" % (e.stderr.decode(errors="replace").strip()
                                     if isinstance(e, subprocess.CalledProcessError) and e.stderr
                                     else e))
        rc = 1
    finally:
        vp.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
