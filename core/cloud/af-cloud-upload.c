/* af-cloud-upload.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-cloud"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-cloud-error.h"
#include "af-cloud-private.h"
#include "af-cloud-resources.h"
#include "af-cloud-upload.h"

#define TUS_VERSION "1.0.0"
#define READ_BLOCK  (64 * 1024)

typedef struct
{
  AfCloudClient             *client;
  GFile                     *file;
  GInputStream              *stream;
  guint64                    size;
  char                      *md5;
  char                      *id;
  guint64                    offset;
  guint8                    *chunk;
  AfCloudUploadProgressFunc  progress;
  gpointer                   progress_data;
} Upload;

static void
upload_clear (Upload *upload)
{
  g_clear_object (&upload->stream);
  g_clear_pointer (&upload->md5, g_free);
  g_clear_pointer (&upload->id, g_free);
  g_clear_pointer (&upload->chunk, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Upload, upload_clear)

static void
set_protocol_error (GError **error)
{
  g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                       _("AtomForm’s cloud answered the upload in a way this app does not "
                         "understand. Try again later, or update AtomForm Connect."));
}

static void
set_read_error (GError  **error,
                GError   *local_error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return;
    }
  g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_FAILED,
               _("Could not read the file to upload: %s"), local_error->message);
  g_error_free (local_error);
}

/* The whole file's MD5, which the server checks at the end as the printer does. */
static gboolean
compute_md5 (Upload        *upload,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint8 *buffer = g_malloc (READ_BLOCK);
  GError *local_error = NULL;
  guint64 total = 0;

  for (;;)
    {
      gssize n = g_input_stream_read (upload->stream, buffer, READ_BLOCK, cancellable,
                                      &local_error);

      if (n < 0)
        {
          set_read_error (error, local_error);
          return FALSE;
        }
      if (n == 0)
        break;
      g_checksum_update (checksum, buffer, n);
      total += (guint64)n;
    }
  if (total != upload->size)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_FAILED,
                           _("The file changed while it was being uploaded. Send it again."));
      return FALSE;
    }
  upload->md5 = g_strdup (g_checksum_get_string (checksum));
  return TRUE;
}

static gboolean
read_offset (AfCloudResponse  *response,
             guint64           size,
             guint64          *offset)
{
  const char *value = af_cloud_response_get_header (response, "upload-offset");

  return value != NULL && g_ascii_string_to_unsigned (value, 10, 0, size, offset, NULL);
}

static char *
metadata_value (const char *text)
{
  return g_base64_encode ((const guchar *)text, strlen (text));
}

static void
add_tus_header (AfCloudRequest *request)
{
  af_cloud_request_add_header (request, "Tus-Resumable", TUS_VERSION);
}

static gboolean
create (Upload        *upload,
        const char    *name,
        const char    *creation_key,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("POST", "/v1/uploads");
  g_autoptr(AfCloudResponse) response = NULL;
  g_autofree char *length = g_strdup_printf ("%" G_GUINT64_FORMAT, upload->size);
  g_autofree char *valid_name = g_utf8_make_valid (name, -1);
  g_autofree char *name64 = metadata_value (valid_name);
  g_autofree char *md5_64 = metadata_value (upload->md5);
  g_autofree char *metadata = g_strdup_printf ("filename %s,md5 %s", name64, md5_64);
  const char *location;
  const char *id;

  if (creation_key != NULL)
    af_cloud_request_set_idempotency_key (request, creation_key);
  add_tus_header (request);
  af_cloud_request_add_header (request, "Upload-Length", length);
  af_cloud_request_add_header (request, "Upload-Metadata", metadata);
  response = af_cloud_client_send (upload->client, request, cancellable, error);
  if (response == NULL)
    return FALSE;

  location = af_cloud_response_get_header (response, "location");
  id = location != NULL ? strrchr (location, '/') : NULL;
  if (id == NULL || !g_str_has_prefix (location, "/v1/uploads/") ||
      !af_cloud_id_is_valid (id + 1) || !read_offset (response, upload->size, &upload->offset))
    {
      set_protocol_error (error);
      return FALSE;
    }
  upload->id = g_strdup (id + 1);
  g_debug ("Upload %s created", upload->id);
  return TRUE;
}

/* The server's offset: where the upload continues. */
static gboolean
ask_offset (Upload        *upload,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *path = g_strdup_printf ("/v1/uploads/%s", upload->id);
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("HEAD", path);
  g_autoptr(AfCloudResponse) response = NULL;

  add_tus_header (request);
  response = af_cloud_client_send (upload->client, request, cancellable, error);
  if (response == NULL)
    return FALSE;
  if (!read_offset (response, upload->size, &upload->offset))
    {
      set_protocol_error (error);
      return FALSE;
    }
  g_debug ("Upload %s: the server holds %" G_GUINT64_FORMAT " bytes", upload->id,
           upload->offset);
  return TRUE;
}

static void
patch_progress_cb (guint64  sent,
                   gpointer user_data)
{
  Upload *upload = user_data;

  if (upload->progress != NULL)
    upload->progress (MIN (upload->offset + sent, upload->size), upload->size,
                      upload->progress_data);
}

static gboolean
read_chunk (Upload        *upload,
            gsize         *length,
            GCancellable  *cancellable,
            GError       **error)
{
  GError *local_error = NULL;
  gsize want = (gsize)MIN ((guint64)AF_CLOUD_UPLOAD_CHUNK, upload->size - upload->offset);

  if (!g_seekable_seek (G_SEEKABLE (upload->stream), (goffset)upload->offset, G_SEEK_SET,
                        cancellable, &local_error) ||
      !g_input_stream_read_all (upload->stream, upload->chunk, want, length, cancellable,
                                &local_error))
    {
      set_read_error (error, local_error);
      return FALSE;
    }
  if (*length != want)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_FAILED,
                           _("The file changed while it was being uploaded. Send it again."));
      return FALSE;
    }
  return TRUE;
}

/* One chunk from the current offset. */
static gboolean
patch_chunk (Upload        *upload,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *path = g_strdup_printf ("/v1/uploads/%s", upload->id);
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("PATCH", path);
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *digest64 = NULL;
  g_autofree char *checksum_header = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  gsize length = 0;
  guint64 new_offset;

  if (!read_chunk (upload, &length, cancellable, error))
    return FALSE;

  g_checksum_update (checksum, upload->chunk, length);
  g_checksum_get_digest (checksum, digest, &digest_length);
  digest64 = g_base64_encode (digest, digest_length);
  checksum_header = g_strconcat ("sha256 ", digest64, NULL);
  offset = g_strdup_printf ("%" G_GUINT64_FORMAT, upload->offset);

  body = g_bytes_new_static (upload->chunk, length);
  af_cloud_request_set_body (request, "application/offset+octet-stream", body);
  add_tus_header (request);
  af_cloud_request_add_header (request, "Upload-Offset", offset);
  af_cloud_request_add_header (request, "Upload-Checksum", checksum_header);
  af_cloud_request_set_send_progress (request, patch_progress_cb, upload);
  response = af_cloud_client_send (upload->client, request, cancellable, error);
  if (response == NULL)
    return FALSE;

  if (!read_offset (response, upload->size, &new_offset) || new_offset <= upload->offset)
    {
      set_protocol_error (error);
      return FALSE;
    }
  upload->offset = new_offset;
  return TRUE;
}

static gboolean
open_file (Upload        *upload,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;
  GError *local_error = NULL;

  upload->stream = G_INPUT_STREAM (g_file_read (upload->file, cancellable, &local_error));
  if (upload->stream == NULL ||
      (info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (upload->stream),
                                              G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable,
                                              &local_error)) == NULL)
    {
      set_read_error (error, local_error);
      return FALSE;
    }
  upload->size = (guint64)g_file_info_get_size (info);
  if (upload->size == 0 || upload->size > AF_CLOUD_UPLOAD_MAX_BYTES)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_TOO_LARGE,
                           upload->size == 0
                           ? _("The file is empty. Choose another file.")
                           : _("The file is larger than AtomForm’s cloud accepts (2 GiB). "
                               "Print it over the network (LAN) instead."));
      return FALSE;
    }
  return compute_md5 (upload, cancellable, error);
}

/* Sends from the server's offset to the end, asking the offset again after
 * every failure that may have cut a chunk.
 */
static gboolean
send_all (Upload        *upload,
          GCancellable  *cancellable,
          GError       **error)
{
  guint failures = 0;
  guint checksum_failures = 0;

  upload->chunk = g_malloc (AF_CLOUD_UPLOAD_CHUNK);
  while (upload->offset < upload->size)
    {
      g_autoptr(GError) local_error = NULL;
      guint64 delay;

      patch_progress_cb (0, upload);
      if (patch_chunk (upload, cancellable, &local_error))
        {
          failures = 0;
          continue;
        }

      if (g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHECKSUM))
        {
          if (++checksum_failures >= AF_CLOUD_UPLOAD_CHECKSUM_TRIES)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
        }
      else if (!af_cloud_error_is_transient (local_error) &&
               !g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_OFFSET_MISMATCH))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if (++failures >= AF_CLOUD_MAX_TRIES)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      delay = af_cloud_backoff_ms (failures - 1, af_cloud_client_get_retry_base_ms (upload->client),
                                   g_random_int ());
      g_debug ("Upload %s: %s; asking the offset in %" G_GUINT64_FORMAT " ms", upload->id,
               local_error->message, delay);
      if (!af_cloud_sleep (delay, cancellable, error) ||
          !ask_offset (upload, cancellable, error))
        return FALSE;
    }
  patch_progress_cb (0, upload);
  return TRUE;
}

gboolean
af_cloud_upload_file (AfCloudClient              *client,
                      GFile                      *file,
                      const char                 *name,
                      const char                 *creation_key,
                      char                      **upload_id,
                      AfCloudUploadProgressFunc   progress,
                      gpointer                    progress_data,
                      GCancellable               *cancellable,
                      GError                    **error)
{
  g_auto(Upload) upload = { client, file, NULL, 0, NULL, NULL, 0, NULL, progress,
                            progress_data };
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (upload_id != NULL, FALSE);

  if (!open_file (&upload, cancellable, error))
    return FALSE;

  if (*upload_id != NULL)
    {
      upload.id = g_strdup (*upload_id);
      if (!ask_offset (&upload, cancellable, &local_error))
        {
          if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_GONE) &&
              !g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          /* Expired or deleted: a new upload, from the start, with a new key. */
          g_clear_pointer (&upload.id, g_free);
          g_clear_pointer (upload_id, g_free);
          creation_key = NULL;
        }
    }
  if (upload.id == NULL)
    {
      g_autofree char *fresh_key = creation_key == NULL ? g_uuid_string_random () : NULL;

      if (!create (&upload, name, creation_key != NULL ? creation_key : fresh_key, cancellable,
                   error))
        return FALSE;
      *upload_id = g_strdup (upload.id);
    }

  return send_all (&upload, cancellable, error);
}

gboolean
af_cloud_upload_delete (AfCloudClient  *client,
                        const char     *upload_id,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), FALSE);
  g_return_val_if_fail (af_cloud_id_is_valid (upload_id), FALSE);

  path = g_strdup_printf ("/v1/uploads/%s", upload_id);
  request = af_cloud_request_new ("DELETE", path);
  add_tus_header (request);
  response = af_cloud_client_send (client, request, cancellable, &local_error);
  if (response != NULL || g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CONFLICT) ||
      g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND) ||
      g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_GONE))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
