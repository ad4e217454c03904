/* af-slice-info.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <math.h>
#include <string.h>

#include "af-archive-private.h"
#include "af-slice-info.h"

/* A real file lists a handful of each; far more is garbage we need not keep. */
#define MAX_ITEMS 4096

typedef struct
{
  AfSliceInfo  *info;
  AfSlicePlate *plate;    /* the <plate> being read, or NULL */
  gboolean      in_header;
} ParseState;

static void
filament_clear (gpointer data)
{
  AfSliceFilament *filament = data;

  g_clear_pointer (&filament->type, g_free);
  g_clear_pointer (&filament->color, g_free);
}

static AfSlicePlate *
plate_new (void)
{
  AfSlicePlate *plate = g_new0 (AfSlicePlate, 1);

  plate->prediction = -1;
  plate->weight = NAN;
  plate->nozzles = g_array_new (FALSE, FALSE, sizeof (double));
  plate->objects = g_ptr_array_new_with_free_func (af_archive_object_free);
  plate->filaments = g_array_new (FALSE, TRUE, sizeof (AfSliceFilament));
  g_array_set_clear_func (plate->filaments, filament_clear);

  return plate;
}

static void
plate_free (gpointer data)
{
  AfSlicePlate *plate = data;

  g_free (plate->printer_model_id);
  g_array_unref (plate->nozzles);
  g_ptr_array_unref (plate->objects);
  g_array_unref (plate->filaments);
  g_free (plate);
}

void
af_slice_info_free (AfSliceInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->client_version);
  g_ptr_array_unref (info->plates);
  g_free (info);
}

static const char *
lookup (const char  *name,
        const char **names,
        const char **values)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (strcmp (names[i], name) == 0)
        return values[i];
    }
  return NULL;
}

/* A number the whole text spells, or NAN: "" and "abc" are absent, not 0. */
static double
parse_number (const char *text)
{
  char *end = NULL;
  double value;

  if (text == NULL || *text == '\0')
    return NAN;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return NAN;
  return value;
}

static void
parse_nozzles (AfSlicePlate *plate,
               const char   *value)
{
  g_auto(GStrv) parts = g_strsplit_set (value, ", ;", -1);

  g_array_set_size (plate->nozzles, 0);
  for (guint i = 0; parts[i] != NULL && plate->nozzles->len < MAX_ITEMS; i++)
    {
      double diameter = parse_number (parts[i]);

      if (!isnan (diameter))
        g_array_append_val (plate->nozzles, diameter);
    }
}

static void
plate_metadata (AfSlicePlate *plate,
                const char   *key,
                const char   *value)
{
  double number;

  if (key == NULL || value == NULL)
    return;

  if (strcmp (key, "index") == 0)
    {
      number = parse_number (value);
      if (!isnan (number) && number >= 1 && number <= AF_ARCHIVE_MAX_PLATE)
        plate->index = (guint)number;
    }
  else if (strcmp (key, "printer_model_id") == 0)
    {
      g_free (plate->printer_model_id);
      plate->printer_model_id = *value != '\0' ? g_strdup (value) : NULL;
    }
  else if (strcmp (key, "prediction") == 0)
    {
      number = parse_number (value);
      plate->prediction = number >= 0 && number < G_MAXINT32 ? (gint64)number : -1;
    }
  else if (strcmp (key, "weight") == 0)
    plate->weight = parse_number (value);
  else if (strcmp (key, "nozzle_diameters") == 0)
    parse_nozzles (plate, value);
}

static void
plate_object (AfSlicePlate  *plate,
              const char   **names,
              const char   **values)
{
  const char *name = lookup ("name", names, values);
  const char *identify_id = lookup ("identify_id", names, values);
  AfArchiveObject *object;

  if (name == NULL || plate->objects->len >= MAX_ITEMS)
    return;

  object = g_new0 (AfArchiveObject, 1);
  object->name = g_strdup (name);
  object->identify_id = g_strdup (identify_id);
  g_ptr_array_add (plate->objects, object);
}

static void
plate_filament (AfSlicePlate  *plate,
                const char   **names,
                const char   **values)
{
  AfSliceFilament filament = { 0, NULL, NULL, NAN, NAN };
  double id = parse_number (lookup ("id", names, values));
  const char *type = lookup ("type", names, values);
  const char *color = lookup ("color", names, values);

  if (isnan (id) || id < 1 || id > MAX_ITEMS || plate->filaments->len >= MAX_ITEMS)
    return;

  filament.id = (guint)id;
  filament.type = type != NULL && *type != '\0' ? g_strdup (type) : NULL;
  filament.color = color != NULL && *color != '\0' ? g_ascii_strup (color, -1) : NULL;
  filament.used_m = parse_number (lookup ("used_m", names, values));
  filament.used_g = parse_number (lookup ("used_g", names, values));
  g_array_append_val (plate->filaments, filament);
}

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **names,
                  const char          **values,
                  gpointer              user_data,
                  GError              **error)
{
  ParseState *state = user_data;

  if (strcmp (element, "header") == 0)
    state->in_header = TRUE;
  else if (state->in_header && strcmp (element, "header_item") == 0)
    {
      const char *key = lookup ("key", names, values);
      const char *value = lookup ("value", names, values);

      if (g_strcmp0 (key, "X-BBL-Client-Version") == 0 && value != NULL)
        {
          g_free (state->info->client_version);
          state->info->client_version = g_strdup (value);
        }
    }
  else if (strcmp (element, "plate") == 0 && state->plate == NULL &&
           state->info->plates->len < MAX_ITEMS)
    {
      state->plate = plate_new ();
      g_ptr_array_add (state->info->plates, state->plate);
    }
  else if (state->plate != NULL && strcmp (element, "metadata") == 0)
    plate_metadata (state->plate, lookup ("key", names, values), lookup ("value", names, values));
  else if (state->plate != NULL && strcmp (element, "object") == 0)
    plate_object (state->plate, names, values);
  else if (state->plate != NULL && strcmp (element, "filament") == 0)
    plate_filament (state->plate, names, values);
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *element,
                gpointer              user_data,
                GError              **error)
{
  ParseState *state = user_data;

  if (strcmp (element, "header") == 0)
    state->in_header = FALSE;
  else if (strcmp (element, "plate") == 0)
    state->plate = NULL;
}

static const GMarkupParser parser = {
  start_element_cb,
  end_element_cb,
  NULL,
  NULL,
  NULL,
};

/**
 * af_slice_info_parse:
 *
 * Reads the plates of a Metadata/slice_info.config. Elements and attributes
 * we do not know are skipped, so newer slicer versions still parse.
 *
 * Returns: (transfer full): the parsed file, or %NULL with a #GMarkupError
 */
AfSliceInfo *
af_slice_info_parse (const char  *text,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(AfSliceInfo) info = g_new0 (AfSliceInfo, 1);
  g_autoptr(GMarkupParseContext) context = NULL;
  ParseState state = { info, NULL, FALSE };

  info->plates = g_ptr_array_new_with_free_func (plate_free);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &state, NULL);
  if (!g_markup_parse_context_parse (context, text, length, error) ||
      !g_markup_parse_context_end_parse (context, error))
    return NULL;

  return g_steal_pointer (&info);
}

AfSlicePlate *
af_slice_info_find_plate (AfSliceInfo *info,
                          guint        index)
{
  if (info == NULL)
    return NULL;

  for (guint i = 0; i < info->plates->len; i++)
    {
      AfSlicePlate *plate = g_ptr_array_index (info->plates, i);

      if (plate->index == index)
        return plate;
    }
  return NULL;
}
