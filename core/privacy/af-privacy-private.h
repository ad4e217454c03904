/* af-privacy-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-local-store.h"

G_BEGIN_DECLS

/* A new reference to the default store (opened on first use), or NULL:
 * for worker threads, so a store replaced meanwhile stays alive.
 */
AfLocalStore *af_local_store_dup_default (void) G_GNUC_WARN_UNUSED_RESULT;

/* RFC 3339 in UTC ("2026-12-04T09:00:00Z") and back; NULL for NULL/bad. */
char         *af_privacy_format_time     (GDateTime  *time) G_GNUC_WARN_UNUSED_RESULT;
GDateTime    *af_privacy_parse_time      (const char *text) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
