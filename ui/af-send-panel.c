/* af-send-panel.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-send-panel"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-color-swatch.h"
#include "af-printer-row.h"
#include "af-send-panel.h"
#include "af-settings.h"
#include "af-stack.h"

struct _AfSendPanel
{
  AdwBin               parent_instance;

  guint                apply_trays_source;

  GtkStack            *stack;
  AdwComboRow         *printer_row;
  AdwActionRow        *route_row;
  GtkToggleButton     *route_lan_button;
  GtkToggleButton     *route_cloud_button;
  GtkLabel            *route_label;
  AdwActionRow        *bed_leveling_row;
  AdwActionRow        *flow_cali_row;
  GtkToggleButton     *bed_leveling_auto;
  GtkToggleButton     *bed_leveling_on;
  GtkToggleButton     *flow_cali_auto;
  GtkToggleButton     *flow_cali_on;
  GtkSwitch           *timelapse_switch;
  AdwActionRow        *use_ams_row;
  GtkSwitch           *use_ams_switch;
  GtkSwitch           *delete_after_print_switch;
  AdwPreferencesGroup *mapping_group;
  GtkButton           *send_button;
  GtkLabel            *hint_label;
  GtkRevealer         *check_revealer;
  GtkLabel            *check_label;
  GtkButton           *override_button;
  AdwStatusPage       *sending_page;
  GtkProgressBar      *send_progress;
  GtkLabel            *phase_label;
  GtkListBox          *printing_list;

  AfPrinterRegistry    *registry;
  AfSlicedFile        *file;
  /* The chosen printer and what of it is watched. */
  AfPrinter           *printer;
  AfPrinterStatus     *status;
  GListModel          *trays;
  /* AdwComboRow per used filament; their "af-slot" data is the file's slot. */
  GPtrArray           *mapping_rows;
  /* Send Anyway was pressed for this file and printer (af-print-check.h). */
  gboolean             override;
  /* The send in progress, cancelled by Cancel and by the window closing. */
  AfPrintJob          *job;
  /* The bar and the label under it are bound to its fraction and text. */
  AfProgressRelay     *relay;
  GCancellable        *cancellable;
  /* The started print followed to its end, to delete its file; cancelled
   * when the panel goes (the print goes on, the file stays).
   */
  AfPrintJob          *printed_job;
  GCancellable        *printed_cancellable;
  AfSettings          *settings;
  /* Reading the account's printers again for the cloud route. */
  GCancellable        *refresh_cancellable;
};

G_DEFINE_FINAL_TYPE (AfSendPanel, af_send_panel, ADW_TYPE_BIN)

/* Why Send is off: a state that passes (shown under the Send button), or a
 * check of the file against the printer (shown at the top of the panel,
 * where it cannot be missed), which Send Anyway may override or not.
 */
typedef enum
{
  BLOCKER_WAIT,
  BLOCKER_CHECK,
  BLOCKER_CHECK_OVERRIDABLE,
} BlockerKind;

static AfPrinter *
get_selected_printer (AfSendPanel *self)
{
  return adw_combo_row_get_selected_item (self->printer_row);
}

/* Whether the mapping rows say which tray feeds each filament: with an AMS
 * only when Use AMS is on (off, the printer feeds from the external spool);
 * without one they map to the external spool.
 */
static gboolean
mapping_in_use (AfSendPanel *self)
{
  return self->mapping_rows->len > 0 &&
         (gtk_switch_get_active (self->use_ams_switch) || !af_print_check_has_ams (self->trays));
}

/* The trays the mapping rows name, indexed by the file's filament slot,
 * as AfPrintOptions.ams_mapping holds them: -1 where no tray is chosen.
 */
static GArray *
current_mapping (AfSendPanel *self)
{
  AfGcodeInfo *info = af_sliced_file_get_info (self->file);
  GArray *mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  gint unused = -1;

  for (guint slot = 0; slot < af_gcode_info_get_n_filaments (info); slot++)
    g_array_append_val (mapping, unused);

  for (guint i = 0; i < self->mapping_rows->len; i++)
    {
      AdwComboRow *row = g_ptr_array_index (self->mapping_rows, i);
      guint slot = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "af-slot"));
      AfAmsTray *tray = adw_combo_row_get_selected_item (row);

      if (tray == NULL || slot >= mapping->len)
        continue;
      g_array_index (mapping, gint, slot) = af_ams_tray_get_mapping_id (tray);
    }

  return mapping;
}

/* The checks before sending (af-print-check.h), as the command line makes
 * them: no storage always stops Send; the wrong printer, nozzle or a
 * filament without a tray until Send Anyway.
 */
static char *
describe_check (AfSendPanel *self,
                BlockerKind *kind)
{
  AfGcodeInfo *info = af_sliced_file_get_info (self->file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) mapping = NULL;

  *kind = BLOCKER_CHECK;
  if (!af_print_check_storage (self->printer, &error))
    return g_strdup (error->message);
  if (self->override)
    return NULL;

  *kind = BLOCKER_CHECK_OVERRIDABLE;
  if (!af_print_check_machine (info, self->printer, &error))
    return g_strdup (error->message);
  if (!mapping_in_use (self))
    return NULL;

  mapping = current_mapping (self);
  if (!af_print_check_trays (info, self->trays, mapping, &error))
    /* Translators: after "No tray holds filament 2 (PETG #FF0000)." */
    return g_strdup_printf (_("%s Load it, or choose a tray for it above."), error->message);

  return NULL;
}

/* The route the print takes: the one the printer has, or the one chosen
 * when it has both.
 */
static AfPrintRoute
current_route (AfSendPanel *self)
{
  gboolean lan, cloud;

  if (self->printer == NULL)
    return AF_PRINT_ROUTE_LAN;
  lan = af_printer_get_lan_reachable (self->printer);
  cloud = af_printer_get_cloud_reachable (self->printer);
  if (lan && cloud)
    return gtk_toggle_button_get_active (self->route_cloud_button) ? AF_PRINT_ROUTE_CLOUD
                                                                   : AF_PRINT_ROUTE_LAN;
  return cloud ? AF_PRINT_ROUTE_CLOUD : AF_PRINT_ROUTE_LAN;
}

/* Said before sending, for the route chosen: what leaves the home network
 * (the privacy policy's "Printing Files" and its 90-day default retention).
 */
static void
update_route (AfSendPanel *self)
{
  gboolean lan = self->printer != NULL && af_printer_get_lan_reachable (self->printer);
  gboolean cloud = self->printer != NULL && af_printer_get_cloud_reachable (self->printer);

  gtk_widget_set_visible (GTK_WIDGET (self->route_row), lan && cloud);
  gtk_widget_set_visible (GTK_WIDGET (self->route_label), lan || cloud);
  if (current_route (self) == AF_PRINT_ROUTE_CLOUD)
    gtk_label_set_label (self->route_label,
                         _("Through the cloud, the file, its thumbnails and its print settings "
                           "go to AtomForm’s servers. AtomForm keeps them in your print "
                           "history, with times and filament used, for 90 days unless you "
                           "change it."));
  else
    gtk_label_set_label (self->route_label,
                         _("Over the local network, nothing leaves your home network."));
}

/* Why Send is off, or NULL when it is on; kind says where it is shown and
 * whether Send Anyway may send all the same.
 */
static char *
describe_blocker (AfSendPanel *self,
                  BlockerKind *kind)
{
  AfPrinter *printer = self->printer;
  g_autoptr(GError) error = NULL;

  *kind = BLOCKER_WAIT;
  if (self->file == NULL)
    return g_strdup (_("Open a sliced file to send it"));
  if (printer == NULL)
    return g_strdup (_("Choose a printer"));
  /* The core's rule for the route chosen, the same as "send"'s. */
  if (!af_printer_registry_check_ready (self->registry, printer, current_route (self), &error))
    return g_strdup (error->message);

  return describe_check (self, kind);
}

static void
update_send (AfSendPanel *self)
{
  BlockerKind kind;
  g_autofree char *blocker = describe_blocker (self, &kind);
  gboolean check = blocker != NULL && kind != BLOCKER_WAIT;
  gboolean overridable = blocker != NULL && kind == BLOCKER_CHECK_OVERRIDABLE;
  g_autofree char *state = self->printer != NULL ? af_printer_row_describe_state (self->printer)
                                                 : NULL;

  gboolean idle = self->job == NULL && self->cancellable == NULL;

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->printer_row), state);
  update_route (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.start", blocker == NULL && idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.start-anyway", overridable && idle);
  gtk_widget_set_visible (GTK_WIDGET (self->override_button), overridable);
  if (check)
    gtk_label_set_label (self->check_label, blocker);
  /* Hidden, not only folded, so the page keeps no gap for it. */
  gtk_widget_set_visible (GTK_WIDGET (self->check_revealer), check);
  gtk_revealer_set_reveal_child (self->check_revealer, check);
  gtk_label_set_label (self->hint_label, check ? NULL : blocker);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), blocker != NULL && !check);
}

static void
cloud_refreshed_cb (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* A failure leaves the list as it was; the job's creation says the rest. */
  if (!af_printer_registry_refresh_cloud_finish (AF_PRINTER_REGISTRY (source_object), result,
                                                 &error))
    g_debug ("Could not read the account's printers again: %s", error->message);
}

/* Whether the cloud hears the printer is the cloud's to say, as it is now:
 * choosing the cloud route reads the account's printers again, and the
 * registry's "cloud-changed" updates Send.
 */
static void
route_changed_cb (AfSendPanel *self)
{
  if (self->registry != NULL && self->printer != NULL &&
      current_route (self) == AF_PRINT_ROUTE_CLOUD)
    {
      if (self->refresh_cancellable != NULL)
        g_cancellable_cancel (self->refresh_cancellable);
      g_clear_object (&self->refresh_cancellable);
      self->refresh_cancellable = g_cancellable_new ();
      af_printer_registry_refresh_cloud_async (self->registry, self->refresh_cancellable,
                                               cloud_refreshed_cb, NULL);
    }
  update_send (self);
}

static void
setup_tray_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  gtk_box_append (GTK_BOX (box), af_color_swatch_new (NULL));
  gtk_box_append (GTK_BOX (box), gtk_label_new (NULL));
  gtk_list_item_set_child (item, box);
}

static void
bind_tray_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  AfAmsTray *tray = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  g_autofree char *label = af_printer_row_dup_tray_label (tray);

  af_color_swatch_set_color (AF_COLOR_SWATCH (gtk_widget_get_first_child (box)),
                             af_ams_tray_get_material (tray) != NULL
                             ? af_ams_tray_get_color (tray) : NULL);
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_last_child (box)), label);
}

static GtkListItemFactory *
new_tray_factory (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_tray_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tray_cb), NULL);

  return factory;
}

/* global_index as AfPrintOptions.ams_mapping holds it (af_ams_tray_get_mapping_id()). */
static guint
find_tray (GListModel *trays,
           gint        global_index)
{
  guint n_trays = g_list_model_get_n_items (trays);

  if (global_index < 0)
    return GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n_trays; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, i);

      if (af_ams_tray_get_mapping_id (tray) == global_index)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

static gboolean
is_missing (GArray *missing,
            guint   slot)
{
  for (guint i = 0; missing != NULL && i < missing->len; i++)
    if (g_array_index (missing, gint, i) == (gint)slot + 1)
      return TRUE;

  return FALSE;
}

static void
clear_mapping (AfSendPanel *self)
{
  for (guint i = 0; i < self->mapping_rows->len; i++)
    adw_preferences_group_remove (self->mapping_group, g_ptr_array_index (self->mapping_rows, i));
  g_ptr_array_set_size (self->mapping_rows, 0);
}

static GtkWidget *
new_mapping_row (AfSendPanel      *self,
                 const AfFilament *filament,
                 guint             slot,
                 gint              default_tray)
{
  g_autoptr(GtkListItemFactory) factory = new_tray_factory ();
  g_autofree char *title = NULL;
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
  guint position = find_tray (self->trays, default_tray);

  /* Translators: a filament of the file and its slot, e.g. "PLA · Filament 1" */
  title = g_strdup_printf (_("%s · Filament %u"),
                           filament->type != NULL ? filament->type : _("Unknown"), slot + 1);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), af_color_swatch_new (filament->color));
  adw_combo_row_set_factory (row, factory);
  adw_combo_row_set_model (row, self->trays);
  adw_combo_row_set_selected (row, position);
  if (position == GTK_INVALID_LIST_POSITION)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("No loaded tray matches; choose one"));
  g_object_set_data (G_OBJECT (row), "af-slot", GUINT_TO_POINTER (slot));
  g_signal_connect_object (row, "notify::selected", G_CALLBACK (update_send), self,
                           G_CONNECT_SWAPPED);

  return GTK_WIDGET (row);
}

static void
rebuild_mapping (AfSendPanel *self)
{
  AfGcodeInfo *info;
  g_autoptr(GArray) mapping = NULL;
  g_autoptr(GArray) missing = NULL;
  gboolean has_trays = self->trays != NULL && g_list_model_get_n_items (self->trays) > 0;
  gboolean has_ams = self->trays != NULL && af_print_check_has_ams (self->trays);

  clear_mapping (self);
  /* Without an AMS the printer refuses use_ams (af_print_check_use_ams()). */
  gtk_widget_set_sensitive (GTK_WIDGET (self->use_ams_row), has_ams);
  if (!has_ams)
    gtk_switch_set_active (self->use_ams_switch, FALSE);

  gtk_widget_set_visible (GTK_WIDGET (self->mapping_group), FALSE);
  if (!has_trays || self->file == NULL)
    return;

  info = af_sliced_file_get_info (self->file);
  mapping = af_filament_map_default (info, self->trays, &missing);
  for (guint slot = 0; slot < af_gcode_info_get_n_filaments (info); slot++)
    {
      const AfFilament *filament = af_gcode_info_get_filament (info, slot);
      gint tray = mapping != NULL && slot < mapping->len ? g_array_index (mapping, gint, slot) : -1;
      GtkWidget *row;

      if (!af_filament_is_used (filament))
        continue;

      row = new_mapping_row (self, filament, slot, tray);
      /* No tray holds this material: the row's subtitle says so, in the
       * warning colour, before anything is sent.
       */
      if (is_missing (missing, slot))
        gtk_widget_add_css_class (row, "warning");
      adw_preferences_group_add (self->mapping_group, row);
      g_ptr_array_add (self->mapping_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->mapping_group), mapping_in_use (self));
}

static void
apply_trays (AfSendPanel *self)
{
  gboolean had_ams = gtk_widget_get_sensitive (GTK_WIDGET (self->use_ams_row));

  g_clear_handle_id (&self->apply_trays_source, g_source_remove);
  rebuild_mapping (self);
  /* The AMS is used by default once the printer reports one. */
  if (!had_ams && self->trays != NULL && af_print_check_has_ams (self->trays))
    gtk_switch_set_active (self->use_ams_switch, TRUE);
  update_send (self);
}

static gboolean
apply_trays_idle_cb (gpointer user_data)
{
  AfSendPanel *self = user_data;

  self->apply_trays_source = 0;
  apply_trays (self);
  return G_SOURCE_REMOVE;
}

/* The mapping rows' combo rows use the tray model itself, so they must not
 * be destroyed while that model is still emitting items-changed (GTK 4.8's
 * list view crashes when its model is unset mid-emission). A full report
 * also changes the trays one by one: rebuild once, when the report is done.
 */
static void
trays_changed_cb (AfSendPanel *self)
{
  if (self->apply_trays_source == 0)
    self->apply_trays_source = g_idle_add (apply_trays_idle_cb, self);
}

static void
unwatch_printer (AfSendPanel *self)
{
  if (self->printer != NULL)
    g_signal_handlers_disconnect_by_data (self->printer, self);
  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->trays != NULL)
    g_signal_handlers_disconnect_by_data (self->trays, self);
  g_clear_object (&self->trays);
  g_clear_object (&self->status);
  g_clear_object (&self->printer);
}

static void watch_printer (AfSendPanel *self);

/* What "Auto" does on the chosen printer, by the core's rule for its model. */
static void
update_cali_subtitles (AfSendPanel *self)
{
  AfModelFeatures features;

  af_print_options_get_model_features (self->printer != NULL
                                       ? af_printer_get_model (self->printer) : NULL,
                                       &features);
  adw_action_row_set_subtitle (self->bed_leveling_row,
                               features.cali_auto
                               ? _("Auto: the printer decides")
                               : _("Auto: on for this printer"));
  adw_action_row_set_subtitle (self->flow_cali_row,
                               features.cali_auto
                               ? _("Auto: the printer decides")
                               : _("Auto: off for this printer"));
}

static void
printer_notify_cb (AfSendPanel *self,
                   GParamSpec  *pspec,
                   AfPrinter   *printer)
{
  if (g_str_equal (pspec->name, "status"))
    watch_printer (self);
  else
    {
      update_cali_subtitles (self);
      update_send (self);
    }
}

static void
watch_printer (AfSendPanel *self)
{
  AfPrinter *printer = get_selected_printer (self);

  unwatch_printer (self);
  self->override = FALSE;
  if (printer != NULL)
    {
      self->printer = g_object_ref (printer);
      self->status = g_object_ref (af_printer_get_status (printer));
      self->trays = g_object_ref (af_printer_status_get_trays (self->status));
      g_signal_connect_object (self->printer, "notify", G_CALLBACK (printer_notify_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->status, "notify::state", G_CALLBACK (update_send), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->status, "notify::storage", G_CALLBACK (update_send), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->status, "notify::nozzle-diameter", G_CALLBACK (update_send),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->trays, "items-changed", G_CALLBACK (trays_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }

  apply_trays (self);
  update_cali_subtitles (self);
  update_send (self);
}

static void
update_page (AfSendPanel *self)
{
  GListModel *printers = G_LIST_MODEL (af_printer_registry_get_list (self->registry));
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "sending") == 0 || g_strcmp0 (page, "printing") == 0)
    return;

  af_stack_show_page (self->stack, g_list_model_get_n_items (printers) > 0 ? "setup" : "no-printers");
}

/* The mode of an Auto / On / Off group; the core fits it to the model. */
static AfCaliMode
cali_mode (GtkToggleButton *auto_button,
           GtkToggleButton *on_button)
{
  if (gtk_toggle_button_get_active (auto_button))
    return AF_CALI_MODE_AUTO;

  return gtk_toggle_button_get_active (on_button) ? AF_CALI_MODE_ON : AF_CALI_MODE_OFF;
}

/* use_ams follows the command line's rule (af_print_check_use_ams()): a
 * printer without an AMS, or a mapping onto the external spool only, sends
 * use_ams false, which such printers require.
 */
static AfPrintOptions *
build_options (AfSendPanel *self)
{
  AfPrintOptions *options = af_print_options_new ();
  AfGcodeInfo *info = af_sliced_file_get_info (self->file);
  guint plate = af_sliced_file_get_plate (self->file);

  options->plate = plate > 0 ? plate : 1;
  options->bed_type = g_strdup (af_print_check_bed_type (info));
  options->bed_leveling = cali_mode (self->bed_leveling_auto, self->bed_leveling_on);
  options->flow_cali = cali_mode (self->flow_cali_auto, self->flow_cali_on);
  options->timelapse = gtk_switch_get_active (self->timelapse_switch);

  g_clear_pointer (&options->ams_mapping, g_array_unref);
  if (mapping_in_use (self))
    options->ams_mapping = current_mapping (self);
  else
    options->ams_mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  options->use_ams = gtk_switch_get_active (self->use_ams_switch) &&
                     af_print_check_use_ams (info, self->trays, options->ams_mapping);

  return options;
}

static void
show_toast (AfSendPanel *self,
            const char  *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  GtkWidget *label;

  if (overlay == NULL)
    return;

  label = gtk_label_new (message);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay),
                               g_object_new (ADW_TYPE_TOAST,
                                             "custom-title", label,
                                             "priority", ADW_TOAST_PRIORITY_HIGH,
                                             "timeout", 10,
                                             NULL));
}

static void
show_printing (AfSendPanel *self,
               AfPrinter   *printer)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->printing_list))) != NULL)
    gtk_list_box_remove (self->printing_list, child);
  gtk_list_box_append (self->printing_list, af_printer_row_new (self->registry, printer));
  af_stack_show_page (self->stack, "printing");
}

static void
wait_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AfSendPanel) self = user_data;
  AfPrintJob *job = AF_PRINT_JOB (source_object);
  g_autoptr(GError) error = NULL;

  /* How the print ended is the printer row's to show; a file left behind
   * (whatever the route) is ours.
   */
  if (!af_print_job_wait_finish (job, result, &error) &&
      af_print_error_classify (error) == AF_PRINT_ERROR_FAILED)
    show_toast (self, error->message);
  if (job == self->printed_job)
    {
      g_clear_object (&self->printed_job);
      g_clear_object (&self->printed_cancellable);
    }
}

/* The core deletes the file when the print ends, as the switch says. */
static void
follow_print (AfSendPanel *self,
              AfPrintJob  *job)
{
  if (self->printed_cancellable != NULL)
    g_cancellable_cancel (self->printed_cancellable);
  g_clear_object (&self->printed_cancellable);
  g_set_object (&self->printed_job, job);
  self->printed_cancellable = g_cancellable_new ();
  af_print_job_wait_async (job, self->printed_cancellable, wait_cb, g_object_ref (self));
}

static void
run_cb (GObject      *source_object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(AfSendPanel) self = user_data;
  g_autoptr(AfPrintJob) job = g_object_ref (AF_PRINT_JOB (source_object));
  g_autoptr(GError) error = NULL;
  gboolean ok = af_print_job_run_finish (job, result, &error);

  if (job != self->job)
    return;

  g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->relay);
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.cancel", FALSE);

  if (ok)
    follow_print (self, job);
  /* A start that stopped at a problem is on the printer all the same: its
   * card shows what needs attention.
   */
  if ((ok || af_print_error_classify (error) == AF_PRINT_ERROR_NEEDS_ATTENTION) &&
      self->printer != NULL)
    show_printing (self, self->printer);
  else
    {
      if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      af_stack_show_page (self->stack, "setup");
      update_page (self);
    }

  update_send (self);
}

/* The same AfPrintJob (packing, checks, phases, timeout) on either route. */
static void
run_job (AfSendPanel *self,
         AfTransport *transport)
{
  g_autoptr(AfPrintOptions) options = build_options (self);

  self->job = af_print_job_new (transport, af_sliced_file_get_file (self->file), options);
  af_print_job_set_delete_after_print (self->job,
                                       gtk_switch_get_active (self->delete_after_print_switch));
  self->relay = af_progress_relay_new (self->job);
  g_object_bind_property (self->relay, "fraction", self->send_progress, "fraction",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->relay, "text", self->phase_label, "label",
                          G_BINDING_SYNC_CREATE);
  update_send (self);
  af_print_job_run_async (self->job, self->cancellable, run_cb, g_object_ref (self));
}

static void
end_sending (AfSendPanel  *self,
             const GError *error)
{
  g_clear_object (&self->cancellable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.cancel", FALSE);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (self, error->message);
  af_stack_show_page (self->stack, "setup");
  update_page (self);
  update_send (self);
}

static void
cloud_connected_cb (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(AfSendPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfTransport) transport = NULL;

  transport = af_printer_registry_connect_finish (AF_PRINTER_REGISTRY (source_object), result,
                                                  &error);
  /* The panel went meanwhile. */
  if (self->cancellable == NULL)
    return;
  if (transport == NULL)
    {
      end_sending (self, error);
      return;
    }
  if (g_cancellable_set_error_if_cancelled (self->cancellable, &error))
    {
      end_sending (self, error);
      return;
    }
  run_job (self, transport);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  AfSendPanel *self = AF_SEND_PANEL (widget);
  g_autofree char *name = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *printer_name = NULL;
  g_autofree char *title = NULL;
  BlockerKind kind;
  g_autofree char *blocker = NULL;

  if (self->job != NULL || self->cancellable != NULL ||
      (blocker = describe_blocker (self, &kind)) != NULL)
    return;

  self->cancellable = g_cancellable_new ();
  printer_name = af_printer_dup_display_name (self->printer);
  /* Translators: %s is the printer's name */
  title = g_strdup_printf (_("Sending to “%s”"), printer_name);
  adw_status_page_set_title (self->sending_page, title);
  name = g_file_get_basename (af_sliced_file_get_file (self->file));
  /* libadwaita parses a status page's description as markup. */
  markup = g_markup_escape_text (name, -1);
  adw_status_page_set_description (self->sending_page, markup);
  af_stack_show_page (self->stack, "sending");
  gtk_widget_action_set_enabled (widget, "send.cancel", TRUE);

  if (current_route (self) == AF_PRINT_ROUTE_CLOUD)
    {
      /* A cloud print takes a connection of its own, made by the registry. */
      gtk_progress_bar_set_fraction (self->send_progress, 0.0);
      gtk_label_set_label (self->phase_label, _("Connecting to AtomForm’s cloud…"));
      update_send (self);
      af_printer_registry_connect_async (self->registry, self->printer, AF_PRINT_ROUTE_CLOUD,
                                         self->cancellable, cloud_connected_cb,
                                         g_object_ref (self));
      return;
    }
  run_job (self, af_printer_registry_get_transport (self->registry, self->printer,
                                                   AF_PRINT_ROUTE_LAN));
}

/* The user read why the file does not fit and sends it all the same. */
static void
start_anyway_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  AfSendPanel *self = AF_SEND_PANEL (widget);

  self->override = TRUE;
  start_action (widget, "send.start", NULL);
  update_send (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  af_send_panel_cancel (AF_SEND_PANEL (widget));
}

static void
done_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AfSendPanel *self = AF_SEND_PANEL (widget);

  af_stack_show_page (self->stack, "setup");
  update_page (self);
}

static void
use_ams_cb (AfSendPanel *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->mapping_group), mapping_in_use (self));
  update_send (self);
}

static char *
printer_name_cb (AfPrinter  *printer,
                 const char *name,
                 gpointer    user_data)
{
  return af_printer_dup_display_name (printer);
}

static void
af_send_panel_dispose (GObject *object)
{
  AfSendPanel *self = (AfSendPanel *)object;

  g_clear_handle_id (&self->apply_trays_source, g_source_remove);
  af_send_panel_cancel (self);
  if (self->refresh_cancellable != NULL)
    g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  if (self->printed_cancellable != NULL)
    g_cancellable_cancel (self->printed_cancellable);
  g_clear_object (&self->printed_cancellable);
  g_clear_object (&self->printed_job);
  g_clear_object (&self->settings);
  unwatch_printer (self);
  g_clear_object (&self->relay);
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (af_send_panel_parent_class)->dispose (object);
}

static void
af_send_panel_finalize (GObject *object)
{
  AfSendPanel *self = (AfSendPanel *)object;

  g_clear_pointer (&self->mapping_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (af_send_panel_parent_class)->finalize (object);
}

static void
af_send_panel_class_init (AfSendPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = af_send_panel_dispose;
  object_class->finalize = af_send_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-send-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, printer_row);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, route_row);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, route_lan_button);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, route_cloud_button);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, route_label);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, bed_leveling_row);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, flow_cali_row);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, bed_leveling_auto);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, bed_leveling_on);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, flow_cali_auto);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, flow_cali_on);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, timelapse_switch);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, use_ams_row);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, use_ams_switch);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, delete_after_print_switch);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, mapping_group);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, send_button);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, hint_label);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, check_revealer);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, check_label);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, override_button);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, sending_page);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, send_progress);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, phase_label);
  gtk_widget_class_bind_template_child (widget_class, AfSendPanel, printing_list);

  gtk_widget_class_install_action (widget_class, "send.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "send.start-anyway", NULL, start_anyway_action);
  gtk_widget_class_install_action (widget_class, "send.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "send.done", NULL, done_action);
}

/* The switch shows the setting and changes it: bound, not copied. */
static void
bind_settings (AfSendPanel *self)
{
  self->settings = g_object_ref (af_settings_get_default ());
  g_object_bind_property (self->settings, "delete-after-print",
                          self->delete_after_print_switch, "active",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
}

static void
af_send_panel_init (AfSendPanel *self)
{
  GtkExpression *name_expression;
  GtkExpression *params[1];

  self->mapping_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Re-evaluated when a printer's name changes, e.g. at its first report. */
  params[0] = gtk_property_expression_new (AF_TYPE_PRINTER, NULL, "name");
  name_expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 1, params,
                                                 G_CALLBACK (printer_name_cb), NULL, NULL);
  adw_combo_row_set_expression (self->printer_row, name_expression);
  gtk_expression_unref (name_expression);

  g_signal_connect_object (self->printer_row, "notify::selected-item",
                           G_CALLBACK (watch_printer), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->use_ams_switch, "notify::active", G_CALLBACK (use_ams_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->route_cloud_button, "notify::active",
                           G_CALLBACK (route_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.start", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.start-anyway", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.cancel", FALSE);
  bind_settings (self);
  af_stack_show_page (self->stack, "no-printers");
}

void
af_send_panel_set_registry (AfSendPanel       *self,
                           AfPrinterRegistry *registry)
{
  GListModel *printers;

  g_return_if_fail (AF_IS_SEND_PANEL (self));
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (registry));
  g_return_if_fail (self->registry == NULL);

  self->registry = g_object_ref (registry);
  printers = G_LIST_MODEL (af_printer_registry_get_list (registry));
  adw_combo_row_set_model (self->printer_row, printers);
  g_signal_connect_object (printers, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (registry, "cloud-changed", G_CALLBACK (update_send), self,
                           G_CONNECT_SWAPPED);
  update_page (self);
  watch_printer (self);
}

void
af_send_panel_set_file (AfSendPanel  *self,
                        AfSlicedFile *file)
{
  g_return_if_fail (AF_IS_SEND_PANEL (self));
  g_return_if_fail (file == NULL || AF_IS_SLICED_FILE (file));

  if (!g_set_object (&self->file, file))
    return;

  self->override = FALSE;
  rebuild_mapping (self);
  update_send (self);
}

gboolean
af_send_panel_is_sending (AfSendPanel *self)
{
  g_return_val_if_fail (AF_IS_SEND_PANEL (self), FALSE);

  return self->job != NULL || self->cancellable != NULL;
}

void
af_send_panel_cancel (AfSendPanel *self)
{
  g_return_if_fail (AF_IS_SEND_PANEL (self));

  g_cancellable_cancel (self->cancellable);
}
