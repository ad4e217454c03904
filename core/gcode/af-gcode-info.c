/* af-gcode-info.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-gcode"

#include "config.h"

#include <math.h>
#include <json-glib/json-glib.h>

#include "af-gcode-info.h"
#include "af-json.h"
#include "af-printer-models.h"

struct _AfGcodeInfo
{
  GObject      parent_instance;

  AfGcodeKind  kind;
  char        *slicer_name;
  char        *slicer_version;
  char        *printer_model;
  char        *printer_model_id;
  char        *bed_type;
  gint64       print_time;
  gint         layer_count;
  double       layer_height;
  double       max_z;
  GArray      *nozzles;
  GArray      *filaments;
  GTree       *settings;
  GStrv        setting_keys;
  GListStore  *thumbnails;
  GPtrArray   *objects;
};

G_DEFINE_FINAL_TYPE (AfGcodeInfo, af_gcode_info, G_TYPE_OBJECT)

static void
filament_clear (gpointer data)
{
  AfFilament *filament = data;

  g_clear_pointer (&filament->type, g_free);
  g_clear_pointer (&filament->color, g_free);
}

static void
af_gcode_info_finalize (GObject *object)
{
  AfGcodeInfo *self = (AfGcodeInfo *)object;

  g_clear_pointer (&self->slicer_name, g_free);
  g_clear_pointer (&self->slicer_version, g_free);
  g_clear_pointer (&self->printer_model, g_free);
  g_clear_pointer (&self->printer_model_id, g_free);
  g_clear_pointer (&self->bed_type, g_free);
  g_clear_pointer (&self->nozzles, g_array_unref);
  g_clear_pointer (&self->filaments, g_array_unref);
  g_clear_pointer (&self->settings, g_tree_unref);
  g_clear_pointer (&self->setting_keys, g_strfreev);
  g_clear_object (&self->thumbnails);
  g_clear_pointer (&self->objects, g_ptr_array_unref);

  G_OBJECT_CLASS (af_gcode_info_parent_class)->finalize (object);
}

static void
af_gcode_info_class_init (AfGcodeInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = af_gcode_info_finalize;
}

static void
af_gcode_info_init (AfGcodeInfo *self)
{
  self->print_time = -1;
  self->layer_count = -1;
  self->layer_height = NAN;
  self->max_z = NAN;
  self->nozzles = g_array_new (FALSE, FALSE, sizeof (double));
  self->filaments = g_array_new (FALSE, TRUE, sizeof (AfFilament));
  g_array_set_clear_func (self->filaments, filament_clear);
  self->settings = g_tree_new_full ((GCompareDataFunc)(void (*)(void))g_strcmp0,
                                    NULL, g_free, g_free);
  self->thumbnails = g_list_store_new (AF_TYPE_THUMBNAIL);
  self->objects = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

gboolean
af_filament_is_used (const AfFilament *filament)
{
  gboolean length_known;
  gboolean weight_known;

  g_return_val_if_fail (filament != NULL, FALSE);

  length_known = !isnan (filament->length_m);
  weight_known = !isnan (filament->weight_g);

  /* Nothing measured: the slicer only declared it, so trust the declaration. */
  if (!length_known && !weight_known)
    return filament->type != NULL || filament->color != NULL;

  return (length_known && filament->length_m > 0) || (weight_known && filament->weight_g > 0);
}

AfGcodeInfo *
af_gcode_info_new (void)
{
  return g_object_new (AF_TYPE_GCODE_INFO, NULL);
}

AfGcodeKind
af_gcode_info_get_kind (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), AF_GCODE_KIND_ASCII);

  return self->kind;
}

const char *
af_gcode_info_get_slicer_name (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  return self->slicer_name;
}

const char *
af_gcode_info_get_slicer_version (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  return self->slicer_version;
}

const char *
af_gcode_info_get_printer_model (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  return self->printer_model;
}

const char *
af_gcode_info_get_printer_model_id (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  if (self->printer_model_id != NULL)
    return self->printer_model_id;
  return af_printer_models_find_id (self->printer_model);
}

const char *
af_gcode_info_get_bed_type (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  return self->bed_type;
}

gint64
af_gcode_info_get_print_time (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), -1);

  return self->print_time;
}

gint
af_gcode_info_get_layer_count (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), -1);

  return self->layer_count;
}

double
af_gcode_info_get_layer_height (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NAN);

  return self->layer_height;
}

double
af_gcode_info_get_max_z (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NAN);

  return self->max_z;
}

const double *
af_gcode_info_get_nozzle_diameters (AfGcodeInfo *self,
                                    guint       *n_nozzles)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);
  g_return_val_if_fail (n_nozzles != NULL, NULL);

  *n_nozzles = self->nozzles->len;
  return (const double *)(gpointer)self->nozzles->data;
}

guint
af_gcode_info_get_n_filaments (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), 0);

  return self->filaments->len;
}

const AfFilament *
af_gcode_info_get_filament (AfGcodeInfo *self,
                            guint        index)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);
  g_return_val_if_fail (index < self->filaments->len, NULL);

  return &g_array_index (self->filaments, AfFilament, index);
}

double
af_gcode_info_get_total_weight (AfGcodeInfo *self)
{
  double total = NAN;

  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NAN);

  for (guint i = 0; i < self->filaments->len; i++)
    {
      const AfFilament *filament = &g_array_index (self->filaments, AfFilament, i);

      if (isnan (filament->weight_g))
        continue;
      total = isnan (total) ? filament->weight_g : total + filament->weight_g;
    }

  return total;
}

static gboolean
collect_key_cb (gpointer key,
                gpointer value,
                gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (key));
  return FALSE;
}

const char * const *
af_gcode_info_get_setting_keys (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  if (self->setting_keys == NULL)
    {
      GPtrArray *keys = g_ptr_array_new_null_terminated (g_tree_nnodes (self->settings),
                                                         NULL, TRUE);

      g_tree_foreach (self->settings, collect_key_cb, keys);
      self->setting_keys = (GStrv)g_ptr_array_free (keys, FALSE);
    }

  return (const char * const *)self->setting_keys;
}

const char *
af_gcode_info_get_setting (AfGcodeInfo *self,
                           const char  *key)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_tree_lookup (self->settings, key);
}

guint
af_gcode_info_get_n_settings (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), 0);

  return g_tree_nnodes (self->settings);
}

GListModel *
af_gcode_info_get_thumbnails (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  return G_LIST_MODEL (self->thumbnails);
}

guint
af_gcode_info_get_n_thumbnails (AfGcodeInfo *self)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->thumbnails));
}

AfThumbnail *
af_gcode_info_get_best_thumbnail (AfGcodeInfo *self)
{
  guint n_items;
  AfThumbnail *best = NULL;
  guint64 best_area = 0;

  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->thumbnails));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(AfThumbnail) thumbnail = g_list_model_get_item (G_LIST_MODEL (self->thumbnails), i);
      guint64 area = (guint64)af_thumbnail_get_width (thumbnail) * af_thumbnail_get_height (thumbnail);

      /* Prefer the larger image; at equal size, PNG decodes everywhere. */
      if (best == NULL || area > best_area ||
          (area == best_area && af_thumbnail_get_format (thumbnail) == AF_THUMBNAIL_FORMAT_PNG &&
           af_thumbnail_get_format (best) != AF_THUMBNAIL_FORMAT_PNG))
        {
          best = thumbnail;
          best_area = area;
        }
    }

  return best;
}

const char * const *
af_gcode_info_get_objects (AfGcodeInfo *self)
{
  static const char * const empty[] = { NULL };

  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  /* A null-terminated GPtrArray that never held an element has no pdata
   * at all in GLib 2.74, not an empty vector.
   */
  if (self->objects->pdata == NULL)
    return empty;

  return (const char * const *)self->objects->pdata;
}

void
af_gcode_info_set_kind (AfGcodeInfo *self,
                        AfGcodeKind  kind)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  self->kind = kind;
}

static void
replace_string (char       **field,
                const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

void
af_gcode_info_set_slicer (AfGcodeInfo *self,
                          const char  *name,
                          const char  *version)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  replace_string (&self->slicer_name, name);
  replace_string (&self->slicer_version, version);
}

void
af_gcode_info_set_printer_model (AfGcodeInfo *self,
                                 const char  *model)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  replace_string (&self->printer_model, model);
}

void
af_gcode_info_set_printer_model_id (AfGcodeInfo *self,
                                    const char  *model_id)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  if (model_id != NULL && *model_id != '\0')
    replace_string (&self->printer_model_id, model_id);
}

void
af_gcode_info_set_bed_type (AfGcodeInfo *self,
                            const char  *bed_type)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  replace_string (&self->bed_type, bed_type);
}

void
af_gcode_info_set_print_time (AfGcodeInfo *self,
                              gint64       seconds)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  self->print_time = seconds;
}

void
af_gcode_info_set_layer_count (AfGcodeInfo *self,
                               gint         layers)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  self->layer_count = layers;
}

void
af_gcode_info_set_layer_height (AfGcodeInfo *self,
                                double       mm)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  self->layer_height = mm;
}

void
af_gcode_info_set_max_z (AfGcodeInfo *self,
                         double       mm)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  self->max_z = mm;
}

void
af_gcode_info_set_nozzle_diameters (AfGcodeInfo  *self,
                                    const double *diameters,
                                    guint         n_nozzles)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));
  g_return_if_fail (diameters != NULL || n_nozzles == 0);

  g_array_set_size (self->nozzles, 0);
  g_array_append_vals (self->nozzles, diameters, n_nozzles);
}

void
af_gcode_info_ensure_filaments (AfGcodeInfo *self,
                                guint        n_filaments)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));

  n_filaments = MIN (n_filaments, AF_GCODE_MAX_FILAMENTS);
  while (self->filaments->len < n_filaments)
    {
      AfFilament filament = { NULL, NULL, NAN, NAN, NAN };

      g_array_append_val (self->filaments, filament);
    }
}

AfFilament *
af_gcode_info_peek_filament (AfGcodeInfo *self,
                             guint        index)
{
  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  if (index >= AF_GCODE_MAX_FILAMENTS)
    return NULL;
  af_gcode_info_ensure_filaments (self, index + 1);
  return &g_array_index (self->filaments, AfFilament, index);
}

void
af_gcode_info_set_setting (AfGcodeInfo *self,
                           const char  *key,
                           const char  *value)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));
  g_return_if_fail (key != NULL);

  g_tree_replace (self->settings, g_strdup (key), g_strdup (value ? value : ""));
  g_clear_pointer (&self->setting_keys, g_strfreev);
}

void
af_gcode_info_add_thumbnail (AfGcodeInfo *self,
                             AfThumbnail *thumbnail)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));
  g_return_if_fail (AF_IS_THUMBNAIL (thumbnail));

  if (af_gcode_info_get_n_thumbnails (self) >= AF_GCODE_MAX_THUMBNAILS)
    return;
  g_list_store_append (self->thumbnails, thumbnail);
}

void
af_gcode_info_add_object (AfGcodeInfo *self,
                          const char  *name)
{
  g_return_if_fail (AF_IS_GCODE_INFO (self));
  g_return_if_fail (name != NULL);

  if (self->objects->len >= AF_GCODE_MAX_OBJECTS)
    return;
  g_ptr_array_add (self->objects, g_strdup (name));
}

static const char *
kind_to_string (AfGcodeKind kind)
{
  switch (kind)
    {
    case AF_GCODE_KIND_BINARY:
      return "binary";
    case AF_GCODE_KIND_ARCHIVE:
      return "archive";
    case AF_GCODE_KIND_ASCII:
    default:
      return "ascii";
    }
}

static void
add_optional_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_optional_double (JsonBuilder *builder,
                     const char  *name,
                     double       value)
{
  if (isnan (value))
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

static void
add_filaments (JsonBuilder *builder,
               AfGcodeInfo *self)
{
  json_builder_set_member_name (builder, "filaments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->filaments->len; i++)
    {
      const AfFilament *filament = &g_array_index (self->filaments, AfFilament, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, i + 1);
      add_optional_string (builder, "type", filament->type);
      add_optional_string (builder, "color", filament->color);
      add_optional_double (builder, "length_m", filament->length_m);
      add_optional_double (builder, "weight_g", filament->weight_g);
      add_optional_double (builder, "volume_cm3", filament->volume_cm3);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_thumbnails (JsonBuilder *builder,
                AfGcodeInfo *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->thumbnails));

  json_builder_set_member_name (builder, "thumbnails");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(AfThumbnail) thumbnail = g_list_model_get_item (G_LIST_MODEL (self->thumbnails), i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "format");
      json_builder_add_string_value (builder, af_thumbnail_get_format_name (thumbnail));
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, af_thumbnail_get_width (thumbnail));
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, af_thumbnail_get_height (thumbnail));
      json_builder_set_member_name (builder, "bytes");
      json_builder_add_int_value (builder, g_bytes_get_size (af_thumbnail_get_data (thumbnail)));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_settings (JsonBuilder *builder,
              AfGcodeInfo *self)
{
  const char * const *keys = af_gcode_info_get_setting_keys (self);

  json_builder_set_member_name (builder, "settings");
  json_builder_begin_object (builder);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, keys[i]);
      json_builder_add_string_value (builder, g_tree_lookup (self->settings, keys[i]));
    }
  json_builder_end_object (builder);
}

static void
add_string_array (JsonBuilder        *builder,
                  const char         *name,
                  const char * const *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; strings[i] != NULL; i++)
    json_builder_add_string_value (builder, strings[i]);
  json_builder_end_array (builder);
}

char *
af_gcode_info_to_json (AfGcodeInfo *self,
                       gboolean     pretty)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (AF_IS_GCODE_INFO (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind_to_string (self->kind));
  add_optional_string (builder, "slicer", self->slicer_name);
  add_optional_string (builder, "slicer_version", self->slicer_version);
  add_optional_string (builder, "printer_model", self->printer_model);
  add_optional_string (builder, "printer_model_id", af_gcode_info_get_printer_model_id (self));
  add_optional_string (builder, "bed_type", self->bed_type);
  if (self->print_time >= 0)
    {
      json_builder_set_member_name (builder, "print_time_s");
      json_builder_add_int_value (builder, self->print_time);
    }
  if (self->layer_count >= 0)
    {
      json_builder_set_member_name (builder, "layer_count");
      json_builder_add_int_value (builder, self->layer_count);
    }
  add_optional_double (builder, "layer_height_mm", self->layer_height);
  add_optional_double (builder, "max_z_mm", self->max_z);
  json_builder_set_member_name (builder, "nozzle_diameters_mm");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->nozzles->len; i++)
    json_builder_add_double_value (builder, g_array_index (self->nozzles, double, i));
  json_builder_end_array (builder);
  add_optional_double (builder, "total_weight_g", af_gcode_info_get_total_weight (self));
  add_filaments (builder, self);
  add_string_array (builder, "objects", af_gcode_info_get_objects (self));
  add_thumbnails (builder, self);
  add_settings (builder, self);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return af_json_to_data (root, pretty);
}
