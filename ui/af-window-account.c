/* af-window-account.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-window-private.h"

/* The account in the primary menu: "Sign In…" while signed out; the
 * account's name and "Sign Out" while signed in. Sign-in opens AtomForm's
 * page in the browser (gtk_show_uri_full) and catches its redirect on
 * loopback (AfCloudBrowserSignIn); nothing here blocks the main loop.
 */

static AfCloudClient *
get_client (AfWindow *self)
{
  if (self->printer_registry == NULL)
    return NULL;
  return af_printer_registry_get_cloud_client (self->printer_registry);
}

static void
update_actions (AfWindow *self)
{
  AfCloudClient *client = get_client (self);
  gboolean signed_in = client != NULL && af_cloud_client_is_signed_in (client);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-in",
                                 client != NULL && !signed_in && self->sign_in == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", signed_in);
}

/* The menu's account section: account_text NULL while signed out. */
static void
show_account (AfWindow   *self,
              const char *account_text)
{
  g_menu_remove_all (self->account_section);
  if (account_text == NULL)
    g_menu_append (self->account_section, _("_Sign In…"), "win.sign-in");
  else
    {
      g_autoptr(GMenuItem) account = g_menu_item_new (account_text, "win.account");

      g_menu_append_item (self->account_section, account);
      g_menu_append (self->account_section, _("Sign _Out"), "win.sign-out");
    }
  update_actions (self);
}

static void
account_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfCloudAccount) account = NULL;
  g_autofree char *text = NULL;

  account = af_cloud_client_get_account_finish (AF_CLOUD_CLIENT (source_object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (account == NULL)
    {
      g_debug ("Could not read the account: %s", error->message);
      if (!af_cloud_client_is_signed_in (AF_CLOUD_CLIENT (source_object)))
        show_account (self, NULL);
      else
        /* Translators: the account item of the menu when the account could not be read */
        show_account (self, _("Signed In"));
      return;
    }
  /* Translators: the account item of the primary menu: the name, then the e-mail address */
  text = g_strdup_printf (_("Signed In as %s (%s)"), af_cloud_account_get_display_name (account),
                          af_cloud_account_get_email (account));
  show_account (self, text);
}

static void
refresh_cloud_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_printer_registry_refresh_cloud_finish (AF_PRINTER_REGISTRY (source_object), result,
                                                 &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    af_window_show_error (self, error);
}

/* After the session changed: the account, its printers and its history. */
static void
follow_session (AfWindow *self)
{
  AfCloudClient *client = get_client (self);

  if (client != NULL && af_cloud_client_is_signed_in (client))
    af_cloud_client_get_account_async (client, self->account_cancellable, account_cb,
                                       g_object_ref (self));
  else
    show_account (self, NULL);
  af_printer_registry_refresh_cloud_async (self->printer_registry, self->account_cancellable,
                                           refresh_cloud_cb, g_object_ref (self));
  af_history_view_reload (self->history_view);
}

static void
session_loaded_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_cloud_client_load_session_finish (AF_CLOUD_CLIENT (source_object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (!g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN))
        af_window_show_error (self, error);
    }
  follow_session (self);
}

/* --- Sign in ------------------------------------------------------------- */

static void
close_sign_in_dialog (AfWindow *self)
{
  AdwMessageDialog *dialog = g_steal_pointer (&self->sign_in_dialog);

  if (dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
end_sign_in (AfWindow *self)
{
  close_sign_in_dialog (self);
  g_clear_object (&self->sign_in);
  update_actions (self);
}

static void
signed_in_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  AfCloudBrowserSignIn *sign_in = AF_CLOUD_BROWSER_SIGN_IN (source_object);
  g_autoptr(GError) error = NULL;
  gboolean ok = af_cloud_browser_sign_in_wait_finish (sign_in, result, &error);

  if (sign_in != self->sign_in)
    return;
  end_sign_in (self);
  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        af_window_show_error (self, error);
      return;
    }
  follow_session (self);
}

static void
show_uri_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The prompt shows the address to open by hand. */
  if (!gtk_show_uri_full_finish (GTK_WINDOW (source_object), result, &error))
    g_debug ("Could not open the browser: %s", error->message);
}

static void
sign_in_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     AfWindow         *self)
{
  /* Cancel: the listener closes and the wait ends cancelled. */
  if (self->sign_in_dialog == dialog)
    {
      self->sign_in_dialog = NULL;
      g_cancellable_cancel (self->account_cancellable);
      g_clear_object (&self->account_cancellable);
      self->account_cancellable = g_cancellable_new ();
    }
}

static void
present_sign_in_dialog (AfWindow   *self,
                        const char *uri)
{
  GtkWidget *dialog;
  GtkWidget *address = gtk_label_new (uri);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Sign In in Your Browser"),
                                   _("Your browser shows AtomForm’s sign-in page. When you "
                                     "have signed in there, come back here. If no browser "
                                     "opened, open this address:"));
  /* The title names the window for screen readers and window lists. */
  gtk_window_set_title (GTK_WINDOW (dialog), _("Sign In in Your Browser"));
  gtk_label_set_selectable (GTK_LABEL (address), TRUE);
  gtk_label_set_wrap (GTK_LABEL (address), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (address), PANGO_WRAP_CHAR);
  gtk_accessible_update_property (GTK_ACCESSIBLE (address), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Sign-in address"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (address), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  uri, -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), address);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_in_response_cb), self, 0);
  self->sign_in_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AfWindow *self = AF_WINDOW (widget);
  AfCloudClient *client = get_client (self);
  g_autoptr(GError) error = NULL;
  const char *uri;

  if (client == NULL || self->sign_in != NULL)
    return;
  /* Binds a loopback port the kernel picks: no waiting. */
  self->sign_in = af_cloud_browser_sign_in_new (client, &error);
  if (self->sign_in == NULL)
    {
      af_window_show_error (self, error);
      return;
    }
  uri = af_cloud_browser_sign_in_get_uri (self->sign_in);
  present_sign_in_dialog (self, uri);
  gtk_show_uri_full (GTK_WINDOW (self), uri, GDK_CURRENT_TIME, self->account_cancellable,
                     show_uri_cb, NULL);
  af_cloud_browser_sign_in_wait_async (self->sign_in, self->account_cancellable, signed_in_cb,
                                       g_object_ref (self));
  update_actions (self);
}

/* --- Sign out ------------------------------------------------------------ */

static void
signed_out_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Signed out here whatever the answer; the error says what is left. */
  if (!af_cloud_client_sign_out_finish (AF_CLOUD_CLIENT (source_object), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    af_window_show_error (self, error);
  follow_session (self);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  AfWindow *self = AF_WINDOW (widget);
  AfCloudClient *client = get_client (self);

  if (client == NULL)
    return;
  gtk_widget_action_set_enabled (widget, "win.sign-out", FALSE);
  af_cloud_client_sign_out_async (client, self->account_cancellable, signed_out_cb,
                                  g_object_ref (self));
}

static void
account_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AfWindow *self = AF_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack, "history");
}

/* The history follows the page: loaded each time it is shown. */
static void
visible_page_cb (AfWindow *self)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "history") == 0)
    af_history_view_reload (self->history_view);
}

void
_af_window_class_account_init (AfWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.account", NULL, account_action);
}

void
_af_window_account_start (AfWindow *self)
{
  AfCloudClient *client = get_client (self);

  self->account_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->view_stack, "notify::visible-child-name",
                           G_CALLBACK (visible_page_cb), self, G_CONNECT_SWAPPED);
  show_account (self, NULL);
  if (client != NULL)
    af_cloud_client_load_session_async (client, self->account_cancellable, session_loaded_cb,
                                        g_object_ref (self));
}

void
_af_window_account_dispose (AfWindow *self)
{
  if (self->account_cancellable != NULL)
    g_cancellable_cancel (self->account_cancellable);
  close_sign_in_dialog (self);
  g_clear_object (&self->sign_in);
  g_clear_object (&self->account_cancellable);
}
