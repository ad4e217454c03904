/* af-gcode-reader.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-gcode"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "af-bgcode.h"
#include "af-json.h"
#include "af-gcode-reader.h"

/* Slicers put their metadata in comments at the head and the tail of the
 * file (docs: reference/slicer-formats.md, section 3), so only those two
 * windows are read: a 1 GB file costs what a 2 MB one does.
 *
 * Policy on damage: a thumbnail whose base64 is invalid, whose declared
 * length is not the length of its data, or which the file ends inside,
 * fails the whole read. A slicer never writes such a block, so the file is
 * damaged and the rest of it cannot be trusted either. A thumbnail cut by
 * the edge of a window in the middle of a large file is only skipped: the
 * file is fine, the window is too small for it.
 */

G_DEFINE_QUARK (af-gcode-error-quark, af_gcode_error)

typedef struct
{
  AfGcodeInfo       *info;
  char              *slicer_name;
  char              *slicer_version;
  gboolean           in_config;

  /* The thumbnail being read; thumb_data is NULL outside one. */
  GString           *thumb_data;
  char              *thumb_tag;
  AfThumbnailFormat  thumb_format;
  guint              thumb_width;
  guint              thumb_height;
  gint64             thumb_length;

  /* Facts only used to settle the filaments at the end. */
  double             total_length_mm;
  double             total_weight_g;
  double             bambu_volume;
  GArray            *densities;
  GArray            *diameters;

  /* Generic keys' values, used when the slicer's own say nothing. */
  gint64             fallback_time;
  gint               fallback_layers;
  char              *fallback_filament;

  gboolean           has_objects_info;
  GPtrArray         *labels;
  GHashTable        *label_set;
} Parser;

static Parser *
parser_new (void)
{
  Parser *p = g_new0 (Parser, 1);

  p->info = af_gcode_info_new ();
  p->total_length_mm = p->total_weight_g = p->bambu_volume = NAN;
  p->fallback_time = -1;
  p->fallback_layers = -1;
  p->densities = g_array_new (FALSE, FALSE, sizeof (double));
  p->diameters = g_array_new (FALSE, FALSE, sizeof (double));
  p->labels = g_ptr_array_new_with_free_func (g_free);
  p->label_set = g_hash_table_new (g_str_hash, g_str_equal);

  return p;
}

static void
parser_clear_thumbnail (Parser *p)
{
  if (p->thumb_data != NULL)
    g_string_free (p->thumb_data, TRUE);
  p->thumb_data = NULL;
  g_clear_pointer (&p->thumb_tag, g_free);
}

static void
parser_free (Parser *p)
{
  parser_clear_thumbnail (p);
  g_clear_object (&p->info);
  g_free (p->slicer_name);
  g_free (p->slicer_version);
  g_array_unref (p->densities);
  g_array_unref (p->diameters);
  g_free (p->fallback_filament);
  g_hash_table_unref (p->label_set);
  g_ptr_array_unref (p->labels);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Parser, parser_free)

static gboolean
set_not_gcode (GError     **error,
               const char  *message)
{
  g_set_error_literal (error, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE, message);
  return FALSE;
}

static gboolean
set_bad_thumbnail (GError     **error,
                   const char  *what)
{
  g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_CORRUPT,
               _("The file is damaged: %s. Export it again from the slicer."), what);
  return FALSE;
}

/* Numbers: plain decimals only, so "nan", "inf" and hex never get in. */
static gboolean
parse_number (const char *text,
              double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double result;

  if (!g_ascii_isdigit (copy[0]) && !(copy[0] == '.' && g_ascii_isdigit (copy[1])))
    return FALSE;

  result = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (result))
    return FALSE;

  *value = result;
  return TRUE;
}

static gboolean
parse_count (const char *text,
             gint       *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  guint64 result;

  if (!g_ascii_string_to_unsigned (copy, 10, 0, G_MAXINT, &result, NULL))
    return FALSE;

  *value = (gint)result;
  return TRUE;
}

static void
set_slicer (Parser     *p,
            const char *name,
            const char *version)
{
  if (p->slicer_name == NULL)
    p->slicer_name = g_strdup (name);
  if (p->slicer_version == NULL && g_strcmp0 (p->slicer_name, name) == 0)
    p->slicer_version = g_strdup (version);
}

/* Durations: "1d 2h 3m 4s" with leading zero units left out, as the
 * Prusa family writes them; decimals allowed ("0.815957s"); Simplify3D's
 * words ("1 hour 2 minutes") too. Units must come largest first, once each.
 */
static int
duration_unit_rank (const char *unit,
                    gsize       length,
                    double     *scale)
{
  static const struct { const char *name; int rank; double scale; } units[] = {
    { "d", 3, 86400 }, { "day", 3, 86400 }, { "days", 3, 86400 },
    { "h", 2, 3600 }, { "hr", 2, 3600 }, { "hour", 2, 3600 }, { "hours", 2, 3600 },
    { "m", 1, 60 }, { "min", 1, 60 }, { "mins", 1, 60 }, { "minute", 1, 60 },
    { "minutes", 1, 60 },
    { "s", 0, 1 }, { "sec", 0, 1 }, { "secs", 0, 1 }, { "second", 0, 1 }, { "seconds", 0, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      if (strlen (units[i].name) == length &&
          g_ascii_strncasecmp (unit, units[i].name, length) == 0)
        {
          *scale = units[i].scale;
          return units[i].rank;
        }
    }

  return -1;
}

static const char *
skip_spaces (const char *text)
{
  while (*text == ' ' || *text == '\t')
    text++;
  return text;
}

/* Reads one "<number> <unit>" term; returns the position after it. */
static const char *
parse_duration_term (const char *text,
                     double     *seconds,
                     int        *rank)
{
  const char *start = text;
  const char *unit;
  g_autofree char *number = NULL;
  double scale;

  while (g_ascii_isdigit (*text) || *text == '.')
    text++;
  if (text == start || text - start > 12)
    return NULL;
  number = g_strndup (start, text - start);

  unit = text = skip_spaces (text);
  while (g_ascii_isalpha (*text))
    text++;
  *rank = duration_unit_rank (unit, text - unit, &scale);
  if (*rank < 0 || !parse_number (number, seconds))
    return NULL;

  *seconds *= scale;
  return text;
}

gboolean
af_gcode_parse_duration (const char *text,
                         gint64     *seconds)
{
  double total = 0;
  int last_rank = 4;

  g_return_val_if_fail (text != NULL, FALSE);

  text = skip_spaces (text);
  if (*text == '\0')
    return FALSE;

  while (*text != '\0')
    {
      double term;
      int rank;

      text = parse_duration_term (text, &term, &rank);
      if (text == NULL || rank >= last_rank)
        return FALSE;
      last_rank = rank;
      total += term;
      text = skip_spaces (text);
    }

  if (seconds != NULL)
    *seconds = (gint64)floor (total + 0.5);
  return TRUE;
}

/* Value handlers: one per metadata key the slicers write. */
typedef void (*ValueFunc) (Parser     *p,
                           const char *value);

static void
set_duration (Parser     *p,
              const char *value)
{
  gint64 seconds;

  if (af_gcode_parse_duration (value, &seconds))
    af_gcode_info_set_print_time (p->info, seconds);
}

static void
set_seconds (Parser     *p,
             const char *value)
{
  double seconds;

  if (parse_number (value, &seconds) && seconds < 1e10)
    af_gcode_info_set_print_time (p->info, (gint64)floor (seconds + 0.5));
}

static void
set_layers (Parser     *p,
            const char *value)
{
  gint layers;

  if (parse_count (value, &layers))
    af_gcode_info_set_layer_count (p->info, layers);
}

static void
set_layer_height (Parser     *p,
                  const char *value)
{
  double mm;

  if (parse_number (value, &mm) && mm > 0)
    af_gcode_info_set_layer_height (p->info, mm);
}

static void
set_max_z (Parser     *p,
           const char *value)
{
  double mm;

  if (parse_number (value, &mm))
    af_gcode_info_set_max_z (p->info, mm);
}

/* ideaMaker: "minx maxx miny maxy minz maxz". */
static void
set_bounding_box (Parser     *p,
                  const char *value)
{
  g_auto(GStrv) fields = g_strsplit (value, " ", -1);

  if (g_strv_length (fields) == 6)
    set_max_z (p, fields[5]);
}

static GArray *
parse_number_list (const char *value)
{
  g_auto(GStrv) items = g_strsplit_set (value, ",;", -1);
  GArray *numbers = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; items[i] != NULL; i++)
    {
      double number = NAN;

      parse_number (items[i], &number);
      g_array_append_val (numbers, number);
    }

  return numbers;
}

static void
set_nozzles (Parser     *p,
             const char *value)
{
  g_autoptr(GArray) nozzles = parse_number_list (value);

  for (guint i = 0; i < nozzles->len; i++)
    {
      if (isnan (g_array_index (nozzles, double, i)))
        return;
    }
  if (nozzles->len > 0)
    af_gcode_info_set_nozzle_diameters (p->info, (const double *)(gpointer)nozzles->data,
                                        nozzles->len);
}

static void
set_printer_model (Parser     *p,
                   const char *value)
{
  if (*value != '\0')
    af_gcode_info_set_printer_model (p->info, value);
}

static void
set_bed_type (Parser     *p,
              const char *value)
{
  if (*value != '\0')
    af_gcode_info_set_bed_type (p->info, value);
}

static char *
unquote (const char *item)
{
  g_autofree char *copy = g_strstrip (g_strdup (item));
  gsize length = strlen (copy);

  if (length >= 2 && copy[0] == '"' && copy[length - 1] == '"')
    return g_strndup (copy + 1, length - 2);

  return g_steal_pointer (&copy);
}

static void
set_types (Parser     *p,
           const char *value)
{
  g_auto(GStrv) items = g_strsplit (value, ";", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *type = unquote (items[i]);
      AfFilament *filament;

      if (*type == '\0')
        continue;
      if ((filament = af_gcode_info_peek_filament (p->info, i)) == NULL)
        break;
      g_free (filament->type);
      filament->type = g_steal_pointer (&type);
    }
}

/* "#rrggbb" (or "#rrggbbaa") to "#RRGGBB"; NULL for anything else. */
static char *
normalize_color (const char *item)
{
  g_autofree char *color = unquote (item);
  gsize length = strlen (color);

  if (color[0] != '#' || (length != 7 && length != 9))
    return NULL;
  for (gsize i = 1; i < length; i++)
    {
      if (!g_ascii_isxdigit (color[i]))
        return NULL;
    }

  color[7] = '\0';
  return g_ascii_strup (color, -1);
}

static void
set_colors (Parser     *p,
            const char *value)
{
  g_auto(GStrv) items = g_strsplit_set (value, ";,", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *color = normalize_color (items[i]);
      AfFilament *filament;

      if (color == NULL)
        continue;
      if ((filament = af_gcode_info_peek_filament (p->info, i)) == NULL)
        break;
      g_free (filament->color);
      filament->color = g_steal_pointer (&color);
    }
}

typedef enum
{
  FIELD_LENGTH,
  FIELD_WEIGHT,
  FIELD_VOLUME,
} Field;

static void
set_filament_field (Parser *p,
                    guint   index,
                    Field   field,
                    double  value)
{
  AfFilament *filament = af_gcode_info_peek_filament (p->info, index);

  if (filament == NULL)
    return;
  if (field == FIELD_LENGTH)
    filament->length_m = value;
  else if (field == FIELD_WEIGHT)
    filament->weight_g = value;
  else
    filament->volume_cm3 = value;
}

static void
set_filament_list (Parser     *p,
                   const char *value,
                   Field       field,
                   double      scale)
{
  g_autoptr(GArray) numbers = parse_number_list (value);

  for (guint i = 0; i < numbers->len; i++)
    {
      double number = g_array_index (numbers, double, i);

      if (!isnan (number))
        set_filament_field (p, i, field, number * scale);
    }
}

static void
set_lengths_mm (Parser     *p,
                const char *value)
{
  set_filament_list (p, value, FIELD_LENGTH, 0.001);
}

static void
set_lengths_m (Parser     *p,
               const char *value)
{
  set_filament_list (p, value, FIELD_LENGTH, 1);
}

static void
set_volumes (Parser     *p,
             const char *value)
{
  set_filament_list (p, value, FIELD_VOLUME, 1);
}

static void
set_weights (Parser     *p,
             const char *value)
{
  set_filament_list (p, value, FIELD_WEIGHT, 1);
}

static void
set_total_weight (Parser     *p,
                  const char *value)
{
  parse_number (value, &p->total_weight_g);
}

static void
set_total_length (Parser     *p,
                  const char *value)
{
  parse_number (value, &p->total_length_mm);
}

/* Bambu's "total filament volume [cm^3]" holds mm³ (8319.35 for 10.48 g
 * of PLA); settle_filaments() checks which unit it really is.
 */
static void
set_bambu_volume (Parser     *p,
                  const char *value)
{
  parse_number (value, &p->bambu_volume);
}

static void
set_densities (Parser     *p,
               const char *value)
{
  g_array_unref (p->densities);
  p->densities = parse_number_list (value);
}

static void
set_diameters (Parser     *p,
               const char *value)
{
  g_array_unref (p->diameters);
  p->diameters = parse_number_list (value);
}

static gboolean
has_filament_amount (Parser *p,
                     guint   index)
{
  const AfFilament *filament;

  if (index >= af_gcode_info_get_n_filaments (p->info))
    return FALSE;
  filament = af_gcode_info_get_filament (p->info, index);

  return !isnan (filament->length_m) || !isnan (filament->volume_cm3);
}

/* Cura: ";Filament used: 1.67714m, 0m" (metres), or "mm3" per extruder
 * for the volumetric flavours.
 */
static void
apply_cura_filament (Parser     *p,
                     const char *value,
                     gboolean    fill_only)
{
  g_auto(GStrv) items = g_strsplit (value, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (items[i]));
      gboolean volumetric = g_str_has_suffix (item, "mm3");
      double number;

      if (!volumetric && !g_str_has_suffix (item, "m"))
        continue;
      item[strlen (item) - (volumetric ? 3 : 1)] = '\0';
      if (!parse_number (item, &number))
        continue;
      if (fill_only && has_filament_amount (p, i))
        continue;

      if (volumetric)
        set_filament_field (p, i, FIELD_VOLUME, number / 1000);
      else
        set_filament_field (p, i, FIELD_LENGTH, number);
    }
}

/* Generic keys: Cura's, which post-processing scripts and slicers imitating
 * Cura (for firmware that shows them) write whatever made the file, and the
 * Slic3r lineage's older spellings. They are kept aside and only fill what
 * the slicer's own keys leave unsaid (parser_finish()).
 */
static void
set_fallback_seconds (Parser     *p,
                      const char *value)
{
  double seconds;

  /* CuraEngine writes 6666 as a placeholder the front end replaces; left
   * in place it means "unknown".
   */
  if (g_strcmp0 (value, "6666") != 0 && parse_number (value, &seconds) && seconds < 1e10)
    p->fallback_time = (gint64)floor (seconds + 0.5);
}

static void
set_fallback_duration (Parser     *p,
                       const char *value)
{
  gint64 seconds;

  if (af_gcode_parse_duration (value, &seconds))
    p->fallback_time = seconds;
}

static void
set_fallback_layers (Parser     *p,
                     const char *value)
{
  parse_count (value, &p->fallback_layers);
}

static void
set_fallback_filament (Parser     *p,
                       const char *value)
{
  g_free (p->fallback_filament);
  p->fallback_filament = g_strdup (value);
}

/* Slic3r 1.3 and older: "1500.0mm (3.6cm3)"; kept in Cura's form. */
static void
set_slic3r_filament (Parser     *p,
                     const char *value)
{
  g_auto(GStrv) words = g_strsplit (value, "mm", 2);
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double mm;

  if (words[0] == NULL || words[1] == NULL || !parse_number (words[0], &mm))
    return;

  g_free (p->fallback_filament);
  p->fallback_filament = g_strconcat (g_ascii_dtostr (buffer, sizeof buffer, mm / 1000), "m",
                                      NULL);
}

/* Simplify3D: "1234.5 mm (1.23 m)" and "3.45 g (0.01 lb)". */
static double
leading_number (const char *value)
{
  g_auto(GStrv) words = g_strsplit (value, " ", 2);
  double number = NAN;

  if (words[0] != NULL)
    parse_number (words[0], &number);
  return number;
}

static void
set_s3d_length (Parser     *p,
                const char *value)
{
  p->total_length_mm = leading_number (value);
}

static void
set_s3d_weight (Parser     *p,
                const char *value)
{
  p->total_weight_g = leading_number (value);
}

static void
set_objects_info (Parser     *p,
                  const char *value)
{
  g_autoptr(JsonParser) json = json_parser_new ();
  JsonObject *root;
  JsonArray *objects;

  if (p->has_objects_info || !af_json_load_untrusted (json, value, -1, NULL) ||
      (root = af_json_get_root_object (json)) == NULL)
    return;

  if (!json_object_has_member (root, "objects") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "objects")))
    return;

  p->has_objects_info = TRUE;
  objects = json_object_get_array_member (root, "objects");
  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      JsonNode *node = json_array_get_element (objects, i);
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      name = json_object_get_string_member_with_default (json_node_get_object (node), "name", NULL);
      if (name != NULL)
        af_gcode_info_add_object (p->info, name);
    }
}

/* .bgcode file metadata: "Producer=PrusaSlicer 2.8.1". */
static void
set_producer (Parser     *p,
              const char *value)
{
  g_auto(GStrv) words = g_strsplit (value, " ", 2);

  if (words[0] != NULL && *words[0] != '\0')
    set_slicer (p, words[0], words[1]);
}

/* CuraEngine calls itself Cura_SteamEngine; people know it as Cura. */
static const char *
slicer_display_name (const char *name)
{
  return g_strcmp0 (name, "Cura_SteamEngine") == 0 ? "Cura" : name;
}

static void
set_generator_name (Parser     *p,
                    const char *value)
{
  set_slicer (p, slicer_display_name (value), NULL);
}

static void
set_generator_version (Parser     *p,
                       const char *value)
{
  if (p->slicer_name != NULL && p->slicer_version == NULL && *value != '\0')
    p->slicer_version = g_strdup (value);
}

static const struct
{
  const char *key;
  ValueFunc   func;
} value_handlers[] = {
  /* Prusa family, Orca, Bambu, Creality Print. */
  { "estimated printing time (normal mode)", set_duration },
  { "total estimated time", set_duration },
  { "total layer number", set_layers },
  { "total layers count", set_layers },
  { "layer_height", set_layer_height },
  { "max_layer_z", set_max_z },
  { "max_z_height", set_max_z },
  { "nozzle_diameter", set_nozzles },
  { "printer_model", set_printer_model },
  { "curr_bed_type", set_bed_type },
  { "filament_type", set_types },
  { "filament_colour", set_colors },
  { "filament used [mm]", set_lengths_mm },
  { "filament used [m]", set_lengths_m },
  { "filament used [cm3]", set_volumes },
  { "filament used [g]", set_weights },
  { "total filament used [g]", set_total_weight },
  { "total filament weight [g]", set_total_weight },
  { "total filament length [mm]", set_total_length },
  { "total filament volume [cm^3]", set_bambu_volume },
  { "filament_density", set_densities },
  { "filament_diameter", set_diameters },
  { "objects_info", set_objects_info },
  { "Producer", set_producer },
  /* Cura, including the Griffin header of the Ultimaker S line. */
  { "PRINT.TIME", set_seconds },
  { "Layer height", set_layer_height },
  { "MAXZ", set_max_z },
  { "PRINT.SIZE.MAX.Z", set_max_z },
  { "NOZZLE_DIAMETER", set_nozzles },
  { "TARGET_MACHINE.NAME", set_printer_model },
  { "GENERATOR.NAME", set_generator_name },
  { "GENERATOR.VERSION", set_generator_version },
  /* ideaMaker. */
  { "Slicer Version", set_generator_version },
  { "Printer Type", set_printer_model },
  { "Print Time", set_seconds },
  { "Bounding Box", set_bounding_box },
  /* Simplify3D, version 4 and 5 names. */
  { "Build time", set_duration },
  { "Build Time", set_duration },
  { "Filament length", set_s3d_length },
  { "Material Length", set_s3d_length },
  { "Plastic weight", set_s3d_weight },
  { "Material Weight", set_s3d_weight },
  { "layerHeight", set_layer_height },
  { "extruderDiameter", set_nozzles },
  { "printMaterial", set_types },
};

/* Matched whatever their case, after the slicers' own keys. */
static const struct
{
  const char *key;
  ValueFunc   func;
} fallback_handlers[] = {
  { "TIME", set_fallback_seconds },
  { "PRINT_TIME", set_fallback_seconds },
  { "estimated printing time", set_fallback_duration },
  { "LAYER_COUNT", set_fallback_layers },
  { "Filament used", set_fallback_filament },
};

/* Keys carrying a 1-based (ideaMaker) or 0-based (Griffin) extruder
 * number: "Filament Type #1", "Material#1 Used",
 * "EXTRUDER_TRAIN.0.NOZZLE.DIAMETER".
 */
static gboolean
match_indexed_key (const char *key,
                   const char *prefix,
                   const char *suffix,
                   guint       base,
                   guint      *index)
{
  const char *digits = key + strlen (prefix);
  const char *end = digits;
  guint64 number;

  if (!g_str_has_prefix (key, prefix))
    return FALSE;
  while (g_ascii_isdigit (*end))
    end++;
  if (end == digits || end - digits > 2 || strcmp (end, suffix) != 0)
    return FALSE;

  number = g_ascii_strtoull (digits, NULL, 10);
  if (number < base)
    return FALSE;
  *index = (guint)(number - base);
  return TRUE;
}

static void
apply_indexed_value (Parser     *p,
                     const char *key,
                     const char *value)
{
  guint index;
  double number;

  if (match_indexed_key (key, "Filament Type #", "", 1, &index) && *value != '\0')
    {
      AfFilament *filament = af_gcode_info_peek_filament (p->info, index);

      if (filament == NULL)
        return;
      g_free (filament->type);
      filament->type = g_strdup (value);
    }
  else if (match_indexed_key (key, "Material#", " Used", 1, &index) &&
           parse_number (value, &number))
    set_filament_field (p, index, FIELD_LENGTH, number / 1000);
  else if (match_indexed_key (key, "EXTRUDER_TRAIN.", ".MATERIAL.VOLUME_USED", 0, &index) &&
           parse_number (value, &number))
    set_filament_field (p, index, FIELD_VOLUME, number / 1000);
  else if (match_indexed_key (key, "EXTRUDER_TRAIN.", ".NOZZLE.DIAMETER", 0, &index) && index == 0)
    set_nozzles (p, value);
}

static void
apply_value (Parser     *p,
             const char *key,
             const char *value)
{
  for (guint i = 0; i < G_N_ELEMENTS (value_handlers); i++)
    {
      if (strcmp (key, value_handlers[i].key) == 0)
        {
          value_handlers[i].func (p, value);
          return;
        }
    }
  /* Slic3r's "filament used = 1500.0mm (3.6cm3)" differs from Cura's
   * "Filament used: 1.5m" only in case and unit, so the exact spelling
   * picks the reader before the case-blind match.
   */
  if (strcmp (key, "filament used") == 0)
    {
      set_slic3r_filament (p, value);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fallback_handlers); i++)
    {
      if (g_ascii_strcasecmp (key, fallback_handlers[i].key) == 0)
        {
          fallback_handlers[i].func (p, value);
          return;
        }
    }

  apply_indexed_value (p, key, value);
}

/* Splits "key = value" or "key: value" at the first separator. */
static void
apply_pair (Parser     *p,
            char       *text,
            const char *separators)
{
  char *separator = strpbrk (text, separators);

  if (separator == NULL || separator == text)
    return;

  *separator = '\0';
  apply_value (p, g_strstrip (text), g_strstrip (separator + 1));
}

static void
apply_config_line (Parser *p,
                   char   *text)
{
  char *equals = strchr (text, '=');
  char *key, *value;

  if (equals == NULL || equals == text)
    return;

  *equals = '\0';
  key = g_strstrip (text);
  value = g_strstrip (equals + 1);
  af_gcode_info_set_setting (p->info, key, value);
  apply_value (p, key, value);
}

/* Outside the settings block a line may hold several pairs, as Bambu's
 * "model printing time: 48m 33s; total estimated time: 54m 16s" and
 * Creality's "filament cost = 0.65; total filament used [g] = 32.46" do.
 * Object JSON is kept whole: names may contain anything.
 */
static void
apply_comment_pairs (Parser *p,
                     char   *text)
{
  g_auto(GStrv) parts = NULL;

  if (g_str_has_prefix (text, "objects_info"))
    {
      apply_pair (p, text, "=");
      return;
    }
  /* Simplify3D writes its settings as ";   layerHeight,0.2". */
  if (g_strcmp0 (p->slicer_name, "Simplify3D") == 0 && strpbrk (text, "=:") == NULL)
    {
      apply_pair (p, text, ",");
      return;
    }

  parts = g_strsplit (text, "; ", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    apply_pair (p, parts[i], "=:");
}

/* "<name> <version> …" after a generator phrase. */
static void
set_slicer_words (Parser     *p,
                  const char *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", 3);
  g_autofree char *version = NULL;

  if (words[0] == NULL || *words[0] == '\0')
    return;
  if (words[1] != NULL && strcmp (words[1], "on") != 0)
    version = g_strdup (g_strdelimit (words[1], ",", '\0'));
  set_slicer (p, slicer_display_name (words[0]), version);
}

static gboolean
parse_generator (Parser     *p,
                 const char *text)
{
  const char *version;

  if (g_str_has_prefix (text, "generated by "))
    set_slicer_words (p, text + strlen ("generated by "));
  else if (g_str_has_prefix (text, "Generated with "))
    set_slicer_words (p, text + strlen ("Generated with "));
  else if (g_str_has_prefix (text, "Sliced by "))
    set_slicer_words (p, text + strlen ("Sliced by "));
  else if (g_str_has_prefix (text, "G-Code generated by Simplify3D"))
    set_slicer (p, "Simplify3D", (version = strstr (text, "Version ")) ? version + 8 : NULL);
  else if (g_str_has_prefix (text, "BambuStudio ") && g_ascii_isdigit (text[12]) &&
           strchr (text + 12, ' ') == NULL)
    set_slicer (p, "BambuStudio", text + 12);
  else
    return FALSE;

  return TRUE;
}

/* A label is printed once per layer and object, so a tall plate repeats
 * each name thousands of times: the set keeps the check constant-time, and
 * the cap (AF_GCODE_MAX_OBJECTS) bounds what a hostile file can make us keep.
 * The set borrows the strings the array owns.
 */
static void
add_label (Parser     *p,
           const char *name,
           gsize       length)
{
  g_autofree char *copy = NULL;

  if (length == 0 || p->labels->len >= AF_GCODE_MAX_OBJECTS)
    return;
  copy = g_strndup (name, length);
  if (g_hash_table_contains (p->label_set, copy))
    return;

  g_hash_table_add (p->label_set, copy);
  g_ptr_array_add (p->labels, g_steal_pointer (&copy));
}

/* Object names from body comments, used when no objects_info says them:
 * Orca/Prusa "; printing object NAME id:0 copy 0", Cura ";MESH:NAME".
 */
static gboolean
parse_label (Parser     *p,
             const char *text)
{
  if (g_str_has_prefix (text, "printing object "))
    {
      const char *name = text + strlen ("printing object ");
      const char *id = strstr (name, " id:");

      if (id == NULL)
        return FALSE;
      add_label (p, name, id - name);
      return TRUE;
    }
  if (g_str_has_prefix (text, "MESH:") && strcmp (text, "MESH:NONMESH") != 0)
    {
      add_label (p, text + 5, strlen (text + 5));
      return TRUE;
    }

  return FALSE;
}

/* "CONFIG_BLOCK_START" (Bambu, Orca) or "prusaslicer_config = begin" and
 * its SuperSlicer_config, qidislicer_config… kin.
 */
static gboolean
is_config_marker (const char *text,
                  gboolean    begin)
{
  const char *suffix = begin ? "_config = begin" : "_config = end";
  gsize key_length;

  if (strcmp (text, begin ? "CONFIG_BLOCK_START" : "CONFIG_BLOCK_END") == 0)
    return TRUE;
  if (!g_str_has_suffix (text, suffix))
    return FALSE;

  key_length = strlen (text) - strlen (suffix) + strlen ("_config");
  return strcspn (text, " ") == key_length;
}

/* Thumbnails: "; <tag> begin <W>x<H> <N>", N characters of base64 on
 * "; "-prefixed lines, "; <tag> end". Cura scripts write "<W> <H>",
 * Creality "<W>*<H>" with extra numbers after N.
 */
static const struct
{
  const char        *tag;
  AfThumbnailFormat  format;
} thumbnail_tags[] = {
  { "thumbnail", AF_THUMBNAIL_FORMAT_PNG },
  { "thumbnail_PNG", AF_THUMBNAIL_FORMAT_PNG },
  { "thumbnail_JPG", AF_THUMBNAIL_FORMAT_JPG },
  { "thumbnail_QOI", AF_THUMBNAIL_FORMAT_QOI },
  { "png", AF_THUMBNAIL_FORMAT_PNG },
  { "jpg", AF_THUMBNAIL_FORMAT_JPG },
};

static gboolean
parse_side (const char *text,
            guint      *value)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &number, NULL))
    return FALSE;

  *value = (guint)number;
  return TRUE;
}

static gboolean
parse_thumbnail_size (Parser     *p,
                      const char *args)
{
  g_auto(GStrv) words = g_strsplit (args, " ", -1);
  g_auto(GStrv) sides = NULL;
  const char *length_word;
  guint64 length;

  p->thumb_width = p->thumb_height = 0;
  p->thumb_length = -1;
  if (words[0] == NULL || *words[0] == '\0')
    return TRUE;

  sides = g_strsplit_set (words[0], "x*", -1);
  if (g_strv_length (sides) == 2)
    {
      if (!parse_side (sides[0], &p->thumb_width) || !parse_side (sides[1], &p->thumb_height))
        return FALSE;
      length_word = words[1];
    }
  else
    {
      if (words[1] == NULL || !parse_side (words[0], &p->thumb_width) ||
          !parse_side (words[1], &p->thumb_height))
        return FALSE;
      length_word = words[2];
    }

  if (length_word == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (length_word, 10, 0, G_MAXINT, &length, NULL))
    return FALSE;

  p->thumb_length = (gint64)length;
  return TRUE;
}

static gboolean
parse_thumbnail_begin (Parser      *p,
                       const char  *text,
                       gboolean    *matched,
                       GError     **error)
{
  *matched = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (thumbnail_tags); i++)
    {
      gsize tag_length = strlen (thumbnail_tags[i].tag);
      const char *rest;

      if (strncmp (text, thumbnail_tags[i].tag, tag_length) != 0)
        continue;
      rest = text + tag_length;
      if (!g_str_has_prefix (rest, " begin") || (rest[6] != '\0' && rest[6] != ' '))
        continue;

      *matched = TRUE;
      if (!parse_thumbnail_size (p, skip_spaces (rest + 6)))
        return set_bad_thumbnail (error, _("a thumbnail’s header cannot be read"));

      p->thumb_tag = g_strdup (thumbnail_tags[i].tag);
      p->thumb_format = thumbnail_tags[i].format;
      p->thumb_data = g_string_new (NULL);
      return TRUE;
    }

  return TRUE;
}

static gboolean
is_base64_text (const char *text)
{
  for (; *text != '\0'; text++)
    {
      if (!g_ascii_isalnum (*text) && *text != '+' && *text != '/' && *text != '=')
        return FALSE;
    }

  return TRUE;
}

/* Strict base64: whole quads, "=" only as the final padding. */
static gboolean
is_valid_base64 (const GString *data)
{
  const char *padding = memchr (data->str, '=', data->len);

  if (data->len == 0 || data->len % 4 != 0)
    return FALSE;
  if (padding == NULL)
    return TRUE;

  return data->str + data->len - padding <= 2 && strspn (padding, "=") == strlen (padding);
}

/* A slicer's format tag is what it declared; the bytes decide when they
 * carry a known signature, as some Cura scripts put JPEG under "thumbnail".
 */
static AfThumbnailFormat
sniff_format (GBytes            *image,
              AfThumbnailFormat  declared)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (image, &size);

  if (size >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return AF_THUMBNAIL_FORMAT_PNG;
  if (size >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0)
    return AF_THUMBNAIL_FORMAT_JPG;
  if (size >= 4 && memcmp (data, "qoif", 4) == 0)
    return AF_THUMBNAIL_FORMAT_QOI;

  return declared;
}

static gboolean
finish_thumbnail (Parser  *p,
                  GError **error)
{
  g_autoptr(GBytes) image = NULL;
  g_autoptr(AfThumbnail) thumbnail = NULL;
  guchar *decoded;
  gsize size;

  if (p->thumb_length >= 0 && (gint64)p->thumb_data->len != p->thumb_length)
    {
      g_autofree char *what = NULL;
      g_autofree char *declared = g_strdup_printf ("%" G_GINT64_FORMAT, p->thumb_length);
      g_autofree char *actual = g_strdup_printf ("%" G_GSIZE_FORMAT, p->thumb_data->len);

      /* Translators: both numbers are counts of base64 characters. */
      what = g_strdup_printf (_("a thumbnail’s header says it holds %s characters but it holds %s"),
                              declared, actual);
      return set_bad_thumbnail (error, what);
    }
  if (!is_valid_base64 (p->thumb_data))
    return set_bad_thumbnail (error, _("a thumbnail is not valid base64"));
  if (af_gcode_info_get_n_thumbnails (p->info) >= AF_GCODE_MAX_THUMBNAILS)
    {
      parser_clear_thumbnail (p);
      return TRUE;
    }

  decoded = g_base64_decode (p->thumb_data->str, &size);
  image = g_bytes_new_take (decoded, size);
  thumbnail = af_thumbnail_new (sniff_format (image, p->thumb_format),
                                p->thumb_width, p->thumb_height, image);
  af_gcode_info_add_thumbnail (p->info, thumbnail);
  parser_clear_thumbnail (p);

  return TRUE;
}

/* A whole thumbnail on one line as a data URI, as Snapmaker Luban writes
 * it: "thumbnail: data:image/png;base64,iVBORw0…". Its base64 ends at the
 * first character that cannot be base64 (a closing quote, a space).
 */
static gboolean
parse_data_uri (Parser      *p,
                const char  *text,
                gboolean    *matched,
                GError     **error)
{
  static const struct { const char *prefix; AfThumbnailFormat format; } types[] = {
    { "data:image/png;base64,", AF_THUMBNAIL_FORMAT_PNG },
    { "data:image/jpeg;base64,", AF_THUMBNAIL_FORMAT_JPG },
    { "data:image/jpg;base64,", AF_THUMBNAIL_FORMAT_JPG },
  };
  const char *uri = strstr (text, "data:image/");

  *matched = FALSE;
  if (uri == NULL)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      const char *data = uri + strlen (types[i].prefix);

      if (!g_str_has_prefix (uri, types[i].prefix))
        continue;

      *matched = TRUE;
      p->thumb_data = g_string_new_len (data, strspn (data, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                            "abcdefghijklmnopqrstuvwxyz"
                                                            "0123456789+/="));
      p->thumb_format = types[i].format;
      p->thumb_width = p->thumb_height = 0;
      p->thumb_length = -1;
      return finish_thumbnail (p, error);
    }

  return TRUE;
}

static gboolean
parse_thumbnail_line (Parser      *p,
                      const char  *line,
                      GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *end = NULL;

  if (line[0] != ';')
    return set_bad_thumbnail (error, _("a thumbnail is not closed by its end line"));

  text = g_strstrip (g_strdup (line + 1));
  end = g_strconcat (p->thumb_tag, " end", NULL);
  if (strcmp (text, end) == 0)
    return finish_thumbnail (p, error);
  if (!is_base64_text (text))
    return set_bad_thumbnail (error, _("a thumbnail is not valid base64"));

  g_string_append (p->thumb_data, text);
  return TRUE;
}

static gboolean
parse_comment (Parser  *p,
               char    *text,
               GError **error)
{
  gboolean matched;

  if (p->in_config)
    {
      if (is_config_marker (text, FALSE))
        p->in_config = FALSE;
      else
        apply_config_line (p, text);
      return TRUE;
    }
  if (is_config_marker (text, TRUE))
    {
      p->in_config = TRUE;
      return TRUE;
    }

  if (!parse_thumbnail_begin (p, text, &matched, error))
    return FALSE;
  if (!matched && !parse_data_uri (p, text, &matched, error))
    return FALSE;
  if (!matched && !parse_generator (p, text) && !parse_label (p, text))
    apply_comment_pairs (p, text);

  return TRUE;
}

static gboolean
parse_line (Parser  *p,
            char    *line,
            GError **error)
{
  if (p->thumb_data != NULL)
    return parse_thumbnail_line (p, line, error);
  if (line[0] != ';')
    return TRUE;

  return parse_comment (p, (char *)skip_spaces (line + 1), error);
}

/* A window ends; a thumbnail still open is either cut by the window's edge
 * (skipped) or by the end of the file (an error).
 */
static gboolean
finish_window (Parser    *p,
               gboolean   cut_end,
               GError   **error)
{
  p->in_config = FALSE;
  if (p->thumb_data == NULL)
    return TRUE;

  if (cut_end)
    {
      g_debug ("Skipping a thumbnail cut by the edge of the window");
      parser_clear_thumbnail (p);
      return TRUE;
    }

  g_set_error_literal (error, AF_GCODE_ERROR, AF_GCODE_ERROR_TRUNCATED,
                       _("The file ends inside a thumbnail, so it is cut short. "
                         "Copy or export it again."));
  return FALSE;
}

/* Parses the whole lines of a window. With @cut_start the window begins
 * mid-file and its first line is a fragment; with @cut_end so is its last.
 */
static gboolean
parse_window (Parser      *p,
              const char  *data,
              gsize        size,
              gboolean     cut_start,
              gboolean     cut_end,
              GError     **error)
{
  const char *pos = data;
  const char *end = data + size;
  g_autoptr(GString) line = g_string_sized_new (256);

  if (cut_start)
    pos = (pos = memchr (data, '\n', size)) != NULL ? pos + 1 : end;

  while (pos < end)
    {
      const char *newline = memchr (pos, '\n', end - pos);
      const char *line_end = newline != NULL ? newline : end;

      if (newline == NULL && cut_end)
        break;
      g_string_truncate (line, 0);
      g_string_append_len (line, pos, line_end - pos);
      if (line->len > 0 && line->str[line->len - 1] == '\r')
        g_string_truncate (line, line->len - 1);
      if (!parse_line (p, line->str, error))
        return FALSE;
      pos = newline != NULL ? newline + 1 : end;
    }

  return finish_window (p, cut_end, error);
}

/* The window is not NUL-terminated: every read stays before @end. */
static gboolean
is_gcode_line (const char *line,
               const char *end)
{
  while (line < end && (*line == ' ' || *line == '\t'))
    line++;
  if (line < end && *line == ';')
    return TRUE;

  return end - line >= 2 && strchr ("GMT", g_ascii_toupper (line[0])) != NULL &&
         g_ascii_isdigit (line[1]);
}

/* Text with no NUL byte and at least one comment or command line. */
static gboolean
check_text (const char  *data,
            gsize        size,
            gboolean     is_head,
            GError     **error)
{
  const char *pos = data;
  const char *end = data + size;

  if (size == 0 && is_head)
    return set_not_gcode (error, _("The file is empty. Export the G-code from your slicer again."));
  if (memchr (data, '\0', size) != NULL)
    return set_not_gcode (error, _("This is not G-code: the file contains binary data."));
  if (!is_head)
    return TRUE;

  while (pos < end)
    {
      const char *newline = memchr (pos, '\n', end - pos);
      const char *line_end = newline != NULL ? newline : end;

      if (is_gcode_line (pos, line_end))
        return TRUE;
      pos = line_end + 1;
    }

  return set_not_gcode (error, _("This is not G-code: no line of it is a G-code command or "
                                 "comment."));
}

static void
settle_bambu_volume (Parser     *p,
                     AfFilament *filament)
{
  double length_mm = filament->length_m * 1000;
  double diameter = p->diameters->len > 0 ? g_array_index (p->diameters, double, 0) : NAN;
  double expected_mm3 = length_mm * G_PI * diameter * diameter / 4;

  if (isnan (p->bambu_volume) || !isnan (filament->volume_cm3))
    return;

  /* Every Bambu Studio seen writes mm³ under a cm³ label. Where length and
   * diameter tell, trust the arithmetic over the label either way; a value
   * that fits neither unit is left absent rather than guessed.
   */
  if (isnan (expected_mm3) || expected_mm3 <= 0)
    filament->volume_cm3 = p->bambu_volume / 1000;
  else if (fabs (p->bambu_volume - expected_mm3) <= 0.05 * expected_mm3)
    filament->volume_cm3 = p->bambu_volume / 1000;
  else if (fabs (p->bambu_volume * 1000 - expected_mm3) <= 0.05 * expected_mm3)
    filament->volume_cm3 = p->bambu_volume;
}

/* Whole-print totals belong to the one filament when there is one; with
 * several they cannot be split, so the per-filament values stay absent.
 */
static void
settle_filaments (Parser *p)
{
  guint n_filaments = af_gcode_info_get_n_filaments (p->info);
  gboolean has_totals = !isnan (p->total_length_mm) || !isnan (p->total_weight_g) ||
                        !isnan (p->bambu_volume);

  if (n_filaments <= 1 && has_totals)
    {
      AfFilament *filament = af_gcode_info_peek_filament (p->info, 0);

      if (isnan (filament->length_m) && !isnan (p->total_length_mm))
        filament->length_m = p->total_length_mm / 1000;
      if (isnan (filament->weight_g))
        filament->weight_g = p->total_weight_g;
      settle_bambu_volume (p, filament);
    }

  /* A profile with density 0 makes Bambu write "0.00" grams: unknown, not
   * weightless.
   */
  for (guint i = 0; i < MIN (p->densities->len, af_gcode_info_get_n_filaments (p->info)); i++)
    {
      AfFilament *filament = af_gcode_info_peek_filament (p->info, i);

      if (g_array_index (p->densities, double, i) == 0 && filament->weight_g == 0)
        filament->weight_g = NAN;
    }
}

static void
apply_fallbacks (Parser *p)
{
  if (af_gcode_info_get_print_time (p->info) < 0 && p->fallback_time >= 0)
    af_gcode_info_set_print_time (p->info, p->fallback_time);
  if (af_gcode_info_get_layer_count (p->info) < 0 && p->fallback_layers >= 0)
    af_gcode_info_set_layer_count (p->info, p->fallback_layers);
  if (p->fallback_filament != NULL)
    apply_cura_filament (p, p->fallback_filament, TRUE);
}

static AfGcodeInfo *
parser_finish (Parser      *p,
               AfGcodeKind  kind)
{
  apply_fallbacks (p);
  settle_filaments (p);
  if (p->slicer_name != NULL)
    af_gcode_info_set_slicer (p->info, p->slicer_name, p->slicer_version);
  if (!p->has_objects_info)
    {
      for (guint i = 0; i < p->labels->len; i++)
        af_gcode_info_add_object (p->info, g_ptr_array_index (p->labels, i));
    }
  af_gcode_info_set_kind (p->info, kind);

  return g_steal_pointer (&p->info);
}

/* Head and tail of plain G-code; a NULL @tail means @head is all of it. */
static AfGcodeInfo *
parse_text (const char  *head,
            gsize        head_size,
            const char  *tail,
            gsize        tail_size,
            GError     **error)
{
  g_autoptr(Parser) p = parser_new ();

  if (!check_text (head, head_size, TRUE, error) ||
      (tail != NULL && !check_text (tail, tail_size, FALSE, error)))
    return NULL;

  if (!parse_window (p, head, head_size, FALSE, tail != NULL, error) ||
      (tail != NULL && !parse_window (p, tail, tail_size, TRUE, FALSE, error)))
    return NULL;

  return parser_finish (p, AF_GCODE_KIND_ASCII);
}

static void
bgcode_metadata_cb (AfBgcodeBlockType  block_type,
                    const char        *key,
                    const char        *value,
                    gpointer           user_data)
{
  Parser *p = user_data;

  if (block_type == AF_BGCODE_BLOCK_SLICER_METADATA)
    af_gcode_info_set_setting (p->info, key, value);
  if (block_type != AF_BGCODE_BLOCK_FILE_METADATA || strcmp (key, "Producer") == 0)
    apply_value (p, key, value);
}

static void
bgcode_thumbnail_cb (AfThumbnail *thumbnail,
                     gpointer     user_data)
{
  Parser *p = user_data;

  af_gcode_info_add_thumbnail (p->info, thumbnail);
}

static AfGcodeInfo *
parse_bgcode (GInputStream  *stream,
              goffset        size,
              gboolean       stop_at_gcode,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(Parser) p = parser_new ();

  if (!af_bgcode_read_metadata (stream, size, stop_at_gcode, bgcode_metadata_cb,
                                bgcode_thumbnail_cb, p, cancellable, error))
    return NULL;

  return parser_finish (p, AF_GCODE_KIND_BINARY);
}

/**
 * af_gcode_read_bytes:
 * @head: the start of the G-code, or all of it
 * @tail: (nullable): the end of the G-code when @head is not all of it
 *
 * Parses G-code held in memory. With a @tail the two are separate,
 * non-overlapping windows and a line cut by either edge is ignored; pass
 * the whole text as @head when it fits. A binary .bgcode in @head is read up to its first G-code
 * block when a @tail is given, to its end otherwise.
 *
 * Returns: (transfer full): the metadata, or %NULL with @error set
 */
AfGcodeInfo *
af_gcode_read_bytes (GBytes  *head,
                     GBytes  *tail,
                     GError **error)
{
  gsize head_size, tail_size = 0;
  const char *head_data;
  const char *tail_data = NULL;

  g_return_val_if_fail (head != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  head_data = g_bytes_get_data (head, &head_size);
  if (tail != NULL && g_bytes_get_size (tail) > 0)
    tail_data = g_bytes_get_data (tail, &tail_size);

  if (af_bgcode_has_magic ((const guint8 *)head_data, head_size))
    {
      g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (head);

      return parse_bgcode (stream, head_size, tail_data != NULL, NULL, error);
    }

  return parse_text (head_data ? head_data : "", head_size, tail_data, tail_size, error);
}

static gboolean
set_io_error (GError **error,
              GError  *io_error)
{
  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_error_copy (io_error));
  else if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY))
    set_not_gcode (error, _("This is a folder, not a G-code file."));
  else
    g_set_error (error, AF_GCODE_ERROR, AF_GCODE_ERROR_FAILED,
                 _("The file cannot be read: %s"), io_error->message);
  return FALSE;
}

/* Only regular files are opened: a FIFO would block the open until
 * someone writes to it, and a folder or device is no G-code.
 */
static gboolean
check_regular_file (GFile         *file,
                    goffset       *size,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GFileInfo) file_info = NULL;
  g_autoptr(GError) local_error = NULL;

  file_info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                 G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                 G_FILE_QUERY_INFO_NONE, cancellable, &local_error);
  if (file_info == NULL)
    return set_io_error (error, local_error);
  if (g_file_info_get_file_type (file_info) == G_FILE_TYPE_DIRECTORY)
    return set_not_gcode (error, _("This is a folder, not a G-code file."));
  if (g_file_info_get_file_type (file_info) != G_FILE_TYPE_REGULAR)
    return set_not_gcode (error, _("This is not a regular file, so it cannot be G-code."));

  *size = g_file_info_get_size (file_info);
  return TRUE;
}

static GFileInputStream *
open_regular_file (GFile         *file,
                   goffset       *size,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  GFileInputStream *stream;

  if (!check_regular_file (file, size, cancellable, error))
    return NULL;
  if ((stream = g_file_read (file, cancellable, &local_error)) == NULL)
    set_io_error (error, local_error);

  return stream;
}

/* Reads up to @max_size bytes at @offset. */
static GBytes *
read_window (GInputStream  *stream,
             goffset        offset,
             gsize          max_size,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *data = g_malloc (MAX (max_size, 1));
  gsize bytes_read = 0;

  if (!g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, cancellable, &local_error) ||
      !g_input_stream_read_all (stream, data, max_size, &bytes_read, cancellable, &local_error))
    {
      set_io_error (error, local_error);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&data), bytes_read);
}

/* A file up to two windows long is read whole; a longer one as its first
 * and last window.
 */
static AfGcodeInfo *
read_file_windows (GInputStream  *stream,
                   goffset        size,
                   GCancellable  *cancellable,
                   GError       **error)
{
  gsize head_max = size <= 2 * AF_GCODE_WINDOW_SIZE ? 2 * AF_GCODE_WINDOW_SIZE
                                                    : AF_GCODE_WINDOW_SIZE;
  g_autoptr(GBytes) head = read_window (stream, 0, head_max, cancellable, error);
  g_autoptr(GBytes) tail = NULL;
  gsize head_size;
  goffset tail_start;
  const guint8 *data;

  if (head == NULL)
    return NULL;

  data = g_bytes_get_data (head, &head_size);
  if (af_bgcode_has_magic (data, head_size))
    return parse_bgcode (stream, MAX (size, (goffset)head_size), FALSE, cancellable, error);
  if (head_size < head_max || size <= (goffset)head_size)
    return parse_text ((const char *)data, head_size, NULL, 0, error);

  /* Refuse binary heads before reading more. */
  if (!check_text ((const char *)data, head_size, TRUE, error))
    return NULL;

  tail_start = MAX ((goffset)head_size, size - AF_GCODE_WINDOW_SIZE);
  if ((tail = read_window (stream, tail_start, size - tail_start, cancellable, error)) == NULL)
    return NULL;

  return parse_text ((const char *)data, head_size,
                     g_bytes_get_size (tail) > 0 ? g_bytes_get_data (tail, NULL) : NULL,
                     g_bytes_get_size (tail), error);
}

static char *
file_display_name (GFile *file)
{
  char *name = g_file_get_basename (file);

  return name != NULL ? name : g_file_get_parse_name (file);
}

static void
prefix_file_error (GError **error,
                   GFile   *file)
{
  g_autofree char *name = NULL;

  if (error == NULL || *error == NULL || (*error)->domain != AF_GCODE_ERROR)
    return;

  name = file_display_name (file);
  g_prefix_error (error, _("Cannot open “%s”: "), name);
}

/**
 * af_gcode_read_file:
 *
 * Reads a plain or binary G-code file's metadata and thumbnails from the
 * windows where slicers put them. Blocks: call it from a worker thread, or
 * use af_gcode_read_file_async(). Cancellation is reported as
 * %G_IO_ERROR_CANCELLED; everything else in %AF_GCODE_ERROR.
 *
 * Returns: (transfer full): the metadata, or %NULL with @error set
 */
AfGcodeInfo *
af_gcode_read_file (GFile         *file,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  AfGcodeInfo *info = NULL;
  goffset size = 0;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stream = open_regular_file (file, &size, cancellable, error);
  if (stream != NULL)
    info = read_file_windows (G_INPUT_STREAM (stream), size, cancellable, error);
  if (info == NULL)
    prefix_file_error (error, file);

  return info;
}

static void
read_file_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  AfGcodeInfo *info = af_gcode_read_file (G_FILE (task_data), cancellable, &error);

  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, g_object_unref);
}

void
af_gcode_read_file_async (GFile               *file,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_gcode_read_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, read_file_thread);
}

AfGcodeInfo *
af_gcode_read_file_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_gcode_read_file_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static GInputStream *
open_text_stream (GFile         *file,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 magic[4];
  gsize bytes_read = 0;
  goffset size;

  if ((stream = open_regular_file (file, &size, cancellable, error)) == NULL)
    return NULL;

  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), magic, sizeof magic, &bytes_read,
                                cancellable, &local_error) ||
      !g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, cancellable, &local_error))
    {
      set_io_error (error, local_error);
      return NULL;
    }

  if (af_bgcode_has_magic (magic, bytes_read))
    return af_bgcode_text_stream_new (G_INPUT_STREAM (stream));

  return G_INPUT_STREAM (g_steal_pointer (&stream));
}

/**
 * af_gcode_open_text_stream:
 *
 * Opens the G-code for streaming as ASCII text: a plain file as it is, a
 * .bgcode through a stream that decodes one G-code block at a time (its
 * errors are in %AF_GCODE_ERROR too).
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
GInputStream *
af_gcode_open_text_stream (GFile         *file,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GInputStream *stream;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((stream = open_text_stream (file, cancellable, error)) == NULL)
    prefix_file_error (error, file);

  return stream;
}
