/* af-history-view.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-print.h"
#include "af-privacy.h"

G_BEGIN_DECLS

#define AF_TYPE_HISTORY_VIEW (af_history_view_get_type ())

G_DECLARE_FINAL_TYPE (AfHistoryView, af_history_view, AF, HISTORY_VIEW, AdwBin)

/* Two records, newest first. What this computer sent (the local submission
 * history of core/privacy: title, time, printer, route;
 * incognito prints are not in it), read from the local store off the main
 * loop. And the account's cloud print history: thumbnail, title, printer,
 * status, times, filament and until when the cloud keeps the file, with
 * Reprint while it keeps it, loaded through the registry's cloud client;
 * Reprint goes through the registry.
 */
void af_history_view_set_registry (AfHistoryView     *self,
                                   AfPrinterRegistry *registry);
/* Where history deletions go and are followed, and what this computer
 * sent: an entry whose deletion waits in the outbox or is pending at the
 * cloud says so ("Deletion pending until …") and offers no second Delete.
 */
void af_history_view_set_privacy  (AfHistoryView     *self,
                                   AfPrivacy         *privacy);
/* Loads both records again (the cloud's, or that no one is signed in). */
void af_history_view_reload       (AfHistoryView     *self);

G_END_DECLS
