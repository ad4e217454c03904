/* af-local-store.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-activity-entry.h"
#include "af-local-history-entry.h"
#include "af-network-policy.h"
#include "af-privacy-action.h"

G_BEGIN_DECLS

/* Limits of the local store, enforced on every write (tests check at and
 * past each; docs/privacy.md lists them):
 *
 * - the activity log keeps the newest AF_LOCAL_STORE_MAX_ACTIVITY rows;
 *   older rows are deleted in the same transaction as the insert;
 * - the local history keeps the newest AF_LOCAL_STORE_MAX_HISTORY rows
 *   (with their cached thumbnails);
 * - the outbox holds at most AF_LOCAL_STORE_MAX_OUTBOX actions that are
 *   not yet acknowledged: one more is refused with AF_PRIVACY_ERROR_LIMIT
 *   (an action is never dropped silently); acknowledged and failed rows are
 *   kept for AF_LOCAL_STORE_OUTBOX_KEEP_DAYS, then deleted;
 * - an outbox payload is at most AF_LOCAL_STORE_MAX_PAYLOAD bytes (a history
 *   deletion of 100 ids is about 2 KiB) and a cached cloud answer at most
 *   AF_LOCAL_STORE_MAX_CACHE bytes; larger ones are refused.
 */
#define AF_LOCAL_STORE_MAX_ACTIVITY     10000
#define AF_LOCAL_STORE_MAX_HISTORY      1000
#define AF_LOCAL_STORE_MAX_OUTBOX       500
#define AF_LOCAL_STORE_OUTBOX_KEEP_DAYS 30
#define AF_LOCAL_STORE_MAX_PAYLOAD      (16 * 1024)
#define AF_LOCAL_STORE_MAX_CACHE        (1024 * 1024)

#define AF_TYPE_LOCAL_STORE (af_local_store_get_type ())

G_DECLARE_FINAL_TYPE (AfLocalStore, af_local_store, AF, LOCAL_STORE, GObject)

/* The app's local state in one SQLite database in WAL mode:
 * $XDG_STATE_HOME/atomform-connect/local.sqlite. Tables: the privacy
 * outbox, the local submission history, the network activity log and a
 * small cache of the last cloud answers (privacy settings, consents,
 * requests) so the Privacy view and `privacy show` work offline. Every
 * change is one transaction, so a crash or SIGKILL leaves either the whole
 * change or none of it.
 *
 * Calls are synchronous: each is one short transaction on a local file
 * (well under a millisecond in WAL mode), the pattern GNOME apps use for
 * SQLite on the main thread. One connection per object, guarded by a mutex,
 * so worker threads (the activity hooks) may call it too.
 */

/* Opens (creating it and its folder) the database at path. */
AfLocalStore *af_local_store_new              (const char    *path,
                                               GError       **error) G_GNUC_WARN_UNUSED_RESULT;
/* The default path above (g_get_user_state_dir(), so $XDG_STATE_HOME). */
char         *af_local_store_default_path     (void) G_GNUC_WARN_UNUSED_RESULT;
/* The process's store at the default path, opened on first use; NULL
 * (after a g_debug) when it cannot be opened: the app then still prints.
 */
AfLocalStore *af_local_store_get_default      (void);
/* Makes store the default (tests), or with NULL closes it. */
void          af_local_store_set_default      (AfLocalStore  *store);
const char   *af_local_store_get_path         (AfLocalStore  *self);
/* The folder of cached thumbnails: $XDG_CACHE_HOME/atomform-connect/thumbnails
 */
char         *af_local_store_get_thumbnail_dir (void) G_GNUC_WARN_UNUSED_RESULT;

/* --- The network activity log ----------------------------------------- */

gboolean      af_local_store_record_activity  (AfLocalStore    *self,
                                               const char      *host,
                                               guint            port,
                                               AfNetworkPurpose purpose,
                                               guint64          bytes_sent,
                                               guint64          bytes_received,
                                               gboolean         succeeded,
                                               GError         **error);
/* Newest first, at most limit (0: all) AfActivityEntry. */
GListModel   *af_local_store_list_activity    (AfLocalStore    *self,
                                               guint            limit,
                                               GError         **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean      af_local_store_clear_activity   (AfLocalStore    *self,
                                               GError         **error);

/* --- The local submission history ------------------------------------- */

/* Records a print this computer submitted. With incognito TRUE nothing is
 * written and the thumbnail (PNG bytes, may be NULL) is not cached: returns
 * TRUE with *id = 0. Otherwise the thumbnail is written under the
 * thumbnail folder and *id receives the new row.
 */
gboolean      af_local_store_add_history      (AfLocalStore    *self,
                                               const char      *title,
                                               const char      *printer,
                                               const char      *route,
                                               GBytes          *thumbnail_png,
                                               const char      *cloud_entry_id,
                                               gboolean         incognito,
                                               gint64          *id,
                                               GError         **error);
/* Newest first, AfLocalHistoryEntry. */
GListModel   *af_local_store_list_history     (AfLocalStore    *self,
                                               GError         **error) G_GNUC_WARN_UNUSED_RESULT;
/* Deletes the rows whose cloud entry is among cloud_entry_ids (NULL-
 * terminated; NULL: every row with a cloud entry), with their thumbnails: a
 * cloud history deletion removes the local trace too.
 */
gboolean      af_local_store_forget_cloud_entries (AfLocalStore *self,
                                                   const char  *const *cloud_entry_ids,
                                                   GError     **error);
/* Deletes every row and every cached thumbnail. */
gboolean      af_local_store_clear_history    (AfLocalStore    *self,
                                               GError         **error);
/* Deletes the thumbnail folder's files (also those other caches wrote). */
gboolean      af_local_store_clear_thumbnails (AfLocalStore    *self,
                                               GError         **error);

/* --- The outbox --------------------------------------------------------- */

/* Commits a new PENDING action with a fresh Idempotency-Key (a UUID) and
 * returns it: once this returns, the action survives any crash. Refuses
 * with AF_PRIVACY_ERROR_LIMIT past AF_LOCAL_STORE_MAX_OUTBOX pending rows or
 * a payload over AF_LOCAL_STORE_MAX_PAYLOAD.
 */
AfPrivacyAction *af_local_store_outbox_add    (AfLocalStore       *self,
                                               AfPrivacyActionKind kind,
                                               const char         *payload,
                                               GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* PENDING actions, oldest first (the order they are sent in). */
GListModel      *af_local_store_outbox_list_pending (AfLocalStore *self,
                                                     GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* Every action kept (pending, done, failed), newest first. */
GListModel      *af_local_store_outbox_list_all (AfLocalStore *self,
                                                 GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* After a try that must be repeated: attempts + 1, the next time, why. */
gboolean         af_local_store_outbox_reschedule (AfLocalStore *self,
                                                   gint64        id,
                                                   GDateTime    *next_attempt_at,
                                                   const char   *last_error,
                                                   GError      **error);
/* The server acknowledged (DONE, with its request id or NULL) or refused
 * for good (FAILED, with why).
 */
gboolean         af_local_store_outbox_finish (AfLocalStore        *self,
                                               gint64               id,
                                               AfPrivacyActionState state,
                                               const char          *request_id,
                                               const char          *last_error,
                                               GError             **error);
/* Replaces a pending action's payload (a settings change re-based on a new
 * ETag); the key stays.
 */
gboolean         af_local_store_outbox_update_payload (AfLocalStore *self,
                                                       gint64        id,
                                                       const char   *payload,
                                                       GError      **error);
guint            af_local_store_outbox_count_pending (AfLocalStore *self);
/* One action by row id, or NULL. */
AfPrivacyAction *af_local_store_outbox_get (AfLocalStore *self,
                                            gint64        id) G_GNUC_WARN_UNUSED_RESULT;

/* --- The cache of cloud answers --------------------------------------- */

/* name: "settings", "settings-etag", "consents", "requests", "account". */
gboolean      af_local_store_cache_set        (AfLocalStore    *self,
                                               const char      *name,
                                               const char      *value,
                                               GError         **error);
char         *af_local_store_cache_get        (AfLocalStore    *self,
                                               const char      *name) G_GNUC_WARN_UNUSED_RESULT;

/* --- On this computer ---------------------------------------------- */

/* Clears the local history, cached thumbnails, the copies of files slicers
 * handed over (af_handoff_clear_copies(); one a window has open stays), the
 * activity log and the cache of cloud answers but the privacy settings. Pending outbox actions
 * stay: they are requests the user made and are still owed to the server.
 * The last known privacy settings stay too: without them incognito
 * printing would be off on this computer until the cloud is read again
 * (offline, or from the next command), and a print would be remembered.
 */
gboolean      af_local_store_forget_local_data (AfLocalStore   *self,
                                                GError        **error);

G_END_DECLS
