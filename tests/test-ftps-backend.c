/* test-ftps-backend.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-ftps-backend"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <curl/curl.h>

#include "af-core.h"
#include "af-test-util.h"

/*
 * This program is linked against Debian's GnuTLS flavour of libcurl
 * (libcurl3-gnutls, which git depends on) instead of the OpenSSL one the
 * app uses (tests/meson.build), so the real upload code meets a libcurl that
 * cannot run our certificate check. The upload must be refused with a clear
 * error before any connection is made: a plain listening socket on loopback
 * stands where the printer would be and must see no connection at all.
 */

#define SERIAL "01S00A000000042"
#define ACCESS_CODE "24681357"

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Result;

static void
upload_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *out = user_data;

  out->ok = af_ftps_upload_finish (result, &out->error);
  out->done = TRUE;
}

static void
test_refused_without_openssl (void)
{
  const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);
  g_autofree char *dir = g_dir_make_tmp ("af-ftps-backend-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "job.gcode.3mf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(AfPrinter) printer = af_printer_new (SERIAL);
  g_autofree char *pin = g_strnfill (64, 'a');
  Result result = { 0 };
  guint port = 0;
  int listener = af_test_listen_loopback (&port);
  int peer;

  /* The premise: this process really runs another TLS backend. */
  g_assert_nonnull (info->ssl_version);
  g_assert_true (g_str_has_prefix (info->ssl_version, "GnuTLS/"));

  g_assert_true (g_file_set_contents (path, "PK\x03\x04 not really a print", -1, NULL));
  af_printer_set_host (printer, "127.0.0.1");
  af_printer_set_ftps_port (printer, port);
  af_printer_set_fingerprint (printer, pin);

  af_ftps_upload_async (printer, ACCESS_CODE, file, "job.gcode.3mf", 5, 0, NULL, NULL, NULL, NULL,
                        upload_cb, &result);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (result.ok);
  g_assert_error (result.error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED);
  g_assert_nonnull (strstr (result.error->message, "OpenSSL"));
  g_assert_nonnull (strstr (result.error->message, "GnuTLS"));
  g_assert_null (strstr (result.error->message, ACCESS_CODE));

  /* Nothing ever knocked: no TCP connection, so no USER/PASS either. */
  peer = accept (listener, NULL, NULL);
  g_assert_cmpint (peer, ==, -1);
  g_assert_true (errno == EAGAIN || errno == EWOULDBLOCK);

  g_clear_error (&result.error);
  close (listener);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/lan/ftps/refused-without-openssl", test_refused_without_openssl);

  return g_test_run ();
}
