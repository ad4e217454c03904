#!/usr/bin/python3
# check-shortcuts.py SOURCE_ROOT
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Keyboard Shortcuts window (resources/gtk/help-overlay.ui) lists every
# accelerator the app sets, and nothing it does not set. The app's
# accelerators are read from the code that sets them: each
# gtk_application_set_accels_for_action call in app/ and ui/ (with the
# static array it passes), each gtk_widget_class_add_binding_action, and the
# ones GTK itself adds for us (GtkApplication binds Ctrl+? to
# win.show-help-overlay; a primary GtkMenuButton opens on F10). An entry of
# the window names either an accelerator or an action, whose accelerators
# are then the ones set for it.

import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

# Set by GTK for us, not by our code: GtkApplication's help overlay and the
# primary menu button (gtk_menu_button_set_primary).
GTK_ACCELS = {"win.show-help-overlay": ["<Control>question"]}
GTK_KEYS = {"F10": "the primary menu button"}
MASKS = {"0": "", "GDK_CONTROL_MASK": "<Control>", "GDK_SHIFT_MASK": "<Shift>",
         "GDK_ALT_MASK": "<Alt>"}
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


def normalise(accel):
    """One spelling per accelerator: <Control>o and <Primary>O alike."""
    mods = re.findall(r"<(\w+)>", accel)
    key = re.sub(r"<\w+>", "", accel)
    mods = sorted("Control" if m in ("Primary", "Ctrl") else m for m in mods)
    key = key.lower() if len(key) == 1 else key
    return "".join("<%s>" % m for m in mods) + key


def set_in_code(root):
    """action → accelerators, and (class file, accelerator) pairs."""
    by_action = {k: [normalise(a) for a in v] for k, v in GTK_ACCELS.items()}
    bindings = []
    for path in sorted(glob.glob(os.path.join(root, "app", "*.c"))
                       + glob.glob(os.path.join(root, "ui", "*.c"))):
        with open(path, encoding="utf-8") as f:
            code = f.read()
        arrays = {name: re.findall(r'"([^"]+)"', body) for name, body in re.findall(
            r"static const char \*\s*const (\w+)\[\]\s*=\s*\{([^}]*)\}", code)}
        for action, var in re.findall(
                r'gtk_application_set_accels_for_action\s*\([^,]+,\s*"([^"]+)",\s*(\w+)\s*\)',
                code):
            check(var in arrays, "%s: the accelerators of %s are a static array"
                  % (os.path.basename(path), action))
            by_action.setdefault(action, []).extend(normalise(a) for a in arrays.get(var, []))
        for key, mask, action in re.findall(
                r'gtk_widget_class_add_binding_action\s*\(\s*\w+,\s*GDK_KEY_(\w+),\s*'
                r'([\w |]+?),\s*"([^"]+)"', code):
            mods = "".join(MASKS[m.strip()] for m in mask.split("|"))
            bindings.append((os.path.basename(path), normalise(mods + key), action))
    return by_action, bindings


def listed(root):
    """The accelerators the Keyboard Shortcuts window shows."""
    tree = ET.parse(os.path.join(root, "resources", "gtk", "help-overlay.ui"))
    entries = []
    for obj in tree.iter("object"):
        if obj.get("class") != "GtkShortcutsShortcut":
            continue
        props = {p.get("name"): (p.text or "") for p in obj.findall("property")}
        entries.append((props.get("title"), props.get("accelerator"), props.get("action-name")))
    return entries


def main():
    root = sys.argv[1]
    by_action, bindings = set_in_code(root)
    check(len(by_action) >= 3 and len(bindings) >= 3,
          "found the app's accelerators: %r, %r" % (by_action, bindings))
    shown = set()
    for title, accel, action in listed(root):
        if action:
            check(action in by_action, "%r shows the accelerators of %s, which has some"
                  % (title, action))
            shown.update(by_action.get(action, []))
        else:
            for one in (accel or "").split():
                shown.add(normalise(one))
    real = {a for accels in by_action.values() for a in accels}
    real |= {accel for _, accel, _ in bindings}
    for action, accels in sorted(by_action.items()):
        for accel in accels:
            check(accel in shown, "the Keyboard Shortcuts window lists %s (%s)" % (accel, action))
    for path, accel, action in bindings:
        check(accel in shown, "the Keyboard Shortcuts window lists %s (%s in %s)"
              % (accel, action, path))
    for accel in sorted(shown - real):
        check(accel in GTK_KEYS, "%s in the Keyboard Shortcuts window is set by the app"
              " or by GTK for it" % accel)
    print("%d failed" % len(failures))
    return 1 if failures else 0


sys.exit(main())
