/* af-preview.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* A top-down drawing of the first layers' extrusion moves, for G-code that
 * embeds no thumbnail. Fed the G-code text chunk by chunk; it stops wanting
 * more after a few layers or a few megabytes, whichever comes first.
 */
typedef struct _AfPreview AfPreview;

AfPreview  *af_preview_new            (void) G_GNUC_WARN_UNUSED_RESULT;
void        af_preview_free           (AfPreview     *self);
/* Returns FALSE once the preview has seen enough; later chunks are ignored. */
gboolean    af_preview_feed           (AfPreview     *self,
                                       const char    *data,
                                       gsize          length);
/* The extrusion moves' bounding box in bed millimetres: xmin, ymin, xmax, ymax. */
gboolean    af_preview_get_bounds     (AfPreview     *self,
                                       double         bounds[4]);
/* A size×size RGBA image, or NULL when the G-code extruded nothing. */
GdkPixbuf  *af_preview_render         (AfPreview     *self,
                                       guint          size,
                                       guint32        rgb) G_GNUC_WARN_UNUSED_RESULT;
GdkPixbuf  *af_preview_render_stream  (GInputStream  *stream,
                                       guint          size,
                                       guint32        rgb,
                                       GCancellable  *cancellable,
                                       GError       **error) G_GNUC_WARN_UNUSED_RESULT;

/* Scales src to fit a transparent size×size square, keeping its aspect. */
GdkPixbuf  *af_preview_letterbox      (GdkPixbuf     *src,
                                       guint          size) G_GNUC_WARN_UNUSED_RESULT;
GBytes     *af_preview_encode_png     (GdkPixbuf     *pixbuf,
                                       GError       **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfPreview, af_preview_free)

G_END_DECLS
