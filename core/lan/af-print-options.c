/* af-print-options.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <glib/gi18n-lib.h>

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
  options->bed_leveling = TRUE;
  options->flow_cali = TRUE;
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
  if (!g_ascii_string_to_unsigned (text, 10, 0, MAX_TRAY_INDEX, &value, NULL))
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
