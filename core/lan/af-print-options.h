/* af-print-options.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A calibration the firmware runs before printing, as project_file's
 * auto_bed_leveling, extrude_cali_flag and nozzle_offset_cali spell it:
 * 0 off, 1 on, 2 the printer decides (docs/lan-protocol.md §2.5).
 */
typedef enum
{
  AF_CALI_MODE_OFF  = 0,
  AF_CALI_MODE_ON   = 1,
  AF_CALI_MODE_AUTO = 2,
} AfCaliMode;

/* "auto", "on", "off" (as the command line takes them) and back. */
gboolean    af_cali_mode_parse     (const char *text,
                                    AfCaliMode *mode);
const char *af_cali_mode_to_string (AfCaliMode  mode);

/* What a printer model offers in project_file, by its model id ("C12",
 * "O1D", …; see af_print_options_get_model_features() and
 * docs/lan-protocol.md §2.5 for the sources).
 */
typedef struct
{
  gboolean cali_auto;          /* auto_bed_leveling / extrude_cali_flag take 2 */
  gboolean nozzle_offset_cali; /* two nozzles: nozzle_offset_cali applies */
  gboolean layer_inspect;      /* a first-layer lidar */
  gboolean vibration_cali;     /* a vibration compensation run */
} AfModelFeatures;

void        af_print_options_get_model_features (const char      *model_id,
                                                 AfModelFeatures *features);

/* What the user chose for one print; becomes the fields of print.project_file. */
typedef struct
{
  guint       plate;          /* 1-based; param is Metadata/plate_<plate>.gcode */
  char       *job_name;       /* subtask_name (UTF-8); defaults to the file's stem */
  char       *bed_type;       /* "auto", "textured_plate", … ; NULL means "auto" */
  AfCaliMode  bed_leveling;
  AfCaliMode  flow_cali;
  AfCaliMode  nozzle_offset_cali;
  gboolean    vibration_cali;
  gboolean    layer_inspect;
  gboolean    timelapse;
  gboolean    use_ams;
  /* task_id / subtask_id, which the printer echoes in its reports: how our
   * job is told from another with the same name. 0 = the session picks a
   * fresh one (af_print_options_new_task_id()).
   */
  guint32     task_id;
  /* Indexed by the file's filament slot (0-based): global tray index
   * (ams_id * 4 + slot), -1 for unused, AF_AMS_MAPPING_EXTERNAL or
   * AF_AMS_MAPPING_EXTERNAL_DEPUTY for an external spool (project_file tells
   * them apart in ams_mapping2).
   */
  GArray     *ams_mapping;    /* of gint */
} AfPrintOptions;

/* The external spools in AfPrintOptions.ams_mapping, by the ams_id
 * ams_mapping2 gives them: the only (or main, right-hand nozzle's) one, and
 * the second nozzle's on an H2D (vir_slot id 254).
 */
#define AF_AMS_MAPPING_EXTERNAL 255
#define AF_AMS_MAPPING_EXTERNAL_DEPUTY 254

/* Whether an ams_mapping value names an external spool rather than an AMS tray. */
static inline gboolean
af_ams_mapping_is_external (gint value)
{
  return value == AF_AMS_MAPPING_EXTERNAL || value == AF_AMS_MAPPING_EXTERNAL_DEPUTY;
}

/* The {ams_id, slot_id} an ams_mapping value names, as project_file's
 * ams_mapping2 and the cloud's POST /v1/jobs spell it: an AMS tray
 * (value / 4, value % 4), a one-slot AMS HT (128 and up: value, 0) or an
 * external spool (255 or 254, 0). FALSE for an unused filament (-1).
 */
gboolean af_print_options_mapping_to_tray (gint   value,
                                           guint *ams_id,
                                           guint *slot_id);

/* The longest subtask_name sent, in bytes (the printer's screen shows less). */
#define AF_PRINT_OPTIONS_MAX_JOB_NAME 100

#define AF_TYPE_PRINT_OPTIONS (af_print_options_get_type ())

GType           af_print_options_get_type (void);
AfPrintOptions *af_print_options_new      (void) G_GNUC_WARN_UNUSED_RESULT;
AfPrintOptions *af_print_options_copy     (const AfPrintOptions *options) G_GNUC_WARN_UNUSED_RESULT;
void            af_print_options_free     (AfPrintOptions       *options);
/* Parses "--ams-map" text: "SLOT=TRAY,…" with 1-based file slots and global
 * tray indices, "ext" or 255 for the external spool, 254 for the second
 * nozzle's external spool.
 */
gboolean        af_print_options_parse_ams_map (AfPrintOptions *options,
                                                const char     *text,
                                                GError        **error);
/* Makes the options fit the model (af_print_options_get_model_features()):
 * AUTO becomes ON where the firmware has no "auto", calibrations the model
 * lacks are switched off, nozzle_offset_cali is OFF on one nozzle,
 * layer_inspect follows the lidar. NULL or an unknown model: only what every
 * printer has.
 */
void            af_print_options_apply_model   (AfPrintOptions *options,
                                                const char     *model_id);
/* name cut to at most AF_PRINT_OPTIONS_MAX_JOB_NAME bytes on a character
 * boundary, after invalid UTF-8 was replaced.
 */
char           *af_print_options_truncate_name (const char     *name) G_GNUC_WARN_UNUSED_RESULT;
/* A fresh task id: random in 1 … 2^31 − 1, as bambuddy does (ids of 2^31
 * and more hang some firmware), and not equal to avoid.
 */
guint32         af_print_options_new_task_id   (guint32         avoid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfPrintOptions, af_print_options_free)

G_END_DECLS
