/* af-archive.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

#define AF_ARCHIVE_ERROR (af_archive_error_quark ())

typedef enum
{
  AF_ARCHIVE_ERROR_FAILED,
  AF_ARCHIVE_ERROR_NOT_ARCHIVE,   /* not a zip / not a 3MF */
  AF_ARCHIVE_ERROR_UNSAFE_ENTRY,  /* "..", absolute paths, odd names */
  AF_ARCHIVE_ERROR_TOO_LARGE,     /* absurd declared sizes or ratios, or over 1 GB */
  AF_ARCHIVE_ERROR_NOT_SLICED,    /* a 3MF project with meshes but no G-code */
  AF_ARCHIVE_ERROR_NO_SUCH_PLATE,
  AF_ARCHIVE_ERROR_MD5_MISMATCH,
  AF_ARCHIVE_ERROR_CORRUPT,
} AfArchiveError;

GQuark af_archive_error_quark (void);

/* Tells a zip archive (a .gcode.3mf) from G-code by its first bytes, not by
 * its name: files get renamed, and browsers append ".txt".
 */
gboolean af_archive_sniff (GFile         *file,
                           gboolean      *is_archive,
                           GCancellable  *cancellable,
                           GError       **error);

/* Writing: the printer-ready .gcode.3mf the vendor's slicer writes. */

typedef void (*AfProgressFunc) (guint64  done,
                                guint64  total,
                                gpointer user_data);

/* Packs a .gcode or .bgcode (or one plate of a .gcode.3mf) into dest as
 * Metadata/plate_<plate>.gcode. The write is atomic: a temporary file beside
 * dest is renamed into place, and on any error nothing is left behind.
 * Progress may be called from the calling thread; pass NULL for none.
 */
gboolean     af_archive_pack          (GFile               *source,
                                       guint                plate,
                                       GFile               *dest,
                                       AfProgressFunc       progress,
                                       gpointer             progress_data,
                                       GCancellable        *cancellable,
                                       GError             **error);
void         af_archive_pack_async    (GFile               *source,
                                       guint                plate,
                                       GFile               *dest,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean     af_archive_pack_finish   (GAsyncResult        *result,
                                       GError             **error);

/* The default output for a source: "<dir>/<stem>.gcode.3mf". */
GFile       *af_archive_default_dest  (GFile               *source) G_GNUC_WARN_UNUSED_RESULT;

/* Reading existing .gcode.3mf archives made by slicers. */

#define AF_TYPE_ARCHIVE (af_archive_get_type ())

G_DECLARE_FINAL_TYPE (AfArchive, af_archive, AF, ARCHIVE, GObject)

AfArchive   *af_archive_open          (GFile               *file,
                                       GCancellable        *cancellable,
                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* Plate numbers as the archive names them (1-based), ascending. */
const guint *af_archive_get_plates    (AfArchive           *self,
                                       guint               *n_plates);
/* Metadata for one plate: slice_info, the G-code header, the plate PNGs. */
AfGcodeInfo *af_archive_get_plate_info (AfArchive          *self,
                                       guint                plate,
                                       GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* Recomputes the plate G-code's MD5 and compares it with plate_N.gcode.md5. */
gboolean     af_archive_verify_plate  (AfArchive           *self,
                                       guint                plate,
                                       GCancellable        *cancellable,
                                       GError             **error);
/* Streams one plate's G-code to out. */
gboolean     af_archive_extract_plate (AfArchive           *self,
                                       guint                plate,
                                       GOutputStream       *out,
                                       GCancellable        *cancellable,
                                       GError             **error);
/* The vendor's printer model id slice_info.config gives for a plate ("C12"
 * for a P1S), or NULL when the archive leaves it empty.
 */
const char  *af_archive_get_printer_model_id (AfArchive      *self,
                                              guint           plate);
/* Every entry name, in archive order. */
const char * const *af_archive_get_entries (AfArchive      *self);

G_END_DECLS
