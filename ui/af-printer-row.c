/* af-printer-row.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-printer-row"

#include "config.h"

#include <math.h>
#include <glib/gi18n-lib.h>

#include "af-color-swatch.h"
#include "af-format.h"
#include "af-printer-row.h"

struct _AfPrinterRow
{
  GtkListBoxRow     parent_instance;

  GtkLabel         *name_label;
  GtkImage         *cloud_badge;
  GtkLabel         *state_label;
  GtkLabel         *detail_label;
  GtkLabel         *problem_label;
  GtkButton        *setup_button;
  GtkMenuButton    *menu_button;
  GtkButton        *pause_button;
  GtkButton        *resume_button;
  GtkButton        *stop_button;
  GtkBox           *job_box;
  GtkLabel         *job_label;
  GtkLabel         *percent_label;
  GtkProgressBar   *progress_bar;
  GtkLabel         *layer_label;
  GtkLabel         *remaining_label;
  GtkBox           *facts_box;
  GtkBox           *nozzle_box;
  GtkLabel         *nozzle_label;
  GtkBox           *bed_box;
  GtkLabel         *bed_label;
  GtkBox           *tray_box;

  AfPrinterRegistry *registry;
  AfPrinter        *printer;
  AfPrinterStatus  *status;
  GListModel       *trays;
  /* Commands in flight: cancelled when the row goes. */
  GCancellable     *cancellable;
};

G_DEFINE_FINAL_TYPE (AfPrinterRow, af_printer_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
describe_print_state (AfPrinterStatus *status)
{
  /* Paused at a fault: the printer waits for someone, it is not printing. */
  if (af_printer_status_get_needs_attention (status))
    return C_("printer state", "Needs Attention");

  switch (af_printer_status_get_state (status))
    {
    case AF_PRINT_STATE_IDLE:
      return C_("printer state", "Idle");
    case AF_PRINT_STATE_PREPARE:
      return C_("printer state", "Preparing");
    case AF_PRINT_STATE_SLICING:
      return C_("printer state", "Slicing");
    case AF_PRINT_STATE_RUNNING:
      return C_("printer state", "Printing");
    case AF_PRINT_STATE_PAUSE:
      return C_("printer state", "Paused");
    case AF_PRINT_STATE_FINISH:
      return C_("printer state", "Finished");
    case AF_PRINT_STATE_FAILED:
      return C_("printer state", "Failed");
    case AF_PRINT_STATE_UNKNOWN:
    default:
      return C_("printer state", "Connected");
    }
}

char *
af_printer_row_describe_state (AfPrinter *printer)
{
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);

  if (!af_printer_get_lan_reachable (printer) && !af_printer_get_cloud_reachable (printer))
    return g_strdup (C_("printer state", "Not Set Up"));

  switch (af_printer_get_connection (printer))
    {
    case AF_CONNECTION_CONNECTING:
      return g_strdup (C_("printer state", "Connecting…"));
    case AF_CONNECTION_FAILED:
      return g_strdup (C_("printer state", "Unreachable"));
    case AF_CONNECTION_CONNECTED:
      return g_strdup (describe_print_state (af_printer_get_status (printer)));
    case AF_CONNECTION_DISCONNECTED:
    default:
      return g_strdup (C_("printer state", "Offline"));
    }
}

char *
af_printer_row_dup_tray_label (AfAmsTray *tray)
{
  const char *material = af_ams_tray_get_material (tray);
  g_autofree char *slot = NULL;

  g_return_val_if_fail (AF_IS_AMS_TRAY (tray), NULL);

  /* An H2D's second external spool (ams_id 254) feeds its left nozzle. */
  if (af_ams_tray_is_external (tray) && af_ams_tray_get_mapping_id (tray) ==
      AF_AMS_MAPPING_EXTERNAL_DEPUTY)
    slot = g_strdup (C_("AMS tray", "External spool, left nozzle"));
  else if (af_ams_tray_is_external (tray))
    slot = g_strdup (C_("AMS tray", "External spool"));
  else
    /* Translators: an AMS slot as the printer's screen names it, e.g. "A1": unit letter, slot number */
    slot = g_strdup_printf (C_("AMS tray", "%c%u"), 'A' + (int)af_ams_tray_get_ams_id (tray) % 26,
                            af_ams_tray_get_slot_id (tray) + 1);

  if (material == NULL)
    /* Translators: an AMS slot without filament; %s is e.g. "A1" */
    return g_strdup_printf (C_("AMS tray", "%s · Empty"), slot);

  /* Translators: an AMS slot and its filament, e.g. "A1 · PLA" */
  return g_strdup_printf (C_("AMS tray", "%s · %s"), slot, material);
}

static gboolean
is_active (AfPrintState state)
{
  return state == AF_PRINT_STATE_PREPARE || state == AF_PRINT_STATE_RUNNING
         || state == AF_PRINT_STATE_PAUSE || state == AF_PRINT_STATE_SLICING;
}

static void
update_job (AfPrinterRow *self,
            AfPrintState  state)
{
  gint percent = af_printer_status_get_percent (self->status);
  gint remaining = af_printer_status_get_remaining_minutes (self->status);
  gint layer = af_printer_status_get_layer (self->status);
  gint layers = af_printer_status_get_total_layers (self->status);
  const char *job = af_printer_status_get_job_name (self->status);
  g_autofree char *percent_text = NULL;
  g_autofree char *layer_text = NULL;
  g_autofree char *remaining_text = NULL;
  gboolean show = is_active (state) || state == AF_PRINT_STATE_FINISH
                  || state == AF_PRINT_STATE_FAILED;

  gtk_widget_set_visible (GTK_WIDGET (self->job_box), show && (job != NULL || percent >= 0));
  if (!show)
    return;

  if (percent >= 0)
    /* Translators: print progress in percent */
    percent_text = g_strdup_printf (_("%d %%"), percent);
  if (layer >= 0 && layers > 0)
    /* Translators: the layer being printed, e.g. "Layer 12 of 150" */
    layer_text = g_strdup_printf (_("Layer %d of %d"), layer, layers);
  if (remaining > 0 && is_active (state))
    {
      g_autofree char *duration = af_format_duration ((gint64)remaining * 60);

      /* Translators: time until the print ends, e.g. "1 h 5 min left" */
      remaining_text = g_strdup_printf (_("%s left"), duration);
    }

  gtk_label_set_label (self->job_label, job != NULL ? job : "");
  gtk_label_set_label (self->percent_label, percent_text);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (percent, 0, 100) / 100.0);
  gtk_label_set_label (self->layer_label, layer_text);
  gtk_label_set_label (self->remaining_label, remaining_text);
}

static gboolean
set_temperature (GtkLabel   *label,
                 const char *what,
                 double      current,
                 double      target)
{
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (label), !isnan (current));
  if (isnan (current))
    return FALSE;

  if (!isnan (target) && target > 0)
    /* Translators: a temperature and its target, e.g. "Nozzle 219 / 220 °C" */
    text = g_strdup_printf (_("%s %.0f / %.0f °C"), what, current, target);
  else
    /* Translators: a temperature, e.g. "Bed 25 °C" */
    text = g_strdup_printf (_("%s %.0f °C"), what, current);
  gtk_label_set_label (label, text);

  return TRUE;
}

static void
update_buttons (AfPrinterRow *self,
                AfPrintState  state,
                gboolean      connected)
{
  /* Over the LAN, or through the cloud for a bound printer (the registry's
   * rule): a cloud-only printer's print is paused like any other.
   */
  gboolean can_command = connected
                         && af_printer_registry_get_command_route (self->registry, self->printer,
                                                                   NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->pause_button),
                          can_command && (state == AF_PRINT_STATE_RUNNING
                                          || state == AF_PRINT_STATE_PREPARE));
  gtk_widget_set_visible (GTK_WIDGET (self->resume_button),
                          can_command && state == AF_PRINT_STATE_PAUSE);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), can_command && is_active (state));
  gtk_widget_set_visible (GTK_WIDGET (self->setup_button),
                          (af_printer_get_sources (self->printer) & AF_PRINTER_SOURCE_MANUAL) == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button),
                          (af_printer_get_sources (self->printer) & AF_PRINTER_SOURCE_MANUAL) != 0);
}

/* "0700-8011: The AMS ran out of filament; load new filament." with markup
 * escaped, and the vendor's page for the code.
 */
static void
append_code (GString    *markup,
             const char *code,
             const char *description,
             const char *url)
{
  g_autofree char *text = NULL;
  g_autofree char *escaped_url = NULL;
  g_autofree char *escaped_text = NULL;

  if (code == NULL)
    return;
  if (markup->len > 0)
    g_string_append_c (markup, '\n');
  if (description != NULL)
    /* Translators: an error code the printer reports, e.g. "0700-8011", and our description */
    text = g_strdup_printf (_("%s: %s"), code, description);
  else
    text = g_strdup (code);
  escaped_url = g_markup_escape_text (url, -1);
  escaped_text = g_markup_escape_text (text, -1);
  g_string_append_printf (markup, "<a href=\"%s\">%s</a>", escaped_url, escaped_text);
}

/* The error codes of a job that stopped or failed, each with its
 * description, linked to the vendor's page; hidden otherwise.
 */
static void
update_problem (AfPrinterRow *self,
                AfPrintState  state)
{
  g_autoptr(GString) markup = g_string_new (NULL);
  guint32 code = (guint32)af_printer_status_get_print_error (self->status);
  const char * const *hms = af_printer_status_get_hms (self->status);
  gboolean show = (state == AF_PRINT_STATE_PAUSE
                   && af_printer_status_get_needs_attention (self->status))
                  || (state == AF_PRINT_STATE_FAILED && code != 0);

  if (show && code != 0)
    {
      g_autofree char *text = af_print_error_format (code);
      g_autofree char *url = af_print_error_dup_url (code);

      append_code (markup, text, af_print_error_describe (code), url);
    }
  for (guint i = 0; show && hms[i] != NULL; i++)
    {
      g_autofree char *text = af_hms_format (hms[i]);
      g_autofree char *url = af_hms_dup_url (hms[i]);

      append_code (markup, text, af_hms_describe (hms[i]), url);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), markup->len > 0);
  gtk_label_set_markup (self->problem_label, markup->str);
}

static const char *
describe_detail (AfPrinterRow *self)
{
  const char *error = af_printer_get_last_error (self->printer);

  if (af_printer_get_connection (self->printer) == AF_CONNECTION_FAILED && error != NULL)
    return error;

  return af_printer_get_host (self->printer);
}

static void
update (AfPrinterRow *self)
{
  g_autofree char *name = af_printer_dup_display_name (self->printer);
  g_autofree char *state_text = af_printer_row_describe_state (self->printer);
  gboolean connected = af_printer_get_connection (self->printer) == AF_CONNECTION_CONNECTED;
  AfPrintState state = connected ? af_printer_status_get_state (self->status) : AF_PRINT_STATE_UNKNOWN;
  gboolean any_fact = FALSE;

  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->state_label, state_text);
  gtk_label_set_label (self->detail_label, describe_detail (self));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->detail_label), describe_detail (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);

  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "accent");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "warning");
  if (state == AF_PRINT_STATE_FINISH)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "success");
  else if (state == AF_PRINT_STATE_FAILED
           || af_printer_get_connection (self->printer) == AF_CONNECTION_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
  else if (state == AF_PRINT_STATE_PAUSE
           && af_printer_status_get_needs_attention (self->status))
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
  else if (state == AF_PRINT_STATE_PAUSE)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "warning");
  else if (is_active (state))
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "accent");

  update_job (self, state);
  update_problem (self, state);
  update_buttons (self, state, connected);

  any_fact |= set_temperature (self->nozzle_label, C_("temperature", "Nozzle"),
                               connected ? af_printer_status_get_nozzle_temperature (self->status) : NAN,
                               af_printer_status_get_nozzle_target (self->status));
  any_fact |= set_temperature (self->bed_label, C_("temperature", "Bed"),
                               connected ? af_printer_status_get_bed_temperature (self->status) : NAN,
                               af_printer_status_get_bed_target (self->status));
  gtk_widget_set_visible (GTK_WIDGET (self->nozzle_box), gtk_widget_get_visible (GTK_WIDGET (self->nozzle_label)));
  gtk_widget_set_visible (GTK_WIDGET (self->bed_box), gtk_widget_get_visible (GTK_WIDGET (self->bed_label)));
  any_fact |= connected && g_list_model_get_n_items (self->trays) > 0;
  gtk_widget_set_visible (GTK_WIDGET (self->facts_box), any_fact);
}

static void
rebuild_trays (AfPrinterRow *self)
{
  GtkWidget *child;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *label = NULL;
  g_autofree char *joined = NULL;
  guint n_trays = g_list_model_get_n_items (self->trays);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->tray_box))) != NULL)
    gtk_box_remove (self->tray_box, child);

  for (guint i = 0; i < n_trays; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (self->trays, i);
      char *name = af_printer_row_dup_tray_label (tray);
      GtkWidget *swatch = af_color_swatch_new (af_ams_tray_get_material (tray) != NULL
                                               ? af_ams_tray_get_color (tray) : NULL);

      gtk_widget_set_tooltip_text (swatch, name);
      gtk_box_append (self->tray_box, swatch);
      g_ptr_array_add (names, name);
    }

  g_ptr_array_add (names, NULL);
  joined = g_strjoinv (", ", (char **)names->pdata);
  /* Translators: the accessible name of a printer's AMS trays; %s lists them, e.g. "A1 · PLA, A2 · Empty" */
  label = g_strdup_printf (_("Filament trays: %s"), joined);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->tray_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_set_visible (GTK_WIDGET (self->tray_box), n_trays > 0);
  update (self);
}

static void
bind_status (AfPrinterRow *self)
{
  AfPrinterStatus *status = af_printer_get_status (self->printer);

  if (status == self->status)
    return;

  if (self->status != NULL)
    g_signal_handlers_disconnect_by_data (self->status, self);
  if (self->trays != NULL)
    g_signal_handlers_disconnect_by_data (self->trays, self);
  g_set_object (&self->status, status);
  g_set_object (&self->trays, af_printer_status_get_trays (status));

  g_signal_connect_object (self->status, "notify", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->trays, "items-changed", G_CALLBACK (rebuild_trays), self,
                           G_CONNECT_SWAPPED);
  rebuild_trays (self);
}

static void
printer_notify_cb (AfPrinterRow *self,
                   GParamSpec   *pspec,
                   AfPrinter    *printer)
{
  if (g_str_equal (pspec->name, "status"))
    bind_status (self);
  else
    update (self);
}

/* A toast's title is markup to libadwaita; an error message may quote what
 * the printer said.
 */
static AdwToast *
new_plain_toast (const char *text)
{
  g_autofree char *markup = g_markup_escape_text (text, -1);

  return adw_toast_new (markup);
}

static void
show_error (AfPrinterRow *self,
            const GError *error)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), new_plain_toast (error->message));
}

static void
command_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfPrinterRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_printer_registry_command_finish (AF_PRINTER_REGISTRY (source_object), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error);
}

static void
send_command (AfPrinterRow   *self,
              AfPrintCommand  command)
{
  AfPrintRoute route;

  if (!af_printer_registry_get_command_route (self->registry, self->printer, &route))
    return;

  af_printer_registry_command_async (self->registry, self->printer, route, command,
                                     self->cancellable, command_cb, g_object_ref (self));
}

static void
remove_cb (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GtkWidget) overlay = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_printer_list_remove_finish (AF_PRINTER_LIST (source_object), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), new_plain_toast (error->message));
}

/* The list's own operation outlives the row, which goes with the printer. */
static void
remove_printer (AfPrinterRow *self)
{
  const char *serial = af_printer_get_serial (self->printer);
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  af_printer_registry_forget (self->registry, serial);
  af_printer_list_remove_async (af_printer_registry_get_list (self->registry), serial, NULL,
                                remove_cb, overlay != NULL ? g_object_ref (overlay) : NULL);
}

static void
confirm_response_cb (AfPrinterRow     *self,
                     const char       *response,
                     AdwMessageDialog *dialog)
{
  if (g_str_equal (response, "pause"))
    send_command (self, AF_PRINT_COMMAND_PAUSE);
  else if (g_str_equal (response, "stop"))
    send_command (self, AF_PRINT_COMMAND_STOP);
  else if (g_str_equal (response, "remove"))
    remove_printer (self);
}

/* Pausing and stopping reach a machine that may be hours into a print, and
 * removing forgets the access code: all ask first, and what cannot be undone
 * is marked destructive.
 */
static void
confirm (AfPrinterRow *self,
         const char   *response)
{
  g_autofree char *name = af_printer_dup_display_name (self->printer);
  const char *heading;
  g_autofree char *body = NULL;
  const char *label;
  GtkWidget *dialog;

  if (g_str_equal (response, "stop"))
    {
      heading = _("Stop the Print?");
      /* Translators: %s is the printer's name */
      body = g_strdup_printf (_("“%s” stops printing now. The print cannot be resumed."), name);
      label = _("_Stop Print");
    }
  else if (g_str_equal (response, "remove"))
    {
      heading = _("Remove the Printer?");
      /* Translators: %s is the printer's name */
      body = g_strdup_printf (_("“%s” and its access code are removed from this computer. "
                                "To send to it again, add it again."), name);
      label = _("_Remove");
    }
  else
    {
      heading = _("Pause the Print?");
      /* Translators: %s is the printer's name */
      body = g_strdup_printf (_("“%s” parks the nozzle and waits until you resume."), name);
      label = _("_Pause");
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   heading, NULL);
  /* The title names the window for screen readers. */
  gtk_window_set_title (GTK_WINDOW (dialog), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    response, label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response,
                                              g_str_equal (response, "pause")
                                              ? ADW_RESPONSE_SUGGESTED : ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  confirm (AF_PRINTER_ROW (widget), "pause");
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  send_command (AF_PRINTER_ROW (widget), AF_PRINT_COMMAND_RESUME);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  confirm (AF_PRINTER_ROW (widget), "stop");
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  confirm (AF_PRINTER_ROW (widget), "remove");
}

static void
af_printer_row_dispose (GObject *object)
{
  AfPrinterRow *self = (AfPrinterRow *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->trays);
  g_clear_object (&self->status);
  g_clear_object (&self->printer);
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (af_printer_row_parent_class)->dispose (object);
}

static void
af_printer_row_class_init (AfPrinterRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = af_printer_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-printer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, setup_button);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, cloud_badge);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, job_box);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, job_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, percent_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, layer_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, remaining_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, facts_box);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, nozzle_box);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, nozzle_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, bed_box);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, bed_label);
  gtk_widget_class_bind_template_child (widget_class, AfPrinterRow, tray_box);

  gtk_widget_class_install_action (widget_class, "printer.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "printer.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "printer.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "printer.remove", NULL, remove_action);
}

static void
af_printer_row_init (AfPrinterRow *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
af_printer_row_new (AfPrinterRegistry *registry,
                    AfPrinter         *printer)
{
  AfPrinterRow *self;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (registry), NULL);
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);

  self = g_object_new (AF_TYPE_PRINTER_ROW, NULL);
  self->registry = g_object_ref (registry);
  self->printer = g_object_ref (printer);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->setup_button), "win.add-printer-for");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->setup_button), "s",
                                    af_printer_get_serial (printer));
  g_signal_connect_object (printer, "notify", G_CALLBACK (printer_notify_cb), self,
                           G_CONNECT_SWAPPED);
  g_object_bind_property (printer, "cloud-reachable", self->cloud_badge, "visible",
                          G_BINDING_SYNC_CREATE);
  bind_status (self);

  return GTK_WIDGET (self);
}

AfPrinter *
af_printer_row_get_printer (AfPrinterRow *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_ROW (self), NULL);

  return self->printer;
}
