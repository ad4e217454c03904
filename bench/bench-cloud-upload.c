/* bench-cloud-upload.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Cloud upload throughput against the reference cloud (real HTTPS on
 * loopback), reported as ratios against curl in the same run, never as
 * absolute times:
 *
 *   af_cloud_upload_file() vs curl      (wall time). A tus server takes no
 *                                       `curl -T` (a PUT), so the baseline
 *                                       is curl's equivalent: POST to create
 *                                       the upload, then one `curl -X PATCH
 *                                       -T chunk` per 4 MiB chunk with the
 *                                       same headers and checksums. Both
 *                                       sides hash the file (MD5, SHA-256
 *                                       per chunk) inside their time; the
 *                                       chunk files curl reads are written
 *                                       beforehand, outside it.
 *   bytes sent again after a cut at about 50 % (in the middle of the
 *                                       chunk that holds 50 %; the server's
 *                                       own count), beside what a restart
 *                                       from zero re-sends.
 *
 * usage: bench-cloud-upload [SIZE_MB]   (default 64; needs AF_REFERENCE_CLOUD
 * and a keyring: run under tests/headless-run.sh --keyring)
 */

#define G_LOG_DOMAIN "af-bench"

#include "config.h"

#include <sys/wait.h>
#include <glib/gstdio.h>

#include "af-core.h"
#include "af-test-cloud.h"

typedef struct
{
  AfTestCloud *cloud;
  gsize        size;
  gsize        at;      /* the middle of the chunk that holds 50 % */
  gboolean     armed;
} CutAtHalf;

static GFile *
make_file (const char *dir,
           guint       size_mb)
{
  g_autofree char *path = g_build_filename (dir, "bench.gcode.3mf", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261204);
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

/* The file in AF_CLOUD_UPLOAD_CHUNK pieces for curl, written untimed. */
static GPtrArray *
split_file (const char *dir,
            GBytes     *contents)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func (g_free);
  gsize size = g_bytes_get_size (contents);
  const guint8 *data = g_bytes_get_data (contents, NULL);

  for (gsize offset = 0; offset < size; offset += AF_CLOUD_UPLOAD_CHUNK)
    {
      g_autofree char *name = g_strdup_printf ("chunk-%05u", chunks->len);
      char *path = g_build_filename (dir, name, NULL);

      g_assert (g_file_set_contents (path, (const char *)data + offset,
                                     (gssize)MIN (AF_CLOUD_UPLOAD_CHUNK, size - offset), NULL));
      g_ptr_array_add (chunks, path);
    }
  return chunks;
}

/* Runs curl with the given arguments; its standard output (headers). */
static char *
run_curl (GPtrArray *args)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_ptr_array_add (args, NULL);
  if (!g_spawn_sync (NULL, (char **)args->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     NULL, &status, &error))
    g_error ("cannot start curl: %s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("curl failed: %s", error->message);
  return g_steal_pointer (&out);
}

static GPtrArray *
curl_args (AfTestCloud *cloud,
           const char  *headers_file,
           const char  *method,
           const char  *path)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const char *fixed[] = { "curl", "-sS", "--fail", "-D", "-", "-o", "/dev/null", "--cacert",
                          af_test_cloud_get_ca_file (cloud), "-H", NULL, "-X", method };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (args, g_strdup (fixed[i]));
  /* The token goes in a file of the bench's own, never on a command line. */
  g_free (args->pdata[10]);
  args->pdata[10] = g_strconcat ("@", headers_file, NULL);
  g_ptr_array_add (args, g_strdup_printf ("-H"));
  g_ptr_array_add (args, g_strdup ("Tus-Resumable: 1.0.0"));
  g_ptr_array_add (args, g_strconcat (af_test_cloud_get_base_url (cloud), path, NULL));
  return args;
}

static char *
sha256_header (const guint8 *data,
               gsize         length)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  g_autofree char *digest64 = NULL;

  g_checksum_update (checksum, data, length);
  g_checksum_get_digest (checksum, digest, &digest_length);
  digest64 = g_base64_encode (digest, digest_length);
  return g_strconcat ("Upload-Checksum: sha256 ", digest64, NULL);
}

static double
upload_with_curl (AfTestCloud   *cloud,
                  AfCloudClient *client,
                  const char    *dir,
                  GBytes        *contents,
                  GPtrArray     *chunks)
{
  g_autoptr(AfSecret) token = af_cloud_client_dup_access_token (client, FALSE, NULL, NULL);
  g_autofree char *headers_file = g_build_filename (dir, "headers", NULL);
  g_autofree char *headers = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *md5_64 = NULL;
  g_autofree char *name64 = g_base64_encode ((const guchar *)"curl.gcode.3mf", 14);
  g_autofree char *location = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *key = g_uuid_string_random ();
  g_autoptr(GPtrArray) create = NULL;
  gsize size = g_bytes_get_size (contents);
  const guint8 *data = g_bytes_get_data (contents, NULL);
  gint64 begin;
  char *line;

  g_assert (token != NULL);
  headers = g_strdup_printf ("Authorization: Bearer %s\nAtomForm-API-Version: 1.0\n",
                             af_secret_get (token));
  g_assert (g_file_set_contents_full (headers_file, headers, -1, G_FILE_SET_CONTENTS_NONE, 0600,
                                      NULL));
  af_secret_wipe (headers, strlen (headers));

  begin = g_get_monotonic_time ();
  md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, size);
  md5_64 = g_base64_encode ((const guchar *)md5, strlen (md5));
  create = curl_args (cloud, headers_file, "POST", "/v1/uploads");
  g_ptr_array_insert (create, 1, g_strdup ("-H"));
  g_ptr_array_insert (create, 2, g_strdup_printf ("Upload-Length: %" G_GSIZE_FORMAT, size));
  g_ptr_array_insert (create, 3, g_strdup ("-H"));
  g_ptr_array_insert (create, 4, g_strdup_printf ("Upload-Metadata: filename %s,md5 %s", name64,
                                                  md5_64));
  g_ptr_array_insert (create, 5, g_strdup ("-H"));
  g_ptr_array_insert (create, 6, g_strdup_printf ("Idempotency-Key: \"%s\"", key));
  answer = run_curl (create);
  line = strstr (answer, "\nlocation: ");
  if (line == NULL)
    line = strstr (answer, "\nLocation: ");
  g_assert (line != NULL);
  location = g_strndup (line + 11, strcspn (line + 11, "\r\n"));

  for (guint i = 0; i < chunks->len; i++)
    {
      gsize offset = (gsize)i * AF_CLOUD_UPLOAD_CHUNK;
      g_autoptr(GPtrArray) patch = curl_args (cloud, headers_file, "PATCH", location);
      g_autofree char *done = NULL;

      g_ptr_array_insert (patch, 1, g_strdup ("-H"));
      g_ptr_array_insert (patch, 2, g_strdup_printf ("Upload-Offset: %" G_GSIZE_FORMAT, offset));
      g_ptr_array_insert (patch, 3, g_strdup ("-H"));
      g_ptr_array_insert (patch, 4, sha256_header (data + offset,
                                                   MIN (AF_CLOUD_UPLOAD_CHUNK, size - offset)));
      g_ptr_array_insert (patch, 5, g_strdup ("-H"));
      g_ptr_array_insert (patch, 6, g_strdup ("Content-Type: application/offset+octet-stream"));
      g_ptr_array_insert (patch, 7, g_strdup ("-T"));
      g_ptr_array_insert (patch, 8, g_strdup (g_ptr_array_index (chunks, i)));
      done = run_curl (patch);
    }
  g_unlink (headers_file);
  return (g_get_monotonic_time () - begin) / 1e6;
}

static void
arm_cut_cb (guint64  sent,
            guint64  total,
            gpointer user_data)
{
  CutAtHalf *cut = user_data;
  g_autofree char *spec = NULL;

  /* Armed before the chunk that holds the cut point goes: a switch takes
   * the next PATCH, whatever its offset.
   */
  if (cut->armed || sent < cut->at - cut->at % AF_CLOUD_UPLOAD_CHUNK)
    return;
  cut->armed = TRUE;
  spec = g_strdup_printf ("{\"kind\": \"drop-upload\", "
                          "\"route\": \"PATCH /v1/uploads/{upload_id}\", "
                          "\"count\": 1, \"at_upload_offset\": %" G_GSIZE_FORMAT "}",
                          cut->at);
  af_test_cloud_fault (cut->cloud, spec);
}

static double
upload_with_core (AfCloudClient *client,
                  GFile         *file,
                  CutAtHalf     *cut,
                  char         **upload_id)
{
  g_autoptr(GError) error = NULL;
  gint64 begin = g_get_monotonic_time ();

  if (!af_cloud_upload_file (client, file, "bench.gcode.3mf", NULL, upload_id,
                             cut != NULL ? arm_cut_cb : NULL, cut, NULL, &error))
    g_error ("upload failed: %s", error->message);
  return (g_get_monotonic_time () - begin) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  guint size_mb = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 64;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfTestCloud) cloud = NULL;
  g_autoptr(AfCloudClient) client = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(JsonObject) counters = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *email = NULL;
  g_autofree char *ours_id = NULL;
  g_autofree char *cut_id = NULL;
  CutAtHalf cut = { NULL, (gsize)size_mb * 1024 * 1024, 0, FALSE };
  JsonObject *uploaded;
  gint64 resent;
  double ours, theirs;

  af_core_init ();
  g_assert (size_mb >= 12);
  cloud = af_test_cloud_start (&error);
  if (cloud == NULL)
    g_error ("the reference cloud did not start: %s", error->message);
  cut.cloud = cloud;
  /* Mid-chunk, as a real cut: one on a chunk's boundary re-sends nothing. */
  cut.at = cut.size / 2 - cut.size / 2 % AF_CLOUD_UPLOAD_CHUNK + AF_CLOUD_UPLOAD_CHUNK / 2;
  account_id = af_test_cloud_create_account (cloud, &email);
  client = af_test_cloud_sign_in (cloud, email);

  dir = g_dir_make_tmp ("af-bench-cloud-XXXXXX", &error);
  g_assert_no_error (error);
  file = make_file (dir, size_mb);
  contents = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  chunks = split_file (dir, contents);

  ours = upload_with_core (client, file, NULL, &ours_id);
  theirs = upload_with_curl (cloud, client, dir, contents, chunks);
  upload_with_core (client, file, &cut, &cut_id);
  g_assert (cut.armed);

  counters = af_test_cloud_counters (cloud);
  uploaded = json_object_get_object_member (json_object_get_object_member (counters, "uploads"),
                                            cut_id);
  g_assert (json_object_get_int_member (uploaded, "bytes_appended") == (gint64)cut.size);
  resent = json_object_get_int_member (uploaded, "bytes_received") - (gint64)cut.size;

  g_print ("upload of %u MB to the reference cloud (HTTPS on loopback, tus, 4 MiB chunks)\n",
           size_mb);
  g_print ("ours vs curl PATCH loop, wall time:     %6.2f  (%.2f s vs %.2f s)\n",
           ours / theirs, ours, theirs);
  g_print ("ours vs curl PATCH loop, throughput:    %6.2f  (%.1f MB/s vs %.1f MB/s)\n",
           theirs / ours, size_mb / ours, size_mb / theirs);
  g_print ("bytes sent again after a cut at %.0f %%:   %.2f MiB, %.3f of the file "
           "(a restart from zero: %.2f MiB, %.3f; limit one chunk: %.2f MiB)\n",
           100.0 * cut.at / cut.size, resent / 1048576.0, (double)resent / cut.size,
           cut.at / 1048576.0, (double)cut.at / cut.size, AF_CLOUD_UPLOAD_CHUNK / 1048576.0);
  if (resent > AF_CLOUD_UPLOAD_CHUNK)
    g_error ("more than one chunk was sent again");

  for (guint i = 0; i < chunks->len; i++)
    g_unlink (g_ptr_array_index (chunks, i));
  g_file_delete (file, NULL, NULL);
  g_rmdir (dir);
  return 0;
}
