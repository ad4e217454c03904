/* af-sliced-file.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

#define AF_TYPE_SLICED_FILE (af_sliced_file_get_type ())

G_DECLARE_FINAL_TYPE (AfSlicedFile, af_sliced_file, AF, SLICED_FILE, GObject)

/* Reads a .gcode, .bgcode or one plate of a .gcode.3mf, told apart by their
 * content, and decodes the best thumbnail: the one way the window and the
 * command line open a sliced file. plate picks an archive's plate (0: its
 * first; a plate it lacks is an AF_ARCHIVE_ERROR); a G-code file has none
 * and ignores it. Blocks: for the command line and worker threads.
 */
AfSlicedFile *af_sliced_file_load          (GFile               *file,
                                            guint                plate,
                                            GCancellable        *cancellable,
                                            GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same for an archive's first plate, in a worker thread. */
void          af_sliced_file_load_async    (GFile               *file,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
AfSlicedFile *af_sliced_file_load_finish   (GAsyncResult        *result,
                                            GError             **error) G_GNUC_WARN_UNUSED_RESULT;

GFile        *af_sliced_file_get_file      (AfSlicedFile        *self);
AfGcodeInfo  *af_sliced_file_get_info      (AfSlicedFile        *self);
/* The decoded best thumbnail, or NULL when the file has none or it is unreadable. */
GdkPixbuf    *af_sliced_file_get_thumbnail (AfSlicedFile        *self);
/* The plate shown for an archive (1-based), or 0 for a plain G-code file. */
guint         af_sliced_file_get_plate     (AfSlicedFile        *self);

G_END_DECLS
