#!/usr/bin/python3
# check-flatpak.py README MANIFEST…
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Flatpak manifests are valid JSON of the shape flatpak-builder reads;
# every downloaded source is a release archive pinned by sha256 (no git
# branches, no unpinned tags); the only local source is the app's own
# checkout; the runtime is not an end-of-life one; finish-args are exactly
# the permissions the README lists and explains, in its order; and the
# Privacy view (ui/af-permissions-group.c) shows the same list, each with
# its reason, in the same order.

import json
import os
import re
import sys

# GNOME runtimes that are end of life (README.md, "Flatpak").
END_OF_LIFE = {str(v) for v in range(3, 50)}
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)


def documented_permissions(readme):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Flatpak\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(--[^`]+)` \| \S", section, re.MULTILINE)


def shown_permissions(readme):
    """The permissions the Privacy view lists, from its one table."""
    path = os.path.join(os.path.dirname(os.path.abspath(readme)), "ui",
                        "af-permissions-group.c")
    with open(path, encoding="utf-8") as f:
        code = f.read()
    return re.findall(r'^  \{ "(--[^"]+)", N_\("[^"]+"\),\s*N_\("[^"]+', code, re.MULTILINE)


def check_source(name, source, manifest_dir):
    kind = source.get("type")
    if kind == "dir":
        path = os.path.normpath(os.path.join(manifest_dir, source.get("path", "")))
        check(name == "atomform-connect" and os.path.isfile(os.path.join(path, "meson.build")),
              "%s: the only local source is the app's own checkout" % name)
        return
    check(kind in ("archive", "file"), "%s: a release archive, not %r" % (name, kind))
    check(re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")) is not None,
          "%s: pinned by sha256" % name)
    check(source.get("url", "").startswith("https://"), "%s: fetched over https" % name)
    check(not {"branch", "tag", "commit"} & source.keys(), "%s: no branch or tag" % name)


def check_manifest(path, permissions):
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    app_id = name[:-len(".json")]
    check(manifest.get("id") == app_id, "%s: id is %s" % (name, app_id))
    check(manifest.get("runtime") == "org.gnome.Platform" and manifest.get("sdk") == "org.gnome.Sdk",
          "%s: GNOME runtime and SDK" % name)
    check(str(manifest.get("runtime-version")) not in END_OF_LIFE,
          "%s: runtime %s is not end of life" % (name, manifest.get("runtime-version")))
    check(manifest.get("command") == "atomform-connect", "%s: runs atomform-connect" % name)
    check(manifest.get("finish-args") == permissions,
          "%s: finish-args %r are the README's %r" % (name, manifest.get("finish-args"),
                                                      permissions))
    modules = manifest.get("modules", [])
    names = [m.get("name") for m in modules]
    check({"mosquitto", "qoi", "libzip"} <= set(names) and names[-1] == "atomform-connect",
          "%s: libzip, mosquitto and qoi are built before the app" % name)
    for module in modules:
        check(len(module.get("sources", [])) > 0, "%s: %s has sources" % (name, module["name"]))
        for source in module.get("sources", []):
            check_source(module["name"], source, os.path.dirname(path))
    app = modules[-1]
    profile = "development" if app_id.endswith(".Devel") else "default"
    check("-Dprofile=" + profile in app.get("config-opts", []),
          "%s: builds the %s profile" % (name, profile))


def main():
    readme, manifests = sys.argv[1], sys.argv[2:]
    permissions = documented_permissions(readme)
    check(permissions[:5] == ["--share=network", "--share=ipc", "--socket=wayland",
                              "--socket=fallback-x11", "--device=dri"],
          "the README lists the base permissions: %r" % permissions)
    shown = shown_permissions(readme)
    check(shown == permissions,
          "the Privacy view lists the README's permissions, with a title and a reason: %r"
          % shown)
    check(len(manifests) == 2, "a release and a development manifest")
    for path in manifests:
        check_manifest(path, permissions)
    print("%d failed" % len(failures))
    return 1 if failures else 0


sys.exit(main())
