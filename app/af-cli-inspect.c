/* af-cli-inspect.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "af-core.h"
#include "af-format.h"
#include "af-cli-private.h"

/* "inspect FILE [--json]": what the readers found, as aligned "Label: value"
 * lines or as the JSON documented in docs/inspect-json.md. Output is built
 * whole before any of it is printed, so a failure leaves stdout empty.
 */

static char *
format_millimetres (double mm)
{
  if (isnan (mm))
    return NULL;

  /* Translators: a length in millimetres, e.g. "0.2 mm" */
  return g_strdup_printf (_("%g mm"), mm);
}

static char *
format_grams (double grams)
{
  if (isnan (grams))
    return NULL;

  /* Translators: a weight of filament in grams, e.g. "12.34 g" */
  return g_strdup_printf (_("%.2f g"), grams);
}

static char *
format_metres (double metres)
{
  if (isnan (metres))
    return NULL;

  /* Translators: a length of filament in metres, e.g. "4.12 m" */
  return g_strdup_printf (_("%.2f m"), metres);
}

static const char *
kind_to_label (AfGcodeKind kind)
{
  switch (kind)
    {
    case AF_GCODE_KIND_BINARY:
      return _("Binary G-code");
    case AF_GCODE_KIND_ARCHIVE:
      return _("Printer-ready 3MF archive");
    case AF_GCODE_KIND_ASCII:
    default:
      return _("G-code text");
    }
}

/* Joins the parts that are there with ", "; takes the array. */
static char *
join_parts (GPtrArray *parts)
{
  g_autoptr(GPtrArray) owned = parts;

  if (owned->len == 0)
    return NULL;

  g_ptr_array_add (owned, NULL);
  return g_strjoinv (", ", (char **)owned->pdata);
}

static void
add_nozzle_row (GArray      *rows,
                AfGcodeInfo *info)
{
  guint n_nozzles = 0;
  const double *nozzles = af_gcode_info_get_nozzle_diameters (info, &n_nozzles);
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n_nozzles; i++)
    g_ptr_array_add (parts, format_millimetres (nozzles[i]));

  af_cli_rows_add (rows, ngettext ("Nozzle", "Nozzles", n_nozzles), join_parts (parts));
}

static char *
format_filament (const AfFilament *filament)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  char *weight = format_grams (filament->weight_g);
  char *length = format_metres (filament->length_m);

  if (filament->type != NULL)
    g_ptr_array_add (parts, g_strdup (filament->type));
  if (filament->color != NULL)
    g_ptr_array_add (parts, g_strdup (filament->color));
  if (weight != NULL)
    g_ptr_array_add (parts, weight);
  if (length != NULL)
    g_ptr_array_add (parts, length);

  return join_parts (parts);
}

static void
add_filament_rows (GArray      *rows,
                   AfGcodeInfo *info)
{
  guint n_filaments = af_gcode_info_get_n_filaments (info);

  for (guint i = 0; i < n_filaments; i++)
    {
      /* Translators: the label of one filament a print uses, e.g. "Filament 2" */
      g_autofree char *label = g_strdup_printf (_("Filament %u"), i + 1);

      af_cli_rows_add (rows, label, format_filament (af_gcode_info_get_filament (info, i)));
    }

  if (n_filaments > 1)
    af_cli_rows_add (rows, _("Filament in all"),
                     format_grams (af_gcode_info_get_total_weight (info)));
}

static char *
format_objects (AfGcodeInfo *info)
{
  const char * const *objects = af_gcode_info_get_objects (info);

  if (objects[0] == NULL)
    return NULL;

  return g_strjoinv (", ", (char **)objects);
}

static char *
format_thumbnails (GListModel *thumbnails)
{
  guint n_items = g_list_model_get_n_items (thumbnails);
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);

  if (n_items == 0)
    {
      g_ptr_array_unref (parts);
      /* Translators: the value of "Thumbnails:" when a file embeds no preview image */
      return g_strdup (_("none"));
    }

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(AfThumbnail) thumbnail = g_list_model_get_item (thumbnails, i);

      g_ptr_array_add (parts, g_strdup_printf ("%s %u×%u",
                                               af_thumbnail_get_format_name (thumbnail),
                                               af_thumbnail_get_width (thumbnail),
                                               af_thumbnail_get_height (thumbnail)));
    }

  return join_parts (parts);
}

static void
add_info_rows (GArray      *rows,
               AfGcodeInfo *info)
{
  gint64 print_time = af_gcode_info_get_print_time (info);
  int layer_count = af_gcode_info_get_layer_count (info);

  af_cli_rows_add (rows, _("Slicer"), af_format_slicer (info));
  af_cli_rows_add (rows, _("Printer"), g_strdup (af_gcode_info_get_printer_model (info)));
  /* Translators: a label in the output of "inspect": the vendor's model id, e.g. "C12" */
  af_cli_rows_add (rows, _("Model ID"), g_strdup (af_gcode_info_get_printer_model_id (info)));
  if (print_time >= 0)
    af_cli_rows_add (rows, _("Print time"), af_format_duration (print_time));
  if (layer_count >= 0)
    af_cli_rows_add (rows, _("Layers"), g_strdup_printf ("%d", layer_count));
  af_cli_rows_add (rows, _("Layer height"),
                   format_millimetres (af_gcode_info_get_layer_height (info)));
  add_nozzle_row (rows, info);
  add_filament_rows (rows, info);
  af_cli_rows_add (rows, _("Bed type"), g_strdup (af_gcode_info_get_bed_type (info)));
  af_cli_rows_add (rows, _("Max Z"), format_millimetres (af_gcode_info_get_max_z (info)));
  af_cli_rows_add (rows, _("Objects"), format_objects (info));
  af_cli_rows_add (rows, _("Thumbnails"), format_thumbnails (af_gcode_info_get_thumbnails (info)));
}

static void
print_text (const char *text)
{
  af_cli_print_text (text);
}

/* JSON is UTF-8 whatever the locale, so it is written as bytes, not through
 * g_print()'s conversion to the locale's charset.
 */
static void
print_json (const char *json)
{
  fputs (json, stdout);
  fputc ('\n', stdout);
}

static gboolean
inspect_gcode (GFile     *file,
               gboolean   json,
               GError   **error)
{
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GString) out = NULL;

  info = af_gcode_read_file (file, NULL, error);
  if (info == NULL)
    return FALSE;

  if (json)
    {
      g_autofree char *text = af_gcode_info_to_json (info, TRUE);

      print_json (text);
      return TRUE;
    }

  rows = af_cli_rows_new ();
  af_cli_rows_add (rows, _("File"), g_file_get_parse_name (file));
  af_cli_rows_add (rows, _("Format"), g_strdup (kind_to_label (af_gcode_info_get_kind (info))));
  add_info_rows (rows, info);

  out = g_string_new (NULL);
  af_cli_rows_append (out, rows, "");
  print_text (out->str);
  return TRUE;
}

/* A checksum that does not match is a finding to report, not a failure. */
static gboolean
verify_plate (AfArchive  *archive,
              guint       plate,
              gboolean   *md5_ok,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  *md5_ok = af_archive_verify_plate (archive, plate, NULL, &local_error);
  if (*md5_ok || g_error_matches (local_error, AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_MD5_MISMATCH))
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static JsonNode *
plate_to_json (AfArchive  *archive,
               guint       plate,
               GError    **error)
{
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *info_json = NULL;
  JsonNode *info_node;
  gboolean md5_ok;

  info = af_archive_get_plate_info (archive, plate, error);
  if (info == NULL || !verify_plate (archive, plate, &md5_ok, error))
    return NULL;

  info_json = af_gcode_info_to_json (info, FALSE);
  info_node = json_from_string (info_json, error);
  if (info_node == NULL)
    return NULL;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "plate");
  json_builder_add_int_value (builder, plate);
  json_builder_set_member_name (builder, "md5_ok");
  json_builder_add_boolean_value (builder, md5_ok);
  json_builder_set_member_name (builder, "info");
  json_builder_add_value (builder, info_node);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static char *
archive_to_json (AfArchive  *archive,
                 GError    **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint n_plates = 0;
  const guint *plates = af_archive_get_plates (archive, &n_plates);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, "archive");
  json_builder_set_member_name (builder, "plates");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_plates; i++)
    {
      JsonNode *plate = plate_to_json (archive, plates[i], error);

      if (plate == NULL)
        return NULL;
      json_builder_add_value (builder, plate);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return af_json_to_data (root, TRUE);
}

static gboolean
append_plate_text (GString    *out,
                   AfArchive  *archive,
                   guint       plate,
                   GError    **error)
{
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GArray) rows = af_cli_rows_new ();
  gboolean md5_ok;

  info = af_archive_get_plate_info (archive, plate, error);
  if (info == NULL || !verify_plate (archive, plate, &md5_ok, error))
    return FALSE;

  af_cli_rows_add (rows, _("Checksum"),
           g_strdup (md5_ok ? _("matches")
                            : _("does not match: the G-code was changed or damaged")));
  add_info_rows (rows, info);

  g_string_append_c (out, '\n');
  /* Translators: the heading of one plate of an archive in "inspect" output */
  g_string_append_printf (out, _("Plate %u"), plate);
  g_string_append_c (out, '\n');
  af_cli_rows_append (out, rows, "  ");
  return TRUE;
}

static gboolean
inspect_archive (GFile     *file,
                 gboolean   json,
                 GError   **error)
{
  g_autoptr(AfArchive) archive = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GString) out = NULL;
  const guint *plates;
  guint n_plates = 0;

  archive = af_archive_open (file, NULL, error);
  if (archive == NULL)
    return FALSE;

  if (json)
    {
      g_autofree char *text = archive_to_json (archive, error);

      if (text == NULL)
        return FALSE;
      print_json (text);
      return TRUE;
    }

  plates = af_archive_get_plates (archive, &n_plates);
  rows = af_cli_rows_new ();
  af_cli_rows_add (rows, _("File"), g_file_get_parse_name (file));
  af_cli_rows_add (rows, _("Format"), g_strdup (kind_to_label (AF_GCODE_KIND_ARCHIVE)));
  af_cli_rows_add (rows, _("Plates"), g_strdup_printf ("%u", n_plates));

  out = g_string_new (NULL);
  af_cli_rows_append (out, rows, "");
  for (guint i = 0; i < n_plates; i++)
    {
      if (!append_plate_text (out, archive, plates[i], error))
        return FALSE;
    }

  print_text (out->str);
  return TRUE;
}

gboolean
af_cli_inspect (char   ***args,
                GError  **error)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print JSON as described in docs/inspect-json.md"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GFile) file = NULL;
  gboolean is_archive = FALSE;

  context = af_cli_option_context_new (_("FILE"),
                                       _("Shows what a G-code, binary G-code or printer-ready "
                                         "3MF file says about its print."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;

  file = af_cli_get_input (*args, error);
  if (file == NULL || !af_archive_sniff (file, &is_archive, NULL, error))
    return FALSE;

  if (is_archive)
    return inspect_archive (file, json, error);

  return inspect_gcode (file, json, error);
}
