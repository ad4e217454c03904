/* af-format.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

/* "1 h 32 min 43 s": the compact form shown on screen. */
char *af_format_duration        (gint64 seconds) G_GNUC_WARN_UNUSED_RESULT;
/* "1 hour, 32 minutes, 43 seconds": the form a screen reader speaks. */
char *af_format_duration_spoken (gint64 seconds) G_GNUC_WARN_UNUSED_RESULT;

/* "OrcaSlicer 2.3.0", the name alone, or NULL when the file does not say. */
char *af_format_slicer          (AfGcodeInfo *info) G_GNUC_WARN_UNUSED_RESULT;

/* Times as people read them, in the local time zone and the translated
 * format, the same in the window and on the command line (the command
 * line's JSON uses af_format_rfc3339() instead). Each returns NULL for a
 * NULL time.
 */
/* "4 December 2026, 15:02" */
char *af_format_date_time       (GDateTime   *time) G_GNUC_WARN_UNUSED_RESULT;
/* "4 December 2026" */
char *af_format_date            (GDateTime   *time) G_GNUC_WARN_UNUSED_RESULT;
/* "2026-12-04T14:02:00Z": RFC 3339 in UTC, for machines. */
char *af_format_rfc3339         (GDateTime   *time) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
