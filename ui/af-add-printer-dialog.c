/* af-add-printer-dialog.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-add-printer-dialog"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-add-printer-dialog.h"
#include "af-certificate-dialog.h"
#include "af-lan.h"

struct _AfAddPrinterDialog
{
  AdwWindow            parent_instance;

  GtkStack            *add_stack;
  GtkWidget           *add_button;
  GtkSpinner          *spinner;
  AdwToastOverlay     *toast_overlay;
  AdwPreferencesPage  *page;
  AdwPreferencesGroup *discovered_group;
  GtkListBox          *discovered_list;
  AdwEntryRow         *name_row;
  AdwEntryRow         *host_row;
  AdwEntryRow         *serial_row;
  AdwEntryRow         *code_row;
  AdwEntryRow         *mqtt_port_row;
  AdwEntryRow         *ftps_port_row;

  AfPrinterRegistry   *registry;
  /* While checking: the printer as entered, and the fingerprint its
   * certificate showed when it is not trusted yet.
   */
  AfPrinter           *printer;
  char                *seen_fingerprint;
  GCancellable        *cancellable;
  /* The field that had the focus before the form went insensitive. */
  GtkWidget           *busy_focus;
};

G_DEFINE_FINAL_TYPE (AfAddPrinterDialog, af_add_printer_dialog, ADW_TYPE_WINDOW)

enum {
  PRINTER_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void add_printer (AfAddPrinterDialog *self);

static const char *
get_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* 0 when text is not a port number. */
static guint
parse_port (const char *text)
{
  guint64 port = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    return 0;

  return (guint)port;
}

static gboolean
is_valid_host (const char *text)
{
  if (*text == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || *p == '/' || *p == '@')
      return FALSE;

  return TRUE;
}

static gboolean
is_valid_serial (const char *text)
{
  gsize length = strlen (text);

  if (length < 6 || length > 32)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;

  return TRUE;
}

/* A row the user typed something wrong into says so; an empty one is just not done yet. */
static gboolean
mark_row (AdwEntryRow *row,
          gboolean     valid)
{
  gboolean shown_invalid = !valid && *get_text (row) != '\0';

  if (shown_invalid)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  /* The text inside the row is what a screen reader lands on. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (gtk_editable_get_delegate (GTK_EDITABLE (row))),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               shown_invalid ? GTK_ACCESSIBLE_INVALID_TRUE
                                             : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);

  return valid;
}

static gboolean
validate (AfAddPrinterDialog *self)
{
  gboolean valid = TRUE;

  valid &= mark_row (self->host_row, is_valid_host (get_text (self->host_row)));
  valid &= mark_row (self->serial_row, is_valid_serial (get_text (self->serial_row)));
  valid &= *get_text (self->code_row) != '\0';
  valid &= mark_row (self->mqtt_port_row, parse_port (get_text (self->mqtt_port_row)) != 0);
  valid &= mark_row (self->ftps_port_row, parse_port (get_text (self->ftps_port_row)) != 0);

  return valid;
}

static void
update_add_action (AfAddPrinterDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.add",
                                 self->printer == NULL && validate (self));
}

/* A focused entry that goes insensitive keeps its cursor blinking without
 * the focus, and GTK 4.8 warns "GtkText - did not receive a focus-out
 * event" when the blink fires (Set Up… focuses the access code, so Add from
 * there did it every time): the focus leaves the form while it is busy,
 * and comes back after.
 */
static void
set_busy (AfAddPrinterDialog *self,
          gboolean            busy)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (busy && focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->page)))
    {
      g_set_weak_pointer (&self->busy_focus, focus);
      gtk_root_set_focus (GTK_ROOT (self), NULL);
    }
  gtk_stack_set_visible_child_name (self->add_stack, busy ? "busy" : "button");
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->page), !busy);
  if (!busy)
    {
      g_clear_object (&self->printer);
      if (self->busy_focus != NULL)
        gtk_widget_grab_focus (self->busy_focus);
      g_clear_weak_pointer (&self->busy_focus);
    }
  update_add_action (self);
}

static void
show_error (AfAddPrinterDialog *self,
            const char         *message)
{
  GtkWidget *label = gtk_label_new (message);
  AdwToast *toast;

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  toast = g_object_new (ADW_TYPE_TOAST,
                        "custom-title", label,
                        "priority", ADW_TOAST_PRIORITY_HIGH,
                        "timeout", 10,
                        NULL);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
trust_cb (GObject      *source_object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(AfAddPrinterDialog) self = user_data;

  if (g_cancellable_is_cancelled (self->cancellable) || self->printer == NULL)
    return;

  if (!af_certificate_dialog_ask_finish (result))
    {
      set_busy (self, FALSE);
      return;
    }

  /* Pinned on the printer as entered: the next handshake must show the same certificate. */
  af_printer_set_fingerprint (self->printer, self->seen_fingerprint);
  add_printer (self);
}

static void
ask_trust (AfAddPrinterDialog *self)
{
  g_autofree char *name = af_printer_dup_display_name (self->printer);

  if (self->seen_fingerprint == NULL)
    {
      show_error (self, _("The printer’s certificate could not be read. Try again."));
      set_busy (self, FALSE);
      return;
    }

  af_certificate_dialog_ask_async (GTK_WINDOW (self), name, self->seen_fingerprint,
                                   self->cancellable, trust_cb, g_object_ref (self));
}

/* The registry checked the printer with one connection and saved it, or
 * says why not; a certificate nobody vouches for is the user's to trust.
 */
static void
add_cb (GObject      *source_object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(AfAddPrinterDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  AfPrinter *listed;

  g_clear_pointer (&self->seen_fingerprint, g_free);
  listed = af_printer_registry_add_finish (AF_PRINTER_REGISTRY (source_object), result,
                                           &self->seen_fingerprint, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->printer == NULL)
    return;

  if (listed != NULL)
    {
      set_busy (self, FALSE);
      g_signal_emit (self, signals[PRINTER_ADDED], 0, listed);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  if (g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN))
    {
      ask_trust (self);
      return;
    }

  if (g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_CHANGED))
    {
      g_autofree char *name = af_printer_dup_display_name (self->printer);

      af_certificate_dialog_show_changed (GTK_WINDOW (self), name,
                                          af_printer_get_fingerprint (self->printer),
                                          self->seen_fingerprint);
    }
  else
    {
      show_error (self, error->message);
      if (g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED))
        {
          /* Sensitive again first: an insensitive field takes no focus. */
          set_busy (self, FALSE);
          gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
          return;
        }
    }

  set_busy (self, FALSE);
}

/* The code goes from the entry to the registry once, as a secret the
 * registry wipes; the dialog keeps no copy of it.
 */
static void
add_printer (AfAddPrinterDialog *self)
{
  af_printer_registry_add_async (self->registry, self->printer,
                                 af_secret_new (get_text (self->code_row)), self->cancellable,
                                 add_cb, g_object_ref (self));
}

/* A printer already listed (found on the network, or added before) lends
 * its name, model and trusted certificate to the one being added.
 */
static AfPrinter *
build_printer (AfAddPrinterDialog *self)
{
  const char *serial = get_text (self->serial_row);
  g_autofree char *name = g_strstrip (g_strdup (get_text (self->name_row)));
  AfPrinter *known = af_printer_list_lookup (af_printer_registry_get_list (self->registry), serial);
  AfPrinter *printer = af_printer_new (serial);

  if (known != NULL)
    {
      af_printer_set_name (printer, af_printer_get_name (known));
      af_printer_set_model (printer, af_printer_get_model (known));
      af_printer_set_fingerprint (printer, af_printer_get_fingerprint (known));
      af_printer_set_ca_file (printer, af_printer_get_ca_file (known));
    }

  /* The name typed here wins over the one the printer announces. */
  if (name != NULL && *name != '\0')
    af_printer_set_name (printer, name);
  af_printer_set_host (printer, get_text (self->host_row));
  af_printer_set_mqtt_port (printer, parse_port (get_text (self->mqtt_port_row)));
  af_printer_set_ftps_port (printer, parse_port (get_text (self->ftps_port_row)));
  af_printer_set_sources (printer, AF_PRINTER_SOURCE_MANUAL
                                   | (known != NULL ? af_printer_get_sources (known) : 0));

  return printer;
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  AfAddPrinterDialog *self = AF_ADD_PRINTER_DIALOG (widget);

  if (self->printer != NULL || !validate (self))
    return;

  self->printer = build_printer (self);
  g_debug ("Checking the new printer");
  set_busy (self, TRUE);
  add_printer (self);
}

static void
fill_in (AfAddPrinterDialog *self,
         AfPrinter          *printer)
{
  g_autofree char *mqtt_port = g_strdup_printf ("%u", af_printer_get_mqtt_port (printer));
  g_autofree char *ftps_port = g_strdup_printf ("%u", af_printer_get_ftps_port (printer));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         af_printer_get_name (printer) != NULL ? af_printer_get_name (printer) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->host_row),
                         af_printer_get_host (printer) != NULL ? af_printer_get_host (printer) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->serial_row), af_printer_get_serial (printer));
  gtk_editable_set_text (GTK_EDITABLE (self->mqtt_port_row), mqtt_port);
  gtk_editable_set_text (GTK_EDITABLE (self->ftps_port_row), ftps_port);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
}

/* libadwaita 1.2 leaves the entry rows' edit icon and the access code's
 * show button without accessible names: the icon is decoration, the button
 * says what it does.
 */
static void
name_row_parts (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_IMAGE (child))
        gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      else if (GTK_IS_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show Access Code"),
                                        -1);
      else
        name_row_parts (child);
    }
}

static void
discovered_activated_cb (AfAddPrinterDialog *self,
                         GtkListBoxRow      *row,
                         GtkListBox         *list)
{
  AfPrinter *printer = g_object_get_data (G_OBJECT (row), "af-printer");

  if (printer != NULL)
    fill_in (self, printer);
}

static GtkWidget *
create_discovered_row_cb (gpointer item,
                          gpointer user_data)
{
  AfPrinter *printer = item;
  g_autofree char *name = af_printer_dup_display_name (printer);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("printer-network-symbolic");
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), af_printer_get_host (printer));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "af-printer", g_object_ref (printer), g_object_unref);

  return row;
}

static void
discovered_changed_cb (AfAddPrinterDialog *self,
                       guint               position,
                       guint               removed,
                       guint               added,
                       GListModel         *model)
{
  gtk_widget_set_visible (GTK_WIDGET (self->discovered_group),
                          g_list_model_get_n_items (model) > 0);
}

static gboolean
af_add_printer_dialog_close_request (GtkWindow *window)
{
  AfAddPrinterDialog *self = AF_ADD_PRINTER_DIALOG (window);

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (af_add_printer_dialog_parent_class)->close_request (window);
}

static void
af_add_printer_dialog_dispose (GObject *object)
{
  AfAddPrinterDialog *self = (AfAddPrinterDialog *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->discovered_list != NULL)
    gtk_list_box_bind_model (self->discovered_list, NULL, NULL, NULL, NULL);
  g_clear_weak_pointer (&self->busy_focus);
  g_clear_pointer (&self->seen_fingerprint, g_free);
  g_clear_object (&self->printer);
  g_clear_object (&self->registry);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (af_add_printer_dialog_parent_class)->dispose (object);
}

static void
af_add_printer_dialog_class_init (AfAddPrinterDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = af_add_printer_dialog_dispose;
  window_class->close_request = af_add_printer_dialog_close_request;

  signals[PRINTER_ADDED] =
    g_signal_new ("printer-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AF_TYPE_PRINTER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-add-printer-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, add_stack);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, page);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, discovered_group);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, discovered_list);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, host_row);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, serial_row);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, code_row);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, mqtt_port_row);
  gtk_widget_class_bind_template_child (widget_class, AfAddPrinterDialog, ftps_port_row);

  gtk_widget_class_install_action (widget_class, "dialog.add", NULL, add_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
af_add_printer_dialog_init (AfAddPrinterDialog *self)
{
  g_autofree char *mqtt_port = g_strdup_printf ("%u", AF_PRINTER_DEFAULT_MQTT_PORT);
  g_autofree char *ftps_port = g_strdup_printf ("%u", AF_PRINTER_DEFAULT_FTPS_PORT);
  AdwEntryRow *rows[6];

  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_editable_set_text (GTK_EDITABLE (self->mqtt_port_row), mqtt_port);
  gtk_editable_set_text (GTK_EDITABLE (self->ftps_port_row), ftps_port);

  rows[0] = self->host_row;
  rows[1] = self->serial_row;
  rows[2] = self->code_row;
  rows[3] = self->mqtt_port_row;
  rows[4] = self->ftps_port_row;
  rows[5] = self->name_row;
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_signal_connect_object (rows[i], "changed", G_CALLBACK (update_add_action), self,
                               G_CONNECT_SWAPPED);
      name_row_parts (GTK_WIDGET (rows[i]));
    }

  g_signal_connect_object (self->discovered_list, "row-activated",
                           G_CALLBACK (discovered_activated_cb), self, G_CONNECT_SWAPPED);
  update_add_action (self);
}

GtkWidget *
af_add_printer_dialog_new (GtkWindow         *parent,
                           AfPrinterRegistry *registry,
                           const char        *serial)
{
  AfAddPrinterDialog *self;
  GListModel *discovered;
  AfPrinter *known = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (registry), NULL);

  self = g_object_new (AF_TYPE_ADD_PRINTER_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->registry = g_object_ref (registry);

  discovered = af_printer_registry_get_discovered (registry);
  if (discovered != NULL)
    {
      gtk_list_box_bind_model (self->discovered_list, discovered, create_discovered_row_cb,
                               NULL, NULL);
      g_signal_connect_object (discovered, "items-changed", G_CALLBACK (discovered_changed_cb),
                               self, G_CONNECT_SWAPPED);
      discovered_changed_cb (self, 0, 0, 0, discovered);
    }

  if (serial != NULL)
    known = af_printer_list_lookup (af_printer_registry_get_list (registry), serial);
  if (known != NULL)
    fill_in (self, known);

  return GTK_WIDGET (self);
}
