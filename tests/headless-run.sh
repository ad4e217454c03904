#!/bin/sh
# headless-run.sh [--keyring] COMMAND [ARG…]
#
# Copyright 2026 The AtomForm Connect Authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs COMMAND on a private Xvfb display and a private session bus, on which
# AT-SPI activates itself, with HOME and the XDG directories in a throwaway
# folder so no test reads or writes the user's recent files, settings or
# keyring. --keyring also starts an unlocked gnome-keyring. Everything started
# here is stopped by its PID.
set -eu

wait_limit=500    # 5 s in steps of 10 ms

if [ -z "${_HEADLESS_INNER:-}" ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/headless.XXXXXX")
  # -noreset: by default Xvfb resets whenever its last client leaves, and
  # the next app then fails with "cannot open display".
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
      3>"$tmp/display" 2>"$tmp/xvfb.log" &
  xpid=$!
  i=0
  while [ ! -s "$tmp/display" ]; do
    i=$((i + 1))
    if [ $i -gt $wait_limit ]; then
      echo "headless-run: Xvfb did not start" >&2
      kill $xpid 2>/dev/null || true
      rm -rf "$tmp"
      exit 99
    fi
    sleep 0.01
  done
  export DISPLAY=":$(cat "$tmp/display")" _HEADLESS_INNER=1 _HEADLESS_TMP="$tmp"
  rc=0
  dbus-run-session -- "$0" "$@" 2>"$tmp/dbus.log" || rc=$?
  kill $xpid 2>/dev/null || true
  wait $xpid 2>/dev/null || true
  [ $rc -eq 0 ] || grep -v "fd limit" "$tmp/dbus.log" >&2 || true
  rm -rf "$tmp"
  exit $rc
fi

export GDK_BACKEND=x11 GSK_RENDERER="${GSK_RENDERER:-cairo}"
export GSETTINGS_BACKEND="${GSETTINGS_BACKEND:-memory}"
# GTK_A11Y=none would hide the application from AT-SPI.
unset GTK_A11Y
export HOME="$_HEADLESS_TMP/home" XDG_RUNTIME_DIR="$_HEADLESS_TMP/run"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config"
export XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"

if [ "${1:-}" = "--keyring" ]; then
  shift
  # The daemon is not ours to test: its own harmless warnings must not abort it.
  printf '%s' "test-keyring-pw" |
    env -u G_DEBUG gnome-keyring-daemon --foreground --unlock --components=secrets \
      >/dev/null 2>"$_HEADLESS_TMP/gkd.log" &
  gkd=$!
  i=0
  until gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
        -m org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true; do
    i=$((i + 1))
    if [ $i -gt 250 ]; then
      echo "headless-run: gnome-keyring did not start" >&2
      kill $gkd 2>/dev/null || true
      exit 99
    fi
    sleep 0.02
  done
  rc=0
  "$@" || rc=$?
  kill $gkd 2>/dev/null || true
  wait $gkd 2>/dev/null || true
  exit $rc
fi

exec "$@"
