/* af-history-view.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-history-view"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-cloud.h"
#include "af-format.h"
#include "af-history-view.h"
#include "af-privacy.h"
#include "af-stack.h"

/* One page: enough for a window; the command line pages further. */
#define HISTORY_PAGE_SIZE 50
#define THUMBNAIL_SIZE    64

struct _AfHistoryView
{
  AdwBin             parent_instance;

  GtkStack          *stack;
  GtkSpinner        *spinner;
  AdwStatusPage     *error_page;
  GtkListBox        *list_box;
  GtkWidget         *local_box;
  GtkListBox        *local_list;

  AfPrinterRegistry *registry;
  /* The load in flight (and its thumbnails), cancelled by the next. */
  GCancellable      *cancellable;
  /* The entries shown, by id, for Reprint. */
  GHashTable        *entries;
  /* The local record's read in flight, cancelled by the next. */
  GCancellable      *local_cancellable;
  /* Reprints in flight, cancelled when the view goes. */
  GCancellable      *reprint_cancellable;

  /* Where deletions wait and are followed; the entries shown, in order,
   * and the client they came from, to say again what is pending.
   */
  AfPrivacy         *privacy;
  GListModel        *items;
  AfCloudClient     *client;
};

G_DEFINE_FINAL_TYPE (AfHistoryView, af_history_view, ADW_TYPE_BIN)

static void
show_page (AfHistoryView *self,
           const char    *name)
{
  gtk_spinner_set_spinning (self->spinner, g_str_equal (name, "loading"));
  af_stack_show_page (self->stack, name);
}

static const char *
describe_status (const char *status)
{
  if (g_strcmp0 (status, "printing") == 0)
    return C_("history status", "Printing");
  if (g_strcmp0 (status, "finished") == 0)
    return C_("history status", "Finished");
  if (g_strcmp0 (status, "failed") == 0)
    return C_("history status", "Failed");
  if (g_strcmp0 (status, "cancelled") == 0)
    return C_("history status", "Cancelled");
  return C_("history status", "Unknown");
}

static char *
format_filament (GPtrArray *filament)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < filament->len; i++)
    {
      AfCloudFilament *item = g_ptr_array_index (filament, i);

      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: one filament of a history entry: type, colour and weight,
       * e.g. "PLA #00AE42 23.4 g"
       */
      g_string_append_printf (text, _("%s %s %.1f g"), item->type != NULL ? item->type : "?",
                              item->color != NULL ? item->color : "", item->weight_g);
    }
  return g_string_free (text, FALSE);
}

static char *
describe_file (AfCloudHistoryEntry *entry)
{
  GDateTime *expires = af_cloud_history_entry_get_file_expires_at (entry);
  g_autofree char *date = NULL;

  if (!af_cloud_history_entry_get_file_available (entry) || expires == NULL)
    return g_strdup (_("The cloud no longer keeps the file"));
  date = af_format_date (expires);
  /* Translators: when the cloud deletes a printed file,
   * e.g. "The cloud keeps the file until 4 March 2027"
   */
  return g_strdup_printf (_("The cloud keeps the file until %s"), date);
}

/* A deletion the user asked for, until the cloud has done it: "pending
 * until" the request's due time, or waiting on this computer to be sent.
 */
static char *
describe_deletion (AfHistoryView       *self,
                   AfCloudHistoryEntry *entry)
{
  g_autoptr(GDateTime) due = NULL;
  g_autofree char *when = NULL;

  if (self->privacy == NULL)
    return NULL;
  switch (af_privacy_get_history_deletion (self->privacy, af_cloud_history_entry_get_id (entry),
                                           &due))
    {
    case AF_HISTORY_DELETION_QUEUED:
      return g_strdup (_("Deletion will be sent when you are back online"));
    case AF_HISTORY_DELETION_PENDING:
      if (due == NULL)
        return g_strdup (_("Deletion pending"));
      when = af_format_date_time (due);
      /* Translators: %s is a date and time, e.g. "7 December 2026, 09:00" */
      return g_strdup_printf (_("Deletion pending until %s"), when);
    case AF_HISTORY_DELETION_NONE:
    default:
      return NULL;
    }
}

/* Printer and status; started (or sent) and how long it took; filament;
 * until when the file is kept: one line each.
 */
static char *
describe_entry (AfCloudHistoryEntry *entry)
{
  GDateTime *started = af_cloud_history_entry_get_started_at (entry);
  GDateTime *ended = af_cloud_history_entry_get_ended_at (entry);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *when = af_format_date_time (started != NULL ? started
                                       : af_cloud_history_entry_get_created_at (entry));
  g_autofree char *filament = format_filament (af_cloud_history_entry_get_filament (entry));
  g_autofree char *file = describe_file (entry);
  const char *printer = af_cloud_history_entry_get_printer_name (entry);

  /* Translators: a history entry: the printer's name, then the print's status */
  g_string_append_printf (text, _("%s · %s"), printer != NULL ? printer : "",
                          describe_status (af_cloud_history_entry_get_status (entry)));
  if (when != NULL && started != NULL && ended != NULL)
    {
      g_autofree char *duration = af_format_duration (g_date_time_difference (ended, started) /
                                                      G_USEC_PER_SEC);

      g_string_append_c (text, '\n');
      /* Translators: when a print started, then how long it took */
      g_string_append_printf (text, _("Started %s, took %s"), when, duration);
    }
  else if (when != NULL)
    {
      g_string_append_c (text, '\n');
      /* Translators: when a print was sent or started */
      g_string_append_printf (text, _("Started %s"), when);
    }
  if (*filament != '\0')
    {
      g_string_append_c (text, '\n');
      /* Translators: the filament a print used, e.g. "Filament: PLA #00AE42 23.4 g" */
      g_string_append_printf (text, _("Filament: %s"), filament);
    }
  g_string_append_printf (text, "\n%s", file);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* --- Thumbnails ---------------------------------------------------------- */

static void
thumbnail_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GtkImage) image = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  png = af_cloud_client_get_thumbnail_finish (AF_CLOUD_CLIENT (source_object), result, &error);
  if (png == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail: %s", error->message);
      return;
    }
  /* The core checked the PNG signature and the size (at most 1 MiB). */
  texture = gdk_texture_new_from_bytes (png, &error);
  if (texture == NULL)
    {
      g_debug ("Unreadable thumbnail: %s", error->message);
      return;
    }
  gtk_image_set_from_paintable (image, GDK_PAINTABLE (texture));
}

static GtkWidget *
new_thumbnail (AfHistoryView       *self,
               AfCloudClient       *client,
               AfCloudHistoryEntry *entry)
{
  GtkWidget *image = gtk_image_new_from_icon_name ("image-missing-symbolic");
  g_autofree char *name = NULL;

  gtk_image_set_pixel_size (GTK_IMAGE (image), THUMBNAIL_SIZE);
  gtk_widget_add_css_class (image, "af-history-thumbnail");
  /* Translators: the accessible name of a history entry's picture; %s is its title */
  name = g_strdup_printf (_("Thumbnail of %s"), af_cloud_history_entry_get_title (entry));
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  if (af_cloud_history_entry_get_has_thumbnail (entry))
    af_cloud_client_get_thumbnail_async (client, af_cloud_history_entry_get_id (entry),
                                         self->cancellable, thumbnail_cb, g_object_ref (image));
  return image;
}

/* --- Reprint ------------------------------------------------------------- */

static GtkWidget *
new_reprint_button (AfCloudHistoryEntry *entry)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Reprint"));
  g_autofree char *name = NULL;

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "history.reprint");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s",
                                    af_cloud_history_entry_get_id (entry));
  /* Translators: the accessible name of a history entry's Reprint button; %s is its title */
  name = g_strdup_printf (_("Reprint %s"), af_cloud_history_entry_get_title (entry));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  return button;
}

static void
show_toast (AfHistoryView *self,
            const char    *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  if (overlay == NULL)
    return;
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
reprint_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfHistoryView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfCloudJob) job = NULL;
  g_autofree char *message = NULL;

  job = af_printer_registry_reprint_finish (AF_PRINTER_REGISTRY (source_object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->registry == NULL)
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.reprint", TRUE);
  if (job == NULL)
    {
      show_toast (self, error->message);
      return;
    }
  /* Translators: after Reprint; %s is the print's name */
  message = g_strdup_printf (_("“%s” is printing again"), af_cloud_job_get_name (job));
  show_toast (self, message);
  af_history_view_reload (self);
}

static void
reprint_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AfHistoryView *self = AF_HISTORY_VIEW (widget);
  AfCloudHistoryEntry *entry = g_hash_table_lookup (self->entries,
                                                    g_variant_get_string (parameter, NULL));

  if (entry == NULL || self->registry == NULL)
    return;
  /* One reprint at a time: a second press would be a second print. */
  gtk_widget_action_set_enabled (widget, "history.reprint", FALSE);
  af_printer_registry_reprint_async (self->registry, entry, self->reprint_cancellable,
                                     reprint_cb, g_object_ref (self));
}

/* --- Delete ---------------------------------------------------------------- */

/* A deletion is a privacy request: the window sends it through the privacy
 * outbox (af-window-privacy.c), so it is kept even offline and followed in
 * the Privacy view until the cloud has deleted the entry (within 72 hours).
 */
static GtkWidget *
new_delete_button (AfCloudHistoryEntry *entry)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *name = NULL;

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Delete From History"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.delete-history-entry");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s",
                                    af_cloud_history_entry_get_id (entry));
  /* Translators: the accessible name of a history entry's Delete button; %s is its title */
  name = g_strdup_printf (_("Delete %s from history"), af_cloud_history_entry_get_title (entry));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  return button;
}

/* --- What this computer sent ------------------------------------------ */

/* The newest HISTORY_PAGE_SIZE rows of the local store, off the main loop. */
static void
read_local_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GListModel *all;
  GError *error = NULL;

  all = af_local_store_list_history (task_data, &error);
  if (all == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, all, g_object_unref);
}

/* The store caches no picture of a print, so a row is text alone. */
static GtkWidget *
new_local_row (AfLocalHistoryEntry *entry)
{
  GtkWidget *row = adw_action_row_new ();
  const char *title = af_local_history_entry_get_title (entry);
  g_autofree char *subtitle = af_local_history_entry_describe (entry);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title != NULL ? title : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  subtitle, -1);
  return row;
}

static void
local_read_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AfHistoryView *self = AF_HISTORY_VIEW (source_object);
  g_autoptr(GListModel) entries = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  guint n;

  entries = g_task_propagate_pointer (G_TASK (result), &error);
  if (entries == NULL)
    {
      /* The view stays usable without it; the Privacy view names the store. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No local history: %s", error->message);
      return;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->local_list))) != NULL)
    gtk_list_box_remove (self->local_list, child);
  n = MIN (g_list_model_get_n_items (entries), HISTORY_PAGE_SIZE);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfLocalHistoryEntry) entry = g_list_model_get_item (entries, i);

      gtk_list_box_append (self->local_list, new_local_row (entry));
    }
  gtk_widget_set_visible (self->local_box, n > 0);
}

static void
reload_local (AfHistoryView *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->privacy == NULL)
    return;
  if (self->local_cancellable != NULL)
    g_cancellable_cancel (self->local_cancellable);
  g_clear_object (&self->local_cancellable);
  self->local_cancellable = g_cancellable_new ();

  task = g_task_new (self, self->local_cancellable, local_read_cb, NULL);
  g_task_set_source_tag (task, reload_local);
  g_task_set_task_data (task, g_object_ref (af_privacy_get_store (self->privacy)),
                        g_object_unref);
  g_task_run_in_thread (task, read_local_thread);
}

/* --- Loading ------------------------------------------------------------- */

static GtkWidget *
new_row (AfHistoryView       *self,
         AfCloudClient       *client,
         AfCloudHistoryEntry *entry)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = describe_entry (entry);
  g_autofree char *deletion = describe_deletion (self, entry);
  const char *title = af_cloud_history_entry_get_title (entry);

  if (deletion != NULL)
    {
      char *full = g_strdup_printf ("%s\n%s", deletion, subtitle);

      g_free (subtitle);
      subtitle = full;
    }

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title != NULL ? title : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), new_thumbnail (self, client, entry));
  if (af_cloud_history_entry_get_file_available (entry) && deletion == NULL)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), new_reprint_button (entry));
  /* A deletion already asked for is not asked twice. */
  if (deletion == NULL)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), new_delete_button (entry));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  subtitle, -1);
  return row;
}

/* (Re)builds the rows of the entries last read; returns how many. */
static guint
show_rows (AfHistoryView *self)
{
  GtkWidget *child;
  guint n;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  g_hash_table_remove_all (self->entries);
  if (self->items == NULL)
    return 0;
  n = g_list_model_get_n_items (self->items);
  for (guint i = 0; i < n; i++)
    {
      AfCloudHistoryEntry *entry = g_list_model_get_item (self->items, i);

      g_hash_table_replace (self->entries, g_strdup (af_cloud_history_entry_get_id (entry)),
                            entry);
      gtk_list_box_append (self->list_box, new_row (self, self->client, entry));
    }
  return n;
}

/* A deletion was asked for, sent or received: say so on its entries. */
static void
deletions_changed_cb (AfHistoryView *self)
{
  if (self->items != NULL && g_list_model_get_n_items (self->items) > 0)
    show_rows (self);
}

static void
history_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfHistoryView) self = user_data;
  AfCloudClient *client = AF_CLOUD_CLIENT (source_object);
  g_autoptr(AfCloudHistoryPage) page = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  page = af_cloud_client_list_history_finish (client, result, &error);
  if (page == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN))
        {
          show_page (self, "signed-out");
          return;
        }
      /* The core's messages are translated and say what to do. */
      adw_status_page_set_description (self->error_page, error->message);
      show_page (self, "error");
      return;
    }

  g_set_object (&self->items, G_LIST_MODEL (page->items));
  g_set_object (&self->client, client);
  n = show_rows (self);
  show_page (self, n > 0 ? "list" : "empty");
}

void
af_history_view_reload (AfHistoryView *self)
{
  AfCloudClient *client;

  g_return_if_fail (AF_IS_HISTORY_VIEW (self));

  reload_local (self);
  if (self->registry == NULL)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  client = af_printer_registry_get_cloud_client (self->registry);
  if (client == NULL || !af_cloud_client_is_signed_in (client))
    {
      show_page (self, "signed-out");
      return;
    }
  self->cancellable = g_cancellable_new ();
  show_page (self, "loading");
  af_cloud_client_list_history_async (client, NULL, NULL, HISTORY_PAGE_SIZE, self->cancellable,
                                      history_cb, g_object_ref (self));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  af_history_view_reload (AF_HISTORY_VIEW (widget));
}

void
af_history_view_set_registry (AfHistoryView     *self,
                              AfPrinterRegistry *registry)
{
  g_return_if_fail (AF_IS_HISTORY_VIEW (self));
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (registry));
  g_return_if_fail (self->registry == NULL);

  self->registry = g_object_ref (registry);
}

void
af_history_view_set_privacy (AfHistoryView *self,
                             AfPrivacy     *privacy)
{
  g_return_if_fail (AF_IS_HISTORY_VIEW (self));
  g_return_if_fail (AF_IS_PRIVACY (privacy));
  g_return_if_fail (self->privacy == NULL);

  self->privacy = g_object_ref (privacy);
  g_signal_connect_object (af_privacy_get_outbox (privacy), "items-changed",
                           G_CALLBACK (deletions_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (af_privacy_get_requests (privacy), "items-changed",
                           G_CALLBACK (deletions_changed_cb), self, G_CONNECT_SWAPPED);
  deletions_changed_cb (self);
  reload_local (self);
}

static void
af_history_view_dispose (GObject *object)
{
  AfHistoryView *self = (AfHistoryView *)object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->reprint_cancellable);
  g_clear_object (&self->reprint_cancellable);
  if (self->local_cancellable != NULL)
    g_cancellable_cancel (self->local_cancellable);
  g_clear_object (&self->local_cancellable);
  g_clear_object (&self->registry);
  g_clear_object (&self->privacy);
  g_clear_object (&self->items);
  g_clear_object (&self->client);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (af_history_view_parent_class)->dispose (object);
}

static void
af_history_view_class_init (AfHistoryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = af_history_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-history-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AfHistoryView, stack);
  gtk_widget_class_bind_template_child (widget_class, AfHistoryView, spinner);
  gtk_widget_class_bind_template_child (widget_class, AfHistoryView, error_page);
  gtk_widget_class_bind_template_child (widget_class, AfHistoryView, list_box);
  gtk_widget_class_bind_template_child (widget_class, AfHistoryView, local_box);
  gtk_widget_class_bind_template_child (widget_class, AfHistoryView, local_list);

  gtk_widget_class_install_action (widget_class, "history.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "history.reprint", "s", reprint_action);
}

static void
af_history_view_init (AfHistoryView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->reprint_cancellable = g_cancellable_new ();
  show_page (self, "signed-out");
}
