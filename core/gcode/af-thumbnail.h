/* af-thumbnail.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

typedef enum
{
  AF_THUMBNAIL_FORMAT_PNG,
  AF_THUMBNAIL_FORMAT_JPG,
  AF_THUMBNAIL_FORMAT_QOI,
} AfThumbnailFormat;

/* The largest thumbnail side decoded, in pixels (docs/inspect-json.md,
 * "Limits"). Slicers embed at most about 1000 pixels a side; 4096² RGBA is
 * 64 MiB of pixels. The dimensions are read from the image's own header
 * (PNG IHDR, JPEG SOF, QOI header) and a larger image is refused before
 * the decoder allocates anything.
 */
#define AF_THUMBNAIL_MAX_SIDE 4096

#define AF_TYPE_THUMBNAIL (af_thumbnail_get_type ())

G_DECLARE_FINAL_TYPE (AfThumbnail, af_thumbnail, AF, THUMBNAIL, GObject)

/* Takes the encoded image bytes exactly as the slicer embedded them. The
 * width and height are those the slicer declared; af_thumbnail_decode()
 * checks them against the real image.
 */
AfThumbnail       *af_thumbnail_new         (AfThumbnailFormat   format,
                                             guint               width,
                                             guint               height,
                                             GBytes             *data) G_GNUC_WARN_UNUSED_RESULT;
AfThumbnailFormat  af_thumbnail_get_format  (AfThumbnail        *self);
const char        *af_thumbnail_get_format_name (AfThumbnail    *self);
guint              af_thumbnail_get_width   (AfThumbnail        *self);
guint              af_thumbnail_get_height  (AfThumbnail        *self);
GBytes            *af_thumbnail_get_data    (AfThumbnail        *self);
/* Reads the image's dimensions from its header without decoding it; FALSE
 * when @data does not start like an image of @format.
 */
gboolean           af_thumbnail_read_size   (AfThumbnailFormat   format,
                                             GBytes             *data,
                                             guint              *width,
                                             guint              *height);
GdkPixbuf         *af_thumbnail_decode      (AfThumbnail        *self,
                                             GError            **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
