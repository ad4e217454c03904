/* af-window-privacy.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-window-private.h"

/* The window's side of privacy: the Privacy page, and deleting print
 * history. A deletion goes through AfPrivacy's outbox like every privacy
 * action, so a History view (or anything else) deletes with
 *
 *   gtk_widget_activate_action (widget, "win.delete-history-entry", "s", id);
 *   gtk_widget_activate_action (widget, "win.delete-history-all", NULL);
 *
 * and the entry is "deletion pending" until the cloud confirms, even when
 * the app is offline or killed meanwhile. They are GActions of the window
 * (not widget actions) so they are also exported on the session bus.
 */

static void
deleted_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *message = NULL;

  action = af_privacy_action_finish (AF_PRIVACY (source_object), result, &error);
  if (action == NULL)
    {
      af_window_show_error (self, error);
      return;
    }
  summary = af_privacy_action_dup_summary (action);
  if (af_privacy_action_get_state (action) == AF_PRIVACY_ACTION_PENDING)
    /* Translators: %s is what was asked, e.g. "Delete 1 print history entry" */
    message = g_strdup_printf (_("%s: kept on this computer. Will be sent when you are back "
                                 "online."), summary);
  else
    /* Translators: %s is what was asked, e.g. "Delete 1 print history entry" */
    message = g_strdup_printf (_("%s: requested. AtomForm deletes it within 72 hours."),
                               summary);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
delete_history (AfWindow          *self,
                const char *const *ids,
                gboolean           all)
{
  if (self->privacy == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
                                                     _("Print history cannot be deleted: the "
                                                       "local data file could not be opened."));
      af_window_show_error (self, error);
      return;
    }
  af_privacy_delete_history_async (self->privacy, ids, all, NULL, deleted_cb,
                                   g_object_ref (self));
}

static void
delete_history_entry_cb (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  const char *ids[] = { g_variant_get_string (parameter, NULL), NULL };

  delete_history (AF_WINDOW (user_data), ids, FALSE);
}

static void
delete_history_all_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  delete_history (AF_WINDOW (user_data), NULL, TRUE);
}

static const GActionEntry privacy_entries[] = {
  { .name = "delete-history-entry", .activate = delete_history_entry_cb, .parameter_type = "s" },
  { .name = "delete-history-all", .activate = delete_history_all_cb },
};

void
_af_window_class_privacy_init (AfWindowClass *klass)
{
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), AfWindow, privacy_view);
}

void
_af_window_privacy_init (AfWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), privacy_entries,
                                   G_N_ELEMENTS (privacy_entries), self);
}

void
af_window_set_privacy (AfWindow  *self,
                       AfPrivacy *privacy)
{
  g_return_if_fail (AF_IS_WINDOW (self));
  g_return_if_fail (AF_IS_PRIVACY (privacy));
  g_return_if_fail (self->privacy == NULL);

  self->privacy = g_object_ref (privacy);
  af_privacy_view_set_privacy (self->privacy_view, privacy);
  af_history_view_set_privacy (self->history_view, privacy);
  if (self->printer_registry != NULL)
    af_privacy_view_set_registry (self->privacy_view, self->printer_registry);
}
