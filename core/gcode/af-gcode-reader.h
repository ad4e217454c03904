/* af-gcode-reader.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

#define AF_GCODE_ERROR (af_gcode_error_quark ())

typedef enum
{
  AF_GCODE_ERROR_FAILED,
  AF_GCODE_ERROR_NOT_GCODE,      /* empty, binary garbage, an image, a directory */
  AF_GCODE_ERROR_TRUNCATED,      /* a block or thumbnail ends before it should */
  AF_GCODE_ERROR_CORRUPT,        /* lying length, bad base64, bad checksum */
  AF_GCODE_ERROR_UNSUPPORTED,    /* a valid file using something we cannot decode */
  AF_GCODE_ERROR_TOO_LARGE,      /* over the printers' 1 GB limit (packing only) */
} AfGcodeError;

/* Metadata lives in the first and last window of a file; nothing else is read. */
#define AF_GCODE_WINDOW_SIZE (1024 * 1024)

/* The printers refuse files over 1 GB. */
#define AF_GCODE_MAX_FILE_SIZE ((goffset) 1024 * 1024 * 1024)

GQuark        af_gcode_error_quark      (void);

/* Reads a .gcode or .bgcode file's metadata and thumbnails. */
AfGcodeInfo  *af_gcode_read_file        (GFile               *file,
                                         GCancellable        *cancellable,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* Parses G-code text held in memory, e.g. a plate's G-code inside an archive. */
AfGcodeInfo  *af_gcode_read_bytes       (GBytes              *head,
                                         GBytes              *tail,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void          af_gcode_read_file_async  (GFile               *file,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
AfGcodeInfo  *af_gcode_read_file_finish (GAsyncResult        *result,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;

/* Opens the G-code as ASCII text for streaming: a plain file as it is, a
 * binary .bgcode decoded block by block. Never holds the whole file.
 */
GInputStream *af_gcode_open_text_stream (GFile               *file,
                                         GCancellable        *cancellable,
                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parses "1d 2h 3m 4s", "2h 3m", "4.5s", "26s" into seconds. FALSE if not a duration. */
gboolean      af_gcode_parse_duration   (const char          *text,
                                         gint64              *seconds);

G_END_DECLS
