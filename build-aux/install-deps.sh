#!/bin/sh
# build-aux/install-deps.sh
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs everything the build, the app and the test suite need from
# Debian 12's archive, by package name. Safe to run again.
set -eu

packages="
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev
  libglib2.0-dev libgdk-pixbuf-2.0-dev libgtk-4-dev libadwaita-1-dev
  libcurl4-openssl-dev libcurl3-gnutls libzip-dev zlib1g-dev libjson-glib-dev libsecret-1-dev libsqlite3-dev
  libmosquitto-dev libssl-dev libqoi-dev
  gettext desktop-file-utils appstream shared-mime-info libxml2-utils libglib2.0-bin libgtk-4-bin
  xvfb xauth x11-utils dbus dbus-bin dbus-x11 at-spi2-core gnome-keyring libsecret-tools
  python3 python3-pyatspi python3-dogtail python3-gi python3-yaml
  mosquitto mosquitto-clients vsftpd python3-pyftpdlib python3-paho-mqtt python3-cryptography
  db-util openssl
  imagemagick zip unzip valgrind
  bubblewrap xdg-dbus-proxy xdg-desktop-portal xdg-desktop-portal-gtk fuse3
"

sudo=
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi

# shellcheck disable=SC2086
if dpkg-query -W -f='${Status}\n' $packages 2>/dev/null | grep -qv 'install ok installed' ||
   [ "$(dpkg-query -W -f='${Status}\n' $packages 2>/dev/null | wc -l)" -ne "$(echo $packages | wc -w)" ]; then
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $packages
fi
