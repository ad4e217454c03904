/* af-window-actions.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-add-printer-dialog.h"
#include "af-window-private.h"

/* The next chooser starts where the last file came from: slicers export
 * into one folder, and people open the files from there one after another.
 */
static void
remember_folder (AfWindow *self,
                 GFile    *file)
{
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autofree char *uri = NULL;

  /* Incognito, where the file came from is not written down either. */
  if (folder == NULL || (self->privacy != NULL && af_privacy_is_incognito (self->privacy)))
    return;

  uri = g_file_get_uri (folder);
  af_settings_set_last_folder (self->settings, uri);
}

static void
start_in_last_folder (AfWindow       *self,
                      GtkFileChooser *chooser)
{
  const char *uri = af_settings_get_last_folder (self->settings);
  g_autoptr(GFile) folder = NULL;

  if (*uri == '\0')
    return;

  /* A folder since deleted or unmounted just leaves the chooser's default. */
  folder = g_file_new_for_uri (uri);
  gtk_file_chooser_set_current_folder (chooser, folder, NULL);
}

static void
chooser_response_cb (AfWindow             *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  g_clear_object (&self->chooser);

  if (file == NULL)
    return;

  remember_folder (self, file);
  af_window_open (self, file);
}

static GtkFileFilter *
new_filter (const char        *name,
            const char * const *suffixes)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; suffixes[i] != NULL; i++)
    gtk_file_filter_add_suffix (filter, suffixes[i]);

  return filter;
}

static void
add_filters (GtkFileChooser *chooser)
{
  static const char * const all[] = { "gcode", "bgcode", "gcode.3mf", NULL };
  static const char * const gcode[] = { "gcode", NULL };
  static const char * const bgcode[] = { "bgcode", NULL };
  static const char * const archive[] = { "gcode.3mf", NULL };
  g_autoptr(GtkFileFilter) all_filter = new_filter (_("All Sliced Files"), all);
  g_autoptr(GtkFileFilter) gcode_filter = new_filter (_("G-code"), gcode);
  g_autoptr(GtkFileFilter) bgcode_filter = new_filter (_("Binary G-code"), bgcode);
  g_autoptr(GtkFileFilter) archive_filter = new_filter (_("Printer-Ready 3MF"), archive);

  gtk_file_chooser_add_filter (chooser, all_filter);
  gtk_file_chooser_add_filter (chooser, gcode_filter);
  gtk_file_chooser_add_filter (chooser, bgcode_filter);
  gtk_file_chooser_add_filter (chooser, archive_filter);
  gtk_file_chooser_set_filter (chooser, all_filter);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AfWindow *self = AF_WINDOW (widget);

  if (self->chooser != NULL)
    return;

  /* The native chooser goes through the file chooser portal when sandboxed. */
  self->chooser = gtk_file_chooser_native_new (_("Open a Sliced File"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  add_filters (GTK_FILE_CHOOSER (self->chooser));
  start_in_last_folder (self, GTK_FILE_CHOOSER (self->chooser));
  g_signal_connect_object (self->chooser, "response",
                           G_CALLBACK (chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  af_window_open (AF_WINDOW (widget), file);
}

static void
set_drop_highlight (AfWindow *self,
                    gboolean  highlight)
{
  if (highlight)
    gtk_widget_add_css_class (GTK_WIDGET (self->toast_overlay), "af-drop-highlight");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->toast_overlay), "af-drop-highlight");
}

static GdkDragAction
drop_enter_cb (AfWindow      *self,
               double         x,
               double         y,
               GtkDropTarget *target)
{
  set_drop_highlight (self, TRUE);

  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (AfWindow      *self,
               GtkDropTarget *target)
{
  set_drop_highlight (self, FALSE);
}

static gboolean
drop_cb (AfWindow      *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GFile *file = NULL;

  set_drop_highlight (self, FALSE);

  /* Several files dropped at once: the window shows one, so the first wins. */
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);

      file = files != NULL ? files->data : NULL;
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    file = g_value_get_object (value);

  if (file == NULL)
    return FALSE;

  af_window_open (self, file);

  return TRUE;
}

static void
setup_drop_target (AfWindow *self)
{
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect_object (target, "enter", G_CALLBACK (drop_enter_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "leave", G_CALLBACK (drop_leave_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

/* libadwaita 1.2 gives the split button's arrow a tooltip but no accessible
 * name, so a screen reader would announce it by its class name.
 */
static void
name_recent_button (AfWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->open_button));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_MENU_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Recent Files"),
                                        -1);
    }
}

/* The send panel belongs to a shown file, on the File page. */
void
_af_window_update_send_toggle (AfWindow *self)
{
  gboolean available = self->printer_registry != NULL
                       && af_file_view_get_file (self->file_view) != NULL
                       && g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack),
                                     "file") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->send_toggle), available);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", available);
  if (!available)
    adw_flap_set_reveal_flap (self->flap, FALSE);
}

/* AdwFlap 1.2 slides a hidden flap out of sight but leaves it in the
 * accessibility tree, where a screen reader would still read it; once the
 * slide is over, the panel is hidden for real.
 */
static void
flap_reveal_cb (AfWindow *self)
{
  gboolean hidden = !adw_flap_get_reveal_flap (self->flap)
                    && adw_flap_get_reveal_progress (self->flap) <= 0.0;

  gtk_widget_set_visible (GTK_WIDGET (self->send_panel), !hidden);
}

static gboolean
focus_send_panel_cb (gpointer user_data)
{
  AfWindow *self = user_data;

  if (adw_flap_get_reveal_flap (self->flap))
    gtk_widget_child_focus (GTK_WIDGET (self->send_panel), GTK_DIR_TAB_FORWARD);

  return G_SOURCE_REMOVE;
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AfWindow *self = AF_WINDOW (widget);
  gboolean reveal = !adw_flap_get_reveal_flap (self->flap);

  adw_flap_set_reveal_flap (self->flap, reveal);
  /* Ctrl+P takes the keyboard into the panel: from the header bar the Send
   * button was 32 Tab presses away. The flap makes the panel focusable
   * only once it has started to show it, on the next main loop turn.
   */
  if (reveal)
    g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, focus_send_panel_cb, g_object_ref (self),
                     g_object_unref);
}

static void
printer_added_cb (AfWindow           *self,
                  AfPrinter          *printer,
                  AfAddPrinterDialog *dialog)
{
  g_autofree char *name = af_printer_dup_display_name (printer);
  /* Translators: %s is the printer's name */
  g_autofree char *message = g_strdup_printf (_("“%s” was added"), name);
  /* A toast's title is markup; the name came from the network or the user. */
  g_autofree char *markup = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

static void
show_add_printer (AfWindow   *self,
                  const char *serial)
{
  GtkWidget *dialog;

  if (self->printer_registry == NULL)
    return;

  dialog = af_add_printer_dialog_new (GTK_WINDOW (self), self->printer_registry, serial);
  g_signal_connect_object (dialog, "printer-added", G_CALLBACK (printer_added_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_printer_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  show_add_printer (AF_WINDOW (widget), NULL);
}

static void
add_printer_for_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  show_add_printer (AF_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

void
_af_window_class_actions_init (AfWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.add-printer", NULL, add_printer_action);
  gtk_widget_class_install_action (widget_class, "win.add-printer-for", "s",
                                   add_printer_for_action);
  gtk_widget_class_install_action (widget_class, "win.send", NULL, send_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

void
_af_window_actions_init (AfWindow *self)
{
  self->recent_menu = af_recent_menu_new ("win.open-recent");
  adw_split_button_set_menu_model (self->open_button,
                                   af_recent_menu_get_model (self->recent_menu));
  name_recent_button (self);
  setup_drop_target (self);
  g_signal_connect_object (self->view_stack, "notify::visible-child-name",
                           G_CALLBACK (_af_window_update_send_toggle), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->flap, "notify::reveal-flap",
                           G_CALLBACK (flap_reveal_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->flap, "notify::reveal-progress",
                           G_CALLBACK (flap_reveal_cb), self, G_CONNECT_SWAPPED);
  flap_reveal_cb (self);
  _af_window_update_send_toggle (self);
}
