/* af-test-util.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

/* Small helpers the C tests share (tests/meson.build adds af-test-util.c to
 * the tests that use it). Each asserts where a test would: a helper that
 * cannot do its work fails the test, it never returns a half result.
 */

/* The shared corpus: $AF_CORPUS_DIR, else the folder the build was set up
 * with.
 */
const char  *af_test_corpus_dir      (void);
/* The file kind/name of the corpus ("gcode", "3mf"), read by the real
 * readers: a G-code file whole, an archive's plate 1.
 */
AfGcodeInfo *af_test_corpus_info     (const char  *kind,
                                      const char  *name) G_GNUC_WARN_UNUSED_RESULT;
/* The report a printer sent, from the ha-bambulab fixture mqtt/report of
 * the corpus (its "pushall" member), as the JSON text MQTT would carry.
 */
char        *af_test_corpus_report   (const char  *report) G_GNUC_WARN_UNUSED_RESULT;

/* G-code at path through af_gcode_read_file(). */
AfGcodeInfo *af_test_read_gcode      (const char  *path,
                                      GError     **error) G_GNUC_WARN_UNUSED_RESULT;
/* Writes size bytes of data to dir/name and returns that path. */
char        *af_test_write_file      (const char  *dir,
                                      const char  *name,
                                      const void  *data,
                                      gsize        size) G_GNUC_WARN_UNUSED_RESULT;
/* Removes path and everything under it, without following links. */
void         af_test_remove_tree     (const char  *path);

/* A non-blocking TCP socket listening on 127.0.0.1 at a port of the
 * system's choice (*port); the caller closes it.
 */
int          af_test_listen_loopback (guint       *port);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
guint        af_test_free_port       (void);

G_END_DECLS
