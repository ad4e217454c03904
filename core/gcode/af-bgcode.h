/* af-bgcode.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Private to core/gcode: the binary G-code (.bgcode) container, written
 * from the format's public description (prusa3d/libbgcode
 * doc/specifications.md), not from any implementation of it.
 */

#pragma once

#include <gio/gio.h>

#include "af-thumbnail.h"

G_BEGIN_DECLS

#define AF_BGCODE_MAGIC       "GCDE"
#define AF_BGCODE_HEADER_SIZE 10

/* Limits, checked from the block headers before anything is allocated or
 * inflated (docs/inspect-json.md, "Limits"). PrusaSlicer writes G-code
 * blocks of 64 KiB and metadata blocks of a few KiB; the limits leave a
 * wide margin and stop a small file from asking for gigabytes.
 * - AF_BGCODE_MAX_BLOCK_SIZE: one block's stored and decoded size;
 * - AF_BGCODE_MAX_METADATA_SIZE: all metadata and thumbnail blocks together,
 *   decoded, as the reader keeps them in memory;
 * - AF_BGCODE_MAX_LINE: one MeatPack-decoded G-code line (a stream without
 *   newlines must not grow one line without bound).
 * Thumbnails past AF_GCODE_MAX_THUMBNAILS are skipped unread.
 */
#define AF_BGCODE_MAX_BLOCK_SIZE    (8 * 1024 * 1024)
#define AF_BGCODE_MAX_METADATA_SIZE (32 * 1024 * 1024)
#define AF_BGCODE_MAX_LINE          (64 * 1024)

typedef enum
{
  AF_BGCODE_BLOCK_FILE_METADATA    = 0,
  AF_BGCODE_BLOCK_GCODE            = 1,
  AF_BGCODE_BLOCK_SLICER_METADATA  = 2,
  AF_BGCODE_BLOCK_PRINTER_METADATA = 3,
  AF_BGCODE_BLOCK_PRINT_METADATA   = 4,
  AF_BGCODE_BLOCK_THUMBNAIL        = 5,
} AfBgcodeBlockType;

/* Called for each "key=value" line of a metadata block, in file order. */
typedef void (*AfBgcodeMetadataFunc)  (AfBgcodeBlockType  block_type,
                                       const char        *key,
                                       const char        *value,
                                       gpointer           user_data);
/* Called for each thumbnail block; the callee takes its own reference. */
typedef void (*AfBgcodeThumbnailFunc) (AfThumbnail       *thumbnail,
                                       gpointer           user_data);

gboolean      af_bgcode_has_magic        (const guint8           *data,
                                          gsize                   size);

/* Walks the blocks of the .bgcode in @stream (positioned anywhere; it is
 * sought to the start) whose total size is @size. Metadata and thumbnail
 * payloads are read and checked; G-code payloads are skipped with seeks.
 * With @stop_at_gcode the walk ends at the first G-code block, which is
 * how a window of a larger file is read: the format puts every metadata
 * block before the G-code.
 */
gboolean      af_bgcode_read_metadata    (GInputStream           *stream,
                                          goffset                 size,
                                          gboolean                stop_at_gcode,
                                          AfBgcodeMetadataFunc    metadata_func,
                                          AfBgcodeThumbnailFunc   thumbnail_func,
                                          gpointer                user_data,
                                          GCancellable           *cancellable,
                                          GError                **error);

/* A stream of the ASCII G-code held in the G-code blocks of the .bgcode in
 * @base, decoded one block at a time. @base must be positioned at the start
 * of the file; the new stream takes a reference and closes it when closed.
 */
GInputStream *af_bgcode_text_stream_new  (GInputStream           *base) G_GNUC_WARN_UNUSED_RESULT;

/* The decoders, exposed for tests and the fuzz target. Each fails (FALSE)
 * unless the input decodes to exactly @out_size bytes.
 */
gboolean      af_bgcode_heatshrink_decode (const guint8          *in,
                                           gsize                  in_size,
                                           guint                  window_bits,
                                           guint                  lookahead_bits,
                                           guint8                *out,
                                           gsize                  out_size);

G_END_DECLS
