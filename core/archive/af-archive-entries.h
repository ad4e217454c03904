/* af-archive-entries.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

/* What the metadata entries of one written plate are made from. */
typedef struct
{
  guint         plate;
  AfGcodeInfo  *info;
  const char   *md5;           /* 32 upper-case hex digits */
  const char   *model_id;      /* NULL when unknown */
  GPtrArray    *objects;       /* AfArchiveObject; NULL to use the info's names */
  gboolean      have_bounds;
  double        bounds[4];     /* xmin, ymin, xmax, ymax of the first layers */
} AfPlateMeta;

GBytes *af_archive_build_content_types (void) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_rels (guint plate) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_model (void) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_plate_json (const AfPlateMeta *meta) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_project_settings (AfGcodeInfo *info) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_model_settings_rels (guint plate) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_model_settings (const AfPlateMeta *meta) G_GNUC_WARN_UNUSED_RESULT;
GBytes *af_archive_build_slice_info (const AfPlateMeta *meta) G_GNUC_WARN_UNUSED_RESULT;

/* The vendor model id for the info's printer, or NULL when not known. */
const char *af_archive_find_model_id (AfGcodeInfo *info);

G_END_DECLS
