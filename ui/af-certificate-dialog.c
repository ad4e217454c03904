/* af-certificate-dialog.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-certificate-dialog"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-tls.h"
#include "af-certificate-dialog.h"

#define GROUPS_PER_LINE 8

struct _AfCertificateDialog
{
  AdwMessageDialog parent_instance;

  GtkBox          *fingerprints_box;
};

G_DEFINE_FINAL_TYPE (AfCertificateDialog, af_certificate_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* "ab:cd:…" in four lines of eight groups, so it can be compared group by
 * group with what the printer's screen or the command line shows.
 */
static char *
format_lines (const char *fingerprint)
{
  g_autofree char *grouped = af_tls_format_fingerprint (fingerprint);
  g_auto(GStrv) groups = NULL;
  GString *text = g_string_new (NULL);

  if (grouped == NULL)
    return g_string_free (text, FALSE);

  groups = g_strsplit (grouped, ":", -1);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (text, i % GROUPS_PER_LINE == 0 ? '\n' : ':');
      g_string_append (text, groups[i]);
    }

  return g_string_free (text, FALSE);
}

static void
add_fingerprint (AfCertificateDialog *self,
                 const char          *title,
                 const char          *fingerprint)
{
  g_autofree char *lines = format_lines (fingerprint);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *value = gtk_label_new (lines);
  g_autofree char *accessible = g_strdup_printf ("%s: %s", title, lines);

  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_add_css_class (value, "monospace");
  gtk_widget_add_css_class (value, "af-fingerprint");
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_label_set_justify (GTK_LABEL (value), GTK_JUSTIFY_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (value),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (self->fingerprints_box, box);
}

static AfCertificateDialog *
dialog_new (GtkWindow  *parent,
            const char *heading)
{
  /* The title names the window for screen readers and window lists. */
  return g_object_new (AF_TYPE_CERTIFICATE_DIALOG,
                       "transient-for", parent,
                       "title", heading,
                       "heading", heading,
                       NULL);
}

static void
response_cb (AfCertificateDialog *self,
             const char          *response,
             GTask               *task)
{
  g_task_return_boolean (task, g_str_equal (response, "trust"));
  /* Drops the handler's reference to the task, and with it the task's to the dialog. */
  g_signal_handlers_disconnect_by_func (self, response_cb, task);
}

static void
cancelled_cb (GCancellable        *cancellable,
              AfCertificateDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

void
af_certificate_dialog_ask_async (GtkWindow           *parent,
                                 const char          *printer_name,
                                 const char          *fingerprint,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  AfCertificateDialog *self;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (printer_name != NULL);
  g_return_if_fail (fingerprint != NULL);

  self = dialog_new (parent, _("Trust This Printer?"));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_certificate_dialog_ask_async);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  /* Translators: %s is the printer's name */
                                  _("This is the first connection to “%s”. Check that the "
                                    "fingerprint below is the one of your printer; from now on "
                                    "only a printer with this certificate is trusted."),
                                  printer_name);
  add_fingerprint (self, _("SHA-256 Fingerprint"), fingerprint);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "trust", _("_Trust"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "trust",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");

  /* The dialog lives as long as the task: the task is what holds it. */
  g_signal_connect_data (self, "response", G_CALLBACK (response_cb), g_object_ref (task),
                         (GClosureNotify)(void (*) (void))g_object_unref, 0);
  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (cancelled_cb), self, 0);

  gtk_window_present (GTK_WINDOW (self));
}

gboolean
af_certificate_dialog_ask_finish (GAsyncResult *result)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_certificate_dialog_ask_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}

void
af_certificate_dialog_show_changed (GtkWindow  *parent,
                                    const char *printer_name,
                                    const char *pinned,
                                    const char *seen)
{
  AfCertificateDialog *self;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (printer_name != NULL);

  self = dialog_new (parent, _("Printer Certificate Changed"));
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  /* Translators: %s is the printer's name */
                                  _("“%s” presents a different certificate than the one trusted "
                                    "before, so the access code was not sent. If the printer was "
                                    "reset or replaced, remove it and add it again; otherwise "
                                    "another device may be pretending to be it."),
                                  printer_name);
  if (pinned != NULL)
    add_fingerprint (self, _("Trusted Fingerprint"), pinned);
  if (seen != NULL)
    add_fingerprint (self, _("Presented Fingerprint"), seen);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (self), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "close");

  gtk_window_present (GTK_WINDOW (self));
}

static void
af_certificate_dialog_class_init (AfCertificateDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-certificate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, AfCertificateDialog, fingerprints_box);
}

static void
af_certificate_dialog_init (AfCertificateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
