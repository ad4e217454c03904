/* test-filament-map.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-filament-map"

#include "config.h"

#include <math.h>

#include "af-core.h"

/* Trays come from the corpus reports through af_printer_status_merge();
 * filaments from the corpus files through the real readers. Expected trays
 * were chosen by reading the reports (tray_type, tray_color) and computing
 * the CIE76 distances independently (Python, the textbook sRGB → Lab
 * formulas), not from this implementation's output.
 */

static const char *
corpus_dir (void)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return dir != NULL ? dir : AF_CORPUS_DIR;
}

/* The corpus files are ha-bambulab fixtures: the report a printer sent is
 * their "pushall" member.
 */
static AfPrinterStatus *
load_status (const char *report)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "mqtt", report, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = NULL;
  AfPrinterStatus *status = af_printer_status_new ();
  JsonObject *root;
  JsonNode *message;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  message = json_object_get_member (root, "pushall");
  g_assert_nonnull (message);
  payload = json_to_string (message, FALSE);
  g_assert_true (af_printer_status_merge (status, payload, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (af_printer_status_get_trays (status)), >, 0);
  return status;
}

static AfGcodeInfo *
load_info (const char *kind,
           const char *name)
{
  g_autofree char *path = g_build_filename (corpus_dir (), kind, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = NULL;
  AfGcodeInfo *info;

  if (g_strcmp0 (kind, "3mf") != 0)
    {
      info = af_gcode_read_file (file, NULL, &error);
      g_assert_no_error (error);
      return info;
    }
  archive = af_archive_open (file, NULL, &error);
  g_assert_no_error (error);
  info = af_archive_get_plate_info (archive, 1, &error);
  g_assert_no_error (error);
  return info;
}

static void
assert_ints (GArray    *array,
             const int *expected,
             guint      n_expected)
{
  g_assert_nonnull (array);
  g_assert_cmpuint (array->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (g_array_index (array, gint, i), ==, expected[i]);
}

static void
check (const char *report,
       const char *kind,
       const char *file,
       const int  *mapping,
       guint       n_mapping,
       const int  *missing,
       guint       n_missing)
{
  g_autoptr(AfPrinterStatus) status = load_status (report);
  g_autoptr(AfGcodeInfo) info = load_info (kind, file);
  g_autoptr(GArray) result = NULL;
  g_autoptr(GArray) unserved = NULL;

  result = af_filament_map_default (info, af_printer_status_get_trays (status), &unserved);
  assert_ints (result, mapping, n_mapping);
  assert_ints (unserved, missing, n_missing);
}

#define CHECK(report, kind, file, mapping, missing) \
  check (report, kind, file, mapping, G_N_ELEMENTS (mapping), missing, G_N_ELEMENTS (missing) - 1)

static void
test_color_distance (void)
{
  /* sRGB red is L*a*b* (53.24, 80.09, 67.20). */
  g_assert_cmpfloat_with_epsilon (af_filament_color_distance ("#FF0000", "#000000"),
                                  13765.65, 0.5);
  g_assert_cmpfloat_with_epsilon (af_filament_color_distance ("#000000", "#FFFFFF"),
                                  10000.0, 0.5);
  g_assert_cmpfloat (af_filament_color_distance ("#00AE42", "#00ae42"), ==, 0);
  /* A tray colour may still carry its alpha. */
  g_assert_cmpfloat (af_filament_color_distance ("#00AE42", "00AE42FF"), ==, 0);
  g_assert_cmpfloat (af_filament_color_distance ("#00AE42", NULL), ==, G_MAXDOUBLE);
  g_assert_cmpfloat (af_filament_color_distance ("green", "#00AE42"), ==, G_MAXDOUBLE);
  g_assert_cmpfloat (af_filament_color_distance ("#00AE4", "#00AE42"), ==, G_MAXDOUBLE);
  /* CIE76 finds orange nearer to pure red than a crimson. */
  g_assert_cmpfloat (af_filament_color_distance ("#FF0000", "#FF6A13"), <,
                     af_filament_color_distance ("#FF0000", "#D32941"));
}

static void
test_corpus (void)
{
  /* Orca's K1 Max file lists an unused white PLA and a used black PLA; the
   * X1C's black PLA Matte is AMS 0 slot 0.
   */
  const int k1_x1c[] = { -1, 0 };
  const int none[] = { 0 };
  /* Green PLA among black, taupe, brown and tan PLA: tan (AE835B) is the
   * nearest (CIE76² 5440 against 5896, 7267, 9454).
   */
  const int p1s_x1c[] = { 3 };
  /* On the A1, the green PLA (0ACC38) in slot 3. */
  const int p1s_a1[] = { 3 };
  /* Orange PLA: the yellow (FFF144, 3906) beats white, pink and blue. */
  const int prusa_a1[] = { 1 };
  /* A P1P with only PETG on the external spool cannot serve PLA. */
  const int p1s_p1p[] = { -1 };
  const int p1s_p1p_missing[] = { 1, 0 };
  /* Cura names no material or colour: any loaded tray, the first one. */
  const int cura_p2s[] = { 0 };
  /* ... or the external spool when it is the only one; not missing. */
  const int cura_p1p[] = { AF_AMS_MAPPING_EXTERNAL };

  CHECK ("MOCK-X1CMULTIAMS.json", "gcode", "orcaslicer-2.3.0-k1max.gcode", k1_x1c, none);
  CHECK ("MOCK-X1CMULTIAMS.json", "3mf", "bambustudio-02.07-p1s.gcode.3mf", p1s_x1c, none);
  CHECK ("MOCK-A1.json", "3mf", "bambustudio-02.07-p1s.gcode.3mf", p1s_a1, none);
  CHECK ("MOCK-A1.json", "3mf", "bambustudio-01.09-cli-2-rings.gcode.3mf", p1s_a1, none);
  CHECK ("MOCK-A1.json", "gcode", "prusaslicer-2.8.1-mini-cube.bgcode", prusa_a1, none);
  CHECK ("MOCK-A1.json", "gcode", "prusaslicer-2.8.1-mini-cube.gcode", prusa_a1, none);
  CHECK ("MOCK-P1PNOAMS.json", "3mf", "bambustudio-02.07-p1s.gcode.3mf", p1s_p1p,
         p1s_p1p_missing);
  CHECK ("MOCK-P2S.json", "gcode", "cura-5.9.1.gcode", cura_p2s, none);
  CHECK ("MOCK-P1PNOAMS.json", "gcode", "cura-5.9.1.gcode", cura_p1p, none);
}

static void
set_filament (AfGcodeInfo *info,
              guint        index,
              const char  *type,
              const char  *color,
              double       grams)
{
  AfFilament *filament;

  af_gcode_info_ensure_filaments (info, index + 1);
  filament = af_gcode_info_peek_filament (info, index);
  g_free (filament->type);
  filament->type = g_strdup (type);
  g_free (filament->color);
  filament->color = g_strdup (color);
  filament->weight_g = grams;
}

static void
test_materials (void)
{
  g_autoptr(AfPrinterStatus) status = load_status ("MOCK-X1CMULTIAMS.json");
  g_autoptr(AfGcodeInfo) info = af_gcode_info_new ();
  g_autoptr(GArray) result = NULL;
  g_autoptr(GArray) unserved = NULL;
  /* 1 "pla basic" black → PLA Matte black (0); 2 ABS light blue → exact
   * (AMS 1 slot 1 = 5); 3 ABS red → CIE76 picks the orange (AMS 2 slot 1 =
   * 9); 4 unused PETG → -1, not missing; 5 PA has no tray (PA-CF is not PA)
   * → missing; 6 "pa-cf" → the AMS HT (unit 128, index 128); 7 PLA-CF is
   * not PLA → missing; 8 " abs " grey → 87909A exact (AMS 1 slot 3 = 7).
   */
  const int expected[] = { 0, 5, 9, -1, -1, 128, -1, 7 };
  const int expected_missing[] = { 5, 7 };

  set_filament (info, 0, "pla basic", "#000000", 1);
  set_filament (info, 1, "ABS", "#489FDF", 1);
  set_filament (info, 2, "ABS", "#FF0000", 1);
  set_filament (info, 3, "PETG", "#FFFFFF", 0);
  set_filament (info, 4, "PA", "#000000", 1);
  set_filament (info, 5, "pa-cf", "#000000", 1);
  set_filament (info, 6, "PLA-CF", "#000000", 1);
  set_filament (info, 7, " abs ", "#87909A", 1);

  result = af_filament_map_default (info, af_printer_status_get_trays (status), &unserved);
  assert_ints (result, expected, G_N_ELEMENTS (expected));
  assert_ints (unserved, expected_missing, G_N_ELEMENTS (expected_missing));

  /* missing may be NULL. */
  g_clear_pointer (&result, g_array_unref);
  result = af_filament_map_default (info, af_printer_status_get_trays (status), NULL);
  assert_ints (result, expected, G_N_ELEMENTS (expected));
}

/* An H2D's two external spools, shaped as in ha-bambulab's MOCK-H2D.json
 * (vir_slot "254" and "255", vt_tray repeating "255"): each is a tray of its
 * own, mapped by the ams_id ams_mapping2 gives it.
 */
static void
test_dual_external (void)
{
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  g_autoptr(AfGcodeInfo) info = af_gcode_info_new ();
  g_autoptr(GArray) result = NULL;
  g_autoptr(GArray) unserved = NULL;
  g_autoptr(GError) error = NULL;
  /* Green PETG only on 254; grey PLA exact on 255; white PLA exact on AMS 0 slot 0. */
  const int expected[] = { AF_AMS_MAPPING_EXTERNAL_DEPUTY, AF_AMS_MAPPING_EXTERNAL, 0 };
  const char report[] =
    "{\"print\":{\"command\":\"push_status\",\"msg\":0,"
    "\"ams\":{\"ams\":[{\"id\":\"0\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PLA\","
    "\"tray_color\":\"FFFFFFFF\"}]}]},"
    "\"vir_slot\":[{\"id\":\"254\",\"tray_type\":\"PETG\",\"tray_color\":\"00AE42FF\"},"
    "{\"id\":\"255\",\"tray_type\":\"PLA\",\"tray_color\":\"808080FF\"}],"
    "\"vt_tray\":{\"id\":\"255\",\"tray_type\":\"PLA\",\"tray_color\":\"808080FF\"}}}";

  g_assert_true (af_printer_status_merge (status, report, -1, &error));
  g_assert_no_error (error);
  set_filament (info, 0, "PETG", "#00AE42", 1);
  set_filament (info, 1, "PLA", "#808080", 1);
  set_filament (info, 2, "PLA", "#FFFFFF", 1);
  result = af_filament_map_default (info, af_printer_status_get_trays (status), &unserved);
  assert_ints (result, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (unserved->len, ==, 0);
}

static void
test_no_trays (void)
{
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  g_autoptr(AfGcodeInfo) info = af_gcode_info_new ();
  g_autoptr(GArray) result = NULL;
  g_autoptr(GArray) unserved = NULL;
  const int expected[] = { -1, -1 };
  const int expected_missing[] = { 2 };

  set_filament (info, 0, "PLA", "#FFFFFF", 0);
  set_filament (info, 1, "PLA", "#FFFFFF", 3);
  result = af_filament_map_default (info, af_printer_status_get_trays (status), &unserved);
  assert_ints (result, expected, G_N_ELEMENTS (expected));
  assert_ints (unserved, expected_missing, G_N_ELEMENTS (expected_missing));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/filament-map/color-distance", test_color_distance);
  g_test_add_func ("/af/filament-map/corpus", test_corpus);
  g_test_add_func ("/af/filament-map/materials", test_materials);
  g_test_add_func ("/af/filament-map/no-trays", test_no_trays);
  g_test_add_func ("/af/filament-map/dual-external", test_dual_external);

  return g_test_run ();
}
