/* af-file-view.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-file-view"

#include "config.h"

#include <math.h>
#include <glib/gi18n-lib.h>

#include "af-filament-row.h"
#include "af-file-view.h"
#include "af-format.h"
#include "af-stack.h"

struct _AfFileView
{
  AdwBin                parent_instance;

  GtkStack             *thumbnail_stack;
  GtkPicture           *thumbnail_picture;
  GtkLabel             *thumbnail_missing_label;
  GtkLabel             *print_time_label;
  AdwPreferencesGroup  *filament_group;
  AdwPreferencesGroup  *details_group;
  AdwActionRow         *printer_row;
  AdwActionRow         *nozzle_row;
  AdwActionRow         *layers_row;
  AdwActionRow         *layer_height_row;
  AdwActionRow         *bed_row;
  AdwActionRow         *plate_row;
  AdwActionRow         *slicer_row;

  AfSlicedFile         *file;
  /* The rows added to filament_group, to remove them for the next file. */
  GPtrArray            *filament_rows;
};

G_DEFINE_FINAL_TYPE (AfFileView, af_file_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_thumbnail (AfFileView   *self,
                AfSlicedFile *file)
{
  GdkPixbuf *pixbuf = af_sliced_file_get_thumbnail (file);
  AfGcodeInfo *info = af_sliced_file_get_info (file);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *description = NULL;

  if (pixbuf == NULL)
    {
      gtk_label_set_label (self->thumbnail_missing_label,
                           af_gcode_info_get_best_thumbnail (info) == NULL
                           ? _("This file has no thumbnail")
                           : _("The thumbnail in this file could not be read"));
      gtk_picture_set_paintable (self->thumbnail_picture, NULL);
      af_stack_show_page (self->thumbnail_stack, "none");
      return;
    }

  texture = gdk_texture_new_for_pixbuf (pixbuf);
  /* Translators: describes the plate thumbnail for screen readers */
  description = g_strdup_printf (_("Picture of the plate embedded by the slicer, %d × %d pixels"),
                                 gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf));
  gtk_picture_set_paintable (self->thumbnail_picture, GDK_PAINTABLE (texture));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->thumbnail_picture),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  af_stack_show_page (self->thumbnail_stack, "picture");
}

static void
show_print_time (AfFileView  *self,
                 AfGcodeInfo *info)
{
  gint64 seconds = af_gcode_info_get_print_time (info);
  g_autofree char *text = NULL;
  g_autofree char *spoken = NULL;
  g_autofree char *accessible_label = NULL;

  if (seconds < 0)
    {
      text = g_strdup (C_("print time", "Unknown"));
      spoken = g_strdup (text);
    }
  else
    {
      text = af_format_duration (seconds);
      spoken = af_format_duration_spoken (seconds);
    }

  /* Translators: the accessible name of the print time; %s is e.g. "1 hour, 32 minutes" */
  accessible_label = g_strdup_printf (_("Estimated print time: %s"), spoken);
  gtk_label_set_label (self->print_time_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->print_time_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label,
                                  -1);
}

static void
clear_filaments (AfFileView *self)
{
  for (guint i = 0; i < self->filament_rows->len; i++)
    adw_preferences_group_remove (self->filament_group, g_ptr_array_index (self->filament_rows, i));

  g_ptr_array_set_size (self->filament_rows, 0);
}

static void
show_filaments (AfFileView  *self,
                AfGcodeInfo *info)
{
  guint n_filaments = af_gcode_info_get_n_filaments (info);
  double total = af_gcode_info_get_total_weight (info);
  g_autofree char *description = NULL;

  clear_filaments (self);

  for (guint i = 0; i < n_filaments; i++)
    {
      const AfFilament *filament = af_gcode_info_get_filament (info, i);
      GtkWidget *row;

      if (!af_filament_is_used (filament))
        continue;

      row = af_filament_row_new (filament, i);
      adw_preferences_group_add (self->filament_group, row);
      g_ptr_array_add (self->filament_rows, row);
    }

  if (self->filament_rows->len > 1 && !isnan (total))
    /* Translators: the weight of all filaments of a print together */
    description = g_strdup_printf (_("%.2f g in total"), total);

  adw_preferences_group_set_description (self->filament_group, description);
  gtk_widget_set_visible (GTK_WIDGET (self->filament_group), self->filament_rows->len > 0);
}

/* A fact the file does not carry is hidden, never guessed. */
static gboolean
set_row (AdwActionRow *row,
         const char   *value)
{
  adw_action_row_set_subtitle (row, value);
  gtk_widget_set_visible (GTK_WIDGET (row), value != NULL && *value != '\0');

  return value != NULL && *value != '\0';
}

/* "0.4 mm", or "0.4 mm · 0.6 mm" for a printer with several nozzles. */
static char *
format_nozzles (AfGcodeInfo *info)
{
  guint n_nozzles = 0;
  const double *nozzles = af_gcode_info_get_nozzle_diameters (info, &n_nozzles);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n_nozzles; i++)
    if (!isnan (nozzles[i]))
      /* Translators: a length in millimetres, e.g. a nozzle diameter */
      g_ptr_array_add (parts, g_strdup_printf (_("%g mm"), nozzles[i]));

  if (parts->len == 0)
    return NULL;

  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **)parts->pdata);
}

static void
show_details (AfFileView   *self,
              AfSlicedFile *file)
{
  AfGcodeInfo *info = af_sliced_file_get_info (file);
  gint layers = af_gcode_info_get_layer_count (info);
  double layer_height = af_gcode_info_get_layer_height (info);
  guint plate = af_sliced_file_get_plate (file);
  g_autofree char *nozzles = format_nozzles (info);
  g_autofree char *layers_text = layers >= 0 ? g_strdup_printf ("%d", layers) : NULL;
  g_autofree char *height_text = isnan (layer_height) ? NULL : g_strdup_printf (_("%g mm"),
                                                                                 layer_height);
  g_autofree char *plate_text = plate > 0 ? g_strdup_printf ("%u", plate) : NULL;
  g_autofree char *slicer = af_format_slicer (info);
  gboolean any = FALSE;

  any |= set_row (self->printer_row, af_gcode_info_get_printer_model (info));
  any |= set_row (self->nozzle_row, nozzles);
  any |= set_row (self->layers_row, layers_text);
  any |= set_row (self->layer_height_row, height_text);
  any |= set_row (self->bed_row, af_gcode_info_get_bed_type (info));
  any |= set_row (self->plate_row, plate_text);
  any |= set_row (self->slicer_row, slicer);

  gtk_widget_set_visible (GTK_WIDGET (self->details_group), any);
}

static void
af_file_view_dispose (GObject *object)
{
  AfFileView *self = (AfFileView *)object;

  g_clear_object (&self->file);

  G_OBJECT_CLASS (af_file_view_parent_class)->dispose (object);
}

static void
af_file_view_finalize (GObject *object)
{
  AfFileView *self = (AfFileView *)object;

  g_clear_pointer (&self->filament_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (af_file_view_parent_class)->finalize (object);
}

static void
af_file_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  AfFileView *self = AF_FILE_VIEW (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_file_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  AfFileView *self = AF_FILE_VIEW (object);

  switch (prop_id)
    {
    case PROP_FILE:
      af_file_view_set_file (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_file_view_class_init (AfFileViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = af_file_view_dispose;
  object_class->finalize = af_file_view_finalize;
  object_class->get_property = af_file_view_get_property;
  object_class->set_property = af_file_view_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         AF_TYPE_SLICED_FILE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-file-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AfFileView, thumbnail_stack);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, thumbnail_picture);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, thumbnail_missing_label);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, print_time_label);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, filament_group);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, details_group);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, printer_row);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, nozzle_row);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, layers_row);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, layer_height_row);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, bed_row);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, plate_row);
  gtk_widget_class_bind_template_child (widget_class, AfFileView, slicer_row);
}

static void
af_file_view_init (AfFileView *self)
{
  self->filament_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}

AfSlicedFile *
af_file_view_get_file (AfFileView *self)
{
  g_return_val_if_fail (AF_IS_FILE_VIEW (self), NULL);

  return self->file;
}

void
af_file_view_set_file (AfFileView   *self,
                       AfSlicedFile *file)
{
  g_return_if_fail (AF_IS_FILE_VIEW (self));
  g_return_if_fail (file == NULL || AF_IS_SLICED_FILE (file));

  if (!g_set_object (&self->file, file))
    return;

  if (file != NULL)
    {
      AfGcodeInfo *info = af_sliced_file_get_info (file);

      show_thumbnail (self, file);
      show_print_time (self, info);
      show_filaments (self, info);
      show_details (self, file);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}
