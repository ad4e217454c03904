/* af-print-check.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "af-print-check.h"
#include "af-print-options.h"
#include "af-printer-models.h"

/* Two diameters closer than this are the same nozzle: slicers write 0.4 as
 * "0.4" or "0.40", and the report as a string or a float.
 */
#define NOZZLE_TOLERANCE_MM 0.005

G_DEFINE_QUARK (af-print-check-error-quark, af_print_check_error)

gboolean
af_print_check_is_overridable (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  return error->domain == AF_PRINT_CHECK_ERROR &&
         error->code != AF_PRINT_CHECK_ERROR_NO_STORAGE;
}

static void
replace_string (char       **field,
                  const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  while (g_ascii_isspace (*text))
    text++;
  return *text == '\0';
}

/* "Original Prusa MK4S 0.4 nozzle" without " 0.4 nozzle": slicers name
 * printer presets after the machine and its nozzle.
 */
static char *
strip_nozzle_suffix (const char *preset)
{
  g_autofree char *copy = g_strstrip (g_strdup (preset));
  char *space;

  if (!g_str_has_suffix (copy, " nozzle"))
    return g_steal_pointer (&copy);

  copy[strlen (copy) - strlen (" nozzle")] = '\0';
  space = strrchr (copy, ' ');
  if (space != NULL && g_ascii_isdigit (space[1]))
    *space = '\0';
  return g_strstrip (g_steal_pointer (&copy));
}

/* The vendor's own profiles name the vendor; a name that does but is not in
 * af-printer-models.c (a model newer than this table) is not foreign.
 */
static gboolean
names_vendor (const char *name)
{
  g_autofree char *folded = g_ascii_strdown (name, -1);

  return strstr (folded, "bambu") != NULL || g_str_has_prefix (folded, "bbl ");
}

/* The vendor model id from printer_model_id, printer_model or the printer preset's name. */
static const char *
file_model_id (AfGcodeInfo *info)
{
  const char *id = af_gcode_info_get_printer_model_id (info);
  const char *preset = af_gcode_info_get_setting (info, "printer_settings_id");
  g_autofree char *machine = NULL;

  if (id != NULL || is_blank (preset))
    return id;

  machine = strip_nozzle_suffix (preset);
  return af_printer_models_find_id (machine);
}

char *
af_print_check_dup_foreign_machine (AfGcodeInfo *info)
{
  const char *preset;
  g_autofree char *model = NULL;
  g_autofree char *machine = NULL;

  g_return_val_if_fail (AF_IS_GCODE_INFO (info), NULL);

  if (file_model_id (info) != NULL)
    return NULL;

  if (!is_blank (af_gcode_info_get_printer_model (info)))
    model = g_strstrip (g_strdup (af_gcode_info_get_printer_model (info)));
  preset = af_gcode_info_get_setting (info, "printer_settings_id");
  if (!is_blank (preset))
    machine = strip_nozzle_suffix (preset);

  /* The preset's name when it spells out the model ("Original Prusa MK4S"
   * for "MK4S"), else the model: a user's preset name may say little.
   */
  if (model != NULL && (machine == NULL || strstr (machine, model) == NULL))
    replace_string (&machine, model);

  if (machine == NULL || *machine == '\0' || names_vendor (machine))
    return NULL;
  return g_steal_pointer (&machine);
}

static gboolean
check_model (AfGcodeInfo  *info,
             AfPrinter    *printer,
             GError      **error)
{
  const char *printer_id = af_printer_models_find_id (af_printer_get_model (printer));
  const char *printer_name = af_printer_models_get_name (printer_id);
  g_autofree char *foreign = af_print_check_dup_foreign_machine (info);
  const char *file_id;

  if (foreign != NULL)
    {
      if (printer_name != NULL)
        /* Translators: the first %s is another make's printer, e.g. "Creality K1 Max",
         * the second this printer's model, e.g. "P1S"
         */
        g_set_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
                     _("This file was sliced for %s, not for this %s."), foreign, printer_name);
      else
        /* Translators: %s is another make's printer, e.g. "Creality K1 Max" */
        g_set_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
                     _("This file was sliced for %s, a printer of another make, not for this "
                       "printer."), foreign);
      return FALSE;
    }

  file_id = file_model_id (info);
  if (file_id == NULL || printer_id == NULL ||
      af_printer_models_are_compatible (file_id, printer_id))
    return TRUE;

  /* Translators: both are printer models, e.g. "A1 mini" and "P1S" */
  g_set_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_WRONG_PRINTER,
               _("This file was sliced for %s, not for this %s."),
               af_printer_models_get_name (file_id), printer_name);
  return FALSE;
}

/* A file with nozzles of different sizes is for a printer with two nozzles,
 * whose report says more than one nozzle_diameter: that is not compared.
 */
static gboolean
check_nozzle (AfGcodeInfo  *info,
              AfPrinter    *printer,
              GError      **error)
{
  double reported = af_printer_status_get_nozzle_diameter (af_printer_get_status (printer));
  guint n_nozzles = 0;
  const double *nozzles = af_gcode_info_get_nozzle_diameters (info, &n_nozzles);

  if (isnan (reported) || n_nozzles == 0)
    return TRUE;
  for (guint i = 1; i < n_nozzles; i++)
    if (fabs (nozzles[i] - nozzles[0]) > NOZZLE_TOLERANCE_MM)
      return TRUE;
  if (isnan (nozzles[0]) || fabs (nozzles[0] - reported) <= NOZZLE_TOLERANCE_MM)
    return TRUE;

  /* Translators: nozzle diameters in millimetres, e.g. "0.6" and "0.4" */
  g_set_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_WRONG_NOZZLE,
               _("This file was sliced for a %g mm nozzle, and this printer has a %g mm nozzle."),
               nozzles[0], reported);
  return FALSE;
}

gboolean
af_print_check_machine (AfGcodeInfo  *info,
                        AfPrinter    *printer,
                        GError      **error)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (info), FALSE);
  g_return_val_if_fail (AF_IS_PRINTER (printer), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_model (info, printer, error) && check_nozzle (info, printer, error);
}

gboolean
af_print_check_storage (AfPrinter  *printer,
                        GError    **error)
{
  gboolean usb;
  const char *message;

  g_return_val_if_fail (AF_IS_PRINTER (printer), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The P2S and the H2 series keep print files on a USB stick: their FTPS
   * root is the stick (docs/lan-protocol.md).
   */
  usb = af_printer_models_has_usb_storage (af_printer_get_model (printer));
  switch (af_printer_status_get_storage (af_printer_get_status (printer)))
    {
    case AF_STORAGE_NONE:
      message = usb ? _("The printer has no USB stick, where it keeps the files it prints. "
                        "Insert one, then send again.")
                    : _("The printer has no microSD card, where it keeps the files it prints. "
                        "Insert one, then send again.");
      break;

    case AF_STORAGE_ABNORMAL:
      message = usb ? _("The printer cannot use its USB stick. Check the stick on the "
                        "printer’s screen, or format it, then send again.")
                    : _("The printer cannot use its microSD card. Check the card on the "
                        "printer’s screen, or format it, then send again.");
      break;

    case AF_STORAGE_READ_ONLY:
      message = usb ? _("The printer’s USB stick is read-only. Make it writable, then send "
                        "again.")
                    : _("The printer’s microSD card is read-only. Slide its lock switch off, "
                        "then send again.");
      break;

    case AF_STORAGE_UNKNOWN:
    case AF_STORAGE_NORMAL:
    default:
      return TRUE;
    }

  g_set_error_literal (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_NO_STORAGE, message);
  return FALSE;
}

gboolean
af_print_check_trays (AfGcodeInfo  *info,
                      GListModel   *trays,
                      GArray       *mapping,
                      GError      **error)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (info), FALSE);
  g_return_val_if_fail (G_IS_LIST_MODEL (trays), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_list_model_get_n_items (trays) == 0)
    return TRUE;

  for (guint i = 0; i < af_gcode_info_get_n_filaments (info); i++)
    {
      const AfFilament *filament = af_gcode_info_get_filament (info, i);

      if (!af_filament_is_used (filament) ||
          (mapping != NULL && i < mapping->len && g_array_index (mapping, gint, i) != -1))
        continue;

      /* Translators: the 1-based filament number, its material and its colour,
       * e.g. "No tray holds filament 2 (PETG #FF0000)."
       */
      g_set_error (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_NO_TRAY,
                   _("No tray holds filament %u (%s %s)."), i + 1,
                   filament->type != NULL ? filament->type : "?",
                   filament->color != NULL ? filament->color : "");
      return FALSE;
    }

  return TRUE;
}

gboolean
af_print_check_has_ams (GListModel *trays)
{
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (trays), FALSE);

  n = g_list_model_get_n_items (trays);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, i);

      if (!af_ams_tray_is_external (tray))
        return TRUE;
    }

  return FALSE;
}

static gboolean
is_ams_tray (GListModel *trays,
             gint        value)
{
  guint n = g_list_model_get_n_items (trays);

  if (value < 0 || af_ams_mapping_is_external (value))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, i);

      if (!af_ams_tray_is_external (tray) && af_ams_tray_get_global_index (tray) == value)
        return TRUE;
    }

  return FALSE;
}

gboolean
af_print_check_use_ams (AfGcodeInfo *info,
                        GListModel  *trays,
                        GArray      *mapping)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (info), FALSE);
  g_return_val_if_fail (G_IS_LIST_MODEL (trays), FALSE);

  if (mapping == NULL || !af_print_check_has_ams (trays))
    return FALSE;

  for (guint i = 0; i < mapping->len && i < af_gcode_info_get_n_filaments (info); i++)
    {
      if (af_filament_is_used (af_gcode_info_get_filament (info, i)) &&
          is_ams_tray (trays, g_array_index (mapping, gint, i)))
        return TRUE;
    }

  return FALSE;
}

/* The plate names slicers write in curr_bed_type, as project_file spells
 * them (BambuStudio's bed type names; OrcaSlicer uses the same). "Smooth PEI
 * Plate" is the later name of the "High Temp Plate".
 */
static const struct
{
  const char *slicer;
  const char *firmware;
} bed_types[] = {
  { "Cool Plate", "cool_plate" },
  { "Engineering Plate", "eng_plate" },
  { "High Temp Plate", "hot_plate" },
  { "Smooth PEI Plate", "hot_plate" },
  { "Textured PEI Plate", "textured_plate" },
  { "Cool Plate (SuperTack)", "supertack_plate" },
};

const char *
af_print_check_bed_type (AfGcodeInfo *info)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (AF_IS_GCODE_INFO (info), "auto");

  if (af_gcode_info_get_bed_type (info) == NULL)
    return "auto";

  name = g_strstrip (g_strdup (af_gcode_info_get_bed_type (info)));
  for (guint i = 0; i < G_N_ELEMENTS (bed_types); i++)
    {
      if (g_ascii_strcasecmp (name, bed_types[i].slicer) == 0 ||
          g_ascii_strcasecmp (name, bed_types[i].firmware) == 0)
        return bed_types[i].firmware;
    }

  return "auto";
}
