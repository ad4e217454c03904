/* test-archive.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-archive"

#include "config.h"

#include <math.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "af-core.h"
#include "af-archive-entries.h"
#include "af-archive-private.h"
#include "af-preview.h"

/* Values asserted for the vendor archives were looked up by hand in the files
 * (unzip -p … | less), not taken from our reader's output.
 */

#define P1S_ARCHIVE "bambustudio-02.07-p1s.gcode.3mf"
#define RINGS_ARCHIVE "bambustudio-01.09-cli-2-rings.gcode.3mf"
#define P1S_MD5 "FB602829BD89990D59348BA8B401241F"
#define RINGS_MD5 "21E9168EB7BEF2F0CD47981679D3BC95"

static char *bad_dir;

/* --- helpers ------------------------------------------------------------ */

static const char *
corpus_dir (void)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return dir != NULL ? dir : AF_CORPUS_DIR;
}

static char *
corpus_path (const char *kind,
             const char *name)
{
  return g_build_filename (corpus_dir (), kind, name, NULL);
}

static const char *
tests_srcdir (void)
{
  const char *dir = g_getenv ("AF_TESTS_SRCDIR");

  return dir != NULL ? dir : g_test_get_dir (G_TEST_DIST);
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("af-archive-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) && info != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* The directory's names, sorted and joined with spaces: easy to assert. */
static char *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  return g_strjoinv (" ", (char **)names->pdata);
}

static gboolean
pack_path (const char  *source,
           guint        plate,
           const char  *dest,
           GError     **error)
{
  g_autoptr(GFile) source_file = g_file_new_for_path (source);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);

  return af_archive_pack (source_file, plate, dest_file, NULL, NULL, NULL, error);
}

static AfArchive *
open_path (const char  *path,
           GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return af_archive_open (file, NULL, error);
}

static char *
md5_of_bytes (GBytes *bytes)
{
  g_autofree char *lower = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, bytes);

  return g_ascii_strup (lower, -1);
}

static GBytes *
read_file_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

/* The G-code text af_gcode_open_text_stream() gives for a source file. */
static char *
text_md5 (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = af_gcode_open_text_stream (file, NULL, &error);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  guint8 buffer[65536];
  gssize n;

  g_assert_no_error (error);
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    g_checksum_update (checksum, buffer, n);
  g_assert_no_error (error);
  return g_ascii_strup (g_checksum_get_string (checksum), -1);
}

/* Reads one entry with libzip directly, bypassing our reader. */
static GBytes *
zip_entry (const char *archive,
           const char *name,
           guint16    *method)
{
  zip_t *zip = zip_open (archive, ZIP_RDONLY, NULL);
  zip_stat_t st;
  zip_file_t *file;
  guint8 *data;

  g_assert_nonnull (zip);
  g_assert_cmpint (zip_stat (zip, name, 0, &st), ==, 0);
  if (method != NULL)
    *method = st.comp_method;
  data = g_malloc (st.size + 1);
  file = zip_fopen (zip, name, 0);
  g_assert_nonnull (file);
  g_assert_cmpint (zip_fread (file, data, st.size), ==, (zip_int64_t)st.size);
  zip_fclose (file);
  zip_discard (zip);
  return g_bytes_new_take (data, st.size);
}

static GdkPixbuf *
decode_png (GBytes *bytes)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_loader_write_bytes (loader, bytes, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

static guint8
alpha_at (GdkPixbuf *pixbuf,
          int        x,
          int        y)
{
  g_assert_true (gdk_pixbuf_get_has_alpha (pixbuf));
  return gdk_pixbuf_get_pixels (pixbuf)[y * gdk_pixbuf_get_rowstride (pixbuf) + x * 4 + 3];
}

static guint
count_opaque (GdkPixbuf *pixbuf)
{
  guint n = 0;

  for (int y = 0; y < gdk_pixbuf_get_height (pixbuf); y++)
    for (int x = 0; x < gdk_pixbuf_get_width (pixbuf); x++)
      n += alpha_at (pixbuf, x, y) == 0xff;
  return n;
}

static char *
write_info_json (const char  *dir,
                 AfGcodeInfo *info)
{
  g_autofree char *json = af_gcode_info_to_json (info, TRUE);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "inspect.json", NULL);

  g_file_set_contents (path, json, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Runs tests/check-archive.py, the independent Python checker. */
static void
run_checker (const char *archive,
             guint       plate,
             const char *inspect_json,
             const char *model_id,
             const char *gcode_md5)
{
  g_autofree char *script = g_build_filename (tests_srcdir (), "check-archive.py", NULL);
  g_autofree char *plate_arg = g_strdup_printf ("%u", plate);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *)"/usr/bin/python3");
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, (char *)archive);
  g_ptr_array_add (argv, (char *)"--ours");
  g_ptr_array_add (argv, (char *)"--plate");
  g_ptr_array_add (argv, plate_arg);
  if (inspect_json != NULL)
    {
      g_ptr_array_add (argv, (char *)"--inspect");
      g_ptr_array_add (argv, (char *)inspect_json);
    }
  if (model_id != NULL)
    {
      g_ptr_array_add (argv, (char *)"--model-id");
      g_ptr_array_add (argv, (char *)model_id);
    }
  if (gcode_md5 != NULL)
    {
      g_ptr_array_add (argv, (char *)"--gcode-md5");
      g_ptr_array_add (argv, (char *)gcode_md5);
    }
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("check-archive.py failed on %s:\n%s%s", archive, out, err);
}

/* Packs and asserts the error, and that the output folder stays empty:
 * no archive, no temporary file.
 */
static void
assert_pack_fails (const char *source,
                   guint       plate,
                   GQuark      domain,
                   int         code)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "out.gcode.3mf", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (pack_path (source, plate, dest, &error));
  g_assert_error (error, domain, code);
  g_assert_nonnull (error->message);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
  remove_tree (dir);
}

static char *
bad_path (const char *name)
{
  return g_build_filename (bad_dir, name, NULL);
}

/* --- packing the corpus --------------------------------------------------- */

static void
assert_read_back (const char  *archive_path,
                  AfGcodeInfo *source_info)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (archive_path, &error);
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(AfThumbnail) large = NULL;
  g_autoptr(AfThumbnail) small = NULL;
  const guint *plates;
  guint n_plates;

  g_assert_no_error (error);
  plates = af_archive_get_plates (archive, &n_plates);
  g_assert_cmpuint (n_plates, ==, 1);
  g_assert_cmpuint (plates[0], ==, 1);
  g_assert_true (af_archive_verify_plate (archive, 1, NULL, &error));
  g_assert_no_error (error);

  info = af_archive_get_plate_info (archive, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (af_gcode_info_get_kind (info), ==, AF_GCODE_KIND_ARCHIVE);
  g_assert_cmpint (af_gcode_info_get_print_time (info), ==,
                   af_gcode_info_get_print_time (source_info));
  g_assert_cmpstrv (af_gcode_info_get_objects (info), af_gcode_info_get_objects (source_info));
  g_assert_cmpuint (g_list_model_get_n_items (af_gcode_info_get_thumbnails (info)), ==, 2);
  large = g_list_model_get_item (af_gcode_info_get_thumbnails (info), 0);
  small = g_list_model_get_item (af_gcode_info_get_thumbnails (info), 1);
  g_assert_cmpuint (af_thumbnail_get_width (large), ==, 512);
  g_assert_cmpuint (af_thumbnail_get_height (large), ==, 512);
  g_assert_cmpuint (af_thumbnail_get_width (small), ==, 128);
  g_assert_cmpuint (af_thumbnail_get_height (small), ==, 128);

  for (guint i = 0; i < af_gcode_info_get_n_filaments (source_info); i++)
    {
      const AfFilament *want = af_gcode_info_get_filament (source_info, i);
      const AfFilament *got;

      if (!af_filament_is_used (want))
        continue;
      got = af_gcode_info_get_filament (info, i);
      g_assert_cmpstr (got->type, ==, want->type);
      g_assert_cmpstr (got->color, ==, want->color);
      /* slice_info keeps two decimals. */
      if (!isnan (want->weight_g))
        g_assert_cmpfloat_with_epsilon (got->weight_g, want->weight_g, 0.0051);
      if (!isnan (want->length_m))
        g_assert_cmpfloat_with_epsilon (got->length_m, want->length_m, 0.0051);
    }

  g_clear_object (&large);
  g_clear_object (&small);
  g_assert_finalize_object (g_steal_pointer (&info));
  g_assert_finalize_object (g_steal_pointer (&archive));
}

static void
pack_one_corpus_file (const char *dir,
                      const char *name)
{
  g_autofree char *source = corpus_path ("gcode", name);
  g_autofree char *dest_name = g_strconcat (name, ".gcode.3mf", NULL);
  g_autofree char *dest = g_build_filename (dir, dest_name, NULL);
  g_autofree char *md5 = text_md5 (source);
  g_autofree char *json = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (source);
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("packing %s", name);
  info = af_gcode_read_file (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pack_path (source, 0, dest, &error));
  g_assert_no_error (error);

  json = write_info_json (dir, info);
  run_checker (dest, 1, json, NULL, md5);
  g_unlink (json);
  assert_read_back (dest, info);
  g_assert_finalize_object (g_steal_pointer (&info));
}

static void
test_pack_corpus (void)
{
  g_autofree char *gcode_dir = g_build_filename (corpus_dir (), "gcode", NULL);
  g_autofree char *dir = make_tmp_dir ();
  g_autoptr(GDir) corpus = g_dir_open (gcode_dir, 0, NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *listing = NULL;
  const char *name;

  g_assert_nonnull (corpus);
  while ((name = g_dir_read_name (corpus)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_assert_cmpuint (names->len, >=, 9);

  for (guint i = 0; i < names->len; i++)
    {
      const char *corpus_name = g_ptr_array_index (names, i);

      pack_one_corpus_file (dir, corpus_name);
      g_string_append_printf (expected, "%s%s.gcode.3mf", i > 0 ? " " : "", corpus_name);
    }

  /* Nothing but the archives: no temporary files left over. */
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, expected->str);
  remove_tree (dir);
}

/* The MD5 entry: 32 upper-case hex digits, no newline, the G-code's real MD5. */
static void
test_md5_uppercase (void)
{
  g_autofree char *source = corpus_path ("gcode", "bambustudio-01.10-generic.gcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "out.gcode.3mf", NULL);
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *real = NULL;
  g_autoptr(GBytes) md5 = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;
  gsize length;

  g_assert_true (pack_path (source, 0, dest, &error));
  g_assert_no_error (error);

  contents = read_file_bytes (source);
  real = md5_of_bytes (contents);

  md5 = zip_entry (dest, "Metadata/plate_1.gcode.md5", NULL);
  text = g_bytes_get_data (md5, &length);
  g_assert_cmpuint (length, ==, 32);
  for (gsize i = 0; i < length; i++)
    g_assert_true (g_ascii_isdigit (text[i]) || (text[i] >= 'A' && text[i] <= 'F'));
  g_assert_cmpmem (text, length, real, 32);
  remove_tree (dir);
}

static void
set_tz (const char *tz)
{
  if (tz != NULL)
    g_setenv ("TZ", tz, TRUE);
  else
    g_unsetenv ("TZ");
  tzset ();
}

/* Same input, same bytes: across runs, file names and time zones. */
static void
test_deterministic (void)
{
  g_autofree char *source = corpus_path ("gcode", "prusaslicer-2.8.1-mini-cube.bgcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *saved_tz = g_strdup (g_getenv ("TZ"));
  /* POSIX zone strings, so that no tz database is needed. */
  const char *zones[] = { "UTC0", "UTC0", "JST-9", "PST8PDT,M3.2.0,M11.1.0" };
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    {
      g_autofree char *name = g_strdup_printf ("run-%u.gcode.3mf", i);
      g_autofree char *dest = g_build_filename (dir, name, NULL);
      g_autoptr(GBytes) bytes = NULL;

      set_tz (zones[i]);
      g_assert_true (pack_path (source, 0, dest, &error));
      g_assert_no_error (error);
      bytes = read_file_bytes (dest);
      if (first == NULL)
        first = g_bytes_ref (bytes);
      else
        g_assert_true (g_bytes_equal (first, bytes));
    }
  set_tz (saved_tz);
  remove_tree (dir);
}

/* Entries written deliberately not: each needs data a G-code does not hold.
 * - plate_no_light_N.png: a render without lighting; we have no renderer, and
 *   a copy of plate_N.png would pretend to be something it is not.
 * - top_N.png, pick_N.png: a top view and an object-picking image, both
 *   rendered from the meshes.
 * - cut_information.xml: the cut tool's connectors per mesh object.
 * - filament_sequence.json: the AMS load order the slicer planned.
 * - 3D/_rels/3dmodel.model.rels and the 3D/Objects/ models: the meshes themselves.
 * The printer needs none of them to print (lan-protocol.md §5.5).
 */
static const char *deliberately_absent[] = {
  "Metadata/plate_no_light_1.png",
  "Metadata/top_1.png",
  "Metadata/pick_1.png",
  "Metadata/cut_information.xml",
  "Metadata/filament_sequence.json",
  "3D/_rels/3dmodel.model.rels",
  "3D/Objects/object_1.model",
};

static GHashTable *
entry_set (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char * const *entries;

  g_assert_no_error (error);
  entries = af_archive_get_entries (archive);
  for (guint i = 0; entries[i] != NULL; i++)
    g_hash_table_add (set, g_strdup (entries[i]));
  g_assert_finalize_object (g_steal_pointer (&archive));
  return set;
}

/* Our archives hold every entry both vendor archives hold (§5.1), except the
 * ones listed above.
 */
static void
test_vendor_entries (void)
{
  g_autofree char *p1s = corpus_path ("3mf", P1S_ARCHIVE);
  g_autofree char *rings = corpus_path ("3mf", RINGS_ARCHIVE);
  g_autofree char *source = corpus_path ("gcode", "bambustudio-01.09-cli-plate_1.gcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "ours.gcode.3mf", NULL);
  g_autoptr(GHashTable) vendor_a = entry_set (p1s);
  g_autoptr(GHashTable) vendor_b = entry_set (rings);
  g_autoptr(GHashTable) ours = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  const char *name;
  guint required = 0;

  g_assert_true (pack_path (source, 0, dest, &error));
  g_assert_no_error (error);
  ours = entry_set (dest);

  g_hash_table_iter_init (&iter, vendor_a);
  while (g_hash_table_iter_next (&iter, (gpointer *)&name, NULL))
    {
      if (!g_hash_table_contains (vendor_b, name) ||
          g_strv_contains (deliberately_absent, name))
        continue;
      g_test_message ("required: %s", name);
      g_assert_true (g_hash_table_contains (ours, name));
      required++;
    }
  /* [Content_Types].xml, _rels/.rels, 3dmodel.model, plate_1.{png,_small.png,json,
   * gcode,gcode.md5}, project_settings, model_settings (+ rels), slice_info.
   */
  g_assert_cmpuint (required, ==, 12);
  remove_tree (dir);
}

/* A G-code without a thumbnail gets a drawing of its first layers. */
static void
test_pack_preview (void)
{
  g_autofree char *source = corpus_path ("gcode", "cura-5.9.1.gcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "out.gcode.3mf", NULL);
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *bbox;
  guint16 method;

  g_assert_true (pack_path (source, 0, dest, &error));
  g_assert_no_error (error);

  png = zip_entry (dest, "Metadata/plate_1.png", &method);
  g_assert_cmpuint (method, ==, ZIP_CM_STORE);
  pixbuf = decode_png (png);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 512);
  /* Lines were drawn, and the background stays transparent. */
  g_assert_cmpuint (count_opaque (pixbuf), >, 2000);
  g_assert_cmpuint (alpha_at (pixbuf, 0, 0), ==, 0);
  g_assert_cmpuint (alpha_at (pixbuf, 256, 256), ==, 0);

  /* The first layers lie inside the header's MINX..MAXX, MINY..MAXY plus the skirt. */
  json = zip_entry (dest, "Metadata/plate_1.json", NULL);
  json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json),
                              &error);
  g_assert_no_error (error);
  bbox = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       "bbox_all");
  g_assert_cmpuint (json_array_get_length (bbox), ==, 4);
  g_assert_cmpfloat (json_array_get_double_element (bbox, 0), >, 100.0);
  g_assert_cmpfloat (json_array_get_double_element (bbox, 1), >, 100.0);
  g_assert_cmpfloat (json_array_get_double_element (bbox, 2), <, 200.0);
  g_assert_cmpfloat (json_array_get_double_element (bbox, 3), <, 200.0);
  remove_tree (dir);
}

/* A wide thumbnail is letterboxed onto a transparent square, keeping aspect. */
static void
test_pack_letterbox (void)
{
  g_autofree char *source = corpus_path ("gcode", "prusaslicer-2.9.3-thumbnails.gcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "out.gcode.3mf", NULL);
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pack_path (source, 0, dest, &error));
  g_assert_no_error (error);

  /* The best thumbnail is 220×124: 512×289 after scaling, 111 rows above it. */
  png = zip_entry (dest, "Metadata/plate_1.png", NULL);
  pixbuf = decode_png (png);
  for (int x = 0; x < 512; x += 7)
    {
      g_assert_cmpuint (alpha_at (pixbuf, x, 0), ==, 0);
      g_assert_cmpuint (alpha_at (pixbuf, x, 110), ==, 0);
      g_assert_cmpuint (alpha_at (pixbuf, x, 401), ==, 0);
      g_assert_cmpuint (alpha_at (pixbuf, x, 511), ==, 0);
    }
  g_assert_cmpuint (count_opaque (pixbuf), >, 0);
  remove_tree (dir);
}

/* --- the preview rasteriser --------------------------------------------- */

static AfPreview *
preview_for (const char *gcode)
{
  AfPreview *preview = af_preview_new ();

  af_preview_feed (preview, gcode, strlen (gcode));
  af_preview_feed (preview, "\n", 1);
  return preview;
}

static void
test_preview_modes (void)
{
  /* A purge line before the first layer marker, then a 100×50 rectangle
   * drawn with absolute XY, relative E, a G91 leg and a G92 reset; travel
   * and retraction moves must not count.
   */
  g_autoptr(AfPreview) preview = preview_for (
    "G90\nM83\nG1 X0 Y0 Z0.8\nG1 X200 Y0 E15 ; purge\n"
    ";LAYER_CHANGE\nG1 Z0.2\nG0 X10 Y10\n"
    "G1 X110 Y10 E4.0\nG1 X110 Y60 E2\n"
    "G91\nG1 X-100 E4\nG90\n"
    "G1 X10 Y10 E2 ; close the rectangle\n"
    "G1 E-0.8 ; retract\nG0 X300 Y300 ; travel\n"
    "M82\nG92 E0\nG1 X300 Y310 E-1 ; still not extruding\n");
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  double bounds[4];

  g_assert_true (af_preview_get_bounds (preview, bounds));
  g_assert_cmpfloat_with_epsilon (bounds[0], 10.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (bounds[1], 10.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (bounds[2], 110.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (bounds[3], 60.0, 1e-6);

  pixbuf = af_preview_render (preview, 512, 0xff0000);
  g_assert_nonnull (pixbuf);
  /* The rectangle is fitted to the width and centred: its middle is empty,
   * its edges at bed Y 10 and 60 (4.7 px/mm, 235 px apart) are drawn.
   */
  g_assert_cmpuint (alpha_at (pixbuf, 256, 256), ==, 0);
  g_assert_cmpuint (alpha_at (pixbuf, 256, 256 + 117), ==, 0xff);
  g_assert_cmpuint (alpha_at (pixbuf, 256, 256 - 117), ==, 0xff);
  g_assert_cmpuint (alpha_at (pixbuf, 256, 10), ==, 0);
}

static void
test_preview_limits (void)
{
  g_autoptr(GString) gcode = g_string_new ("M83\n");
  g_autoptr(AfPreview) empty = preview_for ("G1 X10 Y10\nG1 X20 Y20\n; no extrusion at all\n");
  g_autoptr(AfPreview) preview = af_preview_new ();
  g_autoptr(GdkPixbuf) nothing = af_preview_render (empty, 128, 0);
  double bounds[4];

  g_assert_null (nothing);

  /* Layers after the third are never drawn: the preview stops wanting data. */
  for (guint layer = 0; layer < 10; layer++)
    g_string_append_printf (gcode, ";LAYER:%u\nG1 Z%u\nG1 X%u Y0\nG1 X%u Y10 E1\n",
                            layer, layer + 1, layer * 100, layer * 100);
  g_assert_false (af_preview_feed (preview, gcode->str, gcode->len));
  g_assert_true (af_preview_get_bounds (preview, bounds));
  g_assert_cmpfloat (bounds[2], <=, 200.0);

  /* Garbage and overlong lines are skipped, not trusted. */
  g_clear_pointer (&preview, af_preview_free);
  preview = preview_for ("G1 Xnan Yinf E1\nG1 X1e300 Y5 E1\nGarbage\n\001\002\n"
                         "G1 X5 Y5 E1 ; fine\n");
  g_assert_true (af_preview_get_bounds (preview, bounds));
  g_assert_cmpfloat (bounds[2], <=, 5.0);
}

/* --- reading the vendor's archives ---------------------------------------- */

static char *
unzip_md5 (const char *archive,
           const char *entry)
{
  const char *argv[] = { "unzip", "-p", archive, entry, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GBytes) bytes = NULL;
  int status = 0;
  gsize length;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* g_spawn_sync() NUL-terminates; G-code holds no NUL. */
  length = strlen (out);
  bytes = g_bytes_new_take (g_steal_pointer (&out), length);
  return md5_of_bytes (bytes);
}

static void
assert_extract (AfArchive  *archive,
                const char *path,
                const char *md5)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = unzip_md5 (path, "Metadata/plate_1.gcode");

  g_assert_true (af_archive_extract_plate (archive, 1, out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  ours = md5_of_bytes (bytes);
  g_assert_cmpstr (ours, ==, theirs);
  g_assert_cmpstr (ours, ==, md5);
}

static void
assert_plate_thumbnails (AfGcodeInfo *info)
{
  GListModel *thumbnails = af_gcode_info_get_thumbnails (info);
  const guint sides[] = { 512, 128 };

  g_assert_cmpuint (g_list_model_get_n_items (thumbnails), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(AfThumbnail) thumbnail = g_list_model_get_item (thumbnails, i);
      g_autoptr(GdkPixbuf) pixbuf = af_thumbnail_decode (thumbnail, NULL);

      g_assert_cmpint (af_thumbnail_get_format (thumbnail), ==, AF_THUMBNAIL_FORMAT_PNG);
      g_assert_cmpuint (af_thumbnail_get_width (thumbnail), ==, sides[i]);
      g_assert_cmpuint (af_thumbnail_get_height (thumbnail), ==, sides[i]);
      g_assert_nonnull (pixbuf);
    }
}

static void
test_read_p1s (void)
{
  g_autofree char *path = corpus_path ("3mf", P1S_ARCHIVE);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);
  g_autoptr(AfGcodeInfo) info = NULL;
  const char *objects[] = { "箱体和套筒-内层.STL", "箱体和套筒-外层.STL", NULL };
  const AfFilament *filament;
  const guint *plates;
  guint n_plates;

  g_assert_no_error (error);
  plates = af_archive_get_plates (archive, &n_plates);
  g_assert_cmpuint (n_plates, ==, 1);
  g_assert_cmpuint (plates[0], ==, 1);
  g_assert_cmpuint (g_strv_length ((char **)af_archive_get_entries (archive)), ==, 17);
  g_assert_cmpstr (af_archive_get_entries (archive)[0], ==, "[Content_Types].xml");
  g_assert_cmpstr (af_archive_get_printer_model_id (archive, 1), ==, "C12");

  info = af_archive_get_plate_info (archive, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (af_gcode_info_get_print_time (info), ==, 9038);
  g_assert_cmpfloat_with_epsilon (af_gcode_info_get_total_weight (info), 29.49, 1e-9);
  g_assert_cmpint (af_gcode_info_get_layer_count (info), ==, 658);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  filament = af_gcode_info_get_filament (info, 0);
  g_assert_cmpstr (filament->type, ==, "PLA");
  g_assert_cmpstr (filament->color, ==, "#00AE42");
  g_assert_cmpfloat_with_epsilon (filament->length_m, 9.73, 1e-9);
  g_assert_cmpfloat_with_epsilon (filament->weight_g, 29.49, 1e-9);
  g_assert_cmpstrv (af_gcode_info_get_objects (info), objects);
  assert_plate_thumbnails (info);

  g_assert_true (af_archive_verify_plate (archive, 1, NULL, &error));
  g_assert_no_error (error);
  assert_extract (archive, path, P1S_MD5);

  g_assert_finalize_object (g_steal_pointer (&info));
  g_assert_finalize_object (g_steal_pointer (&archive));
}

static void
test_read_two_rings (void)
{
  g_autofree char *path = corpus_path ("3mf", RINGS_ARCHIVE);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);
  g_autoptr(AfGcodeInfo) info = NULL;
  const char *objects[] = { "./tests/2_rings/2_rings.step", NULL };
  const AfFilament *filament;
  guint n_plates;

  /* It carries a mesh too (3D/Objects/object_1.model), but it is sliced. */
  g_assert_no_error (error);
  g_assert_cmpuint (af_archive_get_plates (archive, &n_plates)[0], ==, 1);
  g_assert_cmpuint (n_plates, ==, 1);
  g_assert_cmpuint (g_strv_length ((char **)af_archive_get_entries (archive)), ==, 16);
  /* printer_model_id is empty in this file. */
  g_assert_null (af_archive_get_printer_model_id (archive, 1));

  info = af_archive_get_plate_info (archive, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (af_gcode_info_get_print_time (info), ==, 26);
  g_assert_cmpint (af_gcode_info_get_layer_count (info), ==, 2);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  filament = af_gcode_info_get_filament (info, 0);
  g_assert_cmpstr (filament->type, ==, "PLA");
  g_assert_cmpstr (filament->color, ==, "#00AE42");
  g_assert_cmpfloat_with_epsilon (filament->length_m, 0.01, 1e-9);
  g_assert_cmpfloat_with_epsilon (filament->weight_g, 0.0, 1e-9);
  g_assert_cmpstrv (af_gcode_info_get_objects (info), objects);
  assert_plate_thumbnails (info);

  g_assert_true (af_archive_verify_plate (archive, 1, NULL, &error));
  g_assert_no_error (error);
  assert_extract (archive, path, RINGS_MD5);

  g_assert_finalize_object (g_steal_pointer (&info));
  g_assert_finalize_object (g_steal_pointer (&archive));
}

/* The independent checker accepts the vendor's own files too. */
static void
test_checker_on_vendor (void)
{
  const char *names[] = { P1S_ARCHIVE, RINGS_ARCHIVE };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *script = g_build_filename (tests_srcdir (), "check-archive.py", NULL);
      g_autofree char *path = corpus_path ("3mf", names[i]);
      const char *argv[] = { "/usr/bin/python3", script, path, NULL };
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;
      int status = 0;

      g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                    &status, &error);
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("check-archive.py rejects %s:\n%s", names[i], out);
    }
}

/* --- repacking a .gcode.3mf ------------------------------------------------ */

static void
test_repack (void)
{
  g_autofree char *source = corpus_path ("3mf", P1S_ARCHIVE);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "repacked.gcode.3mf", NULL);
  g_autofree char *json = NULL;
  g_autoptr(AfArchive) archive = open_path (source, NULL);
  g_autoptr(AfGcodeInfo) info = af_archive_get_plate_info (archive, 1, NULL);
  g_autoptr(GBytes) slice_info = NULL;
  g_autoptr(GBytes) theirs = NULL;
  g_autoptr(GBytes) ours = NULL;
  g_autoptr(GdkPixbuf) their_pixbuf = NULL;
  g_autoptr(GdkPixbuf) our_pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (pack_path (source, 0, dest, &error));
  g_assert_no_error (error);

  json = write_info_json (dir, info);
  run_checker (dest, 1, json, "C12", P1S_MD5);

  /* The identify ids that skipping objects relies on survive the repack. */
  slice_info = zip_entry (dest, "Metadata/slice_info.config", NULL);
  text = g_strndup (g_bytes_get_data (slice_info, NULL), g_bytes_get_size (slice_info));
  g_assert_nonnull (strstr (text, "<object identify_id=\"75\" name=\"箱体和套筒-内层.STL\""));
  g_assert_nonnull (strstr (text, "<object identify_id=\"117\" name=\"箱体和套筒-外层.STL\""));
  g_assert_nonnull (strstr (text, "key=\"X-BBL-Client-Version\" value=\"02.07.01.62\"/>"));

  /* The plate's own 512×512 render is the thumbnail, pixel for pixel. */
  theirs = zip_entry (source, "Metadata/plate_1.png", NULL);
  ours = zip_entry (dest, "Metadata/plate_1.png", NULL);
  their_pixbuf = decode_png (theirs);
  our_pixbuf = decode_png (ours);
  g_assert_cmpmem (gdk_pixbuf_read_pixels (our_pixbuf), 512 * 512 * 4,
                   gdk_pixbuf_read_pixels (their_pixbuf), 512 * 512 * 4);

  g_assert_finalize_object (g_steal_pointer (&info));
  g_assert_finalize_object (g_steal_pointer (&archive));
  remove_tree (dir);
}

/* plate names the output plate; a .gcode.3mf's own plate is taken from it. */
static void
test_repack_plate_numbers (void)
{
  g_autofree char *source = bad_path ("plate-2-only.gcode.3mf");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *first = g_build_filename (dir, "first.gcode.3mf", NULL);
  g_autofree char *second = g_build_filename (dir, "second.gcode.3mf", NULL);
  g_autofree char *listing = NULL;
  g_autoptr(GError) error = NULL;

  /* 0 takes the archive's first plate and writes it as plate 1. */
  g_assert_true (pack_path (source, 0, first, &error));
  g_assert_no_error (error);
  run_checker (first, 1, NULL, NULL, NULL);

  g_assert_true (pack_path (source, 2, second, &error));
  g_assert_no_error (error);
  run_checker (second, 2, NULL, NULL, NULL);

  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "first.gcode.3mf second.gcode.3mf");
  remove_tree (dir);
}

/* --- hostile and broken input --------------------------------------------- */

static void
assert_open_fails (const char *name,
                   int         code)
{
  g_autofree char *path = bad_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);

  g_test_message ("opening %s", name);
  g_assert_null (archive);
  g_assert_error (error, AF_ARCHIVE_ERROR, code);
}

static void
test_bad_unsafe_names (void)
{
  const char *names[] = {
    "zip-slip.gcode.3mf", "absolute.gcode.3mf", "backslash.gcode.3mf", "drive-letter.gcode.3mf",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = bad_path (names[i]);

      assert_open_fails (names[i], AF_ARCHIVE_ERROR_UNSAFE_ENTRY);
      assert_pack_fails (path, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_UNSAFE_ENTRY);
    }
}

static void
test_bad_zip_bomb (void)
{
  g_autofree char *bomb = bad_path ("bomb.gcode.3mf");

  assert_open_fails ("bomb.gcode.3mf", AF_ARCHIVE_ERROR_TOO_LARGE);
  assert_open_fails ("too-many-entries.gcode.3mf", AF_ARCHIVE_ERROR_TOO_LARGE);
  assert_pack_fails (bomb, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE);
}

/* Declared sizes pass the checks at open; streaming catches the lie. */
static void
test_bad_lying_size (void)
{
  g_autofree char *path = bad_path ("lying-size.gcode.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(AfGcodeInfo) info = NULL;

  g_assert_no_error (error);
  g_assert_false (af_archive_verify_plate (archive, 1, NULL, &error));
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (af_archive_extract_plate (archive, 1, out, NULL, &error));
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), <=, 1000);
  g_clear_error (&error);
  info = af_archive_get_plate_info (archive, 1, &error);
  g_assert_null (info);
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE);
  g_assert_finalize_object (g_steal_pointer (&archive));

  assert_pack_fails (path, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE);
}

static void
test_bad_mesh_only (void)
{
  g_autofree char *path = bad_path ("mesh-only.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);

  g_assert_null (archive);
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_SLICED);
  /* It says what to do: slice, then export the plate. */
  g_assert_nonnull (strstr (error->message, "slice"));
  g_assert_nonnull (strstr (error->message, "export"));
  assert_pack_fails (path, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_SLICED);
}

static void
test_bad_not_archive (void)
{
  g_autofree char *no_gcode = bad_path ("no-gcode.zip");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *fifo = g_build_filename (dir, "fifo.gcode.3mf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = NULL;

  assert_open_fails ("not-a-zip.gcode.3mf", AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  assert_open_fails ("empty.gcode.3mf", AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  assert_open_fails ("no-gcode.zip", AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  assert_pack_fails (no_gcode, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE);

  /* A folder, and a FIFO that would block whoever opened it. */
  archive = open_path (dir, &error);
  g_assert_null (archive);
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  g_clear_error (&error);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  archive = open_path (fifo, &error);
  g_assert_null (archive);
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  assert_pack_fails (fifo, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  assert_pack_fails (dir, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NOT_ARCHIVE);
  remove_tree (dir);
}

static void
test_bad_md5_mismatch (void)
{
  g_autofree char *path = bad_path ("md5-mismatch.gcode.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);

  g_assert_no_error (error);
  g_assert_false (af_archive_verify_plate (archive, 1, NULL, &error));
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_MD5_MISMATCH);
  g_assert_finalize_object (g_steal_pointer (&archive));

  /* A damaged plate is not repacked under a fresh, matching MD5. */
  assert_pack_fails (path, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_MD5_MISMATCH);
}

static void
test_bad_no_such_plate (void)
{
  g_autofree char *path = corpus_path ("3mf", P1S_ARCHIVE);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = open_path (path, &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(AfGcodeInfo) info = NULL;

  g_assert_no_error (error);
  info = af_archive_get_plate_info (archive, 7, &error);
  g_assert_null (info);
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NO_SUCH_PLATE);
  g_clear_error (&error);
  g_assert_false (af_archive_verify_plate (archive, 7, NULL, &error));
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NO_SUCH_PLATE);
  g_clear_error (&error);
  g_assert_false (af_archive_extract_plate (archive, 7, out, NULL, &error));
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NO_SUCH_PLATE);
  g_assert_finalize_object (g_steal_pointer (&archive));

  assert_pack_fails (path, 7, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_NO_SUCH_PLATE);
}

/* Over 1 GB is refused before anything is written; a sparse file costs nothing. */
static void
test_bad_too_large (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "huge.gcode", NULL);
  FILE *file = g_fopen (path, "wb");

  g_assert_nonnull (file);
  fputs ("; generated by test-archive\nG1 X0 Y0\n", file);
  g_assert_cmpint (ftruncate (fileno (file), AF_GCODE_MAX_FILE_SIZE + 1), ==, 0);
  fclose (file);

  assert_pack_fails (path, 0, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_TOO_LARGE);
  remove_tree (dir);
}

typedef struct
{
  GCancellable *cancellable;
  const char   *dir;
  guint64       cancel_after;   /* bytes of progress */
  gboolean      saw_temp_file;
  guint         calls;
} CancelState;

static void
cancel_progress_cb (guint64  done,
                    guint64  total,
                    gpointer user_data)
{
  CancelState *state = user_data;

  state->calls++;
  g_assert_cmpuint (done, <=, total);
  if (done < state->cancel_after || g_cancellable_is_cancelled (state->cancellable))
    return;

  /* Mid-write a hidden temporary file exists beside the destination. */
  if (state->cancel_after > 0)
    {
      g_autofree char *listing = list_dir (state->dir);

      state->saw_temp_file = g_str_has_prefix (listing, ".out.gcode.3mf.");
    }
  g_cancellable_cancel (state->cancellable);
}

static void
assert_cancelled_at (guint64   cancel_after,
                     gboolean  expect_temp)
{
  g_autofree char *source = corpus_path ("gcode", "orcaslicer-2.3.0-k1max.gcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "out.gcode.3mf", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GFile) source_file = g_file_new_for_path (source);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  CancelState state = { cancellable, dir, cancel_after, FALSE, 0 };

  g_assert_false (af_archive_pack (source_file, 0, dest_file, cancel_progress_cb, &state,
                                   cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (state.calls, >, 0);
  g_assert_true (state.saw_temp_file == expect_temp);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
  g_assert_finalize_object (g_steal_pointer (&cancellable));
  remove_tree (dir);
}

static void
test_bad_cancelled (void)
{
  /* In the first pass (reading), then in the second (zip_close() writing). */
  assert_cancelled_at (0, FALSE);
  assert_cancelled_at (1767409 + 256 * 1024, TRUE);
}

static void
test_bad_same_file (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *source = corpus_path ("gcode", "cura-5.x-thumbnail.gcode");
  g_autofree char *copy = g_build_filename (dir, "part.gcode", NULL);
  g_autoptr(GBytes) before = read_file_bytes (source);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  g_file_set_contents (copy, g_bytes_get_data (before, NULL), g_bytes_get_size (before), &error);
  g_assert_no_error (error);
  g_assert_false (pack_path (copy, 0, copy, &error));
  g_assert_error (error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED);
  after = read_file_bytes (copy);
  g_assert_true (g_bytes_equal (before, after));
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "part.gcode");
  remove_tree (dir);
}

/* --- the async pair, small helpers ----------------------------------------- */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} AsyncResult;

static void
pack_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncResult *state = user_data;

  g_assert_null (source_object);
  state->ok = af_archive_pack_finish (result, &state->error);
  state->done = TRUE;
}

static void
test_pack_async (void)
{
  g_autofree char *source = corpus_path ("gcode", "orcaslicer-2.3.0-thumbnail-block.gcode");
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *dest = g_build_filename (dir, "async.gcode.3mf", NULL);
  g_autoptr(GFile) source_file = g_file_new_for_path (source);
  g_autoptr(GFile) dest_file = g_file_new_for_path (dest);
  g_autofree char *listing = NULL;
  AsyncResult state = { FALSE, FALSE, NULL };

  af_archive_pack_async (source_file, 0, dest_file, NULL, pack_done_cb, &state);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (state.error);
  g_assert_true (state.ok);

  run_checker (dest, 1, NULL, NULL, NULL);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "async.gcode.3mf");
  remove_tree (dir);
}

static void
assert_default_dest (const char *source,
                     const char *expected)
{
  g_autoptr(GFile) file = g_file_new_for_path (source);
  g_autoptr(GFile) dest = af_archive_default_dest (file);
  g_autofree char *path = g_file_get_path (dest);

  g_assert_cmpstr (path, ==, expected);
}

static void
test_default_dest (void)
{
  assert_default_dest ("/prints/cube.gcode", "/prints/cube.gcode.3mf");
  assert_default_dest ("/prints/cube.GCODE", "/prints/cube.gcode.3mf");
  assert_default_dest ("/prints/cube.bgcode", "/prints/cube.gcode.3mf");
  assert_default_dest ("/prints/cube.gcode.3mf", "/prints/cube-repacked.gcode.3mf");
  assert_default_dest ("/prints/notes", "/prints/notes.gcode.3mf");
}

static void
test_entry_names (void)
{
  const char *safe[] = {
    "Metadata/plate_1.gcode", "[Content_Types].xml", "_rels/.rels", "3D/", "a/b..c/d",
  };
  const char *unsafe[] = {
    "", "../evil", "Metadata/../../evil", "/etc/passwd", "Metadata\\..\\evil", "C:/evil",
    "c:evil", "a/./b", "a//b", "a/..", "bad\001name", "\xff\xfe",
  };

  for (guint i = 0; i < G_N_ELEMENTS (safe); i++)
    g_assert_true (af_archive_entry_name_is_safe (safe[i]));
  for (guint i = 0; i < G_N_ELEMENTS (unsafe); i++)
    g_assert_false (af_archive_entry_name_is_safe (unsafe[i]));
}

static void
test_model_ids (void)
{
  g_assert_cmpstr (af_archive_lookup_model_id ("Bambu Lab P1S"), ==, "C12");
  g_assert_cmpstr (af_archive_lookup_model_id ("Bambu Lab P1S 0.4 nozzle"), ==, "C12");
  g_assert_cmpstr (af_archive_lookup_model_id ("C12"), ==, "C12");
  g_assert_cmpstr (af_archive_lookup_model_id ("Bambu Lab A1 mini 0.2 nozzle"), ==, "N1");
  g_assert_cmpstr (af_archive_lookup_model_id ("Bambu Lab A1 0.4 nozzle"), ==, "N2S");
  g_assert_cmpstr (af_archive_lookup_model_id ("Bambu Lab H2D Pro"), ==, "O1E");
  /* Unknown printers get no id rather than a guess. */
  g_assert_null (af_archive_lookup_model_id ("Creality K1 Max"));
  g_assert_null (af_archive_lookup_model_id ("MK4S"));
  g_assert_null (af_archive_lookup_model_id ("Bambu Lab P1S Pro"));
  g_assert_null (af_archive_lookup_model_id (""));
  g_assert_null (af_archive_lookup_model_id (NULL));
}

static void
make_bad_archives (void)
{
  g_autofree char *script = g_build_filename (tests_srcdir (), "make-bad-archives.py", NULL);
  const char *argv[] = { "/usr/bin/python3", script, bad_dir, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  af_core_init ();

  bad_dir = make_tmp_dir ();
  make_bad_archives ();

  g_test_add_func ("/af/archive/pack/corpus", test_pack_corpus);
  g_test_add_func ("/af/archive/pack/preview", test_pack_preview);
  g_test_add_func ("/af/archive/pack/letterbox", test_pack_letterbox);
  g_test_add_func ("/af/archive/pack/async", test_pack_async);
  g_test_add_func ("/af/archive/md5-uppercase", test_md5_uppercase);
  g_test_add_func ("/af/archive/deterministic", test_deterministic);
  g_test_add_func ("/af/archive/vendor-entries", test_vendor_entries);
  g_test_add_func ("/af/archive/preview/modes", test_preview_modes);
  g_test_add_func ("/af/archive/preview/limits", test_preview_limits);
  g_test_add_func ("/af/archive/read/p1s", test_read_p1s);
  g_test_add_func ("/af/archive/read/two-rings", test_read_two_rings);
  g_test_add_func ("/af/archive/read/checker-on-vendor", test_checker_on_vendor);
  g_test_add_func ("/af/archive/repack/p1s", test_repack);
  g_test_add_func ("/af/archive/repack/plate-numbers", test_repack_plate_numbers);
  g_test_add_func ("/af/archive/bad/unsafe-names", test_bad_unsafe_names);
  g_test_add_func ("/af/archive/bad/zip-bomb", test_bad_zip_bomb);
  g_test_add_func ("/af/archive/bad/lying-size", test_bad_lying_size);
  g_test_add_func ("/af/archive/bad/mesh-only", test_bad_mesh_only);
  g_test_add_func ("/af/archive/bad/not-archive", test_bad_not_archive);
  g_test_add_func ("/af/archive/bad/md5-mismatch", test_bad_md5_mismatch);
  g_test_add_func ("/af/archive/bad/no-such-plate", test_bad_no_such_plate);
  g_test_add_func ("/af/archive/bad/too-large", test_bad_too_large);
  g_test_add_func ("/af/archive/bad/cancelled", test_bad_cancelled);
  g_test_add_func ("/af/archive/bad/same-file", test_bad_same_file);
  g_test_add_func ("/af/archive/default-dest", test_default_dest);
  g_test_add_func ("/af/archive/entry-names", test_entry_names);
  g_test_add_func ("/af/archive/model-ids", test_model_ids);

  result = g_test_run ();
  remove_tree (bad_dir);
  g_free (bad_dir);
  return result;
}
