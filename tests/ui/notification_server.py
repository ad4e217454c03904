#!/usr/bin/python3
# notification_server.py: the desktop's notification server for UI tests, on
# the test's private session bus: it owns org.freedesktop.Notifications (the
# Desktop Notifications Specification 1.2, the interface GNotification uses
# outside a portal), writes one JSON line per notification to the file it is
# given, and prints "ready" once it owns the name.
#
# usage: notification_server.py OUTPUT_FILE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import sys

from gi.repository import Gio, GLib

INTERFACE = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""

output = open(sys.argv[1], "a", encoding="utf-8")
counter = 0


def call(connection, sender, path, interface, method, parameters, invocation):
    global counter
    if method == "Notify":
        app, _, _, summary, body = parameters.unpack()[:5]
        counter += 1
        output.write(json.dumps({"app": app, "summary": summary, "body": body}) + "\n")
        output.flush()
        invocation.return_value(GLib.Variant("(u)", (counter,)))
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["body"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("test", "AtomForm", "1", "1.2")))
    else:
        invocation.return_value(None)


def acquired(connection, name):
    print("ready", flush=True)


def bus_acquired(connection, name):
    info = Gio.DBusNodeInfo.new_for_xml(INTERFACE).interfaces[0]
    connection.register_object("/org/freedesktop/Notifications", info, call, None, None)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications",
                 Gio.BusNameOwnerFlags.NONE, bus_acquired, acquired, lambda *a: sys.exit(1))
GLib.MainLoop().run()
