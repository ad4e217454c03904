/* af-local-history-entry.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AF_TYPE_LOCAL_HISTORY_ENTRY (af_local_history_entry_get_type ())

G_DECLARE_FINAL_TYPE (AfLocalHistoryEntry, af_local_history_entry, AF, LOCAL_HISTORY_ENTRY, GObject)

/* One print this computer submitted (the local submission history): read-
 * only properties "id" (gint64), "time" (GDateTime, UTC), "title", "printer"
 * (the printer's name), "route" ("lan" or "cloud"), "thumbnail-path" (a
 * cached PNG under af_local_store_get_thumbnail_dir(), or NULL) and
 * "cloud-entry-id" (the cloud history entry, or NULL).
 */
AfLocalHistoryEntry *af_local_history_entry_new (gint64      id,
                                                 GDateTime  *time,
                                                 const char *title,
                                                 const char *printer,
                                                 const char *route,
                                                 const char *thumbnail_path,
                                                 const char *cloud_entry_id) G_GNUC_WARN_UNUSED_RESULT;
gint64       af_local_history_entry_get_id             (AfLocalHistoryEntry *self);
GDateTime   *af_local_history_entry_get_time           (AfLocalHistoryEntry *self);
const char  *af_local_history_entry_get_title          (AfLocalHistoryEntry *self);
const char  *af_local_history_entry_get_printer        (AfLocalHistoryEntry *self);
const char  *af_local_history_entry_get_route          (AfLocalHistoryEntry *self);
const char  *af_local_history_entry_get_thumbnail_path (AfLocalHistoryEntry *self);
const char  *af_local_history_entry_get_cloud_entry_id (AfLocalHistoryEntry *self);
/* The route in words, the same in the window and on the command line:
 * "Through the cloud" or "Over the network (LAN)".
 */
const char  *af_local_history_entry_describe_route     (AfLocalHistoryEntry *self);
/* When, to which printer, how, in the user's words, as both views show it:
 * "4 December 2026, 15:02 · Workshop P1S · Over the network (LAN)".
 */
char        *af_local_history_entry_describe           (AfLocalHistoryEntry *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
