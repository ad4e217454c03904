/* af-permissions-group.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-permissions-group"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-permissions-group.h"

/* The Flatpak permissions of build-aux/flatpak/tech.atomform.Connect.json,
 * each with why it exists, in the order of the manifest's finish-args and of
 * the README's "Flatpak" table: tests/check-flatpak.py fails when this table,
 * the README and the manifests disagree. The Privacy view shows it as it
 * stands here, so the list a user reads is the one the sandbox grants.
 */
static const struct {
  const char *permission;
  const char *title;
  const char *why;
} permissions[] = {
  { "--share=network", N_("Network"),
    N_("Printers are reached over the local network (MQTT over TLS, FTPS) and announce "
       "themselves by UDP broadcast") },
  { "--share=ipc", N_("Shared Memory"), N_("X11’s shared memory, for the X11 fallback") },
  { "--socket=wayland", N_("Wayland"), N_("The window, on Wayland") },
  { "--socket=fallback-x11", N_("X11"), N_("The window, where there is no Wayland") },
  { "--device=dri", N_("Graphics"), N_("GPU rendering of the window") },
};

struct _AfPermissionsGroup
{
  AdwPreferencesGroup parent_instance;
};

G_DEFINE_FINAL_TYPE (AfPermissionsGroup, af_permissions_group, ADW_TYPE_PREFERENCES_GROUP)

static GtkWidget *
permission_row (guint i)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (permissions[i].permission);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(permissions[i].title));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(permissions[i].why));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "monospace");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static void
af_permissions_group_class_init (AfPermissionsGroupClass *klass)
{
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/tech/atomform/Connect/af-permissions-group.ui");
}

static void
af_permissions_group_init (AfPermissionsGroup *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < G_N_ELEMENTS (permissions); i++)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), permission_row (i));
}
