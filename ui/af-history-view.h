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

/* The account's print history (the cloud's record; the prints sent from
 * this computer are listed in the Privacy view), newest first: thumbnail, title, printer, status,
 * times, filament and until when the cloud keeps the file, with Reprint
 * while it keeps it. Loads in the background through the registry's cloud
 * client; Reprint goes through the registry.
 */
void af_history_view_set_registry (AfHistoryView     *self,
                                   AfPrinterRegistry *registry);
/* Where history deletions go and are followed: an entry whose deletion
 * waits in the outbox or is pending at the cloud says so ("Deletion pending
 * until …") and offers no second Delete.
 */
void af_history_view_set_privacy  (AfHistoryView     *self,
                                   AfPrivacy         *privacy);
/* Loads the history again (or shows that no one is signed in). */
void af_history_view_reload       (AfHistoryView     *self);

G_END_DECLS
