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

/* The back-off's base, as af_cloud_client_set_retry_base_ms() set it. */
guint    af_cloud_client_get_retry_base_ms  (AfCloudClient       *client);
/* Waits ms, or less when cancellable fires (then FALSE with the error). */
gboolean af_cloud_sleep                     (guint64              ms,
                                             GCancellable        *cancellable,
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
