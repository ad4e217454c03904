/* af-filament-map.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <math.h>
#include <string.h>

#include "af-filament-map.h"
#include "af-print-options.h"
#include "af-printer-status.h"

/*
 * The default mapping, as a person would choose it at the printer:
 *
 *  - Material first. Two material names match when they are equal ignoring
 *    case and surrounding spaces, or when one is the other followed by a
 *    space and a variant name: "PLA" matches "PLA Basic" and "PLA Matte"
 *    (the same material, a vendor's product line), and "PETG" matches
 *    "PETG HF". A dash never matches: "PLA" does not match "PLA-CF", nor
 *    "PA" "PA-CF", because filled materials need other settings and often
 *    another nozzle.
 *  - A file that does not name a material (Cura writes none) may use any
 *    loaded tray; an empty tray never serves.
 *  - Among matching trays, the nearest colour by CIE76 in Lab wins; a tray
 *    or file without a colour is farther than any colour. Ties go to the
 *    tray listed first (AMS units in order, the external spool last), so
 *    the result never depends on hash order.
 *  - Each filament is mapped on its own; two filaments of the same material
 *    and colour may share a tray.
 *  - An external spool maps to its af_ams_tray_get_mapping_id(), as
 *    AfPrintOptions.ams_mapping holds it: AF_AMS_MAPPING_EXTERNAL, or on an
 *    H2D AF_AMS_MAPPING_EXTERNAL_DEPUTY for the second nozzle's spool; each
 *    is a tray of its own.
 *  - Unused filaments (af_filament_is_used()) map to -1 and are never
 *    missing. A used filament without a matching tray maps to -1 and its
 *    1-based slot is added to missing.
 */

#define NO_TRAY (-2)

typedef struct
{
  double L;
  double a;
  double b;
} Lab;

static gboolean
parse_color (const char *text,
             guint8      rgb[3])
{
  gsize len;

  if (text == NULL)
    return FALSE;
  if (*text == '#')
    text++;
  len = strlen (text);
  if (len != 6 && len != 8)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;

  for (guint i = 0; i < 3; i++)
    rgb[i] = g_ascii_xdigit_value (text[2 * i]) * 16 + g_ascii_xdigit_value (text[2 * i + 1]);
  return TRUE;
}

static double
srgb_to_linear (guint8 value)
{
  double c = value / 255.0;

  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
lab_f (double t)
{
  const double delta = 6.0 / 29.0;

  return t > delta * delta * delta ? cbrt (t) : t / (3 * delta * delta) + 4.0 / 29.0;
}

/* sRGB (D65) to CIE L*a*b* with the D65 white point. */
static Lab
rgb_to_lab (const guint8 rgb[3])
{
  double r = srgb_to_linear (rgb[0]);
  double g = srgb_to_linear (rgb[1]);
  double b = srgb_to_linear (rgb[2]);
  double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  double y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / 1.00000;
  double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
  Lab lab;

  lab.L = 116 * lab_f (y) - 16;
  lab.a = 500 * (lab_f (x) - lab_f (y));
  lab.b = 200 * (lab_f (y) - lab_f (z));
  return lab;
}

double
af_filament_color_distance (const char *a,
                            const char *b)
{
  guint8 rgb_a[3];
  guint8 rgb_b[3];
  Lab lab_a;
  Lab lab_b;

  if (!parse_color (a, rgb_a) || !parse_color (b, rgb_b))
    return G_MAXDOUBLE;

  lab_a = rgb_to_lab (rgb_a);
  lab_b = rgb_to_lab (rgb_b);
  return (lab_a.L - lab_b.L) * (lab_a.L - lab_b.L)
         + (lab_a.a - lab_b.a) * (lab_a.a - lab_b.a)
         + (lab_a.b - lab_b.b) * (lab_a.b - lab_b.b);
}

/* Whether longer is shorter followed by " <variant>". */
static gboolean
is_variant_of (const char *longer,
               const char *shorter)
{
  gsize len = strlen (shorter);

  return len > 0
         && g_ascii_strncasecmp (longer, shorter, len) == 0
         && longer[len] == ' ';
}

static gboolean
materials_match (const char *file_material,
                 const char *tray_material)
{
  g_autofree char *a = g_strstrip (g_strdup (file_material));
  g_autofree char *b = g_strstrip (g_strdup (tray_material));

  if (*a == '\0' || *b == '\0')
    return FALSE;
  return g_ascii_strcasecmp (a, b) == 0 || is_variant_of (a, b) || is_variant_of (b, a);
}

static gboolean
tray_serves (AfAmsTray        *tray,
             const AfFilament *filament)
{
  const char *material = af_ams_tray_get_material (tray);

  if (material == NULL || *material == '\0')
    return FALSE;
  if (filament->type == NULL || *filament->type == '\0')
    return TRUE;
  return materials_match (filament->type, material);
}

/* The mapping id of the best tray, or NO_TRAY. */
static gint
best_tray (const AfFilament *filament,
           GListModel       *trays)
{
  guint n_trays = g_list_model_get_n_items (trays);
  double best_distance = 0;
  gint best = NO_TRAY;

  for (guint i = 0; i < n_trays; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, i);
      double distance;

      if (!tray_serves (tray, filament))
        continue;
      distance = af_filament_color_distance (filament->color, af_ams_tray_get_color (tray));
      if (best == NO_TRAY || distance < best_distance)
        {
          best = af_ams_tray_get_mapping_id (tray);
          best_distance = distance;
        }
    }

  return best;
}

GArray *
af_filament_map_default (AfGcodeInfo  *info,
                         GListModel   *trays,
                         GArray      **missing)
{
  guint n_filaments;
  GArray *mapping;
  GArray *unserved;

  g_return_val_if_fail (AF_IS_GCODE_INFO (info), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (trays), NULL);

  n_filaments = af_gcode_info_get_n_filaments (info);
  mapping = g_array_sized_new (FALSE, FALSE, sizeof (gint), n_filaments);
  unserved = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n_filaments; i++)
    {
      const AfFilament *filament = af_gcode_info_get_filament (info, i);
      gint tray = -1;

      if (af_filament_is_used (filament))
        {
          tray = best_tray (filament, trays);
          if (tray == NO_TRAY)
            {
              guint slot = i + 1;

              g_array_append_val (unserved, slot);
              tray = -1;
            }
        }
      g_array_append_val (mapping, tray);
    }

  if (missing != NULL)
    *missing = unserved;
  else
    g_array_unref (unserved);
  return mapping;
}
