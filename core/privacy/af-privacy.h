/* af-privacy.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-cloud-client.h"
#include "af-consent.h"
#include "af-local-store.h"
#include "af-print-job.h"
#include "af-privacy-action.h"
#include "af-privacy-error.h"
#include "af-privacy-request.h"

G_BEGIN_DECLS

/* What happened to a tracked request, for a GNotification. */
typedef enum
{
  AF_PRIVACY_EVENT_COMPLETED,  /* status became completed */
  AF_PRIVACY_EVENT_REJECTED,   /* status became rejected */
  AF_PRIVACY_EVENT_OVERDUE,    /* due_at passed while still open (once per request) */
} AfPrivacyEvent;

/* Switches of the cloud's privacy settings (LAN-only mode is a local
 * setting instead: AfSettings:lan-only).
 */
typedef enum
{
  AF_PRIVACY_SETTING_INCOGNITO_PRINTING,
  AF_PRIVACY_SETTING_HISTORY_REPRINT,
} AfPrivacySetting;

#define AF_TYPE_PRIVACY (af_privacy_get_type ())

G_DECLARE_FINAL_TYPE (AfPrivacy, af_privacy, AF, PRIVACY, GObject)

/* The privacy panel's mechanism, shared by the window and the command
 * line (docs/privacy.md).
 *
 * Every action the user takes — a settings change, a consent withdrawal, a
 * history deletion (one, several, all), a data-rights request or its
 * cancellation — is first committed to the outbox of the local store with
 * its own Idempotency-Key, then sent. An action that cannot be sent now
 * (offline, 5xx, 429, the app quitting or killed) stays PENDING and is sent
 * again, with the same key, by the next af_privacy_flush_async() — at
 * start-up, on each poll, and when the network comes back — with back-off
 * (1 s doubling to 1 h, never sooner than a Retry-After), until the server
 * acknowledges it or refuses it for good. The server's idempotency makes a
 * repeated send of an already processed action a replay, so a SIGKILL at
 * any moment neither loses nor duplicates a request. A settings change is a
 * PATCH with If-Match: a stale ETag (412) is reconciled — the settings are
 * read again, the user's switch re-applied only when it still differs, the
 * other switches keep the server's values — never overwritten.
 *
 * Models (GListModel, stable objects updated in place so views keep rows):
 *   af_privacy_get_requests():  AfPrivacyRequest, the server's requests
 *                               (newest first) after the outbox's local
 *                               ones (pending-local TRUE);
 *   af_privacy_get_consents():  AfConsent, one per purpose;
 *   af_privacy_get_outbox():    AfPrivacyAction, the pending actions.
 * Properties: "client", "store" (construct-only), "incognito-printing",
 * "history-reprint" (booleans: the last known value, the user's pending
 * change included), "file-retention-days" (int, 90 by default),
 * "file-deletion-due-at" (GDateTime or NULL), "settings-known" (whether the
 * values came from the server or its cached answer), "n-pending" (uint,
 * actions not yet acknowledged), "online" (FALSE after the last contact
 * failed for the network; the view then says "Will be sent when you are
 * back online"), "last-error" (string or NULL, translated).
 *
 * Signal "request-event" (AfPrivacyRequest *request, AfPrivacyEvent event):
 * a request completed, was rejected, or passed its deadline while open. Each
 * (request, event) is emitted once per AfPrivacy; the app turns it into a
 * GNotification with af_privacy_describe_event().
 *
 * In LAN-only mode (af_network_policy_get_lan_only()) nothing is sent: the
 * cloud client refuses every request at its one request path; actions stay
 * queued and refreshes serve the cached answers.
 */
AfPrivacy     *af_privacy_new                     (AfCloudClient  *client,
                                                   AfLocalStore   *store) G_GNUC_WARN_UNUSED_RESULT;
AfCloudClient *af_privacy_get_client              (AfPrivacy      *self);
AfLocalStore  *af_privacy_get_store               (AfPrivacy      *self);
GListModel    *af_privacy_get_requests            (AfPrivacy      *self);
GListModel    *af_privacy_get_consents            (AfPrivacy      *self);
GListModel    *af_privacy_get_outbox              (AfPrivacy      *self);
gboolean       af_privacy_get_incognito_printing  (AfPrivacy      *self);
gboolean       af_privacy_get_history_reprint     (AfPrivacy      *self);
int            af_privacy_get_file_retention_days (AfPrivacy      *self);
GDateTime     *af_privacy_get_file_deletion_due_at (AfPrivacy     *self);
gboolean       af_privacy_get_settings_known      (AfPrivacy      *self);
guint          af_privacy_get_n_pending           (AfPrivacy      *self);
gboolean       af_privacy_get_online              (AfPrivacy      *self);
const char    *af_privacy_get_last_error          (AfPrivacy      *self);

/* --- Reading ------------------------------------------------------------ */

/* Loads the cached answers and the outbox into the models (no network).
 * Called by af_privacy_new(); again after forgetting local data.
 */
void           af_privacy_load_cached             (AfPrivacy      *self);
/* GETs the settings (with their ETag), the consents and the requests, and
 * updates the models and the cache. In LAN-only mode or offline it fails
 * (AF_PRIVACY_ERROR_LAN_ONLY, AF_CLOUD_ERROR_NETWORK…) and the models keep
 * the cached values.
 */
void           af_privacy_refresh_async           (AfPrivacy           *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean       af_privacy_refresh_finish          (AfPrivacy           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* --- Actions (each committed to the outbox, then sent) ------------------- */

/* Each completes once the action is committed and one send was tried. It
 * returns the outbox row (transfer full): state DONE when acknowledged,
 * PENDING when it will be sent later (offline, LAN-only, a transient
 * failure: not an error). It fails when the commit failed (the store, a
 * limit, a bad argument: nothing was queued) or when the server refused the
 * action for good (the row is then FAILED; the error is the cloud's).
 */
void             af_privacy_set_setting_async     (AfPrivacy           *self,
                                                   AfPrivacySetting     setting,
                                                   gboolean             value,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* purpose_id: one of AF_CONSENT_PURPOSES. */
void             af_privacy_withdraw_consent_async (AfPrivacy          *self,
                                                   const char          *purpose_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* entry_ids: 1–100 cloud history entry ids (NULL-terminated), or NULL with
 * all TRUE for every entry.
 */
void             af_privacy_delete_history_async  (AfPrivacy           *self,
                                                   const char *const   *entry_ids,
                                                   gboolean             all,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* type: access, portability, rectification, erasure, restriction,
 * objection; details: the user's words (at most 2000 bytes) or NULL.
 */
void             af_privacy_create_request_async  (AfPrivacy           *self,
                                                   const char          *type,
                                                   const char          *details,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
void             af_privacy_cancel_request_async  (AfPrivacy           *self,
                                                   const char          *request_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
AfPrivacyAction *af_privacy_action_finish         (AfPrivacy           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error) G_GNUC_WARN_UNUSED_RESULT;

/* Sends every pending action whose time has come, oldest first, stopping
 * at the first network failure. Completes with the number still pending.
 */
void             af_privacy_flush_async           (AfPrivacy           *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
guint            af_privacy_flush_finish          (AfPrivacy           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* --- Tracking ------------------------------------------------------------ */

/* Starts polling: flushes the outbox, then re-reads each open request no
 * sooner than its last Retry-After (at least min_interval_s) and at each
 * due_at, emitting "request-event". Stops with af_privacy_stop_polling()
 * or dispose. Nothing is polled in LAN-only mode.
 */
void             af_privacy_start_polling         (AfPrivacy           *self,
                                                   guint                min_interval_s);
void             af_privacy_stop_polling          (AfPrivacy           *self);
/* One poll now (flush, then re-read the requests): for the command line
 * and tests.
 */
void             af_privacy_poll_async            (AfPrivacy           *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         af_privacy_poll_finish           (AfPrivacy           *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* Translated title and body of the notification for an event. */
void             af_privacy_describe_event        (AfPrivacyRequest    *request,
                                                   AfPrivacyEvent       event,
                                                   char               **title,
                                                   char               **body);

/* Downloads the copy of a completed access or portability request to
 * destination, written atomically (a partial file never remains).
 */
void             af_privacy_download_result_async (AfPrivacy           *self,
                                                   const char          *request_id,
                                                   GFile               *destination,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         af_privacy_download_result_finish (AfPrivacy          *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* --- History deletions, per entry ---------------------------------------- */

typedef enum
{
  AF_HISTORY_DELETION_NONE,
  AF_HISTORY_DELETION_QUEUED,   /* in the outbox, not yet received by the cloud */
  AF_HISTORY_DELETION_PENDING,  /* received; the cloud deletes it by its due time */
} AfHistoryDeletion;

/* Whether a deletion covers the cloud history entry entry_id: an open
 * history_deletion request naming it (or all entries), with its due time in
 * *due_at (transfer full, may be NULL), else a deletion still in the outbox.
 * The History view says "Deletion pending until …" from it.
 */
AfHistoryDeletion af_privacy_get_history_deletion (AfPrivacy        *self,
                                                   const char       *entry_id,
                                                   GDateTime       **due_at);

/* --- On this computer ------------------------------------------------- */

/* Whether a print started now must leave no trace on this computer (no
 * local history row, no recent-files entry, no cached thumbnail): the
 * last known incognito-printing value. The window checks it before adding
 * a recent file.
 */
gboolean         af_privacy_is_incognito          (AfPrivacy           *self);
/* Records a submitted print in the local history unless incognito (then
 * nothing is written). thumbnail_png may be NULL.
 */
gboolean         af_privacy_record_print          (AfPrivacy           *self,
                                                   const char          *title,
                                                   const char          *printer,
                                                   const char          *route,
                                                   GBytes              *thumbnail_png,
                                                   const char          *cloud_entry_id,
                                                   GError             **error);
/* The one rule for "a print was sent; remember it here unless incognito",
 * whichever face sent it: af_privacy_record_print() with the job's file
 * name as the title, its printer's name, its route ("cloud" for an
 * AfCloudTransport, else "lan") and, on the cloud route, the cloud history
 * entry the job created (so deleting that entry removes the local row
 * too). The printer registry calls it for every job started through a
 * transport it made (af_printer_registry_set_privacy()).
 */
gboolean         af_privacy_record_job            (AfPrivacy           *self,
                                                   AfPrintJob          *job,
                                                   GError             **error);
/* Clears the local history, cached thumbnails, the activity log and the
 * cached cloud answers (af_local_store_forget_local_data()).
 */
gboolean         af_privacy_forget_local_data     (AfPrivacy           *self,
                                                   GError             **error);

G_END_DECLS
