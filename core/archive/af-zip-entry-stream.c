/* af-zip-entry-stream.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-archive-private.h"
#include "af-zip-entry-stream.h"

struct _AfZipEntryStream
{
  GInputStream  parent_instance;

  GObject      *owner;
  zip_file_t   *file;
  char         *display_name;
  guint64       declared_size;
  guint64       position;
};

G_DEFINE_FINAL_TYPE (AfZipEntryStream, af_zip_entry_stream, G_TYPE_INPUT_STREAM)

static void
close_file (AfZipEntryStream *self)
{
  g_clear_pointer (&self->file, zip_fclose);
}

static gssize
af_zip_entry_stream_read (GInputStream  *stream,
                          void          *buffer,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  AfZipEntryStream *self = AF_ZIP_ENTRY_STREAM (stream);
  guint64 remaining = self->declared_size - self->position;
  zip_int64_t n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  /* Asking for one byte more than the entry may still hold is how an entry
   * that inflates past its declared size gets caught: the header lied.
   */
  n = zip_fread (self->file, buffer, MIN ((guint64)count, remaining + 1));
  if (n < 0)
    {
      af_archive_set_zip_error (error, self->display_name, zip_file_get_error (self->file));
      return -1;
    }
  if ((guint64)n > remaining)
    {
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE,
                   _("“%s” holds more data than it declares, as a zip bomb would. "
                     "It was not opened; get the file again from its source."),
                   self->display_name);
      return -1;
    }
  if (n == 0 && self->position < self->declared_size)
    {
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_CORRUPT,
                   _("“%s” is damaged: an entry ends early. Export or download it again."),
                   self->display_name);
      return -1;
    }

  self->position += (guint64)n;
  return (gssize)n;
}

static gboolean
af_zip_entry_stream_close (GInputStream  *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  close_file (AF_ZIP_ENTRY_STREAM (stream));
  return TRUE;
}

static void
af_zip_entry_stream_finalize (GObject *object)
{
  AfZipEntryStream *self = (AfZipEntryStream *)object;

  /* The file must be closed before the archive that owns it goes away. */
  close_file (self);
  g_clear_object (&self->owner);
  g_clear_pointer (&self->display_name, g_free);

  G_OBJECT_CLASS (af_zip_entry_stream_parent_class)->finalize (object);
}

static void
af_zip_entry_stream_class_init (AfZipEntryStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = af_zip_entry_stream_finalize;
  stream_class->read_fn = af_zip_entry_stream_read;
  stream_class->close_fn = af_zip_entry_stream_close;
}

static void
af_zip_entry_stream_init (AfZipEntryStream *self)
{
}

GInputStream *
af_zip_entry_stream_new (GObject       *owner,
                         zip_t         *zip,
                         zip_uint64_t   index,
                         guint64        max_size,
                         const char    *display_name,
                         GError       **error)
{
  g_autoptr(AfZipEntryStream) self = NULL;
  zip_stat_t st;

  g_return_val_if_fail (G_IS_OBJECT (owner), NULL);
  g_return_val_if_fail (zip != NULL, NULL);

  zip_stat_init (&st);
  if (zip_stat_index (zip, index, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE))
    {
      af_archive_set_zip_error (error, display_name, zip_get_error (zip));
      return NULL;
    }
  if (st.size > max_size)
    {
      g_autofree char *size = g_format_size (st.size);

      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE,
                   _("“%s” holds an entry of %s, more than a print file can need. "
                     "It was not opened."),
                   display_name, size);
      return NULL;
    }

  self = g_object_new (AF_TYPE_ZIP_ENTRY_STREAM, NULL);
  self->file = zip_fopen_index (zip, index, 0);
  if (self->file == NULL)
    {
      af_archive_set_zip_error (error, display_name, zip_get_error (zip));
      return NULL;
    }
  self->owner = g_object_ref (owner);
  self->display_name = g_strdup (display_name);
  self->declared_size = st.size;

  return G_INPUT_STREAM (g_steal_pointer (&self));
}
