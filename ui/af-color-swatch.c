/* af-color-swatch.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-color-swatch"

#include "config.h"

#include "af-color-swatch.h"

#define SWATCH_SIZE 16

struct _AfColorSwatch
{
  GtkWidget parent_instance;

  GdkRGBA   color;
  gboolean  has_color;
};

G_DEFINE_FINAL_TYPE (AfColorSwatch, af_color_swatch, GTK_TYPE_WIDGET)

static void
af_color_swatch_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  *minimum = *natural = SWATCH_SIZE;
}

/* A faint rim keeps white and black filament visible on either style. */
static void
af_color_swatch_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  AfColorSwatch *self = AF_COLOR_SWATCH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double radius = MIN (width, height) / 2.0 - 1.0;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  GdkRGBA rim;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &rim);
  rim.alpha *= 0.3f;

  cairo_arc (cr, width / 2.0, height / 2.0, radius, 0, 2 * G_PI);
  if (self->has_color)
    {
      gdk_cairo_set_source_rgba (cr, &self->color);
      cairo_fill_preserve (cr);
    }
  else
    {
      static const double dash[] = { 2.0, 2.0 };

      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      rim.alpha *= 2.0f;
    }

  gdk_cairo_set_source_rgba (cr, &rim);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
af_color_swatch_class_init (AfColorSwatchClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->measure = af_color_swatch_measure;
  widget_class->snapshot = af_color_swatch_snapshot;
  gtk_widget_class_set_css_name (widget_class, "swatch");
  /* Whoever shows a swatch names the colour in words; the circle adds nothing to read. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
af_color_swatch_init (AfColorSwatch *self)
{
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}

GtkWidget *
af_color_swatch_new (const char *color)
{
  AfColorSwatch *self = g_object_new (AF_TYPE_COLOR_SWATCH, NULL);

  af_color_swatch_set_color (self, color);

  return GTK_WIDGET (self);
}

void
af_color_swatch_set_color (AfColorSwatch *self,
                           const char    *color)
{
  g_return_if_fail (AF_IS_COLOR_SWATCH (self));

  self->has_color = color != NULL && gdk_rgba_parse (&self->color, color);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
