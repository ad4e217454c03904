# a11y.py: the accessibility walk the UI tests share. A screen reader reads
# a control by its accessible name; a control without one is read as
# "button" or "text" and cannot be told apart from its neighbours.
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A view is added to the walk in tests/ui/test_a11y_walk.py with one line:
# a title and a function that shows the view and returns the accessible
# node to walk, e.g. VIEWS.append(("History", show_history)).

import afui
import pyatspi

# Roles of the controls a user operates. GTK 4.8 gives a GtkSwitch the check
# box role and a GtkToggleButton the push button role; entries are text.
INTERACTIVE = {
    pyatspi.ROLE_PUSH_BUTTON: "button",
    pyatspi.ROLE_TOGGLE_BUTTON: "toggle",
    pyatspi.ROLE_CHECK_BOX: "switch or check box",
    pyatspi.ROLE_RADIO_BUTTON: "radio button",
    pyatspi.ROLE_TEXT: "entry",
    pyatspi.ROLE_PASSWORD_TEXT: "entry",
    pyatspi.ROLE_ENTRY: "entry",
    pyatspi.ROLE_SPIN_BUTTON: "spin button",
    pyatspi.ROLE_COMBO_BOX: "combo box",
    pyatspi.ROLE_LIST_ITEM: "row",
    pyatspi.ROLE_PAGE_TAB: "tab",
    pyatspi.ROLE_SLIDER: "slider",
    pyatspi.ROLE_LINK: "link",
}


def _describe(node):
    """Where an unnamed control sits: its ancestors' roles and names."""
    path = []
    current = node
    for _ in range(6):
        try:
            current = current.parent
        except Exception:
            break
        if current is None:
            break
        path.append("%s %r" % (current.getRoleName(), current.name))
    return " < ".join(path)


def _is_drop_down_option(node):
    """A row of a drop-down's list. GTK 4.8 names none of them and has no
    API to (gtk_list_item_set_accessible_label is GTK 4.12); the drop-down
    itself is named and screen readers read the option's label.
    """
    current = node
    for _ in range(4):
        current = current.parent
        if current is None:
            return False
        if current.getRole() == pyatspi.ROLE_COMBO_BOX:
            return node.getRole() == pyatspi.ROLE_LIST_ITEM
    return False


def unnamed(root):
    """The controls on screen below root that have no accessible name."""
    found = []
    for node in afui.walk(root):
        try:
            kind = INTERACTIVE.get(node.getRole())
            if kind is None or node.name.strip():
                continue
            if not afui.is_showing(node) or _is_drop_down_option(node):
                continue
        except Exception:  # the node went away while it was read
            continue
        found.append("unnamed %s (in %s)" % (kind, _describe(node)))
    return found


def count_controls(root):
    """How many controls on screen below root were checked: a walk that saw
    none proves nothing.
    """
    total = 0
    for node in afui.walk(root):
        try:
            if node.getRole() in INTERACTIVE and afui.is_showing(node):
                total += 1
        except Exception:
            continue
    return total


def walk_views(views):
    """Shows each view in turn, walks it, and fails with every unnamed
    control of every view at once.
    """
    problems = []
    for title, show in views:
        root = show()
        # A window without a title is read out by its GTK class name.
        if root.getRole() == pyatspi.ROLE_FRAME and root.name.startswith(("Gtk", "Adw")):
            problems.append("%s: the window has no title (read as %r)" % (title, root.name))
        controls = count_controls(root)
        afui.check(controls > 0, "the %s view shows no controls to check" % title)
        found = unnamed(root)
        afui.log("%s: %d controls, %d unnamed" % (title, controls, len(found)))
        for problem in found:
            afui.log("  " + problem)
        problems += ["%s: %s" % (title, problem) for problem in found]
    afui.check(not problems, "controls without an accessible name:\n  " + "\n  ".join(problems))
