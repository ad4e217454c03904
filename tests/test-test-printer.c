/* test-test-printer.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "af-test-printer.h"

/* The C helper that other lan tests use: start, getters, control, stop. */
static void
test_start_control_stop (void)
{
  const char *args[] = { "--speed", "600", "--access-code", "87654321", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(AfTestPrinter) printer = af_test_printer_start (args, &error);
  g_autofree char *state_dir = NULL;

  if (printer == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);

  g_assert_cmpstr (af_test_printer_get_access_code (printer), ==, "87654321");
  g_assert_true (g_str_has_prefix (af_test_printer_get_serial (printer), "01S00A"));
  g_assert_cmpstr (af_test_printer_get_host (printer), ==, "127.0.0.1");
  g_assert_cmpuint (af_test_printer_get_mqtt_port (printer), >, 0);
  g_assert_cmpuint (af_test_printer_get_ftps_port (printer), >, 0);
  g_assert_cmpuint (af_test_printer_get_mqtt_port (printer), !=,
                    af_test_printer_get_ftps_port (printer));
  g_assert_cmpuint (strlen (af_test_printer_get_fingerprint (printer)), ==, 64);
  g_assert_true (g_file_test (af_test_printer_get_ca_file (printer), G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (af_test_printer_get_storage_dir (printer), G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (af_test_printer_get_requests_file (printer),
                              G_FILE_TEST_IS_REGULAR));

  g_assert_true (af_test_printer_control (printer, "busy"));
  g_assert_true (af_test_printer_control (printer, "idle"));
  g_assert_false (af_test_printer_control (printer, "no-such-command"));

  state_dir = g_path_get_dirname (af_test_printer_get_storage_dir (printer));
  af_test_printer_stop (printer);
  af_test_printer_stop (printer);
  g_assert_false (g_file_test (state_dir, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/af/test-printer/start-control-stop", test_start_control_stop);
  return g_test_run ();
}
