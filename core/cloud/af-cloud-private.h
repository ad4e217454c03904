/* af-cloud-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-cloud-client.h"
#include "af-cloud-resources.h"

G_BEGIN_DECLS

/* Called on the worker thread with the bytes of the body sent so far. */
typedef void (*AfCloudSendProgress) (guint64  sent,
                                     gpointer user_data);

void     af_cloud_request_set_send_progress (AfCloudRequest      *request,
                                             AfCloudSendProgress  progress,
                                             gpointer             user_data);
/* Seconds without a byte moving before the transfer counts as cut. */
void     af_cloud_request_set_stall_seconds (AfCloudRequest      *request,
                                             guint                seconds);

/* GET with If-None-Match when this client holds an ETag for the path; a
 * 304 is answered from the cache (status 304, the cached body and JSON).
 * A 200 with an ETag replaces the cached answer.
 */
AfCloudResponse *af_cloud_client_send_cached     (AfCloudClient    *client,
                                                  AfCloudRequest   *request,
                                                  GCancellable     *cancellable,
                                                  GError          **error) G_GNUC_WARN_UNUSED_RESULT;
/* The cached ETag of path, or NULL. */
char            *af_cloud_client_dup_cached_etag (AfCloudClient    *client,
                                                  const char       *path) G_GNUC_WARN_UNUSED_RESULT;
/* Keeps response (a 200 with an ETag and JSON) as path's cached answer. */
void             af_cloud_client_cache_store     (AfCloudClient    *client,
                                                  const char       *path,
                                                  AfCloudResponse  *response);
void             af_cloud_client_cache_forget    (AfCloudClient    *client,
                                                  const char       *path);

/* The back-off's base, as af_cloud_client_set_retry_base_ms() set it. */
guint    af_cloud_client_get_retry_base_ms  (AfCloudClient       *client);
/* Waits ms, or less when cancellable fires (then FALSE with the error). */
gboolean af_cloud_sleep                     (guint64              ms,
                                             GCancellable        *cancellable,
                                             GError             **error);

/* The _async/_finish pairs: blocking (client, data, cancellable, error)
 * runs in a GTask thread; its non-NULL result is freed with result_free
 * when nobody takes it, data with data_free.
 */
typedef gpointer (*AfCloudBlockingCall) (AfCloudClient  *client,
                                         gpointer        data,
                                         GCancellable   *cancellable,
                                         GError        **error);

void     af_cloud_run_call    (AfCloudClient       *client,
                               gpointer             source_tag,
                               AfCloudBlockingCall  blocking,
                               gpointer             data,
                               GDestroyNotify       data_free,
                               GDestroyNotify       result_free,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
gpointer af_cloud_finish_call (AfCloudClient       *client,
                               GAsyncResult        *result,
                               gpointer             source_tag,
                               GError             **error);

/* A string member, or NULL. */
const char *af_cloud_json_get_string (JsonObject *object,
                                      const char *name);
/* An integer member, or fallback. */
gint64      af_cloud_json_get_int    (JsonObject *object,
                                      const char *name,
                                      gint64      fallback);

/* The readers of the resources, each given one untrusted JSON object (for
 * tests/fuzz/fuzz-cloud.c). NULL when the object lacks what the contract
 * requires.
 */
AfCloudAccount      *af_cloud_account_from_json       (JsonObject  *object,
                                                       GError     **error) G_GNUC_WARN_UNUSED_RESULT;
AfCloudPrinter      *af_cloud_printer_from_json       (JsonObject  *object) G_GNUC_WARN_UNUSED_RESULT;
AfCloudJob          *af_cloud_job_from_json           (JsonObject  *object,
                                                       GError     **error) G_GNUC_WARN_UNUSED_RESULT;
AfCloudHistoryEntry *af_cloud_history_entry_from_json (JsonObject  *object) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
