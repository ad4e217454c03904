/* af-window.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-sliced-file.h"
#include "af-stack.h"
#include "af-window-private.h"

G_DEFINE_FINAL_TYPE (AfWindow, af_window, ADW_TYPE_APPLICATION_WINDOW)

static char *
get_display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  return g_filename_display_name (basename != NULL ? basename : "");
}

/* "~/Prints" for a local folder, the URI's parse name for anything else. */
static char *
get_folder_name (GFile *file)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autoptr(GFile) home = g_file_new_for_path (g_get_home_dir ());
  g_autofree char *relative = NULL;

  if (parent == NULL)
    return NULL;
  if (g_file_equal (parent, home))
    return g_strdup ("~");

  relative = g_file_get_relative_path (home, parent);
  if (relative != NULL)
    return g_build_filename ("~", relative, NULL);

  return g_file_get_parse_name (parent);
}

static void
show_page (AfWindow   *self,
           const char *name)
{
  af_stack_show_page (self->stack, name);
  gtk_spinner_set_spinning (self->spinner, g_str_equal (name, "loading"));
}

/* A copy a slicer handed over stays until another file is shown or the
 * window closes, whatever Clear Local Data or the next hand-off prunes.
 */
static void
hold_handoff_copy (AfWindow *self,
                   GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *cache_dir = af_handoff_get_cache_dir ();

  g_clear_pointer (&self->handoff_hold, af_handoff_hold_free);
  if (path != NULL)
    self->handoff_hold = af_handoff_hold_copy (path, cache_dir);
}

static void
show_file (AfWindow     *self,
           AfSlicedFile *sliced_file)
{
  GFile *file = af_sliced_file_get_file (sliced_file);
  g_autofree char *name = get_display_name (file);
  g_autofree char *folder = get_folder_name (file);

  af_file_view_set_file (self->file_view, sliced_file);
  af_send_panel_set_file (self->send_panel, sliced_file);
  hold_handoff_copy (self, file);
  adw_view_switcher_title_set_title (self->switcher_title, name);
  adw_view_switcher_title_set_subtitle (self->switcher_title, folder);
  gtk_window_set_title (GTK_WINDOW (self), name);
  show_page (self, "file");
  adw_view_stack_set_visible_child_name (self->view_stack, "file");
  _af_window_update_send_toggle (self);

  /* Incognito leaves no recent-files entry on this computer either, not
   * even the one the file chooser adds for what it opened.
   */
  if (self->privacy == NULL || !af_privacy_is_incognito (self->privacy))
    af_recent_menu_add_file (file);
  else
    af_recent_menu_forget_file (file);
}

/* The file already shown stays shown: a bad file must not cost the good one.
 * The core's messages name the file and say what to do, so they are shown as
 * they are.
 */
static void
show_error (AfWindow     *self,
            const GError *error)
{
  g_autoptr(AdwToast) toast = NULL;
  GtkWidget *label;

  show_page (self, af_file_view_get_file (self->file_view) != NULL ? "file" : "empty");

  /* A custom title wraps a long message instead of cutting it off, and is
   * plain text, so no markup in a file name can break it.
   */
  label = gtk_label_new (error->message);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  /* Wrapping only when the toast runs out of room, not at an arbitrary width. */
  gtk_label_set_natural_wrap_mode (GTK_LABEL (label), GTK_NATURAL_WRAP_NONE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);

  toast = g_object_new (ADW_TYPE_TOAST,
                        "custom-title", label,
                        "priority", ADW_TOAST_PRIORITY_HIGH,
                        NULL);
  adw_toast_overlay_add_toast (self->toast_overlay, g_steal_pointer (&toast));
}

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AfWindow) self = user_data;
  g_autoptr(AfSlicedFile) sliced_file = NULL;
  g_autoptr(GError) error = NULL;

  sliced_file = af_sliced_file_load_finish (result, &error);

  /* A newer open or the closing window took over; there is nothing to show. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->loading_file);

  if (sliced_file == NULL)
    show_error (self, error);
  else
    show_file (self, sliced_file);
}

/**
 * af_window_show_error:
 * @self: a #AfWindow
 * @error: what went wrong, in words for the user
 *
 * Shows @error as a toast, for a file that never reached the window, e.g.
 * one a slicer's link named but that does not exist.
 */
void
af_window_show_error (AfWindow     *self,
                      const GError *error)
{
  g_return_if_fail (AF_IS_WINDOW (self));
  g_return_if_fail (error != NULL);

  show_error (self, error);
}

/**
 * af_window_get_file:
 * @self: a #AfWindow
 *
 * Returns: (nullable) (transfer none): the file shown or being read, or
 *   %NULL while the window is empty
 */
GFile *
af_window_get_file (AfWindow *self)
{
  AfSlicedFile *shown;

  g_return_val_if_fail (AF_IS_WINDOW (self), NULL);

  if (self->loading_file != NULL)
    return self->loading_file;

  shown = af_file_view_get_file (self->file_view);

  return shown != NULL ? af_sliced_file_get_file (shown) : NULL;
}

/**
 * af_window_open:
 * @self: a #AfWindow
 * @file: a .gcode, .bgcode or .gcode.3mf file
 *
 * Reads @file in the background and shows it, replacing any load still
 * running. On failure a toast says why and the file shown before stays.
 */
void
af_window_open (AfWindow *self,
                GFile    *file)
{
  g_autofree char *name = NULL;
  g_autofree char *loading = NULL;

  g_return_if_fail (AF_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->loading_file, file);

  name = get_display_name (file);
  /* Translators: shown while a file is read; %s is its name */
  loading = g_strdup_printf (_("Reading “%s”…"), name);
  gtk_label_set_label (self->loading_label, loading);
  show_page (self, "loading");

  af_sliced_file_load_async (file, self->cancellable, load_cb, g_object_ref (self));
}


static void
restore_window_size (AfWindow *self)
{
  int width, height;
  gboolean maximized;

  g_object_get (self->settings, "window-width", &width, "window-height", &height,
                "window-maximized", &maximized, NULL);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (maximized)
    gtk_window_maximize (GTK_WINDOW (self));
}

/* The default size follows the user's resizing but not maximizing, so it is
 * the size to come back to when the window is unmaximized next time.
 */
static void
save_window_size (AfWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_object_set (self->settings, "window-width", width, "window-height", height,
                "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)), NULL);
}

static gboolean
af_window_close_request (GtkWindow *window)
{
  AfWindow *self = AF_WINDOW (window);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->account_cancellable);
  af_send_panel_cancel (self->send_panel);
  save_window_size (self);

  return GTK_WINDOW_CLASS (af_window_parent_class)->close_request (window);
}

static void
af_window_dispose (GObject *object)
{
  AfWindow *self = (AfWindow *)object;

  g_cancellable_cancel (self->cancellable);
  _af_window_account_dispose (self);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));

  g_clear_object (&self->chooser);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->loading_file);
  g_clear_pointer (&self->handoff_hold, af_handoff_hold_free);
  g_clear_object (&self->recent_menu);
  g_clear_object (&self->settings);
  g_clear_object (&self->printer_registry);
  g_clear_object (&self->privacy);

  G_OBJECT_CLASS (af_window_parent_class)->dispose (object);
}

static void
af_window_class_init (AfWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = af_window_dispose;
  window_class->close_request = af_window_close_request;

  g_type_ensure (AF_TYPE_FILE_VIEW);
  g_type_ensure (AF_TYPE_PRINTERS_VIEW);
  g_type_ensure (AF_TYPE_HISTORY_VIEW);
  g_type_ensure (AF_TYPE_SEND_PANEL);
  g_type_ensure (AF_TYPE_PRIVACY_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/tech/atomform/Connect/af-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AfWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, open_button);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, send_toggle);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, send_panel);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, printers_view);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, history_view);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, account_section);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, AfWindow, file_view);

  _af_window_class_actions_init (klass);
  _af_window_class_account_init (klass);
  _af_window_class_privacy_init (klass);
}

static void
af_window_init (AfWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  show_page (self, "empty");

  self->settings = g_object_ref (af_settings_get_default ());
  restore_window_size (self);
  _af_window_actions_init (self);
  _af_window_privacy_init (self);
}

void
af_window_set_printer_registry (AfWindow          *self,
                               AfPrinterRegistry *registry)
{
  g_return_if_fail (AF_IS_WINDOW (self));
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (registry));
  g_return_if_fail (self->printer_registry == NULL);

  self->printer_registry = g_object_ref (registry);
  af_printers_view_set_registry (self->printers_view, registry);
  af_send_panel_set_registry (self->send_panel, registry);
  af_history_view_set_registry (self->history_view, registry);
  _af_window_update_send_toggle (self);
  _af_window_account_start (self);
}

AfWindow *
af_window_new (AdwApplication *application)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);

  return g_object_new (AF_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
