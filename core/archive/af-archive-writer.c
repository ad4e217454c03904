/* af-archive-writer.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "af-archive-entries.h"
#include "af-archive-private.h"
#include "af-gcode-reader.h"
#include "af-preview.h"

/*
 * Packing streams the G-code twice and never holds it whole:
 *
 *  1. A first pass reads the G-code text (a .bgcode is decoded by
 *     af_gcode_open_text_stream(), a .gcode.3mf plate by its entry stream),
 *     computing its MD5 and size, and feeding the preview when the file
 *     embeds no thumbnail.
 *  2. zip_close() then writes every entry in the vendor's order. Since the
 *     MD5 is known by then, plate_N.gcode.md5 is a plain buffer written
 *     before plate_N.gcode, as the vendor does. The G-code entry is a
 *     zip_source_function() that streams the text again in chunks,
 *     recomputing the MD5; if the second pass disagrees with the first (the
 *     file changed meanwhile) the write fails rather than ship a lying MD5.
 *
 * Two passes cost a second read but keep the entry order, the zip headers
 * and the code simple; libzip 1.7.3 offers nothing to splice a finished
 * entry in afterwards.
 *
 * The archive is deterministic: fixed entry order, one fixed timestamp on
 * every entry, no names or dates that depend on the run. It is written to a
 * hidden temporary file beside the destination and renamed into place; on
 * any error or cancellation the temporary file is removed and the
 * destination is untouched.
 */

#define CHUNK_SIZE (64 * 1024)
#define DEFAULT_PREVIEW_RGB 0x3584e4
/* zlib's default, as the vendor uses; libzip would pick 9, which is much
 * slower on a large G-code for a few percent.
 */
#define DEFLATE_LEVEL 6

typedef struct
{
  GFile           *source;
  GFile           *dest;
  guint            plate;          /* in the output */
  guint            source_plate;   /* in a .gcode.3mf source */
  AfProgressFunc   progress;
  gpointer         progress_data;
  GCancellable    *cancellable;
  char            *display_name;   /* of the source */

  AfArchive       *archive;        /* set when the source is a .gcode.3mf */
  AfGcodeInfo     *info;
  guint64          size_estimate;
  guint64          size;
  char            *md5;
  AfPreview       *preview;
  GdkPixbuf       *thumbnail;
  GBytes          *png;
  GBytes          *png_small;
  GPtrArray       *buffers;        /* GBytes that libzip reads at zip_close() */
  time_t           mtime;

  /* The G-code source while zip_close() reads it. */
  GInputStream    *stream;
  GChecksum       *checksum;
  guint64          streamed;
  zip_error_t      zip_error;
  GError          *error;
} PackJob;

static void
pack_job_free (PackJob *job)
{
  g_clear_object (&job->source);
  g_clear_object (&job->dest);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->display_name, g_free);
  g_clear_object (&job->archive);
  g_clear_object (&job->info);
  g_clear_pointer (&job->md5, g_free);
  g_clear_pointer (&job->preview, af_preview_free);
  g_clear_object (&job->thumbnail);
  g_clear_pointer (&job->png, g_bytes_unref);
  g_clear_pointer (&job->png_small, g_bytes_unref);
  g_clear_pointer (&job->buffers, g_ptr_array_unref);
  g_clear_object (&job->stream);
  g_clear_pointer (&job->checksum, g_checksum_free);
  zip_error_fini (&job->zip_error);
  g_clear_error (&job->error);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PackJob, pack_job_free)

/* 1980-01-01 12:00 local time. libzip stores DOS times converted with
 * localtime(), so a time_t made with mktime() from a fixed local date gives
 * the same bytes in every time zone.
 */
static time_t
fixed_mtime (void)
{
  struct tm tm = { 0 };

  tm.tm_year = 80;
  tm.tm_mday = 1;
  tm.tm_hour = 12;
  tm.tm_isdst = -1;
  return mktime (&tm);
}

static void
report_progress (PackJob *job,
                 guint64  done)
{
  guint64 total = 2 * MAX (job->size_estimate, 1);

  if (job->progress != NULL)
    job->progress (MIN (done, total), total, job->progress_data);
}

static gboolean
set_too_large (PackJob  *job,
               guint64   size,
               GError  **error)
{
  g_autofree char *shown = g_format_size (size);

  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE,
               _("“%s” holds %s of G-code, but printers refuse files over 1 GB. "
                 "Slice it again with fewer objects or coarser settings, or split it over "
                 "several plates."),
               job->display_name, shown);
  return FALSE;
}

static gboolean
source_is_archive (GFile         *source,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GFileInputStream) stream = g_file_read (source, cancellable, error);
  guint8 magic[4] = { 0 };
  gsize n = 0;

  if (stream == NULL)
    return FALSE;
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), magic, sizeof magic, &n,
                                cancellable, error))
    return FALSE;
  return n == sizeof magic && memcmp (magic, "PK\003\004", sizeof magic) == 0;
}

static gboolean
load_archive_source (PackJob  *job,
                     GError  **error)
{
  g_autoptr(GInputStream) probe = NULL;
  guint n_plates;
  const guint *plates;

  job->archive = af_archive_open (job->source, job->cancellable, error);
  if (job->archive == NULL)
    return FALSE;

  plates = af_archive_get_plates (job->archive, &n_plates);
  job->source_plate = job->plate != 0 ? job->plate : plates[0];
  job->plate = job->plate != 0 ? job->plate : 1;

  /* Fails with NO_SUCH_PLATE before anything slow happens. */
  probe = af_archive_open_plate_stream (job->archive, job->source_plate, error);
  if (probe == NULL)
    return FALSE;

  job->size_estimate = af_archive_get_plate_size (job->archive, job->source_plate);
  if (job->size_estimate > (guint64)AF_GCODE_MAX_FILE_SIZE)
    return set_too_large (job, job->size_estimate, error);

  job->info = af_archive_get_plate_info (job->archive, job->source_plate, error);
  return job->info != NULL;
}

static gboolean
load_gcode_source (PackJob  *job,
                   GError  **error)
{
  g_autoptr(GFileInfo) file_info = NULL;

  file_info = g_file_query_info (job->source, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                 G_FILE_QUERY_INFO_NONE, job->cancellable, error);
  if (file_info == NULL)
    return FALSE;

  job->plate = job->plate != 0 ? job->plate : 1;
  job->size_estimate = (guint64)g_file_info_get_size (file_info);
  if (job->size_estimate > (guint64)AF_GCODE_MAX_FILE_SIZE)
    return set_too_large (job, job->size_estimate, error);

  job->info = af_gcode_read_file (job->source, job->cancellable, error);
  return job->info != NULL;
}

static GInputStream *
open_source_text (PackJob  *job,
                  GError  **error)
{
  if (job->archive != NULL)
    return af_archive_open_plate_stream (job->archive, job->source_plate, error);
  return af_gcode_open_text_stream (job->source, job->cancellable, error);
}

/* The embedded thumbnail, decoded. The first pass always feeds the preview
 * too: its first layers give plate_N.json its bounding box, and it is drawn
 * when there is no thumbnail that decodes.
 */
static void
prepare_thumbnail (PackJob *job)
{
  AfThumbnail *best = af_gcode_info_get_best_thumbnail (job->info);
  g_autoptr(GError) local_error = NULL;

  if (best != NULL)
    job->thumbnail = af_thumbnail_decode (best, &local_error);
  if (local_error != NULL)
    g_debug ("%s: thumbnail not used: %s", job->display_name, local_error->message);
  job->preview = af_preview_new ();
}

static gboolean
check_source_md5 (PackJob  *job,
                  GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *expected = NULL;

  if (job->archive == NULL)
    return TRUE;

  expected = af_archive_read_plate_md5 (job->archive, job->source_plate, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (expected == NULL || strcmp (expected, job->md5) == 0)
    return TRUE;

  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_MD5_MISMATCH,
               _("Plate %u of “%s” is damaged: its G-code does not match its MD5 checksum. "
                 "Export or download the file again."),
               job->source_plate, job->display_name);
  return FALSE;
}

/* Pass 1: MD5, size and preview, streaming. */
static gboolean
scan_source (PackJob  *job,
             GError  **error)
{
  g_autoptr(GInputStream) stream = open_source_text (job, error);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree char *buffer = NULL;
  gboolean preview_wants_more = TRUE;
  gssize n;

  if (stream == NULL)
    return FALSE;

  buffer = g_malloc (CHUNK_SIZE);
  job->size = 0;
  while ((n = g_input_stream_read (stream, buffer, CHUNK_SIZE, job->cancellable, error)) > 0)
    {
      g_checksum_update (checksum, (const guchar *)buffer, n);
      job->size += (guint64)n;
      if (job->size > (guint64)AF_GCODE_MAX_FILE_SIZE)
        return set_too_large (job, job->size, error);
      if (preview_wants_more)
        preview_wants_more = af_preview_feed (job->preview, buffer, (gsize)n);
      report_progress (job, MIN (job->size, job->size_estimate));
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return FALSE;
    }
  if (n < 0)
    return FALSE;

  job->md5 = g_ascii_strup (g_checksum_get_string (checksum), -1);
  job->size_estimate = job->size;
  return check_source_md5 (job, error);
}

static guint32
preview_color (AfGcodeInfo *info)
{
  for (guint i = 0; i < af_gcode_info_get_n_filaments (info); i++)
    {
      const char *color = af_gcode_info_get_filament (info, i)->color;
      char *end = NULL;
      guint64 rgb;

      if (color == NULL || color[0] != '#' || strlen (color) != 7)
        continue;
      rgb = g_ascii_strtoull (color + 1, &end, 16);
      if (*end == '\0')
        return (guint32)rgb;
    }
  return DEFAULT_PREVIEW_RGB;
}

static GdkPixbuf *
draw_large_image (PackJob *job)
{
  GdkPixbuf *pixbuf = NULL;

  if (job->thumbnail != NULL)
    return af_preview_letterbox (job->thumbnail, AF_ARCHIVE_THUMBNAIL_SIZE);

  pixbuf = af_preview_render (job->preview, AF_ARCHIVE_THUMBNAIL_SIZE, preview_color (job->info));
  if (pixbuf == NULL)
    {
      /* Nothing extruded that we could see: a transparent image still
       * satisfies readers that expect the entry.
       */
      g_debug ("%s: no extrusion to draw a preview from", job->display_name);
      pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, AF_ARCHIVE_THUMBNAIL_SIZE,
                               AF_ARCHIVE_THUMBNAIL_SIZE);
      gdk_pixbuf_fill (pixbuf, 0);
    }
  return pixbuf;
}

static gboolean
make_images (PackJob  *job,
             GError  **error)
{
  g_autoptr(GdkPixbuf) large = draw_large_image (job);
  g_autoptr(GdkPixbuf) small = af_preview_letterbox (large, AF_ARCHIVE_THUMBNAIL_SMALL_SIZE);

  job->png = af_preview_encode_png (large, error);
  if (job->png == NULL)
    return FALSE;
  job->png_small = af_preview_encode_png (small, error);
  return job->png_small != NULL;
}

/* The G-code entry's data, read at zip_close(): pass 2. */
static gboolean
stream_open (PackJob *job)
{
  g_clear_object (&job->stream);
  g_clear_pointer (&job->checksum, g_checksum_free);
  job->streamed = 0;
  job->stream = open_source_text (job, &job->error);
  job->checksum = g_checksum_new (G_CHECKSUM_MD5);
  return job->stream != NULL;
}

static gboolean
stream_finish (PackJob *job)
{
  g_autofree char *md5 = g_ascii_strup (g_checksum_get_string (job->checksum), -1);

  if (job->streamed == job->size && strcmp (md5, job->md5) == 0)
    return TRUE;

  g_set_error (&job->error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
               _("“%s” changed while it was being packed. Wait until it is complete, "
                 "then try again."),
               job->display_name);
  return FALSE;
}

static zip_int64_t
stream_read (PackJob *job,
             void    *data,
             gsize    length)
{
  gssize n = g_input_stream_read (job->stream, data, MIN (length, CHUNK_SIZE),
                                  job->cancellable, &job->error);

  if (n < 0)
    return -1;
  if (n == 0)
    return stream_finish (job) ? 0 : -1;

  g_checksum_update (job->checksum, data, n);
  job->streamed += (guint64)n;
  if (job->streamed > job->size)
    return stream_finish (job) ? 0 : -1;

  report_progress (job, job->size + job->streamed);
  if (g_cancellable_set_error_if_cancelled (job->cancellable, &job->error))
    return -1;
  return n;
}

static zip_int64_t
gcode_source_cb (void             *user_data,
                 void             *data,
                 zip_uint64_t      length,
                 zip_source_cmd_t  command)
{
  PackJob *job = user_data;
  zip_stat_t *st;
  zip_int64_t result;

  switch ((int)command)
    {
    case ZIP_SOURCE_OPEN:
      result = stream_open (job) ? 0 : -1;
      break;
    case ZIP_SOURCE_READ:
      result = stream_read (job, data, (gsize)MIN (length, G_MAXSSIZE));
      break;
    case ZIP_SOURCE_CLOSE:
      g_clear_object (&job->stream);
      return 0;
    case ZIP_SOURCE_STAT:
      if ((st = ZIP_SOURCE_GET_ARGS (zip_stat_t, data, length, &job->zip_error)) == NULL)
        return -1;
      zip_stat_init (st);
      st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
      st->size = job->size;
      st->mtime = job->mtime;
      return sizeof (*st);
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data (&job->zip_error, data, length);
    case ZIP_SOURCE_FREE:
      return 0;
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap (ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                             ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                             -1);
    default:
      zip_error_set (&job->zip_error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
    }

  /* Our GError says what happened; libzip only needs to know that it failed. */
  if (result < 0)
    zip_error_set (&job->zip_error, ZIP_ER_READ, 0);
  return result;
}

static gboolean
add_entry (PackJob      *job,
           zip_t        *zip,
           const char   *name,
           zip_source_t *source,
           gboolean      store)
{
  zip_int64_t index;

  if (source == NULL)
    return FALSE;

  index = zip_file_add (zip, name, source, 0);
  if (index < 0)
    {
      zip_source_free (source);
      return FALSE;
    }
  return zip_set_file_compression (zip, (zip_uint64_t)index,
                                   store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                   store ? 0 : DEFLATE_LEVEL) == 0 &&
         zip_file_set_mtime (zip, (zip_uint64_t)index, job->mtime, 0) == 0;
}

/* Takes bytes; libzip reads them at zip_close(), so the job keeps them alive. */
static gboolean
add_buffer (PackJob    *job,
            zip_t      *zip,
            const char *name,
            GBytes     *bytes,
            gboolean    store)
{
  gsize length;
  gconstpointer data = g_bytes_get_data (bytes, &length);

  g_ptr_array_add (job->buffers, bytes);
  return add_entry (job, zip, name, zip_source_buffer (zip, data, length, 0), store);
}

static void
fill_plate_meta (PackJob     *job,
                 AfPlateMeta *meta)
{
  meta->plate = job->plate;
  meta->info = job->info;
  meta->md5 = job->md5;
  meta->model_id = af_archive_find_model_id (job->info);
  if (job->archive != NULL)
    {
      const char *id = af_archive_get_printer_model_id (job->archive, job->source_plate);

      if (id != NULL)
        meta->model_id = id;
      meta->objects = af_archive_get_plate_objects (job->archive, job->source_plate);
    }
  meta->have_bounds = af_preview_get_bounds (job->preview, meta->bounds);
}

/* Every entry in the order the vendor's slicer writes them (§5.1). */
static gboolean
add_entries (PackJob *job,
             zip_t   *zip)
{
  AfPlateMeta meta = { 0 };
  guint n = job->plate;
  g_autofree char *png = g_strdup_printf ("Metadata/plate_%u.png", n);
  g_autofree char *png_small = g_strdup_printf ("Metadata/plate_%u_small.png", n);
  g_autofree char *json = g_strdup_printf ("Metadata/plate_%u.json", n);
  g_autofree char *md5 = g_strdup_printf ("Metadata/plate_%u.gcode.md5", n);
  g_autofree char *gcode = g_strdup_printf ("Metadata/plate_%u.gcode", n);
  gboolean ok;

  fill_plate_meta (job, &meta);
  ok = add_buffer (job, zip, "[Content_Types].xml", af_archive_build_content_types (), FALSE) &&
       add_buffer (job, zip, png, g_bytes_ref (job->png), TRUE) &&
       add_buffer (job, zip, png_small, g_bytes_ref (job->png_small), TRUE) &&
       add_buffer (job, zip, json, af_archive_build_plate_json (&meta), FALSE) &&
       add_buffer (job, zip, "3D/3dmodel.model", af_archive_build_model (), FALSE) &&
       add_buffer (job, zip, "Metadata/project_settings.config",
                   af_archive_build_project_settings (job->info), FALSE) &&
       add_buffer (job, zip, md5, g_bytes_new (job->md5, strlen (job->md5)), FALSE) &&
       add_entry (job, zip, gcode, zip_source_function (zip, gcode_source_cb, job), FALSE) &&
       add_buffer (job, zip, "Metadata/_rels/model_settings.config.rels",
                   af_archive_build_model_settings_rels (n), FALSE) &&
       add_buffer (job, zip, "Metadata/model_settings.config",
                   af_archive_build_model_settings (&meta), FALSE) &&
       add_buffer (job, zip, "Metadata/slice_info.config",
                   af_archive_build_slice_info (&meta), FALSE) &&
       add_buffer (job, zip, "_rels/.rels", af_archive_build_rels (n), FALSE);

  g_clear_pointer (&meta.objects, g_ptr_array_unref);
  return ok;
}

static char *
create_temp_file (GFile   *dest,
                  GError **error)
{
  g_autofree char *path = g_file_get_path (dest);
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *template = NULL;
  int fd;

  if (path == NULL)
    {
      g_autofree char *shown = g_file_get_parse_name (dest);

      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("Cannot write “%s”: choose a folder on this computer."), shown);
      return NULL;
    }

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  template = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, base);
  fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *shown = g_filename_display_name (dir);

      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("Cannot write in “%s” (%s). Choose a folder you may write to."),
                   shown, g_strerror (saved_errno));
      return NULL;
    }
  close (fd);
  return g_steal_pointer (&template);
}

static void
set_write_error (PackJob     *job,
                 zip_error_t *zip_error,
                 GError     **error)
{
  g_autofree char *dest_name = af_archive_display_name (job->dest);

  if (job->error != NULL)
    g_propagate_error (error, g_steal_pointer (&job->error));
  else
    af_archive_set_zip_error (error, dest_name, zip_error);
}

static gboolean
write_zip (PackJob     *job,
           const char  *path,
           GError     **error)
{
  zip_error_t zip_error;
  int zip_code = 0;
  zip_t *zip;

  zip = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &zip_code);
  if (zip == NULL)
    {
      zip_error_init_with_code (&zip_error, zip_code);
      set_write_error (job, &zip_error, error);
      zip_error_fini (&zip_error);
      return FALSE;
    }

  /* zip_close() writes everything; on failure it removes its own temporary
   * file and leaves the archive to zip_discard().
   */
  if (!add_entries (job, zip) || zip_close (zip) < 0)
    {
      set_write_error (job, zip_get_error (zip), error);
      zip_discard (zip);
      return FALSE;
    }
  return TRUE;
}

/* So that a crash right after the rename cannot leave an empty archive. */
static void
sync_file (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return;
  if (fsync (fd) < 0)
    g_debug ("fsync %s: %s", path, g_strerror (errno));
  close (fd);
}

static gboolean
write_archive (PackJob  *job,
               GError  **error)
{
  g_autofree char *temp = create_temp_file (job->dest, error);
  g_autofree char *path = NULL;

  if (temp == NULL)
    return FALSE;

  path = g_file_get_path (job->dest);
  if (!write_zip (job, temp, error))
    {
      g_unlink (temp);
      return FALSE;
    }
  sync_file (temp);

  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    {
      g_unlink (temp);
      return FALSE;
    }
  if (g_rename (temp, path) < 0)
    {
      int saved_errno = errno;
      g_autofree char *shown = af_archive_display_name (job->dest);

      g_unlink (temp);
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("Could not save “%s” (%s). Check that the folder is writable."),
                   shown, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_dest (PackJob  *job,
            GError  **error)
{
  if (!g_file_equal (job->source, job->dest))
    return TRUE;

  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
               _("The packed file would replace “%s” itself. Choose another name."),
               job->display_name);
  return FALSE;
}

/**
 * af_archive_pack:
 * @source: a .gcode, .bgcode or .gcode.3mf
 * @plate: the plate number to write (and, for a .gcode.3mf, to take); 0 for
 *   plate 1 (or the archive's first plate)
 * @dest: where to write the .gcode.3mf
 *
 * Packs the G-code into the printer-ready archive the vendor's slicer
 * writes. Blocks; see af_archive_pack_async().
 *
 * Returns: %TRUE when @dest was written; on %FALSE nothing was left behind
 */
gboolean
af_archive_pack (GFile           *source,
                 guint            plate,
                 GFile           *dest,
                 AfProgressFunc   progress,
                 gpointer         progress_data,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_autoptr(PackJob) job = g_new0 (PackJob, 1);
  g_autoptr(GError) local_error = NULL;
  gboolean is_archive;

  g_return_val_if_fail (G_IS_FILE (source), FALSE);
  g_return_val_if_fail (G_IS_FILE (dest), FALSE);
  g_return_val_if_fail (plate <= AF_ARCHIVE_MAX_PLATE, FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);

  job->source = g_object_ref (source);
  job->dest = g_object_ref (dest);
  job->plate = plate;
  job->progress = progress;
  job->progress_data = progress_data;
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->display_name = af_archive_display_name (source);
  job->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  job->mtime = fixed_mtime ();
  zip_error_init (&job->zip_error);

  if (!check_dest (job, error) ||
      !af_archive_check_regular_file (source, job->display_name, cancellable, error))
    return FALSE;
  is_archive = source_is_archive (source, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!(is_archive ? load_archive_source (job, error) : load_gcode_source (job, error)))
    return FALSE;
  prepare_thumbnail (job);
  return scan_source (job, error) && make_images (job, error) && write_archive (job, error);
}

typedef struct
{
  GFile *source;
  GFile *dest;
  guint  plate;
} PackTaskData;

static void
pack_task_data_free (gpointer data)
{
  PackTaskData *task_data = data;

  g_object_unref (task_data->source);
  g_object_unref (task_data->dest);
  g_free (task_data);
}

static void
pack_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PackTaskData *data = task_data;
  GError *error = NULL;

  if (af_archive_pack (data->source, data->plate, data->dest, NULL, NULL, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
af_archive_pack_async (GFile               *source,
                       guint                plate,
                       GFile               *dest,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PackTaskData *data;

  g_return_if_fail (G_IS_FILE (source));
  g_return_if_fail (G_IS_FILE (dest));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (PackTaskData, 1);
  data->source = g_file_dup (source);
  data->dest = g_file_dup (dest);
  data->plate = plate;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_archive_pack_async);
  g_task_set_task_data (task, data, pack_task_data_free);
  g_task_run_in_thread (task, pack_thread);
}

gboolean
af_archive_pack_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_archive_pack_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static const char *known_suffixes[] = {
  ".gcode.3mf", ".3mf", ".bgcode", ".gcode", ".gco", ".g",
};

/**
 * af_archive_default_dest:
 *
 * "<dir>/<stem>.gcode.3mf" beside the source. A .gcode.3mf source gets
 * "<stem>-repacked.gcode.3mf" so that packing never targets its own input.
 */
GFile *
af_archive_default_dest (GFile *source)
{
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) parent = NULL;
  const char *extra = "";

  g_return_val_if_fail (G_IS_FILE (source), NULL);

  base = g_file_get_basename (source);
  for (guint i = 0; base != NULL && i < G_N_ELEMENTS (known_suffixes); i++)
    {
      gsize base_len = strlen (base), suffix_len = strlen (known_suffixes[i]);

      if (base_len > suffix_len &&
          g_ascii_strcasecmp (base + base_len - suffix_len, known_suffixes[i]) == 0)
        {
          extra = g_str_has_suffix (known_suffixes[i], ".3mf") ? "-repacked" : "";
          base[base_len - suffix_len] = '\0';
          break;
        }
    }

  name = g_strdup_printf ("%s%s.gcode.3mf", base != NULL ? base : "plate", extra);
  parent = g_file_get_parent (source);
  if (parent == NULL)
    return g_file_new_for_path (name);
  return g_file_get_child (parent, name);
}
