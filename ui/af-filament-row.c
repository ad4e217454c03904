/* af-filament-row.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-filament-row"

#include "config.h"

#include <math.h>
#include <glib/gi18n-lib.h>

#include "af-color-swatch.h"
#include "af-filament-row.h"

struct _AfFilamentRow
{
  AdwActionRow    parent_instance;

  AfColorSwatch  *swatch;
};

G_DEFINE_FINAL_TYPE (AfFilamentRow, af_filament_row, ADW_TYPE_ACTION_ROW)

static void
af_filament_row_class_init (AfFilamentRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (AF_TYPE_COLOR_SWATCH);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-filament-row.ui");
  gtk_widget_class_bind_template_child (widget_class, AfFilamentRow, swatch);
}

static void
af_filament_row_init (AfFilamentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* "95.76 g · 32.11 m", leaving out what the file does not say. */
static char *
format_amount (const AfFilament *filament)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (!isnan (filament->weight_g))
    /* Translators: grams of filament */
    g_ptr_array_add (parts, g_strdup_printf (_("%.2f g"), filament->weight_g));
  if (!isnan (filament->length_m))
    /* Translators: metres of filament */
    g_ptr_array_add (parts, g_strdup_printf (_("%.2f m"), filament->length_m));

  if (parts->len == 0)
    return NULL;

  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **)parts->pdata);
}

static void
set_color (AfFilamentRow *self,
           const char    *color)
{
  g_autofree char *description = NULL;
  GdkRGBA rgba;
  gboolean has_color = color != NULL && gdk_rgba_parse (&rgba, color);

  if (has_color)
    /* Translators: the colour of a filament, as a hex code such as #FF8800 */
    description = g_strdup_printf (_("Color %s"), color);
  else
    description = g_strdup (_("Color unknown"));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->swatch), has_color ? color : NULL);
  af_color_swatch_set_color (self->swatch, has_color ? color : NULL);
}

GtkWidget *
af_filament_row_new (const AfFilament *filament,
                     guint             index)
{
  AfFilamentRow *self;
  g_autofree char *fallback_title = NULL;
  g_autofree char *amount = NULL;

  g_return_val_if_fail (filament != NULL, NULL);

  self = g_object_new (AF_TYPE_FILAMENT_ROW, NULL);

  if (filament->type == NULL)
    /* Translators: a filament whose material the file does not name; %u counts from 1 */
    fallback_title = g_strdup_printf (_("Filament %u"), index + 1);

  amount = format_amount (filament);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 filament->type != NULL ? filament->type : fallback_title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), amount);
  set_color (self, filament->color);

  return GTK_WIDGET (self);
}
