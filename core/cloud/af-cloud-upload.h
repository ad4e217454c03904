/* af-cloud-upload.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-cloud-client.h"

G_BEGIN_DECLS

/* Resumable uploads, tus 1.0.0 core + creation + checksum + termination
 * (docs/cloud-api.md, "Uploads"): the file goes in chunks of
 * AF_CLOUD_UPLOAD_CHUNK bytes, each with its SHA-256 in Upload-Checksum.
 * After a cut connection, a timeout, a 5xx, a 429 or an offset mismatch
 * the client asks the server's offset (HEAD) and continues from there,
 * never from its own count, so at most the chunk in flight is sent again
 * and no byte is stored twice. A chunk refused for its checksum is sent
 * again at most AF_CLOUD_UPLOAD_CHECKSUM_TRIES times. Files above
 * AF_CLOUD_UPLOAD_MAX_BYTES are refused before anything is sent.
 */
#define AF_CLOUD_UPLOAD_CHUNK          (4 * 1024 * 1024)
#define AF_CLOUD_UPLOAD_MAX_BYTES      (G_GUINT64_CONSTANT (2) * 1024 * 1024 * 1024)
#define AF_CLOUD_UPLOAD_CHECKSUM_TRIES 3

/* Called on the worker thread with the bytes the server holds (or is
 * receiving) and the file's size.
 */
typedef void (*AfCloudUploadProgressFunc) (guint64  sent,
                                           guint64  total,
                                           gpointer user_data);

/* Blocking. With *upload_id NULL creates the upload (POST /v1/uploads with
 * creation_key as its Idempotency-Key, so a retried creation makes one
 * upload) and sets *upload_id; with an id, continues that upload from the
 * server's offset (a restart). name is the file name shown in history.
 */
gboolean af_cloud_upload_file   (AfCloudClient              *client,
                                 GFile                      *file,
                                 const char                 *name,
                                 const char                 *creation_key,
                                 char                      **upload_id,
                                 AfCloudUploadProgressFunc   progress,
                                 gpointer                    progress_data,
                                 GCancellable               *cancellable,
                                 GError                    **error);
/* DELETE /v1/uploads/{id} (tus termination); an upload a job already uses
 * (409 upload-in-use) or one already gone counts as done.
 */
gboolean af_cloud_upload_delete (AfCloudClient              *client,
                                 const char                 *upload_id,
                                 GCancellable               *cancellable,
                                 GError                    **error);

G_END_DECLS
