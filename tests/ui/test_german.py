#!/usr/bin/python3
# test_german.py EXECUTABLE CORPUS_DIR PO_FILE
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The installed window speaks German with LANGUAGE=de: in every view (File
# with an archive, the Send panel, Printers, History, Privacy) and in the
# Keyboard Shortcuts window it shows the German text that po/de.po gives for
# known English strings, and not the English one. The expected words are
# read from the .po file, so a view left in English, or a string de.po does
# not translate (or marks fuzzy), fails.
#
# Runs from tests/test-install.py on the installed prefix (the translations
# are found where the build put LOCALEDIR), under tests/headless-run.sh.

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import afui  # noqa: E402
import pyatspi  # noqa: E402

NAME = "bambustudio-02.07-p1s.gcode.3mf"
LABEL = pyatspi.ROLE_LABEL
ROW = pyatspi.ROLE_LIST_ITEM
BUTTON = pyatspi.ROLE_PUSH_BUTTON
SHORTCUTS = "shortcut window"

# What each view shows: (role, English msgid of po/atomform-connect.pot, or
# (msgctxt, msgid)); a msgid ending in "%s" is matched up to it, and a
# button by the start of its name (GTK 4.8 names a button by its accessible
# label followed by its label's text). Only the views' own text: the drop-down options and the
# printer-state words come from elsewhere.
TABS = ["File", "Printers", "History", "Privacy"]
FILE_VIEW = [(LABEL, "Estimated print time: %s"), (ROW, "Layer Height"), (ROW, "Nozzle Diameter")]
SEND_PANEL = [(LABEL, "Add a printer to send this file to it"),
              (BUTTON, "Add Printer…")]
PRINTERS_VIEW = [(LABEL, "No Printers"),
                 (LABEL, "Add a printer on your network with its IP address, serial number and "
                  "access code to send prints to it")]
HISTORY_VIEW = [(LABEL, "No Cloud History"), (BUTTON, "Sign In…")]
PRIVACY_VIEW = [(LABEL, "On This Computer"), (ROW, "Clear Local Data"),
                (BUTTON, "Forget access codes")]
SHORTCUTS_WINDOW = [(LABEL, (SHORTCUTS, "Open a sliced file")),
                    (LABEL, (SHORTCUTS, "Show the main menu"))]


def read_po(path):
    """(msgctxt or None, msgid) → msgstr for the entries gettext uses: not
    fuzzy, not obsolete, not plural.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    entries = {}
    for block in text.split("\n\n"):
        if re.search(r"^#,.*\bfuzzy\b", block, re.MULTILINE):
            continue
        fields = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key is not None:
                fields[key] += line[1:-1]
            else:
                key = None
        if fields.get("msgid") and "msgid_plural" not in fields:
            entries[(fields.get("msgctxt"), fields["msgid"])] = fields.get("msgstr", "")
    return entries


def english(msgid):
    return msgid[1] if isinstance(msgid, tuple) else msgid


def german(po, msgid):
    key = msgid if isinstance(msgid, tuple) else (None, msgid)
    text = po.get(key, "")
    afui.check(text and text != key[1],
               "po/de.po does not translate %r: the lead completes de.po" % (key,))
    return text


def expect(app, root, po, role, msgid, where):
    word = german(po, msgid)
    what = "%r (%r) in %s" % (word, english(msgid), where)
    if word.endswith("%s") or role == BUTTON:
        cut = -2 if word.endswith("%s") else None
        node = app.wait_for(what, root=root, role=role, prefix=word[:cut])
        afui.check(afui.find(root, role=role, prefix=english(msgid)[:cut]) is None,
                   "%s still shows the English %r" % (where, english(msgid)))
    else:
        node = app.wait_for(what, root=root, role=role, name=word)
        afui.check(afui.find(root, role=role, name=english(msgid)) is None,
                   "%s still shows the English %r" % (where, english(msgid)))
    afui.log("%s: %r" % (where, node.name))


def click(node):
    node.queryAction().doAction(0)


def tab(app, po, msgid):
    word = german(po, msgid)
    node = app.wait_for("the %r tab" % word, role=pyatspi.ROLE_PAGE_TAB, name=word)
    click(node)
    afui.poll("the %r tab selected" % word,
              lambda: node.getState().contains(pyatspi.STATE_SELECTED)
              or node.getState().contains(pyatspi.STATE_CHECKED), app=app)


def shortcuts_window(app, po):
    """Opens the Keyboard Shortcuts window from the primary menu, in German."""
    item = german(po, "_Keyboard Shortcuts").replace("_", "")
    pyatspi.Registry.generateKeyboardEvent(0xffc7, None, pyatspi.KEY_SYM)  # F10
    entry = afui.poll("the %r menu item" % item, lambda: next(
        (n for n in afui.walk(app.accessible())
         if n.getRole() == pyatspi.ROLE_MENU_ITEM and n.name.replace("_", "") == item
         and afui.is_showing(n)), None), app=app)
    click(entry)
    title = german(po, (SHORTCUTS, "Keyboard Shortcuts"))
    window = app.top_level(title)
    afui.poll("%r on screen" % title, lambda: afui.is_showing(window), app=app)
    return window, title


def test():
    exe, corpus, po_file = sys.argv[1:4]
    po = read_po(po_file)
    afui.check(os.environ.get("LANGUAGE", "").startswith("de"), "LANGUAGE=de is set")
    with afui.App(exe, os.path.join(corpus, "3mf", NAME)) as app:
        frame = app.top_level(NAME)
        for msgid in TABS:
            app.wait_for("the %r tab" % msgid, role=pyatspi.ROLE_PAGE_TAB,
                         name=german(po, msgid))
        for role, msgid in FILE_VIEW:
            expect(app, frame, po, role, msgid, "the File view")
        afui.screenshot(NAME, "german-file.png")

        toggle = app.wait_for("the Send panel toggle", root=frame, role=BUTTON,
                              name=german(po, "Send to Printer"))
        click(toggle)
        panel = app.wait_for("the Send panel", root=frame, role=pyatspi.ROLE_FILLER,
                             name=german(po, "Send to Printer"))
        for role, msgid in SEND_PANEL:
            expect(app, panel, po, role, msgid, "the Send panel")
        afui.screenshot(NAME, "german-send.png")
        click(toggle)

        for msgid, view, strings in [("Printers", "printers", PRINTERS_VIEW),
                                     ("History", "history", HISTORY_VIEW),
                                     ("Privacy", "privacy", PRIVACY_VIEW)]:
            tab(app, po, msgid)
            for role, text in strings:
                expect(app, frame, po, role, text, "the %s view" % msgid)
            afui.screenshot(NAME, "german-%s.png" % view)

        window, title = shortcuts_window(app, po)
        for role, msgid in SHORTCUTS_WINDOW:
            expect(app, window, po, role, msgid, "the Keyboard Shortcuts window")
        afui.screenshot(title, "german-shortcuts.png")


afui.run(test)
