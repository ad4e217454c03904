/* bench-upload.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Upload speed and memory against the virtual printer's vsftpd, reported as
 * ratios against `curl -T` of the same file to the same server in the same
 * run, never as absolute times:
 *
 *   af_ftps_upload_async() vs curl -T   (wall time)
 *   peak memory while uploading         (our peak RSS vs curl's, and what the
 *                                        upload added to ours)
 *
 * usage: bench-upload [SIZE_MB]   (default 500; needs AF_VIRTUAL_PRINTER)
 */

#define G_LOG_DOMAIN "af-bench"

#include "config.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "af-core.h"
#include "af-test-printer.h"

typedef struct
{
  GMainLoop *loop;
  GError    *error;
} Upload;

static long
peak_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static void
upload_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Upload *upload = user_data;

  af_ftps_upload_finish (result, &upload->error);
  g_main_loop_quit (upload->loop);
}

static double
upload_with_core (AfTestPrinter *vp,
                  GFile         *file)
{
  g_autoptr(AfPrinter) printer = af_printer_new (af_test_printer_get_serial (vp));
  Upload upload = { g_main_loop_new (NULL, FALSE), NULL };
  gint64 begin;

  af_printer_set_host (printer, af_test_printer_get_host (vp));
  af_printer_set_ftps_port (printer, af_test_printer_get_ftps_port (vp));
  af_printer_set_ca_file (printer, af_test_printer_get_ca_file (vp));

  begin = g_get_monotonic_time ();
  af_ftps_upload_async (printer, af_test_printer_get_access_code (vp), file, "bench.gcode.3mf",
                        60, 0, NULL, NULL, NULL, NULL, upload_done_cb, &upload);
  g_main_loop_run (upload.loop);
  g_main_loop_unref (upload.loop);
  if (upload.error != NULL)
    g_error ("upload failed: %s", upload.error->message);

  return (g_get_monotonic_time () - begin) / 1e6;
}

static double
upload_with_curl (AfTestPrinter *vp,
                  const char    *path,
                  long          *peak_kib)
{
  g_autofree char *resolve = g_strdup_printf ("%s:%u:%s", af_test_printer_get_serial (vp),
                                              af_test_printer_get_ftps_port (vp),
                                              af_test_printer_get_host (vp));
  g_autofree char *url = g_strdup_printf ("ftps://%s:%u/curl.gcode.3mf",
                                          af_test_printer_get_serial (vp),
                                          af_test_printer_get_ftps_port (vp));
  g_autofree char *user = g_strdup_printf ("bblp:%s", af_test_printer_get_access_code (vp));
  const char *argv[] = { "curl", "-sS", "--ftp-pasv", "--ssl-reqd", "--tlsv1.2",
                         "--tls-max", "1.2", "--cacert", af_test_printer_get_ca_file (vp),
                         "--resolve", resolve, "-u", user, "-T", path, url, NULL };
  g_autoptr(GError) error = NULL;
  struct rusage usage;
  GPid pid;
  int status;
  gint64 begin = g_get_monotonic_time ();

  if (!g_spawn_async (NULL, (char **)argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error))
    g_error ("cannot start curl: %s", error->message);
  if (wait4 (pid, &status, 0, &usage) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("curl failed");
  *peak_kib = usage.ru_maxrss;

  return (g_get_monotonic_time () - begin) / 1e6;
}

static GFile *
make_file (const char *dir,
           guint       size_mb)
{
  g_autofree char *path = g_build_filename (dir, "bench.gcode.3mf", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261130);
  g_autofree guint32 *block = g_new (guint32, 1024 * 1024 / 4);
  FILE *out = fopen (path, "wb");

  g_assert (out != NULL);
  for (guint i = 0; i < 1024 * 1024 / 4; i++)
    block[i] = g_rand_int (rand);
  for (guint i = 0; i < size_mb; i++)
    {
      block[0] = i;  /* no two megabytes alike */
      g_assert (fwrite (block, 1, 1024 * 1024, out) == 1024 * 1024);
    }
  g_assert (fclose (out) == 0);

  return g_file_new_for_path (path);
}

static void
remove_uploads (AfTestPrinter *vp)
{
  const char *names[] = { "bench.gcode.3mf", "curl.gcode.3mf" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (af_test_printer_get_storage_dir (vp), names[i],
                                                NULL);

      g_unlink (path);
    }
}

int
main (int   argc,
      char *argv[])
{
  guint size_mb = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 500;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfTestPrinter) vp = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GFile) file = NULL;
  long rss_before, rss_after, curl_kib = 0;
  double ours, theirs;

  af_core_init ();
  vp = af_test_printer_start (NULL, &error);
  if (vp == NULL)
    g_error ("the virtual printer did not start: %s", error->message);

  dir = g_dir_make_tmp ("af-bench-upload-XXXXXX", &error);
  g_assert_no_error (error);
  file = make_file (dir, size_mb);

  rss_before = peak_rss_kib ();
  ours = upload_with_core (vp, file);
  rss_after = peak_rss_kib ();
  remove_uploads (vp);
  theirs = upload_with_curl (vp, g_file_peek_path (file), &curl_kib);
  remove_uploads (vp);

  g_print ("upload of %u MB to the virtual printer's vsftpd (TLS 1.2, session reuse)\n", size_mb);
  g_print ("ours vs curl -T, wall time:        %6.2f  (%.2f s vs %.2f s)\n",
           ours / theirs, ours, theirs);
  g_print ("ours vs curl -T, peak memory:      %6.2f  (%.1f MiB vs %.1f MiB)\n",
           (double)rss_after / curl_kib, rss_after / 1024.0, curl_kib / 1024.0);
  /* The file is streamed: the upload itself should add next to nothing. */
  g_print ("memory the upload added:           %.1f MiB for a %u MB file\n",
           (rss_after - rss_before) / 1024.0, size_mb);

  g_file_delete (file, NULL, NULL);
  g_rmdir (dir);
  af_test_printer_stop (vp);

  return 0;
}
