/* af-slice-info.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One <filament> of a plate in Metadata/slice_info.config. */
typedef struct
{
  guint   id;            /* the 1-based project filament slot */
  char   *type;
  char   *color;
  double  used_m;        /* NAN when absent */
  double  used_g;        /* NAN when absent */
} AfSliceFilament;

/* One <plate>. Numbers the file leaves empty are -1 or NAN. */
typedef struct
{
  guint      index;
  char      *printer_model_id;
  gint64     prediction;
  double     weight;
  GArray    *nozzles;    /* double */
  GPtrArray *objects;    /* AfArchiveObject */
  GArray    *filaments;  /* AfSliceFilament */
} AfSlicePlate;

typedef struct
{
  char      *client_version;
  GPtrArray *plates;     /* AfSlicePlate */
} AfSliceInfo;

AfSliceInfo  *af_slice_info_parse      (const char   *text,
                                        gsize         length,
                                        GError      **error) G_GNUC_WARN_UNUSED_RESULT;
AfSlicePlate *af_slice_info_find_plate (AfSliceInfo  *info,
                                        guint         index);
void          af_slice_info_free       (AfSliceInfo  *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfSliceInfo, af_slice_info_free)

G_END_DECLS
