/* test-print-check.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-print-check"

#include "config.h"

#include <math.h>

#include "af-core.h"
#include "af-test-util.h"

/* The checks before sending (af-print-check.h) over the corpus: files read
 * by the real readers, printers from the captured reports. The expected
 * values were read from the files by hand: printer_model_id in slice_info,
 * printer_model / printer_settings_id / curr_bed_type / nozzle_diameter in
 * the G-code config blocks, nozzle_diameter, sdcard and home_flag in the
 * reports (bits 8-9 of home_flag are 1, "normal", in all four).
 */

static void
merge (AfPrinterStatus *status,
       const char      *payload)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (af_printer_status_merge (status, payload, -1, &error));
  g_assert_no_error (error);
}

/* A printer of model, with the report of a corpus fixture ("pushall"), or none. */
static AfPrinter *
load_printer (const char *model,
              const char *report)
{
  AfPrinter *printer = af_printer_new ("01S00A000000001");
  g_autofree char *payload = NULL;

  af_printer_set_model (printer, model);
  if (report == NULL)
    return printer;

  payload = af_test_corpus_report (report);
  merge (af_printer_get_status (printer), payload);
  return printer;
}

static void
test_models (void)
{
  g_assert_cmpstr (af_printer_models_find_id ("C12"), ==, "C12");
  g_assert_cmpstr (af_printer_models_find_id (" Bambu Lab P1S "), ==, "C12");
  g_assert_cmpstr (af_printer_models_find_id ("3DPrinter-X1-Carbon"), ==, "BL-P001");
  g_assert_cmpstr (af_printer_models_find_id ("bambu lab x1-carbon"), ==, "BL-P001");
  g_assert_cmpstr (af_printer_models_find_id ("Bambu Lab A1 mini"), ==, "N1");
  g_assert_cmpstr (af_printer_models_find_id ("N2S"), ==, "N2S");
  g_assert_null (af_printer_models_find_id ("Creality K1 Max"));
  g_assert_null (af_printer_models_find_id (""));
  g_assert_null (af_printer_models_find_id (NULL));
  g_assert_cmpstr (af_printer_models_get_name ("C12"), ==, "P1S");
  g_assert_cmpstr (af_printer_models_get_name ("O1C2"), ==, "H2C");
  g_assert_null (af_printer_models_get_name ("K1"));

  g_assert_true (af_printer_models_are_compatible ("C12", "C12"));
  g_assert_true (af_printer_models_are_compatible ("BL-P002", "3DPrinter-X1-Carbon"));
  g_assert_true (af_printer_models_are_compatible ("O1D", "O1E"));
  g_assert_true (af_printer_models_are_compatible ("O1C", "O1C2"));
  g_assert_false (af_printer_models_are_compatible ("C11", "C12"));
  g_assert_false (af_printer_models_are_compatible ("O1D", "O1S"));
  g_assert_false (af_printer_models_are_compatible ("C12", NULL));

  g_assert_true (af_printer_models_has_usb_storage ("N7"));
  g_assert_true (af_printer_models_has_usb_storage ("O1D"));
  g_assert_true (af_printer_models_has_usb_storage ("O1S"));
  g_assert_true (af_printer_models_has_usb_storage ("O1C2"));
  g_assert_true (af_printer_models_has_usb_storage ("O1E"));
  g_assert_false (af_printer_models_has_usb_storage ("C12"));
  g_assert_false (af_printer_models_has_usb_storage (NULL));
}

static void
check_file (const char *kind,
            const char *name,
            const char *model_id,
            const char *foreign,
            const char *bed_type)
{
  g_autoptr(AfGcodeInfo) info = af_test_corpus_info (kind, name);
  g_autofree char *machine = af_print_check_dup_foreign_machine (info);

  g_test_message ("%s", name);
  g_assert_cmpstr (af_gcode_info_get_printer_model_id (info), ==, model_id);
  g_assert_cmpstr (machine, ==, foreign);
  g_assert_cmpstr (af_print_check_bed_type (info), ==, bed_type);
}

static void
test_files (void)
{
  /* slice_info printer_model_id C12, curr_bed_type "Textured PEI Plate". */
  check_file ("3mf", "bambustudio-02.07-p1s.gcode.3mf", "C12", NULL, "textured_plate");
  /* printer_model_id "" and printer_model "": nothing to compare. */
  check_file ("3mf", "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL, NULL, "cool_plate");
  check_file ("gcode", "bambustudio-01.09-cli-plate_1.gcode", NULL, NULL, "cool_plate");
  /* printer_model "Creality K1 Max", preset "Creality K1 Max 0.4 nozzle". */
  check_file ("gcode", "bambustudio-01.10-generic.gcode", NULL, "Creality K1 Max", "hot_plate");
  /* printer_model "CR-K1 Max", preset "K1 Max(parts.3mf)" which does not name it. */
  check_file ("gcode", "orcaslicer-2.3.0-k1max.gcode", NULL, "CR-K1 Max", "hot_plate");
  /* printer_model "MK4S", preset "Original Prusa MK4S 0.4 nozzle". */
  check_file ("gcode", "prusaslicer-2.8.1-mini-cube.gcode", NULL, "Original Prusa MK4S", "auto");
  check_file ("gcode", "prusaslicer-2.8.1-mini-cube.bgcode", NULL, "Original Prusa MK4S",
              "auto");
  /* ;TARGET_MACHINE.NAME: */
  check_file ("gcode", "cura-5.9.1.gcode", NULL, "Creality K1 Max", "auto");
  check_file ("gcode", "cura-5.x-thumbnail.gcode", NULL, "Printrbot Simple", "auto");
  /* Trimmed files without their config block. */
  check_file ("gcode", "prusaslicer-2.9.3-thumbnails.gcode", NULL, NULL, "auto");
  check_file ("gcode", "orcaslicer-2.3.0-thumbnail-block.gcode", NULL, NULL, "auto");
}

static void
test_bed_types (void)
{
  const struct
  {
    const char *slicer;
    const char *firmware;
  } cases[] = {
    { "Cool Plate", "cool_plate" },
    { "Engineering Plate", "eng_plate" },
    { "High Temp Plate", "hot_plate" },
    { "Smooth PEI Plate", "hot_plate" },
    { "Textured PEI Plate", "textured_plate" },
    { " textured pei plate ", "textured_plate" },
    { "Cool Plate (SuperTack)", "supertack_plate" },
    { "supertack_plate", "supertack_plate" },
    { "Textured Cool Plate", "auto" },
    { "", "auto" },
  };
  g_autoptr(AfGcodeInfo) info = af_gcode_info_new ();

  g_assert_cmpstr (af_print_check_bed_type (info), ==, "auto");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      af_gcode_info_set_bed_type (info, cases[i].slicer);
      g_assert_cmpstr (af_print_check_bed_type (info), ==, cases[i].firmware);
    }
}

static void
assert_machine (const char *model,
                const char *report,
                const char *kind,
                const char *name,
                int         code,
                const char *message)
{
  g_autoptr(AfPrinter) printer = load_printer (model, report);
  g_autoptr(AfGcodeInfo) info = af_test_corpus_info (kind, name);
  g_autoptr(GError) error = NULL;
  gboolean ok = af_print_check_machine (info, printer, &error);

  g_test_message ("%s on %s", name, model != NULL ? model : "(unknown)");
  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, AF_PRINT_CHECK_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_true (af_print_check_is_overridable (error));
}

static void
test_machine (void)
{
  assert_machine ("C12", "MOCK-P1PNOAMS.json", "3mf", "bambustudio-02.07-p1s.gcode.3mf", -1,
                  NULL);
  /* The DevModel code of the same printer. */
  assert_machine ("BL-P001", NULL, "gcode", "bambustudio-01.09-cli-plate_1.gcode", -1, NULL);
  assert_machine ("N1", "MOCK-A1.json", "3mf", "bambustudio-02.07-p1s.gcode.3mf",
                  AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
                  "This file was sliced for P1S, not for this A1 mini.");
  assert_machine ("C12", "MOCK-P1PNOAMS.json", "gcode", "bambustudio-01.10-generic.gcode",
                  AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
                  "This file was sliced for Creality K1 Max, not for this P1S.");
  assert_machine ("3DPrinter-X1-Carbon", NULL, "gcode", "prusaslicer-2.8.1-mini-cube.bgcode",
                  AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
                  "This file was sliced for Original Prusa MK4S, not for this X1 Carbon.");
  /* Another make is refused even when this printer's model is unknown ... */
  assert_machine (NULL, NULL, "gcode", "cura-5.9.1.gcode", AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
                  "This file was sliced for Creality K1 Max, a printer of another make, not "
                  "for this printer.");
  /* ... but a vendor model is not, nor a file that names no printer. */
  assert_machine (NULL, NULL, "3mf", "bambustudio-02.07-p1s.gcode.3mf", -1, NULL);
  assert_machine ("C12", "MOCK-P1PNOAMS.json", "gcode", "prusaslicer-2.9.3-thumbnails.gcode",
                  -1, NULL);
}

static void
test_nozzle (void)
{
  g_autoptr(AfPrinter) printer = load_printer ("C12", "MOCK-P1PNOAMS.json");
  AfPrinterStatus *status = af_printer_get_status (printer);
  g_autoptr(AfGcodeInfo) info = af_test_corpus_info ("gcode",
                                                     "bambustudio-01.09-cli-plate_1.gcode");
  g_autoptr(GError) error = NULL;

  /* "nozzle_diameter": "0.4" in the fixture. */
  g_assert_cmpfloat (af_printer_status_get_nozzle_diameter (status), ==, 0.4);
  g_assert_true (af_print_check_machine (info, printer, &error));
  g_assert_no_error (error);

  merge (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,\"nozzle_diameter\":0.6}}");
  g_assert_cmpfloat (af_printer_status_get_nozzle_diameter (status), ==, 0.6);
  g_assert_false (af_print_check_machine (info, printer, &error));
  g_assert_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_WRONG_NOZZLE);
  g_assert_cmpstr (error->message, ==,
                   "This file was sliced for a 0.4 mm nozzle, and this printer has a 0.6 mm "
                   "nozzle.");
  g_clear_error (&error);

  /* "0.40" is 0.4; a value that is not a number is ignored. */
  merge (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,\"nozzle_diameter\":\"0.40\"}}");
  g_assert_true (af_print_check_machine (info, printer, &error));
  merge (status, "{\"print\":{\"command\":\"push_status\",\"msg\":1,\"nozzle_diameter\":\"x\"}}");
  g_assert_cmpfloat (af_printer_status_get_nozzle_diameter (status), ==, 0.4);
}

static void
assert_storage (AfPrinter      *printer,
                const char     *payload,
                AfStorageState  expected,
                const char     *message)
{
  AfPrinterStatus *status = af_printer_get_status (printer);
  g_autoptr(GError) error = NULL;

  if (payload != NULL)
    merge (status, payload);
  g_assert_cmpint (af_printer_status_get_storage (status), ==, expected);
  if (message == NULL)
    {
      g_assert_true (af_print_check_storage (printer, &error));
      g_assert_no_error (error);
      return;
    }
  g_assert_false (af_print_check_storage (printer, &error));
  g_assert_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_NO_STORAGE);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_false (af_print_check_is_overridable (error));
}

#define DELTA(fields) "{\"print\":{\"command\":\"push_status\",\"msg\":1," fields "}}"

static void
test_storage (void)
{
  const char *reports[] = { "MOCK-A1.json", "MOCK-P1PNOAMS.json", "MOCK-P2S.json",
                            "MOCK-X1CMULTIAMS.json" };
  g_autoptr(AfPrinter) fresh = load_printer ("C12", NULL);
  g_autoptr(AfPrinter) p1s = load_printer ("C12", NULL);
  g_autoptr(AfPrinter) bits = load_printer ("C12", NULL);
  g_autoptr(AfPrinter) p2s = load_printer ("N7", "MOCK-P2S.json");

  for (guint i = 0; i < G_N_ELEMENTS (reports); i++)
    {
      g_autoptr(AfPrinter) printer = load_printer ("C12", reports[i]);

      assert_storage (printer, NULL, AF_STORAGE_NORMAL, NULL);
    }

  /* Nothing reported yet: no reason to refuse. */
  assert_storage (fresh, NULL, AF_STORAGE_UNKNOWN, NULL);
  /* Firmware without the bits: "sdcard" alone. */
  assert_storage (p1s, DELTA ("\"sdcard\":true,\"home_flag\":0"), AF_STORAGE_NORMAL, NULL);
  assert_storage (p1s, DELTA ("\"sdcard\":false"), AF_STORAGE_NONE,
                  "The printer has no microSD card, where it keeps the files it prints. "
                  "Insert one, then send again.");
  assert_storage (p1s, DELTA ("\"sdcard\":true,\"home_flag\":512"), AF_STORAGE_ABNORMAL,
                  "The printer cannot use its microSD card. Check the card on the printer’s "
                  "screen, or format it, then send again.");
  assert_storage (p1s, DELTA ("\"home_flag\":768"), AF_STORAGE_READ_ONLY,
                  "The printer’s microSD card is read-only. Slide its lock switch off, then "
                  "send again.");
  assert_storage (p1s, DELTA ("\"home_flag\":256"), AF_STORAGE_NORMAL, NULL);

  /* The P2S fixture's home_flag is negative (bit 31 set): -1067100737 has bits
   * 8-9 = 1; with them cleared (-1067100993) or set (-1067100225) on a printer
   * that never said "sdcard".
   */
  assert_storage (bits, DELTA ("\"home_flag\":-1067100737"), AF_STORAGE_NORMAL, NULL);
  assert_storage (bits, DELTA ("\"home_flag\":-1067100225"), AF_STORAGE_READ_ONLY,
                  "The printer’s microSD card is read-only. Slide its lock switch off, then "
                  "send again.");
  assert_storage (bits, DELTA ("\"home_flag\":-1067100993"), AF_STORAGE_NONE,
                  "The printer has no microSD card, where it keeps the files it prints. "
                  "Insert one, then send again.");
  /* The P2S keeps print files on a USB stick. */
  assert_storage (p2s, DELTA ("\"sdcard\":false"), AF_STORAGE_NONE,
                  "The printer has no USB stick, where it keeps the files it prints. Insert "
                  "one, then send again.");
}

static void
test_use_ams (void)
{
  g_autoptr(AfPrinter) p1p = load_printer ("C11", "MOCK-P1PNOAMS.json");
  g_autoptr(AfPrinter) x1c = load_printer ("BL-P001", "MOCK-X1CMULTIAMS.json");
  GListModel *p1p_trays = af_printer_status_get_trays (af_printer_get_status (p1p));
  GListModel *x1c_trays = af_printer_status_get_trays (af_printer_get_status (x1c));
  g_autoptr(AfGcodeInfo) one = af_test_corpus_info ("3mf", "bambustudio-02.07-p1s.gcode.3mf");
  /* Filament 1 unused (white PLA), filament 2 used. */
  g_autoptr(AfGcodeInfo) two = af_test_corpus_info ("gcode", "orcaslicer-2.3.0-k1max.gcode");
  g_autoptr(GArray) mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  gint value;

  /* The P1P reports an empty ams.ams and only vt_tray. */
  g_assert_false (af_print_check_has_ams (p1p_trays));
  g_assert_true (af_print_check_has_ams (x1c_trays));

  value = AF_AMS_MAPPING_EXTERNAL;
  g_array_append_val (mapping, value);
  g_assert_false (af_print_check_use_ams (one, p1p_trays, mapping));
  g_assert_false (af_print_check_use_ams (one, x1c_trays, mapping));
  g_array_index (mapping, gint, 0) = 3;
  g_assert_true (af_print_check_use_ams (one, x1c_trays, mapping));
  /* Tray 3 is no tray of the P1P: no AMS to use. */
  g_assert_false (af_print_check_use_ams (one, p1p_trays, mapping));
  g_array_index (mapping, gint, 0) = -1;
  g_assert_false (af_print_check_use_ams (one, x1c_trays, mapping));
  g_assert_false (af_print_check_use_ams (one, x1c_trays, NULL));

  /* Only the used filament counts. */
  g_array_index (mapping, gint, 0) = 0;
  value = AF_AMS_MAPPING_EXTERNAL;
  g_array_append_val (mapping, value);
  g_assert_false (af_print_check_use_ams (two, x1c_trays, mapping));
  g_array_index (mapping, gint, 1) = 1;
  g_assert_true (af_print_check_use_ams (two, x1c_trays, mapping));
}

static void
test_trays (void)
{
  g_autoptr(AfPrinter) p1p = load_printer ("C11", "MOCK-P1PNOAMS.json");
  g_autoptr(AfPrinterStatus) silent = af_printer_status_new ();
  GListModel *trays = af_printer_status_get_trays (af_printer_get_status (p1p));
  g_autoptr(AfGcodeInfo) info = af_test_corpus_info ("3mf", "bambustudio-02.07-p1s.gcode.3mf");
  g_autoptr(AfGcodeInfo) two = af_test_corpus_info ("gcode", "orcaslicer-2.3.0-k1max.gcode");
  g_autoptr(GArray) mapping = af_filament_map_default (info, trays, NULL);
  g_autoptr(GArray) mapping_two = NULL;
  g_autoptr(GError) error = NULL;
  gint value = AF_AMS_MAPPING_EXTERNAL;

  /* The P1P's external spool holds PETG; the file's filament 1 is green PLA. */
  g_assert_false (af_print_check_trays (info, trays, mapping, &error));
  g_assert_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_NO_TRAY);
  g_assert_cmpstr (error->message, ==, "No tray holds filament 1 (PLA #00AE42).");
  g_assert_true (af_print_check_is_overridable (error));
  g_clear_error (&error);

  /* The user chose the external spool. */
  g_array_index (mapping, gint, 0) = AF_AMS_MAPPING_EXTERNAL;
  g_assert_true (af_print_check_trays (info, trays, mapping, &error));
  g_assert_no_error (error);

  /* A printer that reported no trays says nothing about them. */
  g_assert_true (af_print_check_trays (info, af_printer_status_get_trays (silent), NULL,
                                       &error));

  /* An unused filament needs no tray; the used one does. */
  mapping_two = g_array_new (FALSE, FALSE, sizeof (gint));
  g_array_append_val (mapping_two, value);
  g_assert_false (af_print_check_trays (two, trays, mapping_two, &error));
  g_assert_cmpstr (error->message, ==, "No tray holds filament 2 (PLA #000000).");
  g_clear_error (&error);
  g_array_append_val (mapping_two, value);
  g_array_index (mapping_two, gint, 0) = -1;
  g_assert_true (af_print_check_trays (two, trays, mapping_two, &error));
}

static void
test_inspect_json (void)
{
  g_autoptr(AfGcodeInfo) p1s = af_test_corpus_info ("3mf", "bambustudio-02.07-p1s.gcode.3mf");
  g_autoptr(AfGcodeInfo) rings = af_test_corpus_info ("3mf",
                                                      "bambustudio-01.09-cli-2-rings.gcode.3mf");
  g_autofree char *with_id = af_gcode_info_to_json (p1s, FALSE);
  g_autofree char *without = af_gcode_info_to_json (rings, FALSE);

  g_assert_nonnull (strstr (with_id, "\"printer_model_id\":\"C12\""));
  g_assert_null (strstr (without, "printer_model_id"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/print-check/models", test_models);
  g_test_add_func ("/af/print-check/files", test_files);
  g_test_add_func ("/af/print-check/bed-types", test_bed_types);
  g_test_add_func ("/af/print-check/machine", test_machine);
  g_test_add_func ("/af/print-check/nozzle", test_nozzle);
  g_test_add_func ("/af/print-check/storage", test_storage);
  g_test_add_func ("/af/print-check/use-ams", test_use_ams);
  g_test_add_func ("/af/print-check/trays", test_trays);
  g_test_add_func ("/af/print-check/inspect-json", test_inspect_json);

  return g_test_run ();
}
