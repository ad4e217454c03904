/* af-printers-view.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-printers-view"

#include "config.h"

#include "af-printer-row.h"
#include "af-printers-view.h"
#include "af-stack.h"

struct _AfPrintersView
{
  AdwBin            parent_instance;

  GtkStack         *stack;
  GtkListBox       *list_box;

  AfPrinterRegistry *registry;
};

G_DEFINE_FINAL_TYPE (AfPrintersView, af_printers_view, ADW_TYPE_BIN)

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  AfPrintersView *self = user_data;

  return af_printer_row_new (self->registry, AF_PRINTER (item));
}

static void
update_page (AfPrintersView *self)
{
  GListModel *model = G_LIST_MODEL (af_printer_registry_get_list (self->registry));

  af_stack_show_page (self->stack, g_list_model_get_n_items (model) > 0 ? "list" : "empty");
}

void
af_printers_view_set_registry (AfPrintersView    *self,
                              AfPrinterRegistry *registry)
{
  GListModel *model;

  g_return_if_fail (AF_IS_PRINTERS_VIEW (self));
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (registry));
  g_return_if_fail (self->registry == NULL);

  self->registry = g_object_ref (registry);
  model = G_LIST_MODEL (af_printer_registry_get_list (registry));
  gtk_list_box_bind_model (self->list_box, model, create_row_cb, self, NULL);
  g_signal_connect_object (model, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  update_page (self);
}

static void
af_printers_view_dispose (GObject *object)
{
  AfPrintersView *self = (AfPrintersView *)object;

  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (af_printers_view_parent_class)->dispose (object);
}

static void
af_printers_view_class_init (AfPrintersViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = af_printers_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-printers-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AfPrintersView, stack);
  gtk_widget_class_bind_template_child (widget_class, AfPrintersView, list_box);
}

static void
af_printers_view_init (AfPrintersView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  af_stack_show_page (self->stack, "empty");
}
