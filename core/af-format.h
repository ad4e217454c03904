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

G_END_DECLS
