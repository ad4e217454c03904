/* af-archive-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <zip.h>

#include "af-archive.h"

G_BEGIN_DECLS

/* Limits for archives we read. A printer-ready file is one G-code under the
 * printers' 1 GB limit plus a few small XML, JSON and PNG entries; anything
 * far beyond that is a mistake or an attack.
 */
#define AF_ARCHIVE_MAX_ENTRIES     4096
#define AF_ARCHIVE_MAX_TOTAL_SIZE  ((guint64) 4 * 1024 * 1024 * 1024)
#define AF_ARCHIVE_MAX_RATIO       200
#define AF_ARCHIVE_RATIO_MIN_SIZE  ((guint64) 1024 * 1024)
/* Metadata entries (XML, JSON, PNG, MD5) are read whole, so they are capped. */
#define AF_ARCHIVE_MAX_META_SIZE   ((gsize) 16 * 1024 * 1024)
/* Plate numbers beyond this are not something a slicer writes. */
#define AF_ARCHIVE_MAX_PLATE       9999

/* The vendor's plate images. */
#define AF_ARCHIVE_THUMBNAIL_SIZE        512
#define AF_ARCHIVE_THUMBNAIL_SMALL_SIZE  128

/* What slice_info.config says about one object, kept for repacking. */
typedef struct
{
  char *identify_id;   /* NULL when the file does not say */
  char *name;
} AfArchiveObject;

gboolean      af_archive_entry_name_is_safe     (const char    *name);
void          af_archive_set_zip_error          (GError       **error,
                                                 const char    *display_name,
                                                 zip_error_t   *zip_error);
char         *af_archive_display_name           (GFile         *file) G_GNUC_WARN_UNUSED_RESULT;
gboolean      af_archive_check_regular_file     (GFile         *file,
                                                 const char    *display_name,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

/* Used by the writer when the source is itself a .gcode.3mf. */
GInputStream *af_archive_open_plate_stream      (AfArchive     *self,
                                                 guint          plate,
                                                 GError       **error) G_GNUC_WARN_UNUSED_RESULT;
guint64       af_archive_get_plate_size         (AfArchive     *self,
                                                 guint          plate);
char         *af_archive_read_plate_md5         (AfArchive     *self,
                                                 guint          plate,
                                                 GError       **error) G_GNUC_WARN_UNUSED_RESULT;
/* Objects of one plate as slice_info.config lists them; NULL-safe, may be empty. */
GPtrArray    *af_archive_get_plate_objects      (AfArchive     *self,
                                                 guint          plate) G_GNUC_WARN_UNUSED_RESULT;
void          af_archive_object_free            (gpointer       data);

/* Maps a printer model name ("Bambu Lab P1S"), a settings id ("Bambu Lab P1S
 * 0.4 nozzle") or a model id ("C12") to the vendor's model id, or NULL.
 */
const char   *af_archive_lookup_model_id        (const char    *model);

G_END_DECLS
