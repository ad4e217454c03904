/* af-sliced-file.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-sliced-file"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-archive.h"
#include "af-gcode-reader.h"
#include "af-sliced-file.h"

struct _AfSlicedFile
{
  GObject      parent_instance;

  GFile       *file;
  AfGcodeInfo *info;
  GdkPixbuf   *thumbnail;
  guint        plate;
};

G_DEFINE_FINAL_TYPE (AfSlicedFile, af_sliced_file, G_TYPE_OBJECT)

static void
af_sliced_file_finalize (GObject *object)
{
  AfSlicedFile *self = (AfSlicedFile *)object;

  g_clear_object (&self->file);
  g_clear_object (&self->info);
  g_clear_object (&self->thumbnail);

  G_OBJECT_CLASS (af_sliced_file_parent_class)->finalize (object);
}

static void
af_sliced_file_class_init (AfSlicedFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = af_sliced_file_finalize;
}

static void
af_sliced_file_init (AfSlicedFile *self)
{
}

/* plate 0 takes the archive's first plate. */
static AfGcodeInfo *
read_plate (GFile         *file,
            GCancellable  *cancellable,
            guint         *plate,
            GError       **error)
{
  g_autoptr(AfArchive) archive = NULL;
  const guint *plates;
  guint n_plates = 0;

  g_assert (G_IS_FILE (file));

  archive = af_archive_open (file, cancellable, error);
  if (archive == NULL)
    return NULL;

  plates = af_archive_get_plates (archive, &n_plates);
  if (*plate == 0 && n_plates == 0)
    {
      g_set_error_literal (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_SLICED,
                           _("This 3MF file has no sliced plate. Slice it in your slicer and "
                             "export the plate as G-code or as a printer-ready 3MF."));
      return NULL;
    }
  if (*plate == 0)
    *plate = plates[0];

  return af_archive_get_plate_info (archive, *plate, error);
}

/* The view draws the thumbnail at most this many pixels a side (twice its
 * card on a HiDPI screen); a larger image is kept as a scaled copy, so a
 * 4096² thumbnail costs 1 MiB for as long as the file is open, not 64.
 */
#define KEPT_THUMBNAIL_SIDE 512

static GdkPixbuf *
scale_for_view (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  double scale = (double)KEPT_THUMBNAIL_SIDE / MAX (width, height);

  if (scale >= 1)
    return g_object_ref (pixbuf);

  return gdk_pixbuf_scale_simple (pixbuf, MAX (1, (int)(width * scale + 0.5)),
                                  MAX (1, (int)(height * scale + 0.5)), GDK_INTERP_BILINEAR);
}

/* A thumbnail that does not decode is not worth refusing the file for: the
 * print time and filament still matter, so the view shows its placeholder.
 */
static GdkPixbuf *
decode_best_thumbnail (AfGcodeInfo *info)
{
  AfThumbnail *best = af_gcode_info_get_best_thumbnail (info);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  if (best == NULL)
    return NULL;

  pixbuf = af_thumbnail_decode (best, &error);
  if (pixbuf == NULL)
    {
      g_debug ("Ignoring an unreadable thumbnail: %s", error->message);
      return NULL;
    }

  return scale_for_view (pixbuf);
}

AfSlicedFile *
af_sliced_file_load (GFile         *file,
                     guint          plate,
                     GCancellable  *cancellable,
                     GError       **error)
{
  AfSlicedFile *self;
  g_autoptr(AfGcodeInfo) info = NULL;
  gboolean is_zip = FALSE;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  if (!af_archive_sniff (file, &is_zip, cancellable, error))
    return NULL;

  if (is_zip)
    info = read_plate (file, cancellable, &plate, error);
  else
    info = af_gcode_read_file (file, cancellable, error);
  if (info == NULL)
    return NULL;

  self = g_object_new (AF_TYPE_SLICED_FILE, NULL);
  self->file = g_object_ref (file);
  self->thumbnail = decode_best_thumbnail (info);
  self->info = g_steal_pointer (&info);
  self->plate = is_zip ? plate : 0;

  return self;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  GError *error = NULL;
  AfSlicedFile *self = af_sliced_file_load (file, 0, cancellable, &error);

  if (self == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, self, g_object_unref);
}

void
af_sliced_file_load_async (GFile               *file,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_sliced_file_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

AfSlicedFile *
af_sliced_file_load_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_sliced_file_load_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GFile *
af_sliced_file_get_file (AfSlicedFile *self)
{
  g_return_val_if_fail (AF_IS_SLICED_FILE (self), NULL);

  return self->file;
}

AfGcodeInfo *
af_sliced_file_get_info (AfSlicedFile *self)
{
  g_return_val_if_fail (AF_IS_SLICED_FILE (self), NULL);

  return self->info;
}

GdkPixbuf *
af_sliced_file_get_thumbnail (AfSlicedFile *self)
{
  g_return_val_if_fail (AF_IS_SLICED_FILE (self), NULL);

  return self->thumbnail;
}

guint
af_sliced_file_get_plate (AfSlicedFile *self)
{
  g_return_val_if_fail (AF_IS_SLICED_FILE (self), 0);

  return self->plate;
}
