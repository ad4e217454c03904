/* af-thumbnail.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-thumbnail"

#include "config.h"

#include <string.h>
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

static guint16
read_be16 (const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

/* The signature, then the IHDR chunk: length, "IHDR", width, height. */
static gboolean
read_png_size (const guint8 *data,
               gsize         size,
               guint        *width,
               guint        *height)
{
  if (size < 24 || memcmp (data, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;

  *width = read_be32 (data + 16);
  *height = read_be32 (data + 20);
  return TRUE;
}

/* SOFn markers (0xC0–0xCF but DHT 0xC4, JPG 0xC8, DAC 0xCC) carry the
 * frame's size: segment length, precision, height, width.
 */
static gboolean
is_sof_marker (guint8 marker)
{
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

/* Walks the marker segments from SOI to the first frame header. Markers
 * without a length (RSTn, TEM) are stepped over; the scan data (SOS) or
 * the end (EOI) before a frame header means there is none.
 */
static gboolean
read_jpeg_size (const guint8 *data,
                gsize         size,
                guint        *width,
                guint        *height)
{
  gsize pos = 2;

  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8)
    return FALSE;

  while (pos + 4 <= size)
    {
      guint8 marker;

      if (data[pos] != 0xFF)
        return FALSE;
      while (pos < size && data[pos] == 0xFF)
        pos++;
      if (pos >= size)
        return FALSE;
      marker = data[pos++];
      if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01)
        continue;
      if (marker == 0xD9 || marker == 0xDA || pos + 2 > size)
        return FALSE;
      if (is_sof_marker (marker))
        {
          if (pos + 7 > size)
            return FALSE;
          *height = read_be16 (data + pos + 3);
          *width = read_be16 (data + pos + 5);
          return TRUE;
        }
      pos += read_be16 (data + pos);
    }

  return FALSE;
}

static gboolean
read_qoi_size (const guint8 *data,
               gsize         size,
               guint        *width,
               guint        *height)
{
  if (size < 14 || memcmp (data, "qoif", 4) != 0)
    return FALSE;

  *width = read_be32 (data + 4);
  *height = read_be32 (data + 8);
  return TRUE;
}

gboolean
af_thumbnail_read_size (AfThumbnailFormat  format,
                        GBytes            *data,
                        guint             *width,
                        guint             *height)
{
  gsize size;
  const guint8 *bytes;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (width != NULL && height != NULL, FALSE);

  bytes = g_bytes_get_data (data, &size);
  switch (format)
    {
    case AF_THUMBNAIL_FORMAT_JPG:
      return read_jpeg_size (bytes, size, width, height);
    case AF_THUMBNAIL_FORMAT_QOI:
      return read_qoi_size (bytes, size, width, height);
    case AF_THUMBNAIL_FORMAT_PNG:
    default:
      return read_png_size (bytes, size, width, height);
    }
}

/* Refuses, before any decoder runs, an image whose header cannot be read,
 * does not match its format, or is larger than AF_THUMBNAIL_MAX_SIDE.
 */
static gboolean
check_header (AfThumbnail  *self,
              GError      **error)
{
  guint width = 0, height = 0;

  if (!af_thumbnail_read_size (self->format, self->data, &width, &height) ||
      width == 0 || height == 0)
    {
      g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
                   _("The embedded %s thumbnail is damaged."),
                   af_thumbnail_get_format_name (self));
      return FALSE;
    }
  if (width > AF_THUMBNAIL_MAX_SIDE || height > AF_THUMBNAIL_MAX_SIDE)
    {
      g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
                   _("The embedded thumbnail is %u×%u pixels, larger than the %u×%u this app "
                     "shows."), width, height, AF_THUMBNAIL_MAX_SIDE, AF_THUMBNAIL_MAX_SIDE);
      return FALSE;
    }

  return TRUE;
}

static GdkPixbuf *
decode_qoi (AfThumbnail  *self,
            GError      **error)
{
  qoi_desc desc = { 0 };
  gsize size;
  const guint8 *data = g_bytes_get_data (self->data, &size);
  guint8 *pixels;

  /* qoi_decode() trusts the header's dimensions for its allocation;
   * check_header() has bounded them.
   */
  if (size > G_MAXINT)
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
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  GdkPixbuf *pixbuf;

  /* The loader is told the type check_header() read, so no other of
   * gdk-pixbuf's loaders (TIFF, ICO, …) is ever run on file data.
   */
  loader = gdk_pixbuf_loader_new_with_type (self->format == AF_THUMBNAIL_FORMAT_JPG ? "jpeg"
                                                                                    : "png",
                                            &local_error);
  if (loader == NULL ||
      !gdk_pixbuf_loader_write_bytes (loader, self->data, &local_error) ||
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

  if (!check_header (self, error))
    return NULL;
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
