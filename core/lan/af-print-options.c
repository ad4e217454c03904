/* af-print-options.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "af-lan-error.h"
#include "af-print-options.h"

/* The highest global tray index: 4 AMS units of 4 trays, and AMS HT units 128…135. */
#define MAX_TRAY_INDEX 135
/* A file has at most this many filament slots (BambuStudio's limit is 32). */
#define MAX_FILE_SLOTS 64

G_DEFINE_BOXED_TYPE (AfPrintOptions, af_print_options, af_print_options_copy, af_print_options_free)

AfPrintOptions *
af_print_options_new (void)
{
  AfPrintOptions *options = g_new0 (AfPrintOptions, 1);

  options->plate = 1;
  options->bed_leveling = AF_CALI_MODE_AUTO;
  options->flow_cali = AF_CALI_MODE_AUTO;
  options->nozzle_offset_cali = AF_CALI_MODE_AUTO;
  options->layer_inspect = TRUE;
  options->use_ams = TRUE;
  options->ams_mapping = g_array_new (FALSE, FALSE, sizeof (gint));

  return options;
}

AfPrintOptions *
af_print_options_copy (const AfPrintOptions *options)
{
  AfPrintOptions *copy;

  g_return_val_if_fail (options != NULL, NULL);

  copy = g_memdup2 (options, sizeof *options);
  copy->job_name = g_strdup (options->job_name);
  copy->bed_type = g_strdup (options->bed_type);
  copy->ams_mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  if (options->ams_mapping != NULL)
    g_array_append_vals (copy->ams_mapping, options->ams_mapping->data,
                         options->ams_mapping->len);

  return copy;
}

void
af_print_options_free (AfPrintOptions *options)
{
  if (options == NULL)
    return;

  g_clear_pointer (&options->job_name, g_free);
  g_clear_pointer (&options->bed_type, g_free);
  g_clear_pointer (&options->ams_mapping, g_array_unref);
  g_free (options);
}

static gboolean
parse_tray (const char *text,
            gint       *tray)
{
  guint64 value;

  if (g_ascii_strcasecmp (text, "ext") == 0)
    {
      *tray = AF_AMS_MAPPING_EXTERNAL;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, AF_AMS_MAPPING_EXTERNAL, &value, NULL))
    return FALSE;
  if (af_ams_mapping_is_external ((gint)value))
    {
      *tray = (gint)value;
      return TRUE;
    }
  if (value > MAX_TRAY_INDEX)
    return FALSE;
  /* Between the four AMS units and the AMS HT ids nothing exists. */
  if (value >= 16 && value < 128)
    return FALSE;

  *tray = (gint)value;
  return TRUE;
}

static gboolean
parse_entry (const char *entry,
             guint      *slot,
             gint       *tray)
{
  g_auto(GStrv) parts = g_strsplit (entry, "=", 2);
  guint64 value;

  if (g_strv_length (parts) != 2)
    return FALSE;
  g_strstrip (parts[0]);
  g_strstrip (parts[1]);
  if (!g_ascii_string_to_unsigned (parts[0], 10, 1, MAX_FILE_SLOTS, &value, NULL))
    return FALSE;

  *slot = (guint)value;
  return parse_tray (parts[1], tray);
}

gboolean
af_print_options_parse_ams_map (AfPrintOptions  *options,
                                const char      *text,
                                GError         **error)
{
  g_autoptr(GArray) mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  g_auto(GStrv) entries = NULL;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  entries = g_strsplit (text, ",", -1);
  if (entries[0] == NULL)
    {
      g_set_error_literal (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                           _("The filament mapping is empty. Write FILAMENT=TRAY, for "
                             "example 1=0,2=5 or 1=ext."));
      return FALSE;
    }
  for (guint i = 0; entries[i] != NULL; i++)
    {
      const gint unused = -1;
      guint slot;
      gint tray;

      if (!parse_entry (entries[i], &slot, &tray))
        {
          g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                       _("“%s” is not a filament mapping. Write FILAMENT=TRAY, for example "
                         "1=0,2=5 or 1=ext, with filaments counted from 1 and trays from 0."),
                       g_strstrip (entries[i]));
          return FALSE;
        }
      while (mapping->len < slot)
        g_array_append_val (mapping, unused);
      g_array_index (mapping, gint, slot - 1) = tray;
    }

  g_clear_pointer (&options->ams_mapping, g_array_unref);
  options->ams_mapping = g_steal_pointer (&mapping);

  return TRUE;
}

/* Calibration modes and models */

static const char * const cali_mode_names[] = {
  [AF_CALI_MODE_OFF] = "off",
  [AF_CALI_MODE_ON] = "on",
  [AF_CALI_MODE_AUTO] = "auto",
};

gboolean
af_cali_mode_parse (const char *text,
                    AfCaliMode *mode)
{
  g_return_val_if_fail (mode != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (cali_mode_names); i++)
    if (g_ascii_strcasecmp (text, cali_mode_names[i]) == 0)
      {
        *mode = (AfCaliMode)i;
        return TRUE;
      }

  return FALSE;
}

const char *
af_cali_mode_to_string (AfCaliMode mode)
{
  g_return_val_if_fail ((guint)mode < G_N_ELEMENTS (cali_mode_names), "off");

  return cali_mode_names[mode];
}

/* Which model has what; docs/lan-protocol.md §2.5 gives the sources:
 *  - "auto" (2) in auto_bed_leveling / extrude_cali_flag: the models whose
 *    firmware reads the integer fields (P2S capture, H2 and X2D clients);
 *  - two nozzles (nozzle_offset_cali): H2D, H2D Pro, H2C, X2D;
 *  - a first-layer lidar (layer_inspect): the X1 family, and the P2S and H2D,
 *    whose reports carry xcam.first_layer_inspector;
 *  - no vibration calibration on the P2S (bambuddy forces it off).
 */
static const struct
{
  const char *model_id;
  guint       cali_auto : 1;
  guint       nozzle_offset_cali : 1;
  guint       layer_inspect : 1;
  guint       no_vibration_cali : 1;
} model_features[] = {
  { "BL-P001", 0, 0, 1, 0 },
  { "3DPrinter-X1-Carbon", 0, 0, 1, 0 },
  { "BL-P002", 0, 0, 1, 0 },
  { "3DPrinter-X1", 0, 0, 1, 0 },
  { "C13", 0, 0, 1, 0 },
  { "N7", 1, 0, 1, 1 },
  { "N6", 1, 1, 0, 0 },
  { "O1D", 1, 1, 1, 0 },
  { "O1E", 1, 1, 1, 0 },
  { "O1S", 1, 0, 0, 0 },
  { "O1C2", 1, 1, 0, 0 },
};

void
af_print_options_get_model_features (const char      *model_id,
                                     AfModelFeatures *features)
{
  g_return_if_fail (features != NULL);

  *features = (AfModelFeatures) { FALSE, FALSE, FALSE, TRUE };
  for (guint i = 0; model_id != NULL && i < G_N_ELEMENTS (model_features); i++)
    if (g_strcmp0 (model_id, model_features[i].model_id) == 0)
      {
        features->cali_auto = model_features[i].cali_auto;
        features->nozzle_offset_cali = model_features[i].nozzle_offset_cali;
        features->layer_inspect = model_features[i].layer_inspect;
        features->vibration_cali = !model_features[i].no_vibration_cali;
        return;
      }
}

/* Without "auto" the firmware reads the booleans: AUTO keeps this
 * program's earlier defaults, levelling on and flow calibration off.
 */
static AfCaliMode
resolve_auto (AfCaliMode mode,
              gboolean   cali_auto,
              AfCaliMode fallback)
{
  return mode == AF_CALI_MODE_AUTO && !cali_auto ? fallback : mode;
}

void
af_print_options_apply_model (AfPrintOptions *options,
                              const char     *model_id)
{
  AfModelFeatures features;

  g_return_if_fail (options != NULL);

  af_print_options_get_model_features (model_id, &features);
  options->bed_leveling = resolve_auto (options->bed_leveling, features.cali_auto,
                                        AF_CALI_MODE_ON);
  options->flow_cali = resolve_auto (options->flow_cali, features.cali_auto, AF_CALI_MODE_OFF);
  options->nozzle_offset_cali = features.nozzle_offset_cali
                                ? resolve_auto (options->nozzle_offset_cali, features.cali_auto,
                                                AF_CALI_MODE_ON)
                                : AF_CALI_MODE_OFF;
  options->layer_inspect = options->layer_inspect && features.layer_inspect;
  options->vibration_cali = options->vibration_cali && features.vibration_cali;
}

/* Job names */

char *
af_print_options_truncate_name (const char *name)
{
  g_autofree char *valid = NULL;
  const char *end;

  g_return_val_if_fail (name != NULL, NULL);

  valid = g_utf8_make_valid (name, -1);
  if (strlen (valid) <= AF_PRINT_OPTIONS_MAX_JOB_NAME)
    return g_steal_pointer (&valid);

  /* Back up from the limit to the first byte of a character, so the cut
   * keeps only whole characters.
   */
  end = valid + AF_PRINT_OPTIONS_MAX_JOB_NAME;
  while (end > valid && ((guchar)*end & 0xc0) == 0x80)
    end--;

  return g_strndup (valid, (gsize)(end - valid));
}

guint32
af_print_options_new_task_id (guint32 avoid)
{
  guint32 id;

  do
    id = (guint32)g_random_int_range (1, G_MAXINT32);
  while (id == avoid);

  return id;
}

gboolean
af_print_options_mapping_to_tray (gint   value,
                                  guint *ams_id,
                                  guint *slot_id)
{
  g_return_val_if_fail (ams_id != NULL && slot_id != NULL, FALSE);

  if (af_ams_mapping_is_external (value) || value >= 128)
    {
      *ams_id = (guint)value;
      *slot_id = 0;
      return TRUE;
    }
  if (value < 0)
    return FALSE;
  *ams_id = (guint)value / 4;
  *slot_id = (guint)value % 4;
  return TRUE;
}
