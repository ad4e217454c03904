/* test-print-error.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-print-error"

#include "config.h"

#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "af-core.h"

/* Every code of every domain a print can fail with, and the kind callers
 * see: a new AF_LAN_ERROR code must be added here (the count below fails).
 */
typedef struct
{
  const char   *name;
  GQuark      (*domain) (void);
  int           code;
  AfPrintError  kind;
} Case;

static GQuark
io_error_quark (void)
{
  return G_IO_ERROR;
}

static const Case cases[] = {
  { "lan-failed", af_lan_error_quark, AF_LAN_ERROR_FAILED, AF_PRINT_ERROR_FAILED },
  { "lan-unreachable", af_lan_error_quark, AF_LAN_ERROR_UNREACHABLE,
    AF_PRINT_ERROR_NOT_REACHABLE },
  { "lan-access-denied", af_lan_error_quark, AF_LAN_ERROR_ACCESS_DENIED,
    AF_PRINT_ERROR_REJECTED },
  { "lan-cert-unknown", af_lan_error_quark, AF_LAN_ERROR_CERT_UNKNOWN, AF_PRINT_ERROR_REJECTED },
  { "lan-cert-changed", af_lan_error_quark, AF_LAN_ERROR_CERT_CHANGED, AF_PRINT_ERROR_REJECTED },
  { "lan-cert-invalid", af_lan_error_quark, AF_LAN_ERROR_CERT_INVALID, AF_PRINT_ERROR_REJECTED },
  { "lan-busy", af_lan_error_quark, AF_LAN_ERROR_BUSY, AF_PRINT_ERROR_BUSY },
  { "lan-not-developer-mode", af_lan_error_quark, AF_LAN_ERROR_NOT_DEVELOPER_MODE,
    AF_PRINT_ERROR_REJECTED },
  { "lan-upload-failed", af_lan_error_quark, AF_LAN_ERROR_UPLOAD_FAILED, AF_PRINT_ERROR_FAILED },
  { "lan-stalled", af_lan_error_quark, AF_LAN_ERROR_STALLED, AF_PRINT_ERROR_NO_RESPONSE },
  { "lan-print-failed", af_lan_error_quark, AF_LAN_ERROR_PRINT_FAILED,
    AF_PRINT_ERROR_PRINT_FAILED },
  { "lan-no-response", af_lan_error_quark, AF_LAN_ERROR_NO_RESPONSE,
    AF_PRINT_ERROR_NO_RESPONSE },
  { "lan-protocol", af_lan_error_quark, AF_LAN_ERROR_PROTOCOL, AF_PRINT_ERROR_FAILED },
  { "lan-not-found", af_lan_error_quark, AF_LAN_ERROR_NOT_FOUND, AF_PRINT_ERROR_NOT_REACHABLE },
  { "lan-needs-attention", af_lan_error_quark, AF_LAN_ERROR_NEEDS_ATTENTION,
    AF_PRINT_ERROR_NEEDS_ATTENTION },
  { "check-wrong-printer", af_print_check_error_quark, AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
    AF_PRINT_ERROR_INCOMPATIBLE_FILE },
  { "check-wrong-nozzle", af_print_check_error_quark, AF_PRINT_CHECK_ERROR_WRONG_NOZZLE,
    AF_PRINT_ERROR_INCOMPATIBLE_FILE },
  { "check-no-tray", af_print_check_error_quark, AF_PRINT_CHECK_ERROR_NO_TRAY,
    AF_PRINT_ERROR_INCOMPATIBLE_FILE },
  { "check-no-storage", af_print_check_error_quark, AF_PRINT_CHECK_ERROR_NO_STORAGE,
    AF_PRINT_ERROR_STORAGE_MISSING },
  { "archive-not-archive", af_archive_error_quark, AF_ARCHIVE_ERROR_NOT_ARCHIVE,
    AF_PRINT_ERROR_INCOMPATIBLE_FILE },
  { "archive-failed", af_archive_error_quark, AF_ARCHIVE_ERROR_FAILED,
    AF_PRINT_ERROR_INCOMPATIBLE_FILE },
  { "io-cancelled", io_error_quark, G_IO_ERROR_CANCELLED, AF_PRINT_ERROR_CANCELLED },
  { "io-not-found", io_error_quark, G_IO_ERROR_NOT_FOUND, AF_PRINT_ERROR_FAILED },
  { "print-busy", af_print_error_quark, AF_PRINT_ERROR_BUSY, AF_PRINT_ERROR_BUSY },
  { "print-storage-missing", af_print_error_quark, AF_PRINT_ERROR_STORAGE_MISSING,
    AF_PRINT_ERROR_STORAGE_MISSING },
};

static void
test_classify (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = g_error_new_literal (c->domain (), c->code, "test");

  g_assert_cmpint (af_print_error_classify (error), ==, c->kind);
}

/* Every AF_LAN_ERROR code has its case above. */
static void
test_every_lan_code (void)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (cases[i].domain == af_lan_error_quark)
      n++;
  g_assert_cmpuint (n, ==, AF_LAN_ERROR_NEEDS_ATTENTION + 1);
}

/* A real archive failure, from the reader, is a file the printer cannot
 * take, not a failure of the route.
 */
static void
test_real_archive_error (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = NULL;
  int fd;

  fd = g_file_open_tmp ("af-print-error-XXXXXX.gcode.3mf", &path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "G28\nG1 X10\n", -1, &error));
  g_assert_no_error (error);
  close (fd);
  file = g_file_new_for_path (path);
  archive = af_archive_open (file, NULL, &error);
  g_assert_null (archive);
  g_assert_nonnull (error);
  g_assert_cmpint (af_print_error_classify (error), ==, AF_PRINT_ERROR_INCOMPATIBLE_FILE);
  g_unlink (path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/af/print-error/classify/%s",
                                                    cases[i].name);

      g_test_add_data_func (test_path, &cases[i], test_classify);
    }
  g_test_add_func ("/af/print-error/every-lan-code", test_every_lan_code);
  g_test_add_func ("/af/print-error/real-archive-error", test_real_archive_error);

  return g_test_run ();
}
