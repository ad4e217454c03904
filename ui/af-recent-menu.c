/* af-recent-menu.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-recent-menu"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-recent-menu.h"

/* Not translated: the recent-files store keys entries by application name,
 * and a name that changed with the locale would lose the list.
 */
#define AF_RECENT_APP_NAME "AtomForm Connect"
#define AF_RECENT_MAX_ITEMS 10

struct _AfRecentMenu
{
  GObject           parent_instance;

  GtkRecentManager *manager;
  GMenu            *menu;
  char             *action_name;
};

G_DEFINE_FINAL_TYPE (AfRecentMenu, af_recent_menu, G_TYPE_OBJECT)

static const char * const sliced_suffixes[] = { ".gcode", ".bgcode", ".gcode.3mf", NULL };

static gboolean
is_ours (GtkRecentInfo *info)
{
  const char *uri = gtk_recent_info_get_uri (info);
  g_autofree char *lower = g_ascii_strdown (uri, -1);

  if (!gtk_recent_info_has_application (info, AF_RECENT_APP_NAME))
    return FALSE;

  for (guint i = 0; sliced_suffixes[i] != NULL; i++)
    if (g_str_has_suffix (lower, sliced_suffixes[i]))
      return TRUE;

  return FALSE;
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo **)a;
  GtkRecentInfo *info_b = *(GtkRecentInfo **)b;

  return g_date_time_compare (gtk_recent_info_get_modified (info_b),
                              gtk_recent_info_get_modified (info_a));
}

/* Menu labels take "_" as a mnemonic marker, and file names are full of them. */
static char *
escape_mnemonics (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

static void
rebuild (AfRecentMenu *self)
{
  GList *items = gtk_recent_manager_get_items (self->manager);
  g_autoptr(GPtrArray) ours = g_ptr_array_new ();

  for (GList *l = items; l != NULL; l = l->next)
    if (is_ours (l->data))
      g_ptr_array_add (ours, l->data);

  g_ptr_array_sort (ours, compare_newest_first);
  g_menu_remove_all (self->menu);

  for (guint i = 0; i < MIN (ours->len, AF_RECENT_MAX_ITEMS); i++)
    {
      GtkRecentInfo *info = g_ptr_array_index (ours, i);
      g_autofree char *label = escape_mnemonics (gtk_recent_info_get_display_name (info));
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, self->action_name, "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (self->menu, item);
    }

  /* An item without an action shows greyed out: the list is empty, not broken. */
  if (ours->len == 0)
    g_menu_append (self->menu, _("No Recent Files"), NULL);

  g_list_free_full (items, (GDestroyNotify)gtk_recent_info_unref);
}

static void
manager_changed_cb (AfRecentMenu     *self,
                    GtkRecentManager *manager)
{
  rebuild (self);
}

static void
af_recent_menu_finalize (GObject *object)
{
  AfRecentMenu *self = (AfRecentMenu *)object;

  g_clear_object (&self->menu);
  g_clear_pointer (&self->action_name, g_free);

  G_OBJECT_CLASS (af_recent_menu_parent_class)->finalize (object);
}

static void
af_recent_menu_class_init (AfRecentMenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = af_recent_menu_finalize;
}

static void
af_recent_menu_init (AfRecentMenu *self)
{
  self->manager = gtk_recent_manager_get_default ();
  self->menu = g_menu_new ();
}

AfRecentMenu *
af_recent_menu_new (const char *action_name)
{
  AfRecentMenu *self;

  g_return_val_if_fail (action_name != NULL, NULL);

  self = g_object_new (AF_TYPE_RECENT_MENU, NULL);
  self->action_name = g_strdup (action_name);
  g_signal_connect_object (self->manager, "changed",
                           G_CALLBACK (manager_changed_cb), self, G_CONNECT_SWAPPED);
  rebuild (self);

  return self;
}

GMenuModel *
af_recent_menu_get_model (AfRecentMenu *self)
{
  g_return_val_if_fail (AF_IS_RECENT_MENU (self), NULL);

  return G_MENU_MODEL (self->menu);
}

void
af_recent_menu_add_file (GFile *file)
{
  g_autofree char *uri = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *mime_type = NULL;
  GtkRecentData data = { 0 };

  g_return_if_fail (G_IS_FILE (file));

  uri = g_file_get_uri (file);
  basename = g_file_get_basename (file);
  /* Guessed from the name alone: no I/O on the main loop for a bookmark. */
  content_type = g_content_type_guess (basename, NULL, 0, NULL);
  mime_type = g_content_type_get_mime_type (content_type);

  data.mime_type = mime_type != NULL ? mime_type : (char *)"application/octet-stream";
  data.app_name = (char *)AF_RECENT_APP_NAME;
  data.app_exec = (char *)"atomform-connect %u";

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

void
af_recent_menu_forget_file (GFile *file)
{
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;
  GtkRecentManager *manager = gtk_recent_manager_get_default ();

  g_return_if_fail (G_IS_FILE (file));

  uri = g_file_get_uri (file);
  if (gtk_recent_manager_has_item (manager, uri) &&
      !gtk_recent_manager_remove_item (manager, uri, &error))
    g_debug ("Recent file not removed: %s", error->message);
}
