/* af-archive-entries.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-archive"

#include "config.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "af-archive-entries.h"
#include "af-archive-private.h"

/* The metadata entries of a printer-ready archive, written the way the
 * vendor's slicer writes them (reference/lan-protocol.md §5): same element
 * order, same attribute order, LF line ends. Values the source does not
 * carry are left empty rather than guessed.
 */

#define XML_DECLARATION "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static GBytes *
string_to_bytes (GString *string)
{
  return g_string_free_to_bytes (string);
}

GBytes *
af_archive_build_content_types (void)
{
  static const char text[] =
    XML_DECLARATION
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\n"
    " <Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\n"
    " <Default Extension=\"model\" "
    "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/>\n"
    " <Default Extension=\"png\" ContentType=\"image/png\"/>\n"
    " <Default Extension=\"gcode\" ContentType=\"text/x.gcode\"/>\n"
    "</Types>";

  return g_bytes_new_static (text, strlen (text));
}

GBytes *
af_archive_build_rels (guint plate)
{
  GString *s = g_string_new (XML_DECLARATION);

  g_string_append (s, "<Relationships "
                      "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\n");
  g_string_append (s, " <Relationship Target=\"/3D/3dmodel.model\" Id=\"rel-1\" "
                      "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/>\n");
  g_string_append_printf (s, " <Relationship Target=\"/Metadata/plate_%u.png\" Id=\"rel-2\" "
                             "Type=\"http://schemas.openxmlformats.org/package/2006/"
                             "relationships/metadata/thumbnail\"/>\n", plate);
  g_string_append_printf (s, " <Relationship Target=\"/Metadata/plate_%u.png\" Id=\"rel-4\" "
                             "Type=\"http://schemas.bambulab.com/package/2021/"
                             "cover-thumbnail-middle\"/>\n", plate);
  g_string_append_printf (s, " <Relationship Target=\"/Metadata/plate_%u_small.png\" Id=\"rel-5\" "
                             "Type=\"http://schemas.bambulab.com/package/2021/"
                             "cover-thumbnail-small\"/>\n", plate);
  g_string_append (s, "</Relationships>");
  return string_to_bytes (s);
}

/* A sliced-only export: metadata, no mesh, an empty build. No dates, so that
 * the same input always gives the same bytes.
 */
GBytes *
af_archive_build_model (void)
{
  static const char *empty_metadata[] = {
    "Copyright", "Description", "Designer", "License", "Origin", "Title",
  };
  GString *s = g_string_new (XML_DECLARATION);

  g_string_append (s, "<model unit=\"millimeter\" xml:lang=\"en-US\" "
                      "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\" "
                      "xmlns:BambuStudio=\"http://schemas.bambulab.com/package/2021\" "
                      "xmlns:p=\"http://schemas.microsoft.com/3dmanufacturing/production/2015/06\" "
                      "requiredextensions=\"p\">\n");
  g_string_append (s, " <metadata name=\"Application\">AtomFormConnect-" PACKAGE_VERSION
                      "</metadata>\n");
  g_string_append (s, " <metadata name=\"BambuStudio:3mfVersion\">1</metadata>\n");
  for (guint i = 0; i < G_N_ELEMENTS (empty_metadata); i++)
    g_string_append_printf (s, " <metadata name=\"%s\"></metadata>\n", empty_metadata[i]);
  g_string_append (s, " <resources>\n </resources>\n <build/>\n</model>\n");
  return string_to_bytes (s);
}

GBytes *
af_archive_build_model_settings_rels (guint plate)
{
  GString *s = g_string_new (XML_DECLARATION);

  g_string_append (s, "<Relationships "
                      "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\n");
  g_string_append_printf (s, " <Relationship Target=\"/Metadata/plate_%u.gcode\" Id=\"rel-1\" "
                             "Type=\"http://schemas.bambulab.com/package/2021/gcode\"/>\n", plate);
  g_string_append (s, "</Relationships>");
  return string_to_bytes (s);
}

/* Shortest decimal up to four places: 0.4 → "0.4", 83.34877 → "83.3488". */
static char *
format_decimal (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char *end;

  g_ascii_formatd (buffer, sizeof buffer, "%.4f", value);
  end = buffer + strlen (buffer) - 1;
  while (end > buffer && *end == '0')
    *end-- = '\0';
  if (*end == '.')
    *end = '\0';
  if (strcmp (buffer, "-0") == 0)
    return g_strdup ("0");
  return g_strdup (buffer);
}

/* "%.2f" as the vendor writes weights and lengths, or "" when unknown. */
static char *
format_fixed2 (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return g_strdup ("");
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", value));
}

static const struct
{
  const char *name;
  const char *id;
} bed_types[] = {
  { "Cool Plate", "cool_plate" },
  { "Engineering Plate", "eng_plate" },
  { "High Temp Plate", "hot_plate" },
  { "Textured PEI Plate", "textured_plate" },
  { "Supertack Plate", "supertack_plate" },
};

static const char *
bed_type_id (AfGcodeInfo *info)
{
  const char *candidates[] = {
    af_gcode_info_get_bed_type (info),
    af_gcode_info_get_setting (info, "curr_bed_type"),
  };

  for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
    {
      for (guint i = 0; candidates[c] != NULL && i < G_N_ELEMENTS (bed_types); i++)
        {
          if (g_ascii_strcasecmp (candidates[c], bed_types[i].name) == 0 ||
              strcmp (candidates[c], bed_types[i].id) == 0)
            return bed_types[i].id;
        }
    }
  return NULL;
}

static gboolean
setting_is (AfGcodeInfo *info,
            const char  *key,
            const char  *value)
{
  return g_strcmp0 (af_gcode_info_get_setting (info, key), value) == 0;
}

static void
append_json_number_array (GString      *s,
                          const double *values,
                          guint         n_values)
{
  g_string_append_c (s, '[');
  for (guint i = 0; i < n_values; i++)
    {
      g_autofree char *number = format_decimal (values[i]);

      g_string_append_printf (s, "%s%s", i > 0 ? "," : "", number);
    }
  g_string_append_c (s, ']');
}

static void
append_filament_lists (GString     *s,
                       AfGcodeInfo *info)
{
  GString *colors = g_string_new ("[");
  GString *ids = g_string_new ("[");
  guint n = 0;

  for (guint i = 0; i < af_gcode_info_get_n_filaments (info); i++)
    {
      const AfFilament *filament = af_gcode_info_get_filament (info, i);
      g_autofree char *escaped = NULL;

      if (!af_filament_is_used (filament))
        continue;
      /* Colours come from a parser, but JSON must stay valid whatever they hold. */
      escaped = g_strescape (filament->color != NULL ? filament->color : "", NULL);
      g_string_append_printf (colors, "%s\"%s\"", n > 0 ? "," : "", escaped);
      g_string_append_printf (ids, "%s%u", n > 0 ? "," : "", i);
      n++;
    }
  g_string_append_printf (s, "\"filament_colors\":%s],\"filament_ids\":%s],",
                          colors->str, ids->str);
  g_string_free (colors, TRUE);
  g_string_free (ids, TRUE);
}

/* Keys in alphabetical order, compact, as the vendor's JSON library writes it. */
GBytes *
af_archive_build_plate_json (const AfPlateMeta *meta)
{
  GString *s = g_string_new ("{");
  const char *bed_type = bed_type_id (meta->info);
  const double *nozzles;
  guint n_nozzles;
  gboolean sequential;

  if (meta->have_bounds)
    {
      g_string_append (s, "\"bbox_all\":");
      append_json_number_array (s, meta->bounds, 4);
      g_string_append_c (s, ',');
    }
  g_string_append (s, "\"bbox_objects\":[],");
  if (bed_type != NULL)
    g_string_append_printf (s, "\"bed_type\":\"%s\",", bed_type);
  append_filament_lists (s, meta->info);
  g_string_append (s, "\"first_extruder\":0,");
  sequential = setting_is (meta->info, "print_sequence", "by object");
  g_string_append_printf (s, "\"is_seq_print\":%s,", sequential ? "true" : "false");
  nozzles = af_gcode_info_get_nozzle_diameters (meta->info, &n_nozzles);
  if (n_nozzles > 0)
    {
      g_autofree char *nozzle = format_decimal (nozzles[0]);

      g_string_append_printf (s, "\"nozzle_diameter\":%s,", nozzle);
    }
  g_string_append (s, "\"version\":2}");
  return string_to_bytes (s);
}

/* The slicer's settings as one JSON object, keys sorted (AfGcodeInfo keeps
 * them sorted). Values stay the strings the G-code carries: without the
 * slicer's option table there is no telling which are lists.
 */
GBytes *
af_archive_build_project_settings (AfGcodeInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char * const *keys = af_gcode_info_get_setting_keys (info);
  char *text;
  gsize length;

  json_builder_begin_object (builder);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, keys[i]);
      json_builder_add_string_value (builder, af_gcode_info_get_setting (info, keys[i]));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 4);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

static void
append_metadata (GString    *s,
                 const char *indent,
                 const char *key,
                 const char *value)
{
  g_autofree char *escaped = g_markup_escape_text (value != NULL ? value : "", -1);

  g_string_append_printf (s, "%s<metadata key=\"%s\" value=\"%s\"/>\n", indent, key, escaped);
}

/* "1 1 1" — one entry per filament, as the vendor sizes these lists. */
static char *
repeat_value (const char *value,
              guint       count)
{
  GString *s = g_string_new (value);

  for (guint i = 1; i < count; i++)
    g_string_append_printf (s, " %s", value);
  return g_string_free (s, FALSE);
}

GBytes *
af_archive_build_model_settings (const AfPlateMeta *meta)
{
  const char *map_mode = af_gcode_info_get_setting (meta->info, "filament_map_mode");
  guint n_filaments = MAX (1, af_gcode_info_get_n_filaments (meta->info));
  g_autofree char *plate = g_strdup_printf ("%u", meta->plate);
  g_autofree char *gcode = g_strdup_printf ("Metadata/plate_%u.gcode", meta->plate);
  g_autofree char *png = g_strdup_printf ("Metadata/plate_%u.png", meta->plate);
  g_autofree char *json = g_strdup_printf ("Metadata/plate_%u.json", meta->plate);
  g_autofree char *maps = repeat_value ("1", n_filaments);
  g_autofree char *volume_maps = repeat_value ("0", n_filaments);
  GString *s = g_string_new (XML_DECLARATION "<config>\n  <plate>\n");

  append_metadata (s, "    ", "plater_id", plate);
  append_metadata (s, "    ", "plater_name", "");
  append_metadata (s, "    ", "locked", "false");
  append_metadata (s, "    ", "filament_map_mode", map_mode != NULL ? map_mode : "Auto For Flush");
  append_metadata (s, "    ", "filament_maps", maps);
  append_metadata (s, "    ", "filament_volume_maps", volume_maps);
  append_metadata (s, "    ", "gcode_file", gcode);
  append_metadata (s, "    ", "thumbnail_file", png);
  append_metadata (s, "    ", "pattern_bbox_file", json);
  g_string_append (s, "  </plate>\n</config>\n");
  return string_to_bytes (s);
}

const char *
af_archive_find_model_id (AfGcodeInfo *info)
{
  const char *candidates[] = {
    af_gcode_info_get_printer_model (info),
    af_gcode_info_get_setting (info, "printer_model"),
    af_gcode_info_get_setting (info, "printer_settings_id"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      const char *id = af_archive_lookup_model_id (candidates[i]);

      if (id != NULL)
        return id;
    }
  return NULL;
}

/* One code per nozzle from a per-extruder setting ("Direct Drive,Bowden"),
 * mapped as the vendor's enums number them; "0", their first value, when the
 * G-code does not say.
 */
static char *
per_nozzle_codes (AfGcodeInfo *info,
                  const char  *key,
                  const char  *code_one_match)
{
  const char *value = af_gcode_info_get_setting (info, key);
  g_auto(GStrv) parts = NULL;
  GString *s;

  if (value == NULL || *value == '\0')
    return g_strdup ("0");

  parts = g_strsplit_set (value, ",;", -1);
  s = g_string_new (NULL);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *part = g_strstrip (g_strdup (parts[i]));

      g_string_append_printf (s, "%s%s", i > 0 ? " " : "",
                              g_ascii_strcasecmp (part, code_one_match) == 0 ? "1" : "0");
    }
  return g_string_free (s, FALSE);
}

static char *
format_nozzles (AfGcodeInfo *info)
{
  GString *s = g_string_new (NULL);
  const double *nozzles;
  guint n_nozzles;

  nozzles = af_gcode_info_get_nozzle_diameters (info, &n_nozzles);
  for (guint i = 0; i < n_nozzles; i++)
    {
      g_autofree char *nozzle = format_decimal (nozzles[i]);

      g_string_append_printf (s, "%s%s", i > 0 ? "," : "", nozzle);
    }
  return g_string_free (s, FALSE);
}

static const char *
client_version (AfGcodeInfo *info)
{
  const char *name = af_gcode_info_get_slicer_name (info);
  const char *version = af_gcode_info_get_slicer_version (info);

  /* The vendor's own G-code keeps the version of the slicer that made it;
   * anything else was packaged by us.
   */
  if (name != NULL && version != NULL && strstr (name, "BambuStudio") != NULL)
    return version;
  return PACKAGE_VERSION;
}

static void
append_header (GString     *s,
               AfGcodeInfo *info)
{
  g_autofree char *version = g_markup_escape_text (client_version (info), -1);

  g_string_append (s, "  <header>\n");
  g_string_append (s, "    <header_item key=\"X-BBL-Client-Type\" value=\"slicer\"/>\n");
  g_string_append_printf (s, "    <header_item key=\"X-BBL-Client-Version\" value=\"%s\"/>\n",
                          version);
  g_string_append (s, "  </header>\n");
}

static void
append_plate_metadata (GString           *s,
                       const AfPlateMeta *meta)
{
  AfGcodeInfo *info = meta->info;
  guint n_filaments = MAX (1, af_gcode_info_get_n_filaments (info));
  gint64 seconds = af_gcode_info_get_print_time (info);
  g_autofree char *index = g_strdup_printf ("%u", meta->plate);
  g_autofree char *extruder = per_nozzle_codes (info, "extruder_type", "Bowden");
  g_autofree char *volume = per_nozzle_codes (info, "nozzle_volume_type", "High Flow");
  g_autofree char *nozzles = format_nozzles (info);
  g_autofree char *prediction = seconds >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, seconds)
                                             : g_strdup ("");
  g_autofree char *weight = format_fixed2 (af_gcode_info_get_total_weight (info));
  g_autofree char *maps = repeat_value ("1", n_filaments);
  g_autofree char *limits = repeat_value ("0", n_filaments);
  gboolean labelled = meta->objects != NULL ? meta->objects->len > 0
                                            : af_gcode_info_get_objects (info)[0] != NULL;

  append_metadata (s, "    ", "index", index);
  append_metadata (s, "    ", "extruder_type", extruder);
  append_metadata (s, "    ", "nozzle_volume_type", volume);
  append_metadata (s, "    ", "printer_model_id", meta->model_id);
  append_metadata (s, "    ", "nozzle_diameters", nozzles);
  append_metadata (s, "    ", "timelapse_type", "0");
  append_metadata (s, "    ", "prediction", prediction);
  append_metadata (s, "    ", "weight", weight);
  append_metadata (s, "    ", "outside", "false");
  append_metadata (s, "    ", "support_used",
                   setting_is (info, "enable_support", "1") ? "true" : "false");
  append_metadata (s, "    ", "label_object_enabled", labelled ? "true" : "false");
  append_metadata (s, "    ", "filament_maps", maps);
  append_metadata (s, "    ", "limit_filament_maps", limits);
}

static void
append_object (GString    *s,
               const char *identify_id,
               const char *name)
{
  g_autofree char *escaped_name = g_markup_escape_text (name, -1);

  g_string_append (s, "    <object ");
  if (identify_id != NULL)
    {
      g_autofree char *escaped_id = g_markup_escape_text (identify_id, -1);

      g_string_append_printf (s, "identify_id=\"%s\" ", escaped_id);
    }
  g_string_append_printf (s, "name=\"%s\" skipped=\"false\" />\n", escaped_name);
}

static void
append_objects (GString           *s,
                const AfPlateMeta *meta)
{
  const char * const *names = af_gcode_info_get_objects (meta->info);

  if (meta->objects != NULL)
    {
      for (guint i = 0; i < meta->objects->len; i++)
        {
          const AfArchiveObject *object = g_ptr_array_index (meta->objects, i);

          append_object (s, object->identify_id, object->name);
        }
      return;
    }

  /* G-code labels carry names, not the vendor's identify ids. */
  for (guint i = 0; names[i] != NULL; i++)
    append_object (s, NULL, names[i]);
}

static char *
tray_info_idx (AfGcodeInfo *info,
               guint        index)
{
  const char *ids = af_gcode_info_get_setting (info, "filament_ids");
  g_auto(GStrv) parts = NULL;

  if (ids == NULL)
    return g_strdup ("");
  parts = g_strsplit_set (ids, ";,", -1);
  if (index >= g_strv_length (parts))
    return g_strdup ("");
  return g_markup_escape_text (g_strstrip (parts[index]), -1);
}

static void
append_filaments (GString     *s,
                  AfGcodeInfo *info)
{
  for (guint i = 0; i < af_gcode_info_get_n_filaments (info); i++)
    {
      const AfFilament *filament = af_gcode_info_get_filament (info, i);
      g_autofree char *tray = NULL;
      g_autofree char *type = NULL;
      g_autofree char *color = NULL;
      g_autofree char *used_m = NULL;
      g_autofree char *used_g = NULL;

      if (!af_filament_is_used (filament))
        continue;

      tray = tray_info_idx (info, i);
      type = g_markup_escape_text (filament->type != NULL ? filament->type : "", -1);
      color = g_markup_escape_text (filament->color != NULL ? filament->color : "", -1);
      used_m = format_fixed2 (filament->length_m);
      used_g = format_fixed2 (filament->weight_g);
      g_string_append_printf (s, "    <filament id=\"%u\" tray_info_idx=\"%s\" type=\"%s\" "
                                 "color=\"%s\" used_m=\"%s\" used_g=\"%s\" />\n",
                              i + 1, tray, type, color, used_m, used_g);
    }
}

GBytes *
af_archive_build_slice_info (const AfPlateMeta *meta)
{
  GString *s = g_string_new (XML_DECLARATION "<config>\n");

  append_header (s, meta->info);
  g_string_append (s, "  <plate>\n");
  append_plate_metadata (s, meta);
  append_objects (s, meta);
  append_filaments (s, meta->info);
  g_string_append (s, "  </plate>\n</config>\n");
  return string_to_bytes (s);
}
