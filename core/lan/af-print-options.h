/* af-print-options.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What the user chose for one print; becomes the fields of print.project_file. */
typedef struct
{
  guint     plate;            /* 1-based; param is Metadata/plate_<plate>.gcode */
  char     *job_name;         /* subtask_name; defaults to the file's stem */
  char     *bed_type;         /* "auto", "textured_plate", … ; NULL means "auto" */
  gboolean  bed_leveling;
  gboolean  flow_cali;
  gboolean  vibration_cali;
  gboolean  layer_inspect;
  gboolean  timelapse;
  gboolean  use_ams;
  /* Indexed by the file's filament slot (0-based): global tray index
   * (ams_id * 4 + slot), -1 for unused, AF_AMS_MAPPING_EXTERNAL for the
   * external spool (project_file needs to tell the two apart in ams_mapping2).
   */
  GArray   *ams_mapping;      /* of gint */
} AfPrintOptions;

/* The external spool in AfPrintOptions.ams_mapping: the id vt_tray reports. */
#define AF_AMS_MAPPING_EXTERNAL 254

#define AF_TYPE_PRINT_OPTIONS (af_print_options_get_type ())

GType           af_print_options_get_type (void);
AfPrintOptions *af_print_options_new      (void) G_GNUC_WARN_UNUSED_RESULT;
AfPrintOptions *af_print_options_copy     (const AfPrintOptions *options) G_GNUC_WARN_UNUSED_RESULT;
void            af_print_options_free     (AfPrintOptions       *options);
/* Parses "--ams-map" text: "SLOT=TRAY,…" with 1-based file slots and global
 * tray indices (or "ext" for the external spool).
 */
gboolean        af_print_options_parse_ams_map (AfPrintOptions *options,
                                                const char     *text,
                                                GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfPrintOptions, af_print_options_free)

G_END_DECLS
