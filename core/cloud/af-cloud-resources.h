/* af-cloud-resources.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "af-cloud-client.h"
#include "af-print-options.h"
#include "af-transport.h"

G_BEGIN_DECLS

/* The account's resources (docs/cloud-api.md), read into immutable
 * GObjects whose read-only properties a view can bind. Every call has a
 * blocking form for worker threads and the command line; the ones a window
 * needs have _async/_finish pairs completing on the caller's main context.
 * Ids are opaque strings; unknown members are ignored.
 */

/* --- GET /v1/account ----------------------------------------------------- */

#define AF_TYPE_CLOUD_ACCOUNT (af_cloud_account_get_type ())
G_DECLARE_FINAL_TYPE (AfCloudAccount, af_cloud_account, AF, CLOUD_ACCOUNT, GObject)

const char *af_cloud_account_get_id            (AfCloudAccount *self);
const char *af_cloud_account_get_display_name  (AfCloudAccount *self);
const char *af_cloud_account_get_email         (AfCloudAccount *self);
const char *af_cloud_account_get_region        (AfCloudAccount *self);
const char *af_cloud_account_get_mqtt_host     (AfCloudAccount *self);
guint       af_cloud_account_get_mqtt_port     (AfCloudAccount *self);
const char *af_cloud_account_get_mqtt_username (AfCloudAccount *self);

AfCloudAccount *af_cloud_client_get_account        (AfCloudClient       *client,
                                                    GCancellable        *cancellable,
                                                    GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void            af_cloud_client_get_account_async  (AfCloudClient       *client,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
AfCloudAccount *af_cloud_client_get_account_finish (AfCloudClient       *client,
                                                    GAsyncResult        *result,
                                                    GError             **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- Printers ------------------------------------------------------------ */

#define AF_TYPE_CLOUD_PRINTER (af_cloud_printer_get_type ())
G_DECLARE_FINAL_TYPE (AfCloudPrinter, af_cloud_printer, AF, CLOUD_PRINTER, GObject)

const char *af_cloud_printer_get_id              (AfCloudPrinter *self);
const char *af_cloud_printer_get_serial          (AfCloudPrinter *self);
const char *af_cloud_printer_get_name            (AfCloudPrinter *self);
const char *af_cloud_printer_get_model_id        (AfCloudPrinter *self);
const char *af_cloud_printer_get_model_name      (AfCloudPrinter *self);
gboolean    af_cloud_printer_get_online          (AfCloudPrinter *self);
/* The cloud's last view: "idle", "running", …, "offline", "unknown". */
const char *af_cloud_printer_get_state           (AfCloudPrinter *self);
/* The job the printer runs or was last sent and has not ended, or NULL. */
const char *af_cloud_printer_get_current_job_id  (AfCloudPrinter *self);
double      af_cloud_printer_get_nozzle_diameter (AfCloudPrinter *self);
/* Whether text names this printer: its id, its serial or its name (case-insensitively). */
gboolean    af_cloud_printer_matches             (AfCloudPrinter *self,
                                                  const char     *text);

/* Every bound printer (all pages), a GListModel of AfCloudPrinter. */
GListModel     *af_cloud_client_list_printers        (AfCloudClient       *client,
                                                      GCancellable        *cancellable,
                                                      GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void            af_cloud_client_list_printers_async  (AfCloudClient       *client,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GListModel     *af_cloud_client_list_printers_finish (AfCloudClient       *client,
                                                      GAsyncResult        *result,
                                                      GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* One printer, revalidated with If-None-Match against this client's cache
 * (a 304 answers from it); its ETag is what a rename sends in If-Match.
 */
AfCloudPrinter *af_cloud_client_get_printer          (AfCloudClient       *client,
                                                      const char          *printer_id,
                                                      GCancellable        *cancellable,
                                                      GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void            af_cloud_client_get_printer_async    (AfCloudClient       *client,
                                                      const char          *printer_id,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
AfCloudPrinter *af_cloud_client_get_printer_finish   (AfCloudClient       *client,
                                                      GAsyncResult        *result,
                                                      GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* PATCH /v1/printers/{id} (a JSON merge patch of the name) with If-Match:
 * the ETag of the printer as this client last read it (read first when it
 * has none). When it was changed elsewhere (412) the printer is read again:
 * if it already has that name, that is the answer; otherwise
 * AF_CLOUD_ERROR_CHANGED_ELSEWHERE names its current name, and a second
 * call applies to the reloaded printer. Never overwrites blindly.
 */
AfCloudPrinter *af_cloud_client_rename_printer       (AfCloudClient       *client,
                                                      const char          *printer_id,
                                                      const char          *name,
                                                      GCancellable        *cancellable,
                                                      GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void            af_cloud_client_rename_printer_async (AfCloudClient       *client,
                                                      const char          *printer_id,
                                                      const char          *name,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
AfCloudPrinter *af_cloud_client_rename_printer_finish (AfCloudClient      *client,
                                                       GAsyncResult       *result,
                                                       GError            **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- Jobs ---------------------------------------------------------------- */

#define AF_TYPE_CLOUD_JOB (af_cloud_job_get_type ())
G_DECLARE_FINAL_TYPE (AfCloudJob, af_cloud_job, AF, CLOUD_JOB, GObject)

const char *af_cloud_job_get_id               (AfCloudJob *self);
const char *af_cloud_job_get_printer_id       (AfCloudJob *self);
const char *af_cloud_job_get_history_entry_id (AfCloudJob *self);
const char *af_cloud_job_get_name             (AfCloudJob *self);
/* The task_id the printer echoes in its reports (subtask_id). */
const char *af_cloud_job_get_task_id          (AfCloudJob *self);
/* "dispatched", "preparing", "running", "paused", "finished", "failed", "cancelled". */
const char *af_cloud_job_get_state            (AfCloudJob *self);
/* From the printer's last report the cloud recorded; -1 while unknown. */
gint64      af_cloud_job_get_progress         (AfCloudJob *self);
gint64      af_cloud_job_get_layer            (AfCloudJob *self);
gint64      af_cloud_job_get_total_layers     (AfCloudJob *self);
gint64      af_cloud_job_get_remaining_seconds (AfCloudJob *self);
/* finished, failed or cancelled. */
gboolean    af_cloud_job_is_ended             (AfCloudJob *self);

/* The "options" member of POST /v1/jobs for options as a LAN print would
 * send them to a printer of model_id: af_print_options_apply_model() first,
 * then the same tri-states and the same AMS mapping rule as project_file
 * (af_print_options_mapping_to_tray()), so both routes send the printer the
 * same fields.
 */
JsonNode   *af_cloud_job_options_to_json      (const AfPrintOptions *options,
                                               const char           *model_id) G_GNUC_WARN_UNUSED_RESULT;
/* POST /v1/jobs, exactly once per idempotency_key: a retry with the same
 * key (kept by the caller with the pending action) replays the same job.
 * name is the job's name (at most AF_PRINT_OPTIONS_MAX_JOB_NAME bytes).
 */
AfCloudJob *af_cloud_client_create_job        (AfCloudClient        *client,
                                               const char           *idempotency_key,
                                               const char           *printer_id,
                                               const char           *model_id,
                                               const char           *upload_id,
                                               const char           *name,
                                               const AfPrintOptions *options,
                                               GCancellable         *cancellable,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;
/* POST /v1/jobs with history_entry_id: prints the file the cloud stored
 * for that entry again (AF_CLOUD_ERROR with "file-expired" once the cloud
 * deleted it), exactly once per idempotency_key.
 */
AfCloudJob *af_cloud_client_reprint           (AfCloudClient        *client,
                                               const char           *idempotency_key,
                                               const char           *printer_id,
                                               const char           *model_id,
                                               const char           *history_entry_id,
                                               const char           *name,
                                               const AfPrintOptions *options,
                                               GCancellable         *cancellable,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void        af_cloud_client_create_job_async  (AfCloudClient        *client,
                                               const char           *idempotency_key,
                                               const char           *printer_id,
                                               const char           *model_id,
                                               const char           *upload_id,
                                               const char           *name,
                                               const AfPrintOptions *options,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
AfCloudJob *af_cloud_client_create_job_finish (AfCloudClient        *client,
                                               GAsyncResult         *result,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;
/* GET /v1/jobs/{id}, with If-None-Match once this client has read it. */
AfCloudJob *af_cloud_client_get_job           (AfCloudClient        *client,
                                               const char           *job_id,
                                               GCancellable         *cancellable,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void        af_cloud_client_get_job_async     (AfCloudClient        *client,
                                               const char           *job_id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
AfCloudJob *af_cloud_client_get_job_finish    (AfCloudClient        *client,
                                               GAsyncResult         *result,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;
/* POST /v1/jobs/{id}/actions: pause, resume or stop. With a NULL key, the
 * async form makes one for this action.
 */
AfCloudJob *af_cloud_client_job_action        (AfCloudClient        *client,
                                               const char           *job_id,
                                               AfPrintCommand        command,
                                               const char           *idempotency_key,
                                               GCancellable         *cancellable,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;
void        af_cloud_client_job_action_async  (AfCloudClient        *client,
                                               const char           *job_id,
                                               AfPrintCommand        command,
                                               const char           *idempotency_key,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
AfCloudJob *af_cloud_client_job_action_finish (AfCloudClient        *client,
                                               GAsyncResult         *result,
                                               GError              **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- History ------------------------------------------------------------- */

typedef struct
{
  guint   filament;     /* the file's slot, from 1 */
  char   *type;
  char   *color;        /* "#RRGGBB" */
  double  weight_g;
  double  length_mm;
} AfCloudFilament;

#define AF_TYPE_CLOUD_HISTORY_ENTRY (af_cloud_history_entry_get_type ())
G_DECLARE_FINAL_TYPE (AfCloudHistoryEntry, af_cloud_history_entry, AF, CLOUD_HISTORY_ENTRY,
                      GObject)

const char *af_cloud_history_entry_get_id                (AfCloudHistoryEntry *self);
const char *af_cloud_history_entry_get_job_id            (AfCloudHistoryEntry *self);
const char *af_cloud_history_entry_get_title             (AfCloudHistoryEntry *self);
const char *af_cloud_history_entry_get_printer_id        (AfCloudHistoryEntry *self);
const char *af_cloud_history_entry_get_printer_name      (AfCloudHistoryEntry *self);
guint       af_cloud_history_entry_get_plate             (AfCloudHistoryEntry *self);
/* "printing", "finished", "failed", "cancelled". */
const char *af_cloud_history_entry_get_status            (AfCloudHistoryEntry *self);
/* UTC; NULL when the cloud does not say (yet). */
GDateTime  *af_cloud_history_entry_get_created_at        (AfCloudHistoryEntry *self);
GDateTime  *af_cloud_history_entry_get_started_at        (AfCloudHistoryEntry *self);
GDateTime  *af_cloud_history_entry_get_ended_at          (AfCloudHistoryEntry *self);
gint64      af_cloud_history_entry_get_estimated_seconds (AfCloudHistoryEntry *self);
/* Of AfCloudFilament. */
GPtrArray  *af_cloud_history_entry_get_filament          (AfCloudHistoryEntry *self);
gboolean    af_cloud_history_entry_get_has_thumbnail     (AfCloudHistoryEntry *self);
gboolean    af_cloud_history_entry_get_file_available    (AfCloudHistoryEntry *self);
/* When the cloud deletes the stored file; NULL when none is kept. */
GDateTime  *af_cloud_history_entry_get_file_expires_at   (AfCloudHistoryEntry *self);

typedef struct
{
  GListStore *items;               /* of AfCloudHistoryEntry */
  char       *next_cursor;         /* NULL on the last page */
  guint       file_retention_days;
} AfCloudHistoryPage;

void af_cloud_history_page_free (AfCloudHistoryPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfCloudHistoryPage, af_cloud_history_page_free)

/* One page (limit 1–100), newest first, of one printer or all (NULL). An
 * expired cursor reloads from the first page, once.
 */
AfCloudHistoryPage *af_cloud_client_list_history        (AfCloudClient       *client,
                                                         const char          *printer_id,
                                                         const char          *cursor,
                                                         guint                limit,
                                                         GCancellable        *cancellable,
                                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void                af_cloud_client_list_history_async  (AfCloudClient       *client,
                                                         const char          *printer_id,
                                                         const char          *cursor,
                                                         guint                limit,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
AfCloudHistoryPage *af_cloud_client_list_history_finish (AfCloudClient       *client,
                                                         GAsyncResult        *result,
                                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* The PNG thumbnail (at most AF_CLOUD_MAX_RESPONSE_BYTES), checked to
 * start with the PNG signature.
 */
GBytes             *af_cloud_client_get_thumbnail        (AfCloudClient       *client,
                                                          const char          *entry_id,
                                                          GCancellable        *cancellable,
                                                          GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void                af_cloud_client_get_thumbnail_async  (AfCloudClient       *client,
                                                          const char          *entry_id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GBytes             *af_cloud_client_get_thumbnail_finish (AfCloudClient       *client,
                                                          GAsyncResult        *result,
                                                          GError             **error) G_GNUC_WARN_UNUSED_RESULT;

/* Whether id is an id as the contract writes them: [A-Za-z0-9_-], 1–64. */
gboolean af_cloud_id_is_valid (const char *id);

G_END_DECLS
