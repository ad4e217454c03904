/* af-archive-reader.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-archive-private.h"
#include "af-gcode-reader.h"
#include "af-slice-info.h"
#include "af-zip-entry-stream.h"

/**
 * AfArchive:
 *
 * A printer-ready .gcode.3mf opened for reading. Opening checks every entry
 * name and declared size before anything is read, so a hostile archive is
 * refused up front; streaming then checks again, because declared sizes can
 * lie. An AfArchive may be used from one thread at a time.
 */
struct _AfArchive
{
  GObject      parent_instance;

  zip_t       *zip;
  char        *display_name;
  GPtrArray   *entries;         /* char *, NULL-terminated */
  GArray      *plate_entries;   /* PlateEntry, ascending */
  GArray      *plates;          /* guint, the numbers of plate_entries */
  AfSliceInfo *slice_info;      /* NULL when absent */
  gboolean     slice_info_loaded;
};

typedef struct
{
  guint         number;
  zip_uint64_t  index;          /* of Metadata/plate_<number>.gcode */
} PlateEntry;

G_DEFINE_FINAL_TYPE (AfArchive, af_archive, G_TYPE_OBJECT)

#define CHUNK_SIZE (64 * 1024)

typedef gboolean (*ChunkFunc) (const guint8  *data,
                               gsize          length,
                               gpointer       user_data,
                               GError       **error);

static void
af_archive_finalize (GObject *object)
{
  AfArchive *self = (AfArchive *)object;

  g_clear_pointer (&self->zip, zip_discard);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->plates, g_array_unref);
  g_clear_pointer (&self->plate_entries, g_array_unref);
  g_clear_pointer (&self->slice_info, af_slice_info_free);

  G_OBJECT_CLASS (af_archive_parent_class)->finalize (object);
}

static void
af_archive_class_init (AfArchiveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = af_archive_finalize;
}

static void
af_archive_init (AfArchive *self)
{
  self->entries = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  self->plates = g_array_new (FALSE, FALSE, sizeof (guint));
  self->plate_entries = g_array_new (FALSE, FALSE, sizeof (PlateEntry));
}

static gboolean
set_too_large (AfArchive  *self,
               GError    **error)
{
  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE,
               _("“%s” declares far more data than a print file holds, as a zip bomb would. "
                 "It was not opened; get the file again from its source."),
               self->display_name);
  return FALSE;
}

static gboolean
check_entry (AfArchive     *self,
             zip_uint64_t   index,
             guint64       *total,
             GError       **error)
{
  const char *name = zip_get_name (self->zip, index, 0);
  zip_stat_t st;

  if (name == NULL)
    {
      af_archive_set_zip_error (error, self->display_name, zip_get_error (self->zip));
      return FALSE;
    }
  if (!af_archive_entry_name_is_safe (name))
    {
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_UNSAFE_ENTRY,
                   _("“%s” contains an entry named “%s” that points outside the archive. "
                     "It may be malicious and was not opened."),
                   self->display_name, shown);
      return FALSE;
    }

  zip_stat_init (&st);
  if (zip_stat_index (self->zip, index, 0, &st) < 0 ||
      (st.valid & (ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE)) != (ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE))
    {
      af_archive_set_zip_error (error, self->display_name, zip_get_error (self->zip));
      return FALSE;
    }
  if (st.size > AF_ARCHIVE_MAX_TOTAL_SIZE - *total)
    return set_too_large (self, error);
  if (st.size > AF_ARCHIVE_RATIO_MIN_SIZE && st.comp_size <= st.size / AF_ARCHIVE_MAX_RATIO)
    return set_too_large (self, error);

  *total += st.size;
  g_ptr_array_add (self->entries, g_strdup (name));
  return TRUE;
}

static gboolean
scan_entries (AfArchive  *self,
              GError    **error)
{
  zip_int64_t n_entries = zip_get_num_entries (self->zip, 0);
  guint64 total = 0;

  if (n_entries < 0)
    {
      af_archive_set_zip_error (error, self->display_name, zip_get_error (self->zip));
      return FALSE;
    }
  if (n_entries > AF_ARCHIVE_MAX_ENTRIES)
    return set_too_large (self, error);

  for (zip_int64_t i = 0; i < n_entries; i++)
    {
      if (!check_entry (self, (zip_uint64_t)i, &total, error))
        return FALSE;
    }
  return TRUE;
}

/* "Metadata/plate_12.gcode" → 12; 0 for anything else. */
static guint
parse_plate_name (const char *name)
{
  const char *prefix = "Metadata/plate_";
  const char *p;
  guint number = 0;

  if (!g_str_has_prefix (name, prefix))
    return 0;
  p = name + strlen (prefix);
  if (*p == '0')
    return 0;
  for (; g_ascii_isdigit (*p); p++)
    {
      number = number * 10 + (guint)(*p - '0');
      if (number > AF_ARCHIVE_MAX_PLATE)
        return 0;
    }
  return strcmp (p, ".gcode") == 0 ? number : 0;
}

static gboolean
has_plate (AfArchive *self,
           guint      number)
{
  for (guint i = 0; i < self->plate_entries->len; i++)
    {
      if (g_array_index (self->plate_entries, PlateEntry, i).number == number)
        return TRUE;
    }
  return FALSE;
}

static int
compare_plates (gconstpointer a,
                gconstpointer b)
{
  const PlateEntry *pa = a;
  const PlateEntry *pb = b;

  return (pa->number > pb->number) - (pa->number < pb->number);
}

static gboolean
holds_model (AfArchive *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      const char *name = g_ptr_array_index (self->entries, i);

      if (g_str_has_prefix (name, "3D/") && g_str_has_suffix (name, ".model"))
        return TRUE;
    }
  return FALSE;
}

static gboolean
find_plates (AfArchive  *self,
             GError    **error)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      PlateEntry entry = { parse_plate_name (g_ptr_array_index (self->entries, i)), i };

      /* With duplicate names the first one wins, as zip_name_locate() does. */
      if (entry.number == 0 || has_plate (self, entry.number))
        continue;
      g_array_append_val (self->plate_entries, entry);
    }
  g_array_sort (self->plate_entries, compare_plates);
  for (guint i = 0; i < self->plate_entries->len; i++)
    g_array_append_val (self->plates, g_array_index (self->plate_entries, PlateEntry, i).number);

  if (self->plates->len > 0)
    return TRUE;

  if (holds_model (self))
    g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_SLICED,
                 _("“%s” is a 3MF project with models but no sliced G-code. Open it in your "
                   "slicer, slice it, and export the plate as a .gcode.3mf "
                   "(“Export plate sliced file”)."),
                 self->display_name);
  else
    g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE,
                 _("“%s” is a zip file but not a printer-ready 3MF: it holds no plate G-code. "
                   "Export the plate from your slicer as a sliced file."),
                 self->display_name);
  return FALSE;
}

/**
 * af_archive_open:
 * @file: a local .gcode.3mf
 *
 * Opens an archive and checks it: entry names that escape the archive, zip
 * bombs and projects without G-code are refused here.
 *
 * Returns: (transfer full): the archive, or %NULL with @error set
 */
AfArchive *
af_archive_open (GFile         *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(AfArchive) self = NULL;
  g_autofree char *path = NULL;
  int zip_code = 0;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), NULL);

  self = g_object_new (AF_TYPE_ARCHIVE, NULL);
  self->display_name = af_archive_display_name (file);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                   _("“%s” is not a local file. Copy it to this computer first."),
                   self->display_name);
      return NULL;
    }
  if (!af_archive_check_regular_file (file, self->display_name, cancellable, error))
    return NULL;

  self->zip = zip_open (path, ZIP_RDONLY | ZIP_CHECKCONS, &zip_code);
  if (self->zip == NULL)
    {
      zip_error_t zip_error;

      zip_error_init_with_code (&zip_error, zip_code);
      af_archive_set_zip_error (error, self->display_name, &zip_error);
      zip_error_fini (&zip_error);
      return NULL;
    }

  if (!scan_entries (self, error) || !find_plates (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const guint *
af_archive_get_plates (AfArchive *self,
                       guint     *n_plates)
{
  g_return_val_if_fail (AF_IS_ARCHIVE (self), NULL);
  g_return_val_if_fail (n_plates != NULL, NULL);

  *n_plates = self->plates->len;
  return (const guint *)(gpointer)self->plates->data;
}

const char * const *
af_archive_get_entries (AfArchive *self)
{
  g_return_val_if_fail (AF_IS_ARCHIVE (self), NULL);

  return (const char * const *)self->entries->pdata;
}

static char *
format_plate_list (AfArchive *self)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < self->plates->len; i++)
    g_string_append_printf (list, "%s%u", i > 0 ? ", " : "",
                            g_array_index (self->plates, guint, i));
  return g_string_free (list, FALSE);
}

static gboolean
lookup_plate (AfArchive     *self,
              guint          plate,
              zip_uint64_t  *index,
              GError       **error)
{
  g_autofree char *list = NULL;

  for (guint i = 0; i < self->plate_entries->len; i++)
    {
      const PlateEntry *entry = &g_array_index (self->plate_entries, PlateEntry, i);

      if (entry->number == plate)
        {
          *index = entry->index;
          return TRUE;
        }
    }

  list = format_plate_list (self);
  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NO_SUCH_PLATE,
               _("“%s” has no plate %u. Choose one of its plates: %s."),
               self->display_name, plate, list);
  return FALSE;
}

static GInputStream *
open_entry (AfArchive     *self,
            zip_uint64_t   index,
            guint64        max_size,
            GError       **error)
{
  return af_zip_entry_stream_new (G_OBJECT (self), self->zip, index, max_size,
                                  self->display_name, error);
}

/* Feeds every chunk of an entry to func; the entry stream guards the sizes. */
static gboolean
stream_entry (AfArchive     *self,
              zip_uint64_t   index,
              guint64        max_size,
              ChunkFunc      func,
              gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GInputStream) stream = open_entry (self, index, max_size, error);
  g_autofree guint8 *buffer = NULL;
  gssize n;

  if (stream == NULL)
    return FALSE;

  buffer = g_malloc (CHUNK_SIZE);
  while ((n = g_input_stream_read (stream, buffer, CHUNK_SIZE, cancellable, error)) > 0)
    {
      if (!func (buffer, (gsize)n, user_data, error))
        return FALSE;
    }
  return n == 0;
}

static gboolean
append_chunk_cb (const guint8  *data,
                 gsize          length,
                 gpointer       user_data,
                 GError       **error)
{
  g_byte_array_append (user_data, data, (guint)length);
  return TRUE;
}

/* Reads a small entry whole. Returns NULL without an error when it is absent. */
static GBytes *
read_small_entry (AfArchive   *self,
                  const char  *name,
                  GError     **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  zip_int64_t index = zip_name_locate (self->zip, name, 0);

  if (index < 0)
    return NULL;

  bytes = g_byte_array_new ();
  if (!stream_entry (self, (zip_uint64_t)index, AF_ARCHIVE_MAX_META_SIZE,
                     append_chunk_cb, bytes, NULL, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

static gboolean
ensure_slice_info (AfArchive  *self,
                   GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;
  const char *text;

  if (self->slice_info_loaded)
    return TRUE;

  bytes = read_small_entry (self, "Metadata/slice_info.config", &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  self->slice_info_loaded = TRUE;
  if (bytes == NULL)
    return TRUE;

  text = g_bytes_get_data (bytes, &length);
  self->slice_info = af_slice_info_parse (text, length, &local_error);
  if (self->slice_info == NULL)
    {
      g_debug ("slice_info.config: %s", local_error->message);
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_CORRUPT,
                   _("“%s” is damaged: its slice_info.config is not valid XML. "
                     "Export or download it again."),
                   self->display_name);
      self->slice_info_loaded = FALSE;
      return FALSE;
    }
  return TRUE;
}

static AfSlicePlate *
find_slice_plate (AfArchive *self,
                  guint      plate)
{
  if (!ensure_slice_info (self, NULL))
    return NULL;
  return af_slice_info_find_plate (self->slice_info, plate);
}

const char *
af_archive_get_printer_model_id (AfArchive *self,
                                 guint      plate)
{
  AfSlicePlate *slice_plate;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), NULL);

  slice_plate = find_slice_plate (self, plate);
  return slice_plate != NULL ? slice_plate->printer_model_id : NULL;
}

/* The first and last window of the G-code, where the metadata lives. */
typedef struct
{
  GByteArray *head;
  GByteArray *tail;
} Windows;

static gboolean
collect_windows_cb (const guint8  *data,
                    gsize          length,
                    gpointer       user_data,
                    GError       **error)
{
  Windows *windows = user_data;
  gsize to_head = 0;

  if (windows->head->len < AF_GCODE_WINDOW_SIZE)
    {
      to_head = MIN (length, AF_GCODE_WINDOW_SIZE - windows->head->len);
      g_byte_array_append (windows->head, data, (guint)to_head);
    }
  g_byte_array_append (windows->tail, data + to_head, (guint)(length - to_head));

  /* Trimming only when twice the window is buffered keeps copying linear. */
  if (windows->tail->len > 2 * AF_GCODE_WINDOW_SIZE)
    g_byte_array_remove_range (windows->tail, 0, windows->tail->len - AF_GCODE_WINDOW_SIZE);
  return TRUE;
}

static AfGcodeInfo *
read_gcode_header (AfArchive     *self,
                   zip_uint64_t   index,
                   GCancellable  *cancellable,
                   GError       **error)
{
  Windows windows = { g_byte_array_new (), g_byte_array_new () };
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GBytes) tail = NULL;
  gboolean ok;

  ok = stream_entry (self, index, AF_ARCHIVE_MAX_TOTAL_SIZE, collect_windows_cb, &windows,
                     cancellable, error);
  if (ok && windows.tail->len > AF_GCODE_WINDOW_SIZE)
    g_byte_array_remove_range (windows.tail, 0, windows.tail->len - AF_GCODE_WINDOW_SIZE);

  head = g_byte_array_free_to_bytes (windows.head);
  tail = g_byte_array_free_to_bytes (windows.tail);
  if (!ok)
    return NULL;

  return af_gcode_read_bytes (head, tail, error);
}

static void
copy_filaments (AfGcodeInfo *dest,
                AfGcodeInfo *src)
{
  for (guint i = 0; i < af_gcode_info_get_n_filaments (src); i++)
    {
      const AfFilament *from = af_gcode_info_get_filament (src, i);
      AfFilament *to = af_gcode_info_peek_filament (dest, i);

      if (to == NULL)
        break;
      to->type = g_strdup (from->type);
      to->color = g_strdup (from->color);
      to->length_m = from->length_m;
      to->weight_g = from->weight_g;
      to->volume_cm3 = from->volume_cm3;
    }
}

/* Everything the G-code header says, except objects and thumbnails, which the
 * archive's own metadata gives when it has them.
 */
static void
copy_gcode_info (AfGcodeInfo *dest,
                 AfGcodeInfo *src)
{
  const char * const *keys = af_gcode_info_get_setting_keys (src);
  const double *nozzles;
  guint n_nozzles;

  af_gcode_info_set_slicer (dest, af_gcode_info_get_slicer_name (src),
                            af_gcode_info_get_slicer_version (src));
  af_gcode_info_set_printer_model (dest, af_gcode_info_get_printer_model (src));
  af_gcode_info_set_bed_type (dest, af_gcode_info_get_bed_type (src));
  af_gcode_info_set_print_time (dest, af_gcode_info_get_print_time (src));
  af_gcode_info_set_layer_count (dest, af_gcode_info_get_layer_count (src));
  af_gcode_info_set_layer_height (dest, af_gcode_info_get_layer_height (src));
  af_gcode_info_set_max_z (dest, af_gcode_info_get_max_z (src));
  nozzles = af_gcode_info_get_nozzle_diameters (src, &n_nozzles);
  af_gcode_info_set_nozzle_diameters (dest, nozzles, n_nozzles);
  copy_filaments (dest, src);
  for (guint i = 0; keys[i] != NULL; i++)
    af_gcode_info_set_setting (dest, keys[i], af_gcode_info_get_setting (src, keys[i]));
}

static void
replace_string (char       **field,
                const char  *value)
{
  if (value == NULL)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

static void
apply_slice_plate (AfGcodeInfo  *info,
                   AfSlicePlate *plate)
{
  for (guint i = 0; i < plate->filaments->len; i++)
    {
      const AfSliceFilament *from = &g_array_index (plate->filaments, AfSliceFilament, i);
      AfFilament *to = af_gcode_info_peek_filament (info, from->id - 1);

      if (to == NULL)
        continue;
      replace_string (&to->type, from->type);
      replace_string (&to->color, from->color);
      if (!isnan (from->used_m))
        to->length_m = from->used_m;
      if (!isnan (from->used_g))
        to->weight_g = from->used_g;
    }
  for (guint i = 0; i < plate->objects->len; i++)
    {
      const AfArchiveObject *object = g_ptr_array_index (plate->objects, i);

      af_gcode_info_add_object (info, object->name);
    }
  if (plate->prediction >= 0)
    af_gcode_info_set_print_time (info, plate->prediction);
  if (af_gcode_info_get_printer_model (info) == NULL)
    af_gcode_info_set_printer_model (info, plate->printer_model_id);
  af_gcode_info_set_printer_model_id (info, plate->printer_model_id);
  if (plate->nozzles->len > 0)
    af_gcode_info_set_nozzle_diameters (info, (const double *)(gpointer)plate->nozzles->data,
                                        plate->nozzles->len);
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* A PNG entry as a thumbnail, its size read from the IHDR chunk. */
static AfThumbnail *
png_thumbnail (GBytes *bytes)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (length < 24 || memcmp (data, signature, sizeof signature) != 0 ||
      memcmp (data + 12, "IHDR", 4) != 0)
    return NULL;

  return af_thumbnail_new (AF_THUMBNAIL_FORMAT_PNG, read_be32 (data + 16), read_be32 (data + 20),
                           bytes);
}

static gboolean
add_plate_thumbnails (AfArchive    *self,
                      AfGcodeInfo  *info,
                      guint         plate,
                      GError      **error)
{
  g_autofree char *large = g_strdup_printf ("Metadata/plate_%u.png", plate);
  g_autofree char *small = g_strdup_printf ("Metadata/plate_%u_small.png", plate);
  const char *names[] = { large, small };
  gboolean any = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *name = names[i];
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) bytes = read_small_entry (self, name, &local_error);
      g_autoptr(AfThumbnail) thumbnail = NULL;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (bytes != NULL && (thumbnail = png_thumbnail (bytes)) != NULL)
        {
          af_gcode_info_add_thumbnail (info, thumbnail);
          any = TRUE;
        }
    }

  if (!any)
    g_debug ("plate %u of %s has no PNG thumbnail", plate, self->display_name);
  return TRUE;
}

static void
copy_gcode_extras (AfGcodeInfo *dest,
                   AfGcodeInfo *src,
                   gboolean     had_objects,
                   gboolean     had_thumbnails)
{
  GListModel *thumbnails = af_gcode_info_get_thumbnails (src);
  const char * const *objects = af_gcode_info_get_objects (src);

  for (guint i = 0; !had_objects && objects[i] != NULL; i++)
    af_gcode_info_add_object (dest, objects[i]);
  for (guint i = 0; !had_thumbnails && i < g_list_model_get_n_items (thumbnails); i++)
    {
      g_autoptr(AfThumbnail) thumbnail = g_list_model_get_item (thumbnails, i);

      af_gcode_info_add_thumbnail (dest, thumbnail);
    }
}

/**
 * af_archive_get_plate_info:
 *
 * Reads one plate's metadata: the G-code header (streamed, keeping only its
 * first and last window), then slice_info.config and the plate PNGs, which
 * win where both say something because they are what the printer shows.
 *
 * Returns: (transfer full): the plate's metadata, or %NULL with @error set
 */
AfGcodeInfo *
af_archive_get_plate_info (AfArchive  *self,
                           guint       plate,
                           GError    **error)
{
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(AfGcodeInfo) gcode_info = NULL;
  AfSlicePlate *slice_plate;
  zip_uint64_t index;
  gboolean had_objects;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), NULL);

  if (!lookup_plate (self, plate, &index, error) || !ensure_slice_info (self, error))
    return NULL;

  gcode_info = read_gcode_header (self, index, NULL, error);
  if (gcode_info == NULL)
    return NULL;

  info = af_gcode_info_new ();
  af_gcode_info_set_kind (info, AF_GCODE_KIND_ARCHIVE);
  copy_gcode_info (info, gcode_info);
  slice_plate = af_slice_info_find_plate (self->slice_info, plate);
  if (slice_plate != NULL)
    apply_slice_plate (info, slice_plate);
  had_objects = af_gcode_info_get_objects (info)[0] != NULL;
  if (!add_plate_thumbnails (self, info, plate, error))
    return NULL;
  copy_gcode_extras (info, gcode_info, had_objects,
                     g_list_model_get_n_items (af_gcode_info_get_thumbnails (info)) > 0);

  return g_steal_pointer (&info);
}

static gboolean
update_checksum_cb (const guint8  *data,
                    gsize          length,
                    gpointer       user_data,
                    GError       **error)
{
  g_checksum_update (user_data, data, (gssize)length);
  return TRUE;
}

/* The plate's MD5 entry, upper case and trimmed, or NULL when it is absent. */
char *
af_archive_read_plate_md5 (AfArchive  *self,
                           guint       plate,
                           GError    **error)
{
  g_autofree char *name = g_strdup_printf ("Metadata/plate_%u.gcode.md5", plate);
  g_autoptr(GBytes) bytes = read_small_entry (self, name, error);
  g_autofree char *text = NULL;

  if (bytes == NULL)
    return NULL;

  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_strstrip (text);
  return g_ascii_strup (text, -1);
}

static gboolean
set_md5_mismatch (AfArchive  *self,
                  guint       plate,
                  GError    **error)
{
  g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_MD5_MISMATCH,
               _("Plate %u of “%s” is damaged: its G-code does not match its MD5 checksum. "
                 "Export or download the file again."),
               plate, self->display_name);
  return FALSE;
}

gboolean
af_archive_verify_plate (AfArchive     *self,
                         guint          plate,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;
  zip_uint64_t index;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), FALSE);

  if (!lookup_plate (self, plate, &index, error))
    return FALSE;

  expected = af_archive_read_plate_md5 (self, plate, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (expected == NULL)
    {
      g_set_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_MD5_MISMATCH,
                   _("Plate %u of “%s” has no MD5 checksum to check it against. "
                     "Export the plate from your slicer again."),
                   plate, self->display_name);
      return FALSE;
    }

  if (!stream_entry (self, index, AF_ARCHIVE_MAX_TOTAL_SIZE, update_checksum_cb, checksum,
                     cancellable, error))
    return FALSE;

  actual = g_ascii_strup (g_checksum_get_string (checksum), -1);
  if (strcmp (actual, expected) != 0)
    return set_md5_mismatch (self, plate, error);
  return TRUE;
}

typedef struct
{
  GOutputStream *out;
  GCancellable  *cancellable;
} WriteState;

static gboolean
write_chunk_cb (const guint8  *data,
                gsize          length,
                gpointer       user_data,
                GError       **error)
{
  WriteState *state = user_data;

  return g_output_stream_write_all (state->out, data, length, NULL, state->cancellable, error);
}

gboolean
af_archive_extract_plate (AfArchive      *self,
                          guint           plate,
                          GOutputStream  *out,
                          GCancellable   *cancellable,
                          GError        **error)
{
  WriteState state = { out, cancellable };
  zip_uint64_t index;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);

  if (!lookup_plate (self, plate, &index, error))
    return FALSE;

  return stream_entry (self, index, AF_ARCHIVE_MAX_TOTAL_SIZE, write_chunk_cb, &state,
                       cancellable, error);
}

GInputStream *
af_archive_open_plate_stream (AfArchive  *self,
                              guint       plate,
                              GError    **error)
{
  zip_uint64_t index;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), NULL);

  if (!lookup_plate (self, plate, &index, error))
    return NULL;
  return open_entry (self, index, AF_ARCHIVE_MAX_TOTAL_SIZE, error);
}

guint64
af_archive_get_plate_size (AfArchive *self,
                           guint      plate)
{
  zip_uint64_t index;
  zip_stat_t st;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), 0);

  zip_stat_init (&st);
  if (!lookup_plate (self, plate, &index, NULL) || zip_stat_index (self->zip, index, 0, &st) < 0)
    return 0;
  return st.size;
}

GPtrArray *
af_archive_get_plate_objects (AfArchive *self,
                              guint      plate)
{
  AfSlicePlate *slice_plate;

  g_return_val_if_fail (AF_IS_ARCHIVE (self), NULL);

  slice_plate = find_slice_plate (self, plate);
  if (slice_plate == NULL)
    return g_ptr_array_new_with_free_func (af_archive_object_free);
  return g_ptr_array_ref (slice_plate->objects);
}
