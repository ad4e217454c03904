/* af-archive-common.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-archive-private.h"

G_DEFINE_QUARK (af-archive-error-quark, af_archive_error)

/* Model ids as the vendor's own printer profiles give them
 * (resources/profiles/BBL/machine/<model>.json, "model_id"). Only models whose
 * id was checked there or in a real archive are listed: a wrong id is worse
 * than an empty one, so unknown printers get none.
 */
static const struct
{
  const char *name;
  const char *id;
} model_ids[] = {
  { "Bambu Lab X1 Carbon", "BL-P001" },
  { "Bambu Lab P1P", "C11" },
  { "Bambu Lab P1S", "C12" },
  { "Bambu Lab A1 mini", "N1" },
  { "Bambu Lab A1", "N2S" },
  { "Bambu Lab P2S", "N7" },
  { "Bambu Lab H2D", "O1D" },
  { "Bambu Lab H2D Pro", "O1E" },
  { "Bambu Lab H2S", "O1S" },
};

/* "0.4 nozzle", the variant suffix of a settings id. */
static gboolean
is_nozzle_variant (const char *text)
{
  const char *p = text;

  while (g_ascii_isdigit (*p) || *p == '.')
    p++;
  return p != text && g_strcmp0 (p, " nozzle") == 0;
}

const char *
af_archive_lookup_model_id (const char *model)
{
  if (model == NULL || *model == '\0')
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (model_ids); i++)
    {
      gsize len = strlen (model_ids[i].name);

      if (strcmp (model, model_ids[i].id) == 0 ||
          g_ascii_strcasecmp (model, model_ids[i].name) == 0)
        return model_ids[i].id;
      if (g_ascii_strncasecmp (model, model_ids[i].name, len) == 0 &&
          model[len] == ' ' && is_nozzle_variant (model + len + 1))
        return model_ids[i].id;
    }

  return NULL;
}

static gboolean
component_is_safe (const char *component,
                   gboolean    is_last)
{
  /* An empty last component is the trailing slash of a directory entry. */
  if (*component == '\0')
    return is_last;
  if (strcmp (component, ".") == 0 || strcmp (component, "..") == 0)
    return FALSE;
  for (const char *p = component; *p != '\0'; p++)
    {
      /* Colons make drive letters and alternate data streams on Windows;
       * control characters make names that lie on a terminal.
       */
      if (*p == ':' || *p == '\\' || (guchar)*p < 0x20 || *p == 0x7f)
        return FALSE;
    }
  return TRUE;
}

/**
 * af_archive_entry_name_is_safe:
 *
 * Whether an entry name stays inside the archive wherever it might be
 * extracted: relative, forward slashes only, no "." or ".." components, no
 * drive letters, valid UTF-8 without control characters.
 */
gboolean
af_archive_entry_name_is_safe (const char *name)
{
  g_auto(GStrv) components = NULL;

  if (name == NULL || *name == '\0' || *name == '/')
    return FALSE;
  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;

  components = g_strsplit (name, "/", -1);
  for (guint i = 0; components[i] != NULL; i++)
    {
      if (!component_is_safe (components[i], components[i + 1] == NULL))
        return FALSE;
    }

  return TRUE;
}

char *
af_archive_display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  if (basename == NULL)
    return g_file_get_parse_name (file);
  return g_filename_display_name (basename);
}

/**
 * af_archive_check_regular_file:
 *
 * Opening a FIFO would block until someone writes to it, and a folder or a
 * device is no print file: only regular files are read.
 */
gboolean
af_archive_check_regular_file (GFile         *file,
                               const char    *display_name,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                            cancellable, &local_error);
  if (info == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                     _("Could not read “%s” (%s). Check that the file still exists "
                       "and that you may read it."),
                     display_name, local_error->message);
      return FALSE;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE,
                   _("“%s” is not a file. Choose a G-code or .gcode.3mf file."),
                   display_name);
      return FALSE;
    }
  return TRUE;
}

static void
set_corrupt (GError     **error,
             const char  *display_name)
{
  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_CORRUPT,
               _("“%s” is damaged. Export or download it again."), display_name);
}

/**
 * af_archive_set_zip_error:
 *
 * Maps a libzip error to our domain, so that no ZIP_ER_* code leaks past the
 * archive code and every message says what the person can do.
 */
void
af_archive_set_zip_error (GError      **error,
                          const char   *display_name,
                          zip_error_t  *zip_error)
{
  int code = zip_error != NULL ? zip_error_code_zip (zip_error) : ZIP_ER_INTERNAL;

  switch (code)
    {
    case ZIP_ER_NOZIP:
    case ZIP_ER_MULTIDISK:
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE,
                   _("“%s” is not a .gcode.3mf print file. Export the plate from your slicer "
                     "as a sliced file, or open the .gcode itself."),
                   display_name);
      break;
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD:
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_CORRUPT,
                   _("“%s” is encrypted, which print files never are. "
                     "Export the plate from your slicer again."),
                   display_name);
      break;
    case ZIP_ER_CRC:
    case ZIP_ER_INCONS:
    case ZIP_ER_COMPRESSED_DATA:
    case ZIP_ER_ZLIB:
    case ZIP_ER_EOF:
    case ZIP_ER_COMPNOTSUPP:
      set_corrupt (error, display_name);
      break;
    case ZIP_ER_CANCELLED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      break;
    case ZIP_ER_WRITE:
    case ZIP_ER_TMPOPEN:
    case ZIP_ER_RENAME:
    case ZIP_ER_CLOSE:
    case ZIP_ER_REMOVE:
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("Could not write “%s” (%s). Check that the folder is writable "
                     "and the disk has room."),
                   display_name, zip_error_strerror (zip_error));
      break;
    default:
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("Could not read “%s” (%s). Check that the file still exists "
                     "and that you may read it."),
                   display_name, zip_error != NULL ? zip_error_strerror (zip_error) : "");
      break;
    }
}

void
af_archive_object_free (gpointer data)
{
  AfArchiveObject *object = data;

  g_free (object->identify_id);
  g_free (object->name);
  g_free (object);
}

gboolean
af_archive_sniff (GFile         *file,
                  gboolean      *is_archive,
                  GCancellable  *cancellable,
                  GError       **error)
{
  static const guchar zip_magic[] = { 'P', 'K', 0x03, 0x04 };
  guchar head[sizeof zip_magic] = { 0 };
  g_autoptr(GFileInputStream) stream = NULL;
  gsize n_read = 0;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (is_archive != NULL, FALSE);

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return FALSE;

  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), head, sizeof head, &n_read,
                                cancellable, error))
    return FALSE;

  *is_archive = n_read == sizeof zip_magic && memcmp (head, zip_magic, sizeof zip_magic) == 0;

  return TRUE;
}
