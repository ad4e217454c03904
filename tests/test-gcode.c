/* test-gcode.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-gcode"

#include "config.h"

#include <math.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "af-bgcode.h"
#include "af-gcode-reader.h"
#include "af-test-util.h"

/* Every value asserted below was looked up by hand in the corpus file it
 * belongs to (grep), not taken from the parser's output.
 */

static char *tmp_dir;

static char *
corpus_path (const char *name)
{
  return g_build_filename (af_test_corpus_dir (), "gcode", name, NULL);
}

static GBytes *
corpus_bytes (const char *name)
{
  g_autofree char *path = corpus_path (name);
  g_autoptr(GError) error = NULL;
  char *data;
  gsize size;

  g_file_get_contents (path, &data, &size, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, size);
}

static AfGcodeInfo *
read_corpus (const char *name)
{
  g_autofree char *path = corpus_path (name);
  g_autoptr(GError) error = NULL;
  AfGcodeInfo *info = af_test_read_gcode (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

static void
assert_read_fails (const char *path,
                   GQuark      domain,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AfGcodeInfo) info = af_test_read_gcode (path, &error);

  g_assert_null (info);
  g_assert_error (error, domain, code);
  g_assert_nonnull (error->message);
  g_test_message ("%s: %s", path, error->message);
}

static void
assert_double (double actual,
               double expected)
{
  if (isnan (expected))
    g_assert_true (isnan (actual));
  else
    g_assert_cmpfloat_with_epsilon (actual, expected, 1e-9);
}

static void
assert_basics (AfGcodeInfo *info,
               const char  *slicer,
               const char  *version,
               const char  *model,
               const char  *bed_type,
               gint64       print_time,
               gint         layers,
               double       layer_height,
               double       max_z)
{
  g_assert_cmpstr (af_gcode_info_get_slicer_name (info), ==, slicer);
  g_assert_cmpstr (af_gcode_info_get_slicer_version (info), ==, version);
  g_assert_cmpstr (af_gcode_info_get_printer_model (info), ==, model);
  g_assert_cmpstr (af_gcode_info_get_bed_type (info), ==, bed_type);
  g_assert_cmpint (af_gcode_info_get_print_time (info), ==, print_time);
  g_assert_cmpint (af_gcode_info_get_layer_count (info), ==, layers);
  assert_double (af_gcode_info_get_layer_height (info), layer_height);
  assert_double (af_gcode_info_get_max_z (info), max_z);
}

static void
assert_nozzles (AfGcodeInfo *info,
                guint        n_expected,
                double       diameter)
{
  guint n_nozzles = G_MAXUINT;
  const double *nozzles = af_gcode_info_get_nozzle_diameters (info, &n_nozzles);

  g_assert_cmpuint (n_nozzles, ==, n_expected);
  for (guint i = 0; i < n_nozzles; i++)
    assert_double (nozzles[i], diameter);
}

static void
assert_filament (AfGcodeInfo *info,
                 guint        index,
                 const char  *type,
                 const char  *color,
                 double       length_m,
                 double       weight_g,
                 double       volume_cm3)
{
  const AfFilament *filament = af_gcode_info_get_filament (info, index);

  g_assert_nonnull (filament);
  g_assert_cmpstr (filament->type, ==, type);
  g_assert_cmpstr (filament->color, ==, color);
  assert_double (filament->length_m, length_m);
  assert_double (filament->weight_g, weight_g);
  assert_double (filament->volume_cm3, volume_cm3);
}

/* Checks the declared size and the embedded size (bytes of the image,
 * i.e. 3/4 of the base64 length the header gives), then decodes the
 * pixels and checks the real size matches the declared one.
 */
static void
assert_thumbnail (AfGcodeInfo       *info,
                  guint              index,
                  AfThumbnailFormat  format,
                  guint              width,
                  guint              height,
                  gsize              n_bytes)
{
  GListModel *thumbnails = af_gcode_info_get_thumbnails (info);
  g_autoptr(AfThumbnail) thumbnail = g_list_model_get_item (thumbnails, index);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (thumbnail);
  g_assert_cmpint (af_thumbnail_get_format (thumbnail), ==, format);
  g_assert_cmpuint (af_thumbnail_get_width (thumbnail), ==, width);
  g_assert_cmpuint (af_thumbnail_get_height (thumbnail), ==, height);
  g_assert_cmpuint (g_bytes_get_size (af_thumbnail_get_data (thumbnail)), ==, n_bytes);

  pixbuf = af_thumbnail_decode (thumbnail, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);
}

static void
assert_n_thumbnails (AfGcodeInfo *info,
                     guint        n_thumbnails)
{
  GListModel *thumbnails = af_gcode_info_get_thumbnails (info);

  g_assert_cmpuint (g_list_model_get_n_items (thumbnails), ==, n_thumbnails);
}

static void
assert_objects (AfGcodeInfo *info,
                const char  *first)
{
  const char * const *objects = af_gcode_info_get_objects (info);

  g_assert_nonnull (objects);
  g_assert_cmpstr (objects[0], ==, first);
  if (first != NULL)
    g_assert_null (objects[1]);
}

static void
test_duration (void)
{
  static const struct { const char *text; gint64 seconds; } good[] = {
    { "1d 2h 3m 4s", 93784 },
    { "2h 3m 4s", 7384 },
    { "1h 0m 5s", 3605 },
    { "3m 4s", 184 },
    { "26s", 26 },
    { "13m 5s", 785 },
    { "1h 32m 43s", 5563 },
    /* Rounded to the nearest second. */
    { "0.815957s", 1 },
    { "4.5s", 5 },
    { "2h 3m", 7380 },
    { "1 hour 2 minutes", 3720 },
    { "  3m 41s  ", 221 },
  };
  static const char *bad[] = {
    "", "   ", "abc", "26", "s", "3x", "1h 2h", "4s 3m", "-5s", "1d 2h 3m 4s 5s",
    "3m4", "nan s", "inf s", "1e3s", "0x10s", "3 m s", "99999999999999s",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 seconds = -1;

      g_assert_true (af_gcode_parse_duration (good[i].text, &seconds));
      g_assert_cmpint (seconds, ==, good[i].seconds);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 seconds = 42;

      g_assert_false (af_gcode_parse_duration (bad[i], &seconds));
      g_assert_cmpint (seconds, ==, 42);
    }
}

/* prusaslicer-2.9.3-thumbnails.gcode is trimmed to the head: generator line
 * and four thumbnails; no statistics and no settings block.
 */
static void
test_prusaslicer_2_9_3 (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("prusaslicer-2.9.3-thumbnails.gcode");

  g_assert_cmpint (af_gcode_info_get_kind (info), ==, AF_GCODE_KIND_ASCII);
  assert_basics (info, "PrusaSlicer", "2.9.3", NULL, NULL, -1, -1, NAN, NAN);
  assert_nozzles (info, 0, NAN);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 0);
  g_assert_true (isnan (af_gcode_info_get_total_weight (info)));
  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 0);
  assert_objects (info, NULL);

  /* "; thumbnail begin 16x16 576", "220x124 10640", "thumbnail_QOI 64x64
   * 3228", "thumbnail_JPG 64x64 2184": bytes are 3/4 of the base64 less
   * its padding.
   */
  assert_n_thumbnails (info, 4);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_PNG, 16, 16, 430);
  assert_thumbnail (info, 1, AF_THUMBNAIL_FORMAT_PNG, 220, 124, 7980);
  assert_thumbnail (info, 2, AF_THUMBNAIL_FORMAT_QOI, 64, 64, 2420);
  assert_thumbnail (info, 3, AF_THUMBNAIL_FORMAT_JPG, 64, 64, 1636);

  g_assert_finalize_object (g_steal_pointer (&info));
}

static void
assert_mini_cube (AfGcodeInfo *info)
{
  /* Printer metadata: printer_model = MK4S, nozzle_diameter = 0.4,
   * layer_height = 0.2, max_layer_z = 6.20; print metadata: 252.22 mm,
   * 0.61 cm3, 0.75 g, "3m 41s" normal mode; settings: filament_colour =
   * #FF8000. Prusa writes no layer count and no bed type.
   */
  assert_basics (info, "PrusaSlicer", "2.8.1", "MK4S", NULL, 221, -1, 0.2, 6.2);
  assert_nozzles (info, 1, 0.4);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  assert_filament (info, 0, "PLA", "#FF8000", 0.25222, 0.75, 0.61);
  assert_double (af_gcode_info_get_total_weight (info), 0.75);
  assert_objects (info, "Shape-Box");

  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 353);
  g_assert_cmpstr (af_gcode_info_get_setting (info, "arc_fitting"), ==, "emit_center");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "binary_gcode"), ==, "1");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "bed_custom_model"), ==, "");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "printer_settings_id"), ==,
                   "Original Prusa MK4S 0.4 nozzle");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "thumbnails"), ==, "16x16/QOI, 313x173/QOI");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "z_offset"), ==, "0");
  g_assert_null (af_gcode_info_get_setting (info, "printer_model_x"));

  /* "; thumbnail_QOI begin 16x16 368" and "313x173 14412". */
  assert_n_thumbnails (info, 2);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_QOI, 16, 16, 274);
  assert_thumbnail (info, 1, AF_THUMBNAIL_FORMAT_QOI, 313, 173, 10809);
}

static void
test_prusaslicer_2_8_1_ascii (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("prusaslicer-2.8.1-mini-cube.gcode");

  g_assert_cmpint (af_gcode_info_get_kind (info), ==, AF_GCODE_KIND_ASCII);
  assert_mini_cube (info);
  g_assert_finalize_object (g_steal_pointer (&info));
}

static void
test_prusaslicer_2_8_1_binary (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("prusaslicer-2.8.1-mini-cube.bgcode");

  g_assert_cmpint (af_gcode_info_get_kind (info), ==, AF_GCODE_KIND_BINARY);
  assert_mini_cube (info);
  g_assert_finalize_object (g_steal_pointer (&info));
}

static void
assert_same_strv (const char * const *a,
                  const char * const *b)
{
  g_assert_cmpuint (g_strv_length ((GStrv)a), ==, g_strv_length ((GStrv)b));
  for (guint i = 0; a[i] != NULL; i++)
    g_assert_cmpstr (a[i], ==, b[i]);
}

static void
assert_same_filaments (AfGcodeInfo *a,
                       AfGcodeInfo *b)
{
  g_assert_cmpuint (af_gcode_info_get_n_filaments (a), ==, af_gcode_info_get_n_filaments (b));
  for (guint i = 0; i < af_gcode_info_get_n_filaments (a); i++)
    {
      const AfFilament *fa = af_gcode_info_get_filament (a, i);

      assert_filament (b, i, fa->type, fa->color, fa->length_m, fa->weight_g, fa->volume_cm3);
    }
}

static void
assert_same_thumbnails (AfGcodeInfo *a,
                        AfGcodeInfo *b)
{
  GListModel *ta = af_gcode_info_get_thumbnails (a);
  GListModel *tb = af_gcode_info_get_thumbnails (b);

  g_assert_cmpuint (g_list_model_get_n_items (ta), ==, g_list_model_get_n_items (tb));
  for (guint i = 0; i < g_list_model_get_n_items (ta); i++)
    {
      g_autoptr(AfThumbnail) x = g_list_model_get_item (ta, i);
      g_autoptr(AfThumbnail) y = g_list_model_get_item (tb, i);

      g_assert_cmpint (af_thumbnail_get_format (x), ==, af_thumbnail_get_format (y));
      g_assert_cmpuint (af_thumbnail_get_width (x), ==, af_thumbnail_get_width (y));
      g_assert_cmpuint (af_thumbnail_get_height (x), ==, af_thumbnail_get_height (y));
      g_assert_true (g_bytes_equal (af_thumbnail_get_data (x), af_thumbnail_get_data (y)));
    }
}

/* Every field but the kind, compared one by one. */
static void
assert_same_info (AfGcodeInfo *a,
                  AfGcodeInfo *b)
{
  const char * const *keys = af_gcode_info_get_setting_keys (a);
  guint n_a, n_b;
  const double *na = af_gcode_info_get_nozzle_diameters (a, &n_a);
  const double *nb = af_gcode_info_get_nozzle_diameters (b, &n_b);

  assert_basics (b, af_gcode_info_get_slicer_name (a), af_gcode_info_get_slicer_version (a),
                 af_gcode_info_get_printer_model (a), af_gcode_info_get_bed_type (a),
                 af_gcode_info_get_print_time (a), af_gcode_info_get_layer_count (a),
                 af_gcode_info_get_layer_height (a), af_gcode_info_get_max_z (a));
  g_assert_cmpuint (n_a, ==, n_b);
  for (guint i = 0; i < n_a; i++)
    assert_double (nb[i], na[i]);
  assert_same_filaments (a, b);
  assert_double (af_gcode_info_get_total_weight (b), af_gcode_info_get_total_weight (a));
  assert_same_strv (af_gcode_info_get_objects (a), af_gcode_info_get_objects (b));
  assert_same_strv (keys, af_gcode_info_get_setting_keys (b));
  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_cmpstr (af_gcode_info_get_setting (a, keys[i]), ==,
                     af_gcode_info_get_setting (b, keys[i]));
  assert_same_thumbnails (a, b);
}

static void
test_mini_cube_agree (void)
{
  g_autoptr(AfGcodeInfo) ascii = read_corpus ("prusaslicer-2.8.1-mini-cube.gcode");
  g_autoptr(AfGcodeInfo) binary = read_corpus ("prusaslicer-2.8.1-mini-cube.bgcode");

  assert_same_info (ascii, binary);
  assert_same_info (binary, ascii);

  g_assert_finalize_object (g_steal_pointer (&ascii));
  g_assert_finalize_object (g_steal_pointer (&binary));
}

/* Bambu Studio 01.09 CLI for a vendor printer: HEADER_BLOCK + CONFIG_BLOCK
 * at the head. "filament_density: 0" makes it write "total filament weight
 * [g] : 0.00", which is unknown rather than weightless: the weight is
 * absent. "total filament volume [cm^3] : 33.64" is mm³ (13.99 mm of
 * 1.75 mm filament is 33.65 mm³), so 0.03364 cm³. printer_model is empty.
 */
static void
test_bambustudio_01_09 (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("bambustudio-01.09-cli-plate_1.gcode");

  assert_basics (info, "BambuStudio", "01.09.07.52", NULL, "Cool Plate", 26, 2, 0.2, 0.4);
  assert_nozzles (info, 1, 0.4);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  assert_filament (info, 0, "PLA", "#00AE42", 0.01399, NAN, 0.03364);
  g_assert_true (isnan (af_gcode_info_get_total_weight (info)));
  assert_objects (info, NULL);

  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 334);
  g_assert_cmpstr (af_gcode_info_get_setting (info, "accel_to_decel_factor"), ==, "50%");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "curr_bed_type"), ==, "Cool Plate");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "different_settings_to_system"), ==, ";");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "printer_model"), ==, "");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "thumbnail_size"), ==, "50x50");

  /* "; thumbnail begin 50x50 276" inside a THUMBNAIL_BLOCK. */
  assert_n_thumbnails (info, 1);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_PNG, 50, 50, 206);

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* Bambu Studio 01.10 for a Creality K1 Max: the header has "estimated
 * printing time (normal mode) = 13m 5s"; 1503.61 mm, 4.48 g, and 3616.61
 * "cm^3" that are mm³ (1503.61 mm × π × 0.875² = 3616.6 mm³).
 */
static void
test_bambustudio_01_10 (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("bambustudio-01.10-generic.gcode");

  assert_basics (info, "BambuStudio", "01.10.02.76", "Creality K1 Max", "High Temp Plate",
                 785, 25, 0.2, 5.0);
  assert_nozzles (info, 1, 0.4);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  assert_filament (info, 0, "PLA", "#00AE42", 1.50361, 4.48, 3.61661);
  assert_double (af_gcode_info_get_total_weight (info), 4.48);
  assert_objects (info, NULL);

  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 349);
  g_assert_cmpstr (af_gcode_info_get_setting (info, "default_filament_profile"), ==,
                   "\"Generic PLA @Creality\"");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "printer_settings_id"), ==,
                   "Creality K1 Max 0.4 nozzle");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "thumbnail_size"), ==, "96x96,300x300");

  /* "; thumbnail begin 96x96 1656" and "300x300 7304". */
  assert_n_thumbnails (info, 2);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_PNG, 96, 96, 1240);
  assert_thumbnail (info, 1, AF_THUMBNAIL_FORMAT_PNG, 300, 300, 5478);

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* Cura 5.9.1: ";TIME:2848", ";Filament used: 1.67714m", ";Layer height:
 * 0.2", ";MAXZ:5", ";TARGET_MACHINE.NAME:Creality K1 Max", ";LAYER_COUNT:25",
 * ";MESH:TC_Top.stl". No filament type, colour, weight, nozzle or settings.
 */
static void
test_cura_5_9_1 (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("cura-5.9.1.gcode");

  assert_basics (info, "Cura", "5.9.1", "Creality K1 Max", NULL, 2848, 25, 0.2, 5.0);
  assert_nozzles (info, 0, NAN);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  assert_filament (info, 0, NULL, NULL, 1.67714, NAN, NAN);
  g_assert_true (isnan (af_gcode_info_get_total_weight (info)));
  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 0);
  assert_objects (info, "TC_Top.stl");
  assert_n_thumbnails (info, 0);
  g_assert_null (af_gcode_info_get_best_thumbnail (info));

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* Cura 5.10.2 with the CreateThumbnail script: ";TIME:2147", ";Filament
 * used: 1.39753m", ";Layer height: 0.1", ";MAXZ:20", "Printrbot Simple",
 * ";LAYER_COUNT:198", "; thumbnail begin 64x64 3760".
 */
static void
test_cura_thumbnail (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("cura-5.x-thumbnail.gcode");

  assert_basics (info, "Cura", "5.10.2", "Printrbot Simple", NULL, 2147, 198, 0.1, 20.0);
  assert_nozzles (info, 0, NAN);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  assert_filament (info, 0, NULL, NULL, 1.39753, NAN, NAN);
  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 0);
  assert_objects (info, NULL);

  assert_n_thumbnails (info, 1);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_PNG, 64, 64, 2818);

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* OrcaSlicer 2.3.0-beta2 for a K1 Max: stats and CONFIG_BLOCK at the tail.
 * Two filaments, the first unused: "filament used [mm] = 0.00, 32105.52",
 * "[cm3] = 0.00, 77.22", "[g] = 0.00, 95.76", filament_type = PLA;PLA,
 * filament_colour = #ffffff;#000000; "1h 32m 43s"; 190 layers; max_z_height
 * 38.00. The config block has 499 lines but 497 keys: wipe_tower_x and _y
 * appear twice and the later value wins.
 */
static void
test_orcaslicer_k1max (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("orcaslicer-2.3.0-k1max.gcode");

  assert_basics (info, "OrcaSlicer", "2.3.0-beta2", "CR-K1 Max", "High Temp Plate",
                 5563, 190, 0.2, 38.0);
  assert_nozzles (info, 1, 0.4);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 2);
  assert_filament (info, 0, "PLA", "#FFFFFF", 0, 0, 0);
  assert_filament (info, 1, "PLA", "#000000", 32.10552, 95.76, 77.22);
  assert_double (af_gcode_info_get_total_weight (info), 95.76);
  assert_objects (info, "AzulTileTray.stl");

  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 497);
  g_assert_cmpstr (af_gcode_info_get_setting (info, "wipe_tower_x"), ==, "240");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "first_layer_height"), ==, "0.200");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "thumbnails"), ==, "96x96/PNG, 300x300/PNG");
  g_assert_cmpstr (af_gcode_info_get_setting (info, "required_nozzle_HRC"), ==, "0,0");

  /* "; thumbnail begin 96x96 1296" and "300x300 4776". */
  assert_n_thumbnails (info, 2);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_PNG, 96, 96, 971);
  assert_thumbnail (info, 1, AF_THUMBNAIL_FORMAT_PNG, 300, 300, 3582);

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* OrcaSlicer 2.3.0, trimmed: header (72 layers, max_z_height 20.08) and two
 * THUMBNAIL_BLOCKs (160x160 1672, 112x112 1148). Its filament_density and
 * filament_diameter alone do not make a filament.
 */
static void
test_orcaslicer_thumbnail_block (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("orcaslicer-2.3.0-thumbnail-block.gcode");

  assert_basics (info, "OrcaSlicer", "2.3.0", NULL, NULL, -1, 72, NAN, 20.08);
  assert_nozzles (info, 0, NAN);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 0);
  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 0);
  assert_objects (info, NULL);

  assert_n_thumbnails (info, 2);
  assert_thumbnail (info, 0, AF_THUMBNAIL_FORMAT_PNG, 160, 160, 1252);
  assert_thumbnail (info, 1, AF_THUMBNAIL_FORMAT_PNG, 112, 112, 861);

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* A new corpus file fails here until a test asserts its values. */
static void
test_corpus_covered (void)
{
  static const char *tested[] = {
    "bambustudio-01.09-cli-plate_1.gcode",
    "bambustudio-01.10-generic.gcode",
    "cura-5.9.1.gcode",
    "cura-5.x-thumbnail.gcode",
    "orcaslicer-2.3.0-k1max.gcode",
    "orcaslicer-2.3.0-thumbnail-block.gcode",
    "prusaslicer-2.8.1-mini-cube.bgcode",
    "prusaslicer-2.8.1-mini-cube.gcode",
    "prusaslicer-2.9.3-thumbnails.gcode",
  };
  g_autofree char *dir_path = g_build_filename (af_test_corpus_dir (), "gcode", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;
  guint n_files = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_true (g_strv_contains (tested, name));
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (tested));
}

static GBytes *
read_stream_all (GInputStream *stream)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  /* Small, odd-sized reads cross block and buffer edges. */
  for (;;)
    {
      g_autoptr(GBytes) chunk = g_input_stream_read_bytes (stream, 997, NULL, &error);

      g_assert_no_error (error);
      if (g_bytes_get_size (chunk) == 0)
        break;
      g_byte_array_append (all, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

/* The lines that carry something, stripped: not blank, not a bare ";". */
static GPtrArray *
content_lines (GBytes *text,
               guint  *n_g1)
{
  g_autofree char *copy = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  *n_g1 = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (*line == '\0' || strcmp (line, ";") == 0)
        continue;
      if (g_str_has_prefix (line, "G1 "))
        (*n_g1)++;
      g_ptr_array_add (result, g_strdup (line));
    }

  return result;
}

static guint
find_line (GPtrArray  *lines,
           const char *line)
{
  guint index = G_MAXUINT;

  g_assert_true (g_ptr_array_find_with_equal_func (lines, line, g_str_equal, &index));
  return index;
}

/* What is true of the two mini-cube files: the .gcode was made from the
 * .bgcode by libbgcode. Its G-code part (from "M73 P0 R3" to the last
 * "M73 Q100 S0") equals the decoded G-code blocks line for line, comments
 * included, once blank and bare ";" lines are set aside (the .gcode has
 * none) and one comment of the end G-code, "; max_layer_z = 6.2", that the
 * .gcode lacks. The spaces MeatPack's no-spaces mode removed from G lines
 * are back: "G1 X42 Y-4 Z5 F4800".
 */
static void
test_bgcode_text_stream (void)
{
  g_autofree char *path = corpus_path ("prusaslicer-2.8.1-mini-cube.bgcode");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = af_gcode_open_text_stream (file, NULL, &error);
  g_autoptr(GBytes) decoded = NULL;
  g_autoptr(GBytes) ascii = corpus_bytes ("prusaslicer-2.8.1-mini-cube.gcode");
  g_autoptr(GPtrArray) decoded_lines = NULL;
  g_autoptr(GPtrArray) ascii_lines = NULL;
  guint decoded_g1, ascii_g1, first, last;

  g_assert_no_error (error);
  decoded = read_stream_all (stream);
  g_assert_true (g_input_stream_close (stream, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (memchr (g_bytes_get_data (decoded, NULL), '\0', g_bytes_get_size (decoded)));
  g_assert_cmpuint (g_bytes_get_size (decoded), ==, 54225);

  decoded_lines = content_lines (decoded, &decoded_g1);
  ascii_lines = content_lines (ascii, &ascii_g1);
  g_assert_cmpuint (decoded_g1, ==, 1689);
  g_assert_cmpuint (ascii_g1, ==, 1689);

  g_ptr_array_remove_index (decoded_lines, find_line (decoded_lines, "; max_layer_z = 6.2"));
  first = find_line (ascii_lines, "M73 P0 R3");
  last = ascii_lines->len - 1;
  while (strcmp (g_ptr_array_index (ascii_lines, last), "M73 Q100 S0") != 0)
    last--;
  g_assert_cmpuint (decoded_lines->len, ==, last - first + 1);
  g_assert_cmpuint (decoded_lines->len, ==, 2540);
  for (guint i = 0; i < decoded_lines->len; i++)
    g_assert_cmpstr (g_ptr_array_index (decoded_lines, i), ==,
                     g_ptr_array_index (ascii_lines, first + i));

  g_assert_nonnull (strstr (g_bytes_get_data (decoded, NULL), "\nG1 X42 Y-4 Z5 F4800\n"));
  g_assert_nonnull (strstr (g_bytes_get_data (decoded, NULL), "\nM862.3 P \"MK4S\"\n"));

  g_assert_finalize_object (g_steal_pointer (&stream));
}

static void
test_plain_text_stream (void)
{
  g_autofree char *path = corpus_path ("cura-5.x-thumbnail.gcode");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = af_gcode_open_text_stream (file, NULL, &error);
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GBytes) expected = corpus_bytes ("cura-5.x-thumbnail.gcode");

  g_assert_no_error (error);
  g_assert_true (G_IS_FILE_INPUT_STREAM (stream));
  text = read_stream_all (stream);
  g_assert_true (g_bytes_equal (text, expected));
  g_assert_finalize_object (g_steal_pointer (&stream));
}

static void
test_text_stream_errors (void)
{
  g_autoptr(GFile) dir = g_file_new_for_path (tmp_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = af_gcode_open_text_stream (dir, NULL, &error);

  g_assert_null (stream);
  g_assert_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
}

static GBytes *
window (GBytes *bytes,
        gsize   offset,
        gsize   size)
{
  return g_bytes_new_from_bytes (bytes, offset, MIN (size, g_bytes_get_size (bytes) - offset));
}

/* The archive reader's path: the same parser over windows held in memory. */
static void
test_read_bytes (void)
{
  g_autoptr(GBytes) whole = corpus_bytes ("orcaslicer-2.3.0-k1max.gcode");
  gsize size = g_bytes_get_size (whole);
  g_autoptr(GBytes) head = window (whole, 0, AF_GCODE_WINDOW_SIZE);
  g_autoptr(GBytes) tail = window (whole, size - AF_GCODE_WINDOW_SIZE, AF_GCODE_WINDOW_SIZE);
  g_autoptr(GBytes) binary = corpus_bytes ("prusaslicer-2.8.1-mini-cube.bgcode");
  g_autoptr(GBytes) binary_head = window (binary, 0, 17 * 1024);
  g_autoptr(AfGcodeInfo) from_file = read_corpus ("orcaslicer-2.3.0-k1max.gcode");
  g_autoptr(AfGcodeInfo) from_whole = NULL;
  g_autoptr(AfGcodeInfo) from_windows = NULL;
  g_autoptr(AfGcodeInfo) from_binary = NULL;
  g_autoptr(AfGcodeInfo) from_binary_head = NULL;
  g_autoptr(GError) error = NULL;

  from_whole = af_gcode_read_bytes (whole, NULL, &error);
  g_assert_no_error (error);
  assert_same_info (from_file, from_whole);

  from_windows = af_gcode_read_bytes (head, tail, &error);
  g_assert_no_error (error);
  assert_same_info (from_file, from_windows);

  from_binary = af_gcode_read_bytes (binary, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (af_gcode_info_get_kind (from_binary), ==, AF_GCODE_KIND_BINARY);
  assert_mini_cube (from_binary);

  /* Every metadata block lies before the G-code block at byte 16727, in
   * the first 17 KiB; a window is read up to that block. (The tail only
   * says "this is a window"; it plays no part for a .bgcode.)
   */
  from_binary_head = af_gcode_read_bytes (binary_head, binary_head, &error);
  g_assert_no_error (error);
  assert_mini_cube (from_binary_head);

  g_assert_finalize_object (g_steal_pointer (&from_file));
  g_assert_finalize_object (g_steal_pointer (&from_whole));
  g_assert_finalize_object (g_steal_pointer (&from_windows));
  g_assert_finalize_object (g_steal_pointer (&from_binary));
  g_assert_finalize_object (g_steal_pointer (&from_binary_head));
}

static void
read_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AfGcodeInfo **info = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_null (source);
  *info = af_gcode_read_file_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_read_async (void)
{
  g_autofree char *path = corpus_path ("prusaslicer-2.8.1-mini-cube.bgcode");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  AfGcodeInfo *info = NULL;

  af_gcode_read_file_async (file, NULL, read_async_cb, &info);
  while (info == NULL)
    g_main_context_iteration (NULL, TRUE);

  assert_mini_cube (info);
  g_assert_finalize_object (info);
}

static void
test_cancelled (void)
{
  g_autofree char *path = corpus_path ("cura-5.9.1.gcode");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AfGcodeInfo) info = NULL;

  g_cancellable_cancel (cancellable);
  info = af_gcode_read_file (file, cancellable, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* G-code lines that carry no metadata, to push the tail out of the head. */
static void
append_filler (GString *text,
               gsize    size)
{
  while (text->len < size)
    g_string_append (text, "G1 X10.000 Y10.000 E0.01000\n");
}

/* A 3.5 MiB file: the Orca head (header, thumbnails), a body no window
 * reaches, the Orca tail (stats, settings). Only the windows are read and
 * everything is found.
 */
static void
test_windows (void)
{
  g_autoptr(GBytes) orca = corpus_bytes ("orcaslicer-2.3.0-k1max.gcode");
  const char *data = g_bytes_get_data (orca, NULL);
  const char *body = strstr (data, "; EXECUTABLE_BLOCK_START\n");
  const char *tail = strstr (data, "; EXECUTABLE_BLOCK_END\n");
  g_autoptr(GString) text = g_string_new_len (data, body - data);
  g_autofree char *path = NULL;
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(AfGcodeInfo) original = read_corpus ("orcaslicer-2.3.0-k1max.gcode");
  g_autoptr(GError) error = NULL;

  append_filler (text, text->len + 3 * AF_GCODE_WINDOW_SIZE + 12345);
  g_string_append (text, tail);
  path = af_test_write_file (tmp_dir, "windows.gcode", text->str, text->len);

  info = af_test_read_gcode (path, &error);
  g_assert_no_error (error);
  /* The body's object labels are outside both windows. */
  g_assert_null (af_gcode_info_get_objects (info)[0]);
  g_assert_cmpuint (af_gcode_info_get_n_settings (info), ==, 497);
  assert_basics (info, "OrcaSlicer", "2.3.0-beta2", "CR-K1 Max", "High Temp Plate",
                 5563, 190, 0.2, 38.0);
  assert_same_filaments (original, info);
  assert_same_thumbnails (original, info);

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* A thumbnail straddling the edge of the head window of a large file is
 * skipped, not an error: the file is sound.
 */
static void
test_window_cuts_thumbnail (void)
{
  g_autoptr(GBytes) prusa = corpus_bytes ("prusaslicer-2.9.3-thumbnails.gcode");
  const char *data = g_bytes_get_data (prusa, NULL);
  const char *second = strstr (data, "; thumbnail begin 220x124");
  g_autoptr(GString) text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  text = g_string_new ("; generated by PrusaSlicer 2.9.3 on 2025-10-23 at 09:54:44 UTC\n");
  while (text->len < AF_GCODE_WINDOW_SIZE - 4000)
    g_string_append (text, ";\n");
  g_string_append_len (text, second, strstr (second, "; thumbnail end\n") - second + 16);
  append_filler (text, 3 * AF_GCODE_WINDOW_SIZE);
  g_string_append (text, "; estimated printing time (normal mode) = 1h 0m 5s\n");
  path = af_test_write_file (tmp_dir, "cut-thumbnail.gcode", text->str, text->len);

  info = af_test_read_gcode (path, &error);
  g_assert_no_error (error);
  assert_n_thumbnails (info, 0);
  g_assert_cmpint (af_gcode_info_get_print_time (info), ==, 3605);
  g_assert_cmpstr (af_gcode_info_get_slicer_name (info), ==, "PrusaSlicer");

  g_assert_finalize_object (g_steal_pointer (&info));
}

/* Headers of slicers not in the corpus, as slicer-formats.md §3 quotes
 * them from real files.
 */
static void
test_other_slicers (void)
{
  static const char ideamaker[] =
    ";Sliced by ideaMaker 5.1.4.8480, 2025-03-11 18:58:10 UTC+0100\n"
    ";Slicer Version: 5.1.4.8480\n"
    ";Filament Type #1: PLA\n"
    ";Printer Type: RAISE3D Pro3\n"
    ";Bounding Box: 117.881 182.118 119.589 180.411 0.000 5.050\n"
    "G28\n"
    ";Print Time: 1835\n"
    ";Material#1 Used: 1643.4\n";
  static const char creality[] =
    "; HEADER_BLOCK_START\n"
    "; generated by Creality_Print V5.1.4.10249 on 2025-03-09 at 15:18:57\n"
    "; total layer number: 20\n"
    "; HEADER_BLOCK_END\n"
    "G28\n"
    "; filament used [mm]: 10882.04\n"
    "; filament cost = 0.65; total filament used [g] = 32.46\n"
    "; total estimated time: 39m 16s\n";
  /* 3458.78 mm × π × 0.875² = 8319.3 mm³: the "cm^3" value is mm³. */
  static const char bambu[] =
    "; HEADER_BLOCK_START\n"
    "; BambuStudio 01.09.07.52\n"
    "; model printing time: 48m 33s; total estimated time: 54m 16s\n"
    "; total layer number: 350\n"
    "; total filament length [mm] : 3458.78\n"
    "; total filament volume [cm^3] : 8319.35\n"
    "; total filament weight [g] : 10.48\n"
    "; filament_density: 1.26\n"
    "; filament_diameter: 1.75\n"
    "; max_z_height: 70.00\n"
    "; HEADER_BLOCK_END\n";
  static const char simplify3d[] =
    "; G-Code generated by Simplify3D(R) Version 4.1.2\n"
    ";   layerHeight,0.2\n"
    ";   extruderDiameter,0.4\n"
    ";   printMaterial,PLA\n"
    "G28\n"
    ";   Build time: 1 hour 2 minutes\n"
    ";   Filament length: 1234.5 mm (1.23 m)\n"
    ";   Plastic weight: 3.45 g (0.01 lb)\n";
  static const char griffin[] =
    ";START_OF_HEADER\n"
    ";FLAVOR:Griffin\n"
    ";GENERATOR.NAME:Cura_SteamEngine\n"
    ";GENERATOR.VERSION:4.5.0\n"
    ";TARGET_MACHINE.NAME:Ultimaker 3\n"
    ";EXTRUDER_TRAIN.0.MATERIAL.VOLUME_USED:1234\n"
    ";EXTRUDER_TRAIN.0.NOZZLE.DIAMETER:0.4\n"
    ";PRINT.TIME:1800\n"
    ";PRINT.SIZE.MAX.Z:3.2\n"
    ";END_OF_HEADER\n";
  g_autoptr(GBytes) ideamaker_bytes = g_bytes_new_static (ideamaker, sizeof ideamaker - 1);
  g_autoptr(GBytes) creality_bytes = g_bytes_new_static (creality, sizeof creality - 1);
  g_autoptr(GBytes) bambu_bytes = g_bytes_new_static (bambu, sizeof bambu - 1);
  g_autoptr(GBytes) simplify3d_bytes = g_bytes_new_static (simplify3d, sizeof simplify3d - 1);
  g_autoptr(GBytes) griffin_bytes = g_bytes_new_static (griffin, sizeof griffin - 1);
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = af_gcode_read_bytes (ideamaker_bytes, NULL, &error);
  g_assert_no_error (error);
  assert_basics (info, "ideaMaker", "5.1.4.8480", "RAISE3D Pro3", NULL, 1835, -1, NAN, 5.05);
  assert_filament (info, 0, "PLA", NULL, 1.6434, NAN, NAN);
  g_assert_finalize_object (g_steal_pointer (&info));

  info = af_gcode_read_bytes (creality_bytes, NULL, &error);
  g_assert_no_error (error);
  assert_basics (info, "Creality_Print", "V5.1.4.10249", NULL, NULL, 2356, 20, NAN, NAN);
  assert_filament (info, 0, NULL, NULL, 10.88204, 32.46, NAN);
  g_assert_finalize_object (g_steal_pointer (&info));

  info = af_gcode_read_bytes (bambu_bytes, NULL, &error);
  g_assert_no_error (error);
  assert_basics (info, "BambuStudio", "01.09.07.52", NULL, NULL, 3256, 350, NAN, 70.0);
  g_assert_cmpuint (af_gcode_info_get_n_filaments (info), ==, 1);
  assert_filament (info, 0, NULL, NULL, 3.45878, 10.48, 8.31935);
  g_assert_finalize_object (g_steal_pointer (&info));

  info = af_gcode_read_bytes (simplify3d_bytes, NULL, &error);
  g_assert_no_error (error);
  assert_basics (info, "Simplify3D", "4.1.2", NULL, NULL, 3720, -1, 0.2, NAN);
  assert_nozzles (info, 1, 0.4);
  assert_filament (info, 0, "PLA", NULL, 1.2345, 3.45, NAN);
  g_assert_finalize_object (g_steal_pointer (&info));

  info = af_gcode_read_bytes (griffin_bytes, NULL, &error);
  g_assert_no_error (error);
  assert_basics (info, "Cura", "4.5.0", "Ultimaker 3", NULL, 1800, -1, NAN, 3.2);
  assert_nozzles (info, 1, 0.4);
  assert_filament (info, 0, NULL, NULL, NAN, NAN, 1.234);
  g_assert_finalize_object (g_steal_pointer (&info));
}

static void
test_heatshrink (void)
{
  /* Hand-encoded with window 8, lookahead 4: literals 'a' 'b' 'c', then a
   * back-reference of distance 3 and length 6.
   */
  static const guint8 abc[] = { 0xb0, 0xd8, 0xac, 0x60, 0x25 };
  /* A reference before the first byte reads the zeroed window: distance 2,
   * length 3, then literal 'x'.
   */
  static const guint8 zeros[] = { 0x00, 0x95, 0xe0 };
  guint8 out[16];

  g_assert_true (af_bgcode_heatshrink_decode (abc, sizeof abc, 8, 4, out, 9));
  g_assert_cmpmem (out, 9, "abcabcabc", 9);
  g_assert_true (af_bgcode_heatshrink_decode (zeros, sizeof zeros, 8, 4, out, 4));
  g_assert_cmpmem (out, 4, "\0\0\0x", 4);

  /* Too little input, or more output than the block declares. */
  g_assert_false (af_bgcode_heatshrink_decode (abc, sizeof abc - 2, 8, 4, out, 9));
  g_assert_false (af_bgcode_heatshrink_decode (abc, sizeof abc, 8, 4, out, 10));
  g_assert_false (af_bgcode_heatshrink_decode (abc, sizeof abc, 8, 4, out, 7));
}

/* Bad input. Each is made at test time from corpus bytes in a temp dir. */

static void
test_bad_empty (void)
{
  g_autofree char *path = af_test_write_file (tmp_dir, "empty.gcode", "", 0);

  assert_read_fails (path, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
}

static void
test_bad_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  g_autofree guint8 *data = g_malloc (64 * 1024);
  g_autofree char *path = NULL;
  g_autofree char *text_path = NULL;

  for (gsize i = 0; i < 64 * 1024; i++)
    data[i] = (guint8)g_rand_int_range (rand, 0, 256);
  path = af_test_write_file (tmp_dir, "garbage.gcode", data, 64 * 1024);
  assert_read_fails (path, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);

  text_path = af_test_write_file (tmp_dir, "text.gcode", "Hello, world.\nNothing to print here.\n",
                                  37);
  assert_read_fails (text_path, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
}

static void
test_bad_image (void)
{
  g_autoptr(AfGcodeInfo) info = read_corpus ("prusaslicer-2.9.3-thumbnails.gcode");
  g_autoptr(AfThumbnail) png = g_list_model_get_item (af_gcode_info_get_thumbnails (info), 1);
  GBytes *data = af_thumbnail_get_data (png);
  g_autofree char *path = NULL;

  path = af_test_write_file (tmp_dir, "image.gcode", g_bytes_get_data (data, NULL),
                             g_bytes_get_size (data));

  assert_read_fails (path, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
}

static char *
edited_corpus (const char *name,
               const char *tmp_name,
               const char *find,
               const char *replace)
{
  g_autoptr(GBytes) bytes = corpus_bytes (name);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  char *at = strstr (text, find);
  g_autoptr(GString) edited = g_string_new (NULL);

  g_assert_nonnull (at);
  g_string_append_len (edited, text, at - text);
  g_string_append (edited, replace);
  g_string_append (edited, at + strlen (find));
  return af_test_write_file (tmp_dir, tmp_name, edited->str, edited->len);
}

static void
test_bad_truncated_thumbnail (void)
{
  g_autoptr(GBytes) bytes = corpus_bytes ("prusaslicer-2.9.3-thumbnails.gcode");
  const char *data = g_bytes_get_data (bytes, NULL);
  const char *cut = strstr (data, "; thumbnail begin 220x124") + 2000;
  g_autofree char *path = af_test_write_file (tmp_dir, "truncated-thumbnail.gcode", data,
                                              cut - data);

  assert_read_fails (path, AF_GCODE_ERROR, AF_GCODE_ERROR_TRUNCATED);
}

static void
test_bad_thumbnail_length (void)
{
  g_autofree char *longer = edited_corpus ("prusaslicer-2.9.3-thumbnails.gcode", "length-1.gcode",
                                           "begin 16x16 576", "begin 16x16 577");
  g_autofree char *shorter = edited_corpus ("cura-5.x-thumbnail.gcode", "length-2.gcode",
                                            "begin 64x64 3760", "begin 64x64 3000");

  assert_read_fails (longer, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
  assert_read_fails (shorter, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
}

static void
test_bad_base64 (void)
{
  const char *orca = "orcaslicer-2.3.0-thumbnail-block.gcode";
  g_autofree char *bad_char = edited_corpus (orca, "base64-1.gcode",
                                             "; AM5i/wLorsq7", "; AM5i!wLorsq7");
  /* Right length, but padding in the middle. */
  g_autofree char *bad_padding = edited_corpus (orca, "base64-2.gcode",
                                                "; AM5i/wLorsq7", "; AM5i=wLorsq7");
  g_autofree char *unclosed = edited_corpus ("prusaslicer-2.9.3-thumbnails.gcode", "unclosed.gcode",
                                             "; thumbnail_JPG end\n", "");
  g_autofree char *bad_header = edited_corpus ("prusaslicer-2.9.3-thumbnails.gcode", "header.gcode",
                                               "begin 16x16 576", "begin 16xsixteen 576");

  assert_read_fails (bad_char, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
  assert_read_fails (bad_padding, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
  assert_read_fails (unclosed, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
  assert_read_fails (bad_header, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
}

static void
test_bad_truncated_bgcode (void)
{
  /* Inside the file header, a block header, the printer metadata, a
   * thumbnail, the G-code block; and 90, right after the first block,
   * where nothing but the missing G-code shows the cut.
   */
  static const gsize cuts[] = { 0, 4, 9, 10, 13, 90, 700, 5000, 16000, 20000, 26842 };
  g_autoptr(GBytes) bytes = corpus_bytes ("prusaslicer-2.8.1-mini-cube.bgcode");

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 26843);
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-%" G_GSIZE_FORMAT ".bgcode", cuts[i]);
      g_autofree char *path = af_test_write_file (tmp_dir, name, g_bytes_get_data (bytes, NULL),
                                                  cuts[i]);
      g_autoptr(GBytes) cut = window (bytes, 0, cuts[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(AfGcodeInfo) info = NULL;
      /* An empty file has no magic, so it is not G-code at all. */
      int code = cuts[i] == 0 ? AF_GCODE_ERROR_NOT_GCODE : AF_GCODE_ERROR_TRUNCATED;

      assert_read_fails (path, AF_GCODE_ERROR, code);
      info = af_gcode_read_bytes (cut, NULL, &error);
      g_assert_null (info);
      g_assert_error (error, AF_GCODE_ERROR, code);
    }
}

static char *
edited_bgcode (const char *tmp_name,
               gsize       offset,
               guint8      value)
{
  g_autoptr(GBytes) bytes = corpus_bytes ("prusaslicer-2.8.1-mini-cube.bgcode");
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  data[offset] = value;
  return af_test_write_file (tmp_dir, tmp_name, data, g_bytes_get_size (bytes));
}

static void
assert_stream_fails (const char *path,
                     int         code)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = af_gcode_open_text_stream (file, NULL, &error);
  g_autoptr(GBytes) text = NULL;

  g_assert_no_error (error);
  text = g_input_stream_read_bytes (stream, 4096, NULL, &error);
  g_assert_null (text);
  g_assert_error (error, AF_GCODE_ERROR, code);
}

/* Offsets in the mini-cube .bgcode: the printer metadata block starts at
 * 90 (payload 100–699, CRC 700), the G-code block at 16727 (payload from
 * 16741).
 */
static void
test_bad_bgcode_crc (void)
{
  g_autofree char *payload = edited_bgcode ("crc-1.bgcode", 120, 'X');
  g_autofree char *stored = edited_bgcode ("crc-2.bgcode", 701, 0x00);
  g_autofree char *gcode = edited_bgcode ("crc-3.bgcode", 17000, 0x55);
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  assert_read_fails (payload, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
  assert_read_fails (stored, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);

  /* Reading metadata skips G-code payloads, so a damaged G-code block
   * shows only when the G-code is streamed.
   */
  info = af_test_read_gcode (gcode, &error);
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&info));
  assert_stream_fails (gcode, AF_GCODE_ERROR_CORRUPT);
}

static void
test_bad_bgcode_header (void)
{
  g_autofree char *version = edited_bgcode ("version.bgcode", 4, 2);
  g_autofree char *checksum = edited_bgcode ("checksum.bgcode", 8, 7);
  g_autofree char *block_type = edited_bgcode ("block-type.bgcode", 10, 9);
  g_autofree char *compression = edited_bgcode ("compression.bgcode", 12, 9);
  /* Uncompressed size of the printer metadata: 600 becomes 0x7f000258. */
  g_autofree char *huge = edited_bgcode ("huge.bgcode", 97, 0x7f);

  assert_read_fails (version, AF_GCODE_ERROR, AF_GCODE_ERROR_UNSUPPORTED);
  assert_read_fails (checksum, AF_GCODE_ERROR, AF_GCODE_ERROR_UNSUPPORTED);
  assert_read_fails (block_type, AF_GCODE_ERROR, AF_GCODE_ERROR_UNSUPPORTED);
  assert_read_fails (compression, AF_GCODE_ERROR, AF_GCODE_ERROR_UNSUPPORTED);
  assert_read_fails (huge, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT);
  assert_stream_fails (version, AF_GCODE_ERROR_UNSUPPORTED);
}

static void
test_bad_bgcode_stream_truncated (void)
{
  g_autoptr(GBytes) bytes = corpus_bytes ("prusaslicer-2.8.1-mini-cube.bgcode");
  g_autofree char *path = af_test_write_file (tmp_dir, "stream-cut.bgcode",
                                              g_bytes_get_data (bytes, NULL), 20000);

  assert_stream_fails (path, AF_GCODE_ERROR_TRUNCATED);
}

static void
test_bad_directory (void)
{
  assert_read_fails (tmp_dir, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
}

/* Tests run as root, and root reads a chmod 000 file; /proc/self/mem is a
 * regular file whose read fails (EIO) for everyone. A FIFO would block an
 * open, so the reader must refuse it before opening.
 */
static void
test_bad_unreadable (void)
{
  g_autofree char *fifo = g_build_filename (tmp_dir, "fifo.gcode", NULL);
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.gcode", NULL);

  assert_read_fails ("/proc/self/mem", AF_GCODE_ERROR, AF_GCODE_ERROR_FAILED);
  assert_read_fails (missing, AF_GCODE_ERROR, AF_GCODE_ERROR_FAILED);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_read_fails (fifo, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);

  if (getuid () != 0)
    {
      g_autofree char *locked = af_test_write_file (tmp_dir, "locked.gcode", ";TIME:1\n", 8);

      g_assert_cmpint (g_chmod (locked, 0), ==, 0);
      assert_read_fails (locked, AF_GCODE_ERROR, AF_GCODE_ERROR_FAILED);
    }
}

static char *
sparse_file (const char *name,
             GBytes     *head)
{
  char *path = af_test_write_file (tmp_dir, name, g_bytes_get_data (head, NULL),
                                   g_bytes_get_size (head));

  g_assert_cmpint (truncate (path, (goffset)2 * 1024 * 1024 * 1024), ==, 0);
  return path;
}

/* 2 GB that take no disk: reading them costs two windows, and the NUL
 * bytes of the hole say it is not G-code, whether the hole is in the head
 * or only in the tail.
 */
static void
test_bad_sparse (void)
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) cura = corpus_bytes ("cura-5.9.1.gcode");
  g_autofree char *zeros = sparse_file ("sparse-zeros.gcode", empty);
  g_autofree char *gcode_head = sparse_file ("sparse-head.gcode", cura);

  g_assert_cmpuint (g_bytes_get_size (cura), >, AF_GCODE_WINDOW_SIZE);
  assert_read_fails (zeros, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
  assert_read_fails (gcode_head, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
}

static void
test_json_numbers (void)
{
  g_autoptr(AfGcodeInfo) info = af_gcode_info_new ();
  g_autofree char *json = NULL;
  double nozzles[] = { 0.4, 0.6 };
  AfFilament *filament;

  af_gcode_info_set_layer_height (info, 0.2);
  af_gcode_info_set_max_z (info, 6.0);
  af_gcode_info_set_print_time (info, 220);
  af_gcode_info_set_nozzle_diameters (info, nozzles, G_N_ELEMENTS (nozzles));
  af_gcode_info_set_slicer (info, "Slicer true 0.20000000000000001", "1e5");
  filament = af_gcode_info_peek_filament (info, 0);
  filament->weight_g = 1234.5678;
  filament->length_m = 1e-7;
  filament->volume_cm3 = 220.0;
  af_gcode_info_set_setting (info, "note", "say \"0.1\" -2.50");

  json = af_gcode_info_to_json (info, FALSE);

  g_assert_nonnull (strstr (json, "\"layer_height_mm\":0.2,"));
  g_assert_nonnull (strstr (json, "\"max_z_mm\":6,"));
  g_assert_nonnull (strstr (json, "\"nozzle_diameters_mm\":[0.4,0.6]"));
  g_assert_nonnull (strstr (json, "\"weight_g\":1234.5678"));
  g_assert_nonnull (strstr (json, "\"length_m\":1e-07"));
  /* Plain decimals where people expect them, never "2.2e+02". */
  g_assert_nonnull (strstr (json, "\"volume_cm3\":220"));
  /* Strings are copied untouched, digits and escapes included. */
  g_assert_nonnull (strstr (json, "\"slicer\":\"Slicer true 0.20000000000000001\""));
  g_assert_nonnull (strstr (json, "\"slicer_version\":\"1e5\""));
  g_assert_nonnull (strstr (json, "\"note\":\"say \\\"0.1\\\" -2.50\""));
  g_assert_nonnull (strstr (json, "\"format_version\":1,"));
  g_assert_finalize_object (g_steal_pointer (&info));
}

static void
test_filament_is_used (void)
{
  AfFilament declared = { (char *)"PLA", NULL, NAN, NAN, NAN };
  AfFilament unknown = { NULL, NULL, NAN, NAN, NAN };
  AfFilament zero = { (char *)"PLA", (char *)"#FFFFFF", 0.0, 0.0, 0.0 };
  AfFilament weighed = { NULL, NULL, NAN, 0.01, NAN };
  AfFilament measured = { NULL, NULL, 2.5, 0.0, NAN };

  g_assert_true (af_filament_is_used (&declared));
  g_assert_false (af_filament_is_used (&unknown));
  g_assert_false (af_filament_is_used (&zero));
  g_assert_true (af_filament_is_used (&weighed));
  g_assert_true (af_filament_is_used (&measured));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("af-test-gcode-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/af/gcode/duration", test_duration);
  g_test_add_func ("/af/gcode/prusaslicer-2.9.3", test_prusaslicer_2_9_3);
  g_test_add_func ("/af/gcode/prusaslicer-2.8.1-ascii", test_prusaslicer_2_8_1_ascii);
  g_test_add_func ("/af/gcode/prusaslicer-2.8.1-binary", test_prusaslicer_2_8_1_binary);
  g_test_add_func ("/af/gcode/mini-cube-agree", test_mini_cube_agree);
  g_test_add_func ("/af/gcode/bambustudio-01.09", test_bambustudio_01_09);
  g_test_add_func ("/af/gcode/bambustudio-01.10", test_bambustudio_01_10);
  g_test_add_func ("/af/gcode/cura-5.9.1", test_cura_5_9_1);
  g_test_add_func ("/af/gcode/cura-thumbnail", test_cura_thumbnail);
  g_test_add_func ("/af/gcode/orcaslicer-2.3.0-k1max", test_orcaslicer_k1max);
  g_test_add_func ("/af/gcode/orcaslicer-2.3.0-thumbnail-block", test_orcaslicer_thumbnail_block);
  g_test_add_func ("/af/gcode/corpus-covered", test_corpus_covered);
  g_test_add_func ("/af/gcode/bgcode-text-stream", test_bgcode_text_stream);
  g_test_add_func ("/af/gcode/plain-text-stream", test_plain_text_stream);
  g_test_add_func ("/af/gcode/text-stream-errors", test_text_stream_errors);
  g_test_add_func ("/af/gcode/read-bytes", test_read_bytes);
  g_test_add_func ("/af/gcode/read-async", test_read_async);
  g_test_add_func ("/af/gcode/cancelled", test_cancelled);
  g_test_add_func ("/af/gcode/windows", test_windows);
  g_test_add_func ("/af/gcode/window-cuts-thumbnail", test_window_cuts_thumbnail);
  g_test_add_func ("/af/gcode/other-slicers", test_other_slicers);
  g_test_add_func ("/af/gcode/heatshrink", test_heatshrink);
  g_test_add_func ("/af/gcode/bad/empty", test_bad_empty);
  g_test_add_func ("/af/gcode/bad/garbage", test_bad_garbage);
  g_test_add_func ("/af/gcode/bad/image", test_bad_image);
  g_test_add_func ("/af/gcode/bad/truncated-thumbnail", test_bad_truncated_thumbnail);
  g_test_add_func ("/af/gcode/bad/thumbnail-length", test_bad_thumbnail_length);
  g_test_add_func ("/af/gcode/bad/base64", test_bad_base64);
  g_test_add_func ("/af/gcode/bad/truncated-bgcode", test_bad_truncated_bgcode);
  g_test_add_func ("/af/gcode/bad/bgcode-crc", test_bad_bgcode_crc);
  g_test_add_func ("/af/gcode/bad/bgcode-header", test_bad_bgcode_header);
  g_test_add_func ("/af/gcode/bad/bgcode-stream-truncated", test_bad_bgcode_stream_truncated);
  g_test_add_func ("/af/gcode/bad/directory", test_bad_directory);
  g_test_add_func ("/af/gcode/bad/unreadable", test_bad_unreadable);
  g_test_add_func ("/af/gcode/bad/sparse-2gb", test_bad_sparse);
  g_test_add_func ("/af/gcode/json-numbers", test_json_numbers);
  g_test_add_func ("/af/gcode/filament-is-used", test_filament_is_used);

  status = g_test_run ();

  af_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
