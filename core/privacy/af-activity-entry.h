/* af-activity-entry.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-network-policy.h"

G_BEGIN_DECLS

#define AF_TYPE_ACTIVITY_ENTRY (af_activity_entry_get_type ())

G_DECLARE_FINAL_TYPE (AfActivityEntry, af_activity_entry, AF, ACTIVITY_ENTRY, GObject)

/* One connection in the network activity log: read-only properties
 * "id" (gint64), "time" (GDateTime, UTC), "host", "port", "purpose"
 * (AfNetworkPurpose as int), "bytes-sent", "bytes-received" (guint64),
 * "succeeded". Never a file name.
 */
AfActivityEntry *af_activity_entry_new               (gint64           id,
                                                      GDateTime       *time,
                                                      const char      *host,
                                                      guint            port,
                                                      AfNetworkPurpose purpose,
                                                      guint64          bytes_sent,
                                                      guint64          bytes_received,
                                                      gboolean         succeeded) G_GNUC_WARN_UNUSED_RESULT;
gint64           af_activity_entry_get_id             (AfActivityEntry *self);
GDateTime       *af_activity_entry_get_time           (AfActivityEntry *self);
const char      *af_activity_entry_get_host           (AfActivityEntry *self);
guint            af_activity_entry_get_port           (AfActivityEntry *self);
AfNetworkPurpose af_activity_entry_get_purpose        (AfActivityEntry *self);
guint64          af_activity_entry_get_bytes_sent     (AfActivityEntry *self);
guint64          af_activity_entry_get_bytes_received (AfActivityEntry *self);
gboolean         af_activity_entry_get_succeeded      (AfActivityEntry *self);

G_END_DECLS
