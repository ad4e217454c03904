/* af-gcode-info.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-thumbnail.h"

G_BEGIN_DECLS

/* What one print needs of one filament. Numbers a file does not carry are
 * NAN, strings it does not carry are NULL: absent, never invented.
 */
typedef struct
{
  char   *type;        /* "PLA", "PETG", … */
  char   *color;       /* "#RRGGBB", upper case */
  double  length_m;    /* metres */
  double  weight_g;    /* grams */
  double  volume_cm3;  /* cubic centimetres */
} AfFilament;

/* Whether a print uses the filament at all. Slicers list every extruder of
 * the printer, with zero use for those the print never touches; those are
 * noise to a person and must not be mapped to a tray or listed in slice_info.
 */
gboolean            af_filament_is_used                 (const AfFilament *filament);

/* Limits on what one file may make us keep, whatever it claims. Real
 * printers feed at most a few dozen filaments (an H2D with eight AMS
 * units has 42 slots); slicers embed two to four thumbnails; a plate that
 * holds more than a thousand objects cannot be listed usefully. Past each
 * limit the rest is dropped (docs/inspect-json.md, "Limits").
 */
#define AF_GCODE_MAX_FILAMENTS  64
#define AF_GCODE_MAX_THUMBNAILS 16
#define AF_GCODE_MAX_OBJECTS    1024

#define AF_TYPE_GCODE_INFO (af_gcode_info_get_type ())

G_DECLARE_FINAL_TYPE (AfGcodeInfo, af_gcode_info, AF, GCODE_INFO, GObject)

typedef enum
{
  AF_GCODE_KIND_ASCII,
  AF_GCODE_KIND_BINARY,
  AF_GCODE_KIND_ARCHIVE,
} AfGcodeKind;

AfGcodeInfo        *af_gcode_info_new                   (void) G_GNUC_WARN_UNUSED_RESULT;

AfGcodeKind         af_gcode_info_get_kind              (AfGcodeInfo  *self);
const char         *af_gcode_info_get_slicer_name       (AfGcodeInfo  *self);
const char         *af_gcode_info_get_slicer_version    (AfGcodeInfo  *self);
const char         *af_gcode_info_get_printer_model     (AfGcodeInfo  *self);
/* The vendor model id the file was sliced for ("C12"): slice_info.config's
 * printer_model_id, else the id of a known printer named by printer_model
 * (af-printer-models.h); NULL when the file names no vendor printer.
 */
const char         *af_gcode_info_get_printer_model_id  (AfGcodeInfo  *self);
const char         *af_gcode_info_get_bed_type          (AfGcodeInfo  *self);
/* Seconds, or -1 when the file does not say. */
gint64              af_gcode_info_get_print_time        (AfGcodeInfo  *self);
/* Layers, or -1 when the file does not say. */
gint                af_gcode_info_get_layer_count       (AfGcodeInfo  *self);
/* Millimetres, or NAN when the file does not say. */
double              af_gcode_info_get_layer_height      (AfGcodeInfo  *self);
double              af_gcode_info_get_max_z             (AfGcodeInfo  *self);
const double       *af_gcode_info_get_nozzle_diameters  (AfGcodeInfo  *self,
                                                         guint        *n_nozzles);
guint               af_gcode_info_get_n_filaments       (AfGcodeInfo  *self);
const AfFilament   *af_gcode_info_get_filament          (AfGcodeInfo  *self,
                                                         guint         index);
/* Total grams over every filament, or NAN when no weight is known. */
double              af_gcode_info_get_total_weight      (AfGcodeInfo  *self);
/* The slicer's settings block, keys sorted so output is deterministic. */
const char * const *af_gcode_info_get_setting_keys      (AfGcodeInfo  *self);
const char         *af_gcode_info_get_setting           (AfGcodeInfo  *self,
                                                         const char   *key);
guint               af_gcode_info_get_n_settings        (AfGcodeInfo  *self);
GListModel         *af_gcode_info_get_thumbnails        (AfGcodeInfo  *self);
guint               af_gcode_info_get_n_thumbnails      (AfGcodeInfo  *self);
/* The largest thumbnail, or NULL when the file embeds none. */
AfThumbnail        *af_gcode_info_get_best_thumbnail    (AfGcodeInfo  *self);
/* Object names, from an archive's slice_info or the G-code's labels. */
const char * const *af_gcode_info_get_objects           (AfGcodeInfo  *self);

/* Setters are for the readers in core/ (G-code and archive). Each copies
 * what it is given; setting a value twice replaces it.
 */
void                af_gcode_info_set_kind              (AfGcodeInfo  *self,
                                                         AfGcodeKind   kind);
void                af_gcode_info_set_slicer            (AfGcodeInfo  *self,
                                                         const char   *name,
                                                         const char   *version);
void                af_gcode_info_set_printer_model     (AfGcodeInfo  *self,
                                                         const char   *model);
/* An empty id is ignored: slicers write printer_model_id="" for other printers. */
void                af_gcode_info_set_printer_model_id  (AfGcodeInfo  *self,
                                                         const char   *model_id);
void                af_gcode_info_set_bed_type          (AfGcodeInfo  *self,
                                                         const char   *bed_type);
void                af_gcode_info_set_print_time        (AfGcodeInfo  *self,
                                                         gint64        seconds);
void                af_gcode_info_set_layer_count       (AfGcodeInfo  *self,
                                                         gint          layers);
void                af_gcode_info_set_layer_height      (AfGcodeInfo  *self,
                                                         double        mm);
void                af_gcode_info_set_max_z             (AfGcodeInfo  *self,
                                                         double        mm);
void                af_gcode_info_set_nozzle_diameters  (AfGcodeInfo  *self,
                                                         const double *diameters,
                                                         guint         n_nozzles);
/* Grows the filament list to at least n_filaments entries (at most
 * AF_GCODE_MAX_FILAMENTS), all absent. peek_filament() returns NULL for an
 * index past the limit.
 */
void                af_gcode_info_ensure_filaments      (AfGcodeInfo  *self,
                                                         guint         n_filaments);
AfFilament         *af_gcode_info_peek_filament         (AfGcodeInfo  *self,
                                                         guint         index);
void                af_gcode_info_set_setting           (AfGcodeInfo  *self,
                                                         const char   *key,
                                                         const char   *value);
/* Both drop what comes past their limit (AF_GCODE_MAX_THUMBNAILS,
 * AF_GCODE_MAX_OBJECTS).
 */
void                af_gcode_info_add_thumbnail         (AfGcodeInfo  *self,
                                                         AfThumbnail  *thumbnail);
void                af_gcode_info_add_object            (AfGcodeInfo  *self,
                                                         const char   *name);

/* A stable, documented JSON rendering (docs/inspect-json.md). */
char               *af_gcode_info_to_json               (AfGcodeInfo  *self,
                                                         gboolean      pretty) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
