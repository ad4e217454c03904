/* af-thumbnail.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-thumbnail"

#include "config.h"

#include <glib/gi18n-lib.h>

#define QOI_IMPLEMENTATION
#define QOI_NO_STDIO
#include <qoi.h>

#include "af-gcode-reader.h"
#include "af-thumbnail.h"

struct _AfThumbnail
{
  GObject            parent_instance;

  AfThumbnailFormat  format;
  guint              width;
  guint              height;
  GBytes            *data;
};

/* No slicer embeds anything near this; a header that says more is lying. */
#define AF_THUMBNAIL_MAX_SIDE 4096

G_DEFINE_FINAL_TYPE (AfThumbnail, af_thumbnail, G_TYPE_OBJECT)

static void
af_thumbnail_finalize (GObject *object)
{
  AfThumbnail *self = (AfThumbnail *)object;

  g_clear_pointer (&self->data, g_bytes_unref);

  G_OBJECT_CLASS (af_thumbnail_parent_class)->finalize (object);
}

static void
af_thumbnail_class_init (AfThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = af_thumbnail_finalize;
}

static void
af_thumbnail_init (AfThumbnail *self)
{
}

AfThumbnail *
af_thumbnail_new (AfThumbnailFormat  format,
                  guint              width,
                  guint              height,
                  GBytes            *data)
{
  AfThumbnail *self;

  g_return_val_if_fail (data != NULL, NULL);

  self = g_object_new (AF_TYPE_THUMBNAIL, NULL);
  self->format = format;
  self->width = width;
  self->height = height;
  self->data = g_bytes_ref (data);

  return self;
}

AfThumbnailFormat
af_thumbnail_get_format (AfThumbnail *self)
{
  g_return_val_if_fail (AF_IS_THUMBNAIL (self), AF_THUMBNAIL_FORMAT_PNG);

  return self->format;
}

const char *
af_thumbnail_get_format_name (AfThumbnail *self)
{
  g_return_val_if_fail (AF_IS_THUMBNAIL (self), NULL);

  switch (self->format)
    {
    case AF_THUMBNAIL_FORMAT_JPG:
      return "JPG";
    case AF_THUMBNAIL_FORMAT_QOI:
      return "QOI";
    case AF_THUMBNAIL_FORMAT_PNG:
    default:
      return "PNG";
    }
}

guint
af_thumbnail_get_width (AfThumbnail *self)
{
  g_return_val_if_fail (AF_IS_THUMBNAIL (self), 0);

  return self->width;
}

guint
af_thumbnail_get_height (AfThumbnail *self)
{
  g_return_val_if_fail (AF_IS_THUMBNAIL (self), 0);

  return self->height;
}

GBytes *
af_thumbnail_get_data (AfThumbnail *self)
{
  g_return_val_if_fail (AF_IS_THUMBNAIL (self), NULL);

  return self->data;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static GdkPixbuf *
decode_qoi (AfThumbnail  *self,
            GError      **error)
{
  qoi_desc desc = { 0 };
  gsize size;
  const guint8 *data = g_bytes_get_data (self->data, &size);
  guint8 *pixels;

  /* qoi_decode() trusts the header's dimensions for its allocation, so a
   * lying header must be refused before it is asked to decode.
   */
  if (size < 14 || size > G_MAXINT)
    goto corrupt;
  if (read_be32 (data + 4) > AF_THUMBNAIL_MAX_SIDE || read_be32 (data + 8) > AF_THUMBNAIL_MAX_SIDE)
    goto corrupt;

  pixels = qoi_decode (data, (int)size, &desc, 4);
  if (pixels == NULL)
    goto corrupt;

  return gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, TRUE, 8,
                                   desc.width, desc.height, desc.width * 4,
                                   (GdkPixbufDestroyNotify)(void (*)(void))free, NULL);

corrupt:
  g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
               _("The embedded QOI thumbnail is damaged."));
  return NULL;
}

static GdkPixbuf *
decode_with_pixbuf (AfThumbnail  *self,
                    GError      **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) local_error = NULL;
  GdkPixbuf *pixbuf;

  if (!gdk_pixbuf_loader_write_bytes (loader, self->data, &local_error) ||
      !gdk_pixbuf_loader_close (loader, &local_error) ||
      (pixbuf = gdk_pixbuf_loader_get_pixbuf (loader)) == NULL)
    {
      g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
                   _("The embedded %s thumbnail is damaged."),
                   af_thumbnail_get_format_name (self));
      return NULL;
    }

  return g_object_ref (pixbuf);
}

/**
 * af_thumbnail_decode:
 *
 * Decodes the image into pixels. QOI is decoded here (gdk-pixbuf has no
 * QOI loader); PNG and JPG go through gdk-pixbuf.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 */
GdkPixbuf *
af_thumbnail_decode (AfThumbnail  *self,
                     GError      **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  g_return_val_if_fail (AF_IS_THUMBNAIL (self), NULL);

  if (self->format == AF_THUMBNAIL_FORMAT_QOI)
    pixbuf = decode_qoi (self, error);
  else
    pixbuf = decode_with_pixbuf (self, error);

  if (pixbuf == NULL)
    return NULL;

  if ((self->width != 0 && (guint)gdk_pixbuf_get_width (pixbuf) != self->width) ||
      (self->height != 0 && (guint)gdk_pixbuf_get_height (pixbuf) != self->height))
    {
      g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
                   _("A thumbnail claims to be %u×%u pixels but is %d×%d."),
                   self->width, self->height,
                   gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf));
      return NULL;
    }

  return g_steal_pointer (&pixbuf);
}
