/* af-test-printer.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One virtual printer (tests/virtual-printer/af-virtual-printer.py, see
 * docs/virtual-printer.md) run as a child process for a GTest test. The
 * script is found through $AF_VIRTUAL_PRINTER; when that is unset,
 * af_test_printer_start() fails with G_IO_ERROR_NOT_FOUND so the caller can
 * g_test_skip().
 */
typedef struct _AfTestPrinter AfTestPrinter;

/* Spawns the printer with extra_args (NULL-terminated, may be NULL) added to
 * the command line and waits up to 30 s for its ready line.
 */
AfTestPrinter *af_test_printer_start            (const char *const *extra_args,
                                                 GError           **error);
const char    *af_test_printer_get_serial        (AfTestPrinter     *self);
const char    *af_test_printer_get_access_code   (AfTestPrinter     *self);
const char    *af_test_printer_get_host          (AfTestPrinter     *self);
guint          af_test_printer_get_mqtt_port     (AfTestPrinter     *self);
guint          af_test_printer_get_ftps_port     (AfTestPrinter     *self);
const char    *af_test_printer_get_ca_file       (AfTestPrinter     *self);
const char    *af_test_printer_get_fingerprint   (AfTestPrinter     *self);
const char    *af_test_printer_get_storage_dir   (AfTestPrinter     *self);
const char    *af_test_printer_get_requests_file (AfTestPrinter     *self);
/* Writes one control line ("busy", "kill-ftp", …) to the printer's stdin and
 * waits (up to 15 s) for its answer; FALSE when it failed or never came.
 */
gboolean       af_test_printer_control           (AfTestPrinter     *self,
                                                  const char        *command_line);
/* Sends SIGTERM and waits for the process; safe to call twice. */
void           af_test_printer_stop              (AfTestPrinter     *self);
/* Stops the printer if needed and frees it. */
void           af_test_printer_free              (AfTestPrinter     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfTestPrinter, af_test_printer_free)

G_END_DECLS
