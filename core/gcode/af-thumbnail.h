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
GdkPixbuf         *af_thumbnail_decode      (AfThumbnail        *self,
                                             GError            **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
