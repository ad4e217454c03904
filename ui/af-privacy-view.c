/* af-privacy-view.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-privacy-view"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-format.h"
#include "af-permissions-group.h"
#include "af-privacy-view.h"
#include "af-settings.h"

/* The Privacy view (docs/privacy.md, "The window"). Everything it does goes
 * through AfPrivacy, as `atomform-connect privacy` does: an action is
 * committed to the local outbox first and then sent, so the view only says
 * where each one is — done, or kept here until the cloud can be reached —
 * and never loses one. The local store's reads (the activity log) and its
 * clearing run in a worker thread; the keyring and the cloud are reached
 * through the core's async calls.
 */

#define ACTIVITY_LIMIT 100

struct _AfPrivacyView
{
  AdwBin             parent_instance;

  AdwToastOverlay   *toast_overlay;
  AdwActionRow      *status_row;
  GtkSwitch         *incognito_switch;
  AdwActionRow      *reprint_row;
  GtkSwitch         *reprint_switch;
  GtkSwitch         *lan_only_switch;
  GtkListBox        *consents_list;
  AdwPreferencesGroup *data_group;
  GtkListBox        *requests_list;
  AdwExpanderRow    *activity_row;
  GtkListBox        *activity_list;
  AdwExpanderRow    *local_history_row;
  GtkListBox        *local_history_list;
  AdwActionRow      *sign_out_row;

  AfPrivacy         *privacy;
  AfPrinterRegistry *registry;
  AfSettings        *settings;
  /* The view's work, cancelled by af_privacy_view_cancel() and dispose. */
  GCancellable      *cancellable;
  GtkFileChooserNative *chooser;
  /* While the switches are set from the model, their changes are not the
   * user's and must not become actions.
   */
  guint              updating;
  gboolean           refreshing;
};

G_DEFINE_FINAL_TYPE (AfPrivacyView, af_privacy_view, ADW_TYPE_BIN)

/* The six data-rights requests of "Your Data", in the words of the policy's
 * "Your Privacy Rights".
 */
static const struct
{
  const char *type;
  const char *title;
  const char *subtitle;
  const char *body;
} data_rights[] = {
  { "access", N_("Download a Copy of Your Data"),
    N_("What AtomForm holds about you (right of access, Art. 15)"),
    N_("AtomForm prepares a copy of everything it holds about your account. When it is ready "
       "you can download it here for seven days.") },
  { "portability", N_("Take Your Data Elsewhere"),
    N_("Your data in a machine-readable form (portability, Art. 20)"),
    N_("AtomForm prepares the data you gave it in a machine-readable form you can take to "
       "another service. When it is ready you can download it here for seven days.") },
  { "rectification", N_("Correct Your Data"),
    N_("Have wrong or incomplete data fixed (rectification, Art. 16)"),
    N_("Say what is wrong and what it should be.") },
  { "erasure", N_("Erase Your Data"),
    N_("Have AtomForm delete your data (erasure, Art. 17)"),
    N_("AtomForm deletes what it holds about you, unless the law obliges it to keep "
       "something; it will tell you what and why.") },
  { "restriction", N_("Restrict Processing"),
    N_("Have AtomForm keep but not use your data (restriction, Art. 18)"),
    N_("Say which data, and why its use should be restricted.") },
  { "objection", N_("Object to Processing"),
    N_("Object to a use of your data (objection, Art. 21)"),
    N_("Say which use of your data you object to.") },
};

/* What the policy says follows a withdrawal, purpose by purpose. */
static const char *
describe_withdrawal_effect (const char *purpose_id)
{
  if (g_strcmp0 (purpose_id, "print_history") == 0)
    return _("Print files and print history are no longer stored, and you may not be able to "
             "reprint from the cloud.");
  if (g_strcmp0 (purpose_id, "ux_improvement") == 0)
    return _("Printer camera data is no longer used to improve AtomForm products.");
  if (g_strcmp0 (purpose_id, "personalised_experience") == 0)
    return _("What AtomForm shows you is no longer personalised.");
  if (g_strcmp0 (purpose_id, "marketing") == 0)
    return _("You no longer receive marketing messages.");
  if (g_strcmp0 (purpose_id, "analytics") == 0)
    return _("Your use is no longer counted in AtomForm’s analytics.");
  return _("Cloud features that depend on this consent stop.");
}

static void
show_toast (AfPrivacyView *self,
            const char    *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static gboolean
is_signed_in (AfPrivacyView *self)
{
  return self->privacy != NULL
         && af_cloud_client_is_signed_in (af_privacy_get_client (self->privacy));
}

/* --- The status row: what is waiting, and why -------------------------- */

static void
set_status (AfPrivacyView *self,
            const char    *title,
            const char    *subtitle)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), title);
  adw_action_row_set_subtitle (self->status_row, subtitle != NULL ? subtitle : "");
}

static void
update_status (AfPrivacyView *self)
{
  gboolean lan_only = af_network_policy_get_lan_only ();
  g_autofree char *pending = NULL;
  guint n;

  if (self->privacy == NULL)
    {
      set_status (self, _("Privacy settings are not available"),
                  _("The local data file could not be opened."));
      return;
    }

  n = af_privacy_get_n_pending (self->privacy);
  pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u request is kept on this computer",
                                          "%u requests are kept on this computer", n), n);
  if (n > 0 && lan_only)
    set_status (self, pending, _("Will be sent when you turn LAN-only mode off."));
  else if (n > 0 && !af_privacy_get_online (self->privacy))
    set_status (self, pending, _("Will be sent when you are back online."));
  else if (n > 0)
    set_status (self, pending, _("Sending…"));
  else if (lan_only)
    set_status (self, _("LAN-only mode is on"),
                _("No cloud service is contacted. The values shown are the last known ones."));
  else if (!is_signed_in (self))
    set_status (self, _("Not signed in"),
                _("Sign in to an AtomForm account to see and change what the cloud keeps."));
  else if (!af_privacy_get_online (self->privacy))
    set_status (self, _("Offline"),
                _("The values shown are the last known ones. Changes will be sent when you "
                  "are back online."));
  else if (self->refreshing)
    set_status (self, _("Updating…"), NULL);
  else
    set_status (self, _("Up to date"), af_privacy_get_last_error (self->privacy));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "privacy.sign-out", is_signed_in (self));
  adw_action_row_set_subtitle (self->sign_out_row,
                               is_signed_in (self)
                               ? _("Revokes this computer’s session and removes it from the keyring")
                               : _("Not signed in"));
}

/* --- Printing: the switches -------------------------------------------- */

static void
update_settings (AfPrivacyView *self)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *due = NULL;

  if (self->privacy == NULL)
    return;

  self->updating++;
  gtk_switch_set_active (self->incognito_switch,
                         af_privacy_get_incognito_printing (self->privacy));
  gtk_switch_set_active (self->reprint_switch, af_privacy_get_history_reprint (self->privacy));
  self->updating--;

  due = af_format_date_time (af_privacy_get_file_deletion_due_at (self->privacy));
  if (af_privacy_get_history_reprint (self->privacy))
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Print files are kept for reprinting for %d day, "
                                             "then deleted",
                                             "Print files are kept for reprinting for %d days, "
                                             "then deleted",
                                             af_privacy_get_file_retention_days (self->privacy)),
                                af_privacy_get_file_retention_days (self->privacy));
  else if (due != NULL)
    /* Translators: %s is a date and time */
    subtitle = g_strdup_printf (_("No print files are kept; those already stored will be "
                                  "deleted by %s"), due);
  else
    subtitle = g_strdup (_("No print files are kept"));
  adw_action_row_set_subtitle (self->reprint_row, subtitle);
}

static void
say_action (AfPrivacyView   *self,
            AfPrivacyAction *action)
{
  g_autofree char *summary = af_privacy_action_dup_summary (action);
  g_autofree char *message = NULL;

  if (af_privacy_action_get_state (action) == AF_PRIVACY_ACTION_PENDING)
    /* Translators: %s is what was asked, e.g. "Withdraw consent: Marketing" */
    message = g_strdup_printf (_("%s: kept on this computer. Will be sent when you are back "
                                 "online."), summary);
  else
    /* Translators: %s is what was asked, e.g. "Withdraw consent: Marketing" */
    message = g_strdup_printf (_("%s: sent."), summary);
  show_toast (self, message);
}

/* Every action ends here: the toast says where it is; a failure says why
 * and puts the switches back to what is known.
 */
static void
action_done_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(AfPrivacyView) self = user_data;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_autoptr(GError) error = NULL;

  action = af_privacy_action_finish (AF_PRIVACY (source_object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (action == NULL)
    show_toast (self, error->message);
  else
    say_action (self, action);
  update_settings (self);
  update_status (self);
}

static void
switch_changed (AfPrivacyView   *self,
                GtkSwitch       *widget,
                AfPrivacySetting setting,
                gboolean         known)
{
  gboolean active = gtk_switch_get_active (widget);

  if (self->updating > 0 || self->privacy == NULL || active == known)
    return;
  af_privacy_set_setting_async (self->privacy, setting, active, self->cancellable,
                                action_done_cb, g_object_ref (self));
}

static void
incognito_changed_cb (AfPrivacyView *self)
{
  if (self->privacy != NULL)
    switch_changed (self, self->incognito_switch, AF_PRIVACY_SETTING_INCOGNITO_PRINTING,
                    af_privacy_get_incognito_printing (self->privacy));
}

static void
reprint_changed_cb (AfPrivacyView *self)
{
  if (self->privacy != NULL)
    switch_changed (self, self->reprint_switch, AF_PRIVACY_SETTING_HISTORY_REPRINT,
                    af_privacy_get_history_reprint (self->privacy));
}

/* --- Confirmation dialogs ---------------------------------------------- */

typedef void (*ConfirmedFunc) (AfPrivacyView *self,
                               AdwMessageDialog *dialog,
                               gpointer       data);

static void
dialog_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    AfPrivacyView    *self)
{
  ConfirmedFunc func = g_object_get_data (G_OBJECT (dialog), "af-confirmed");

  if (g_strcmp0 (response, "confirm") == 0 && func != NULL)
    func (self, dialog, g_object_get_data (G_OBJECT (dialog), "af-data"));
}

/* A modal question with Cancel and one answer; func runs on that answer
 * with data (owned by the dialog from then on, freed with destroy).
 */
static AdwMessageDialog *
confirm (AfPrivacyView          *self,
         const char             *heading,
         const char             *body,
         const char             *answer,
         AdwResponseAppearance   appearance,
         ConfirmedFunc           func,
         gpointer                data,
         GDestroyNotify          destroy)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       heading, body));
  /* The title names the window for screen readers and window lists. */
  gtk_window_set_title (GTK_WINDOW (dialog), heading);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "confirm", answer, NULL);
  adw_message_dialog_set_response_appearance (dialog, "confirm", appearance);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "af-confirmed", func);
  g_object_set_data_full (G_OBJECT (dialog), "af-data", data, destroy);
  g_signal_connect_object (dialog, "response", G_CALLBACK (dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

/* --- Consents ----------------------------------------------------------- */

static char *
describe_consent (AfConsent *consent)
{
  const char *status = af_consent_get_status (consent);
  g_autofree char *when = NULL;

  if (af_consent_get_withdrawal_queued (consent))
    return g_strdup (af_consent_describe_status (consent));
  if (g_strcmp0 (status, "withdrawal_pending") == 0
      && (when = af_format_date_time (af_consent_get_withdrawal_due_at (consent))) != NULL)
    /* Translators: %s is a date and time */
    return g_strdup_printf (_("Withdrawal pending until %s"), when);
  if (g_strcmp0 (status, "withdrawn") == 0
      && (when = af_format_date_time (af_consent_get_withdrawn_at (consent))) != NULL)
    /* Translators: %s is a date and time */
    return g_strdup_printf (_("Withdrawn on %s"), when);
  if (g_strcmp0 (status, "given") == 0
      && (when = af_format_date_time (af_consent_get_given_at (consent))) != NULL)
    /* Translators: %s is a date and time */
    return g_strdup_printf (_("Given on %s"), when);
  return g_strdup (af_consent_describe_status (consent));
}

static const char *
consent_name (AfConsent *consent)
{
  const char *name = af_consent_purpose_describe (af_consent_get_purpose_id (consent));

  return name != NULL ? name : af_consent_get_purpose (consent);
}

static void
update_consent_row (AdwActionRow *row)
{
  AfConsent *consent = g_object_get_data (G_OBJECT (row), "af-consent");
  GtkWidget *button = g_object_get_data (G_OBJECT (row), "af-button");
  g_autofree char *status = describe_consent (consent);

  adw_action_row_set_subtitle (row, status);
  gtk_widget_set_visible (button, g_strcmp0 (af_consent_get_status (consent), "given") == 0
                                  && !af_consent_get_withdrawal_queued (consent));
}

static void
withdraw_confirmed (AfPrivacyView    *self,
                    AdwMessageDialog *dialog,
                    gpointer          data)
{
  af_privacy_withdraw_consent_async (self->privacy, data, self->cancellable, action_done_cb,
                                     g_object_ref (self));
}

static void
withdraw_clicked_cb (GtkButton     *button,
                     AfPrivacyView *self)
{
  AfConsent *consent = g_object_get_data (G_OBJECT (button), "af-consent");
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  /* Translators: %s is a purpose, e.g. "Marketing" */
  heading = g_strdup_printf (_("Withdraw Consent to “%s”?"), consent_name (consent));
  /* Translators: the first %s says what stops, e.g. "You no longer receive marketing messages." */
  body = g_strdup_printf (_("%s Some cloud features may stop working.\n\nAtomForm processes the "
                            "withdrawal within 72 hours; until then it is shown as pending. "
                            "Processing done before the withdrawal stays lawful."),
                          describe_withdrawal_effect (af_consent_get_purpose_id (consent)));
  confirm (self, heading, body, _("_Withdraw"), ADW_RESPONSE_DESTRUCTIVE, withdraw_confirmed,
           g_strdup (af_consent_get_purpose_id (consent)), g_free);
}

static GtkWidget *
create_consent_row (gpointer item,
                    gpointer user_data)
{
  AfPrivacyView *self = user_data;
  AfConsent *consent = item;
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Withdraw…"));
  g_autofree char *label = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), consent_name (consent));
  adw_action_row_set_subtitle_lines (row, 2);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  /* Translators: %s is a purpose, e.g. "Marketing" */
  label = g_strdup_printf (_("Withdraw consent: %s"), consent_name (consent));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_object_set_data (G_OBJECT (button), "af-consent", consent);
  g_signal_connect_object (button, "clicked", G_CALLBACK (withdraw_clicked_cb), self, 0);
  adw_action_row_add_suffix (row, button);

  g_object_set_data_full (G_OBJECT (row), "af-consent", g_object_ref (consent), g_object_unref);
  g_object_set_data (G_OBJECT (row), "af-button", button);
  g_signal_connect_object (consent, "notify", G_CALLBACK (update_consent_row), row,
                           G_CONNECT_SWAPPED);
  update_consent_row (row);
  return GTK_WIDGET (row);
}

/* --- Your data: the data-rights requests ------------------------------- */

static void
request_confirmed (AfPrivacyView    *self,
                   AdwMessageDialog *dialog,
                   gpointer          data)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *details = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  af_privacy_create_request_async (self->privacy, data, *details != '\0' ? details : NULL,
                                   self->cancellable, action_done_cb, g_object_ref (self));
}

static void
data_right_clicked_cb (GtkButton     *button,
                       AfPrivacyView *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "af-index"));
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  g_assert (i < G_N_ELEMENTS (data_rights));
  body = g_strdup_printf ("%s\n\n%s", _(data_rights[i].body),
                          _("AtomForm answers within one month. If the request is complex the "
                            "answer can take up to two more months, and you are told why."));
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Details (optional)"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Details"), -1);
  dialog = confirm (self, _(data_rights[i].title), body, _("_Send Request"),
                    ADW_RESPONSE_SUGGESTED, request_confirmed,
                    (gpointer) data_rights[i].type, NULL);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_set_default_response (dialog, "confirm");
  gtk_widget_grab_focus (entry);
}

static void
add_data_right_rows (AfPrivacyView *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (data_rights); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Ask…"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(data_rights[i].title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(data_rights[i].subtitle));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(data_rights[i].title), -1);
      g_object_set_data (G_OBJECT (button), "af-index", GUINT_TO_POINTER (i));
      g_signal_connect_object (button, "clicked", G_CALLBACK (data_right_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (self->data_group, row);
    }
}

/* --- Requests ------------------------------------------------------------ */

static char *
describe_request (AfPrivacyRequest *request)
{
  GString *text = g_string_new (af_privacy_request_describe_status (request));
  g_autofree char *due = af_format_date_time (af_privacy_request_get_due_at (request));
  g_autofree char *closed = af_format_date_time (af_privacy_request_get_closed_at (request));
  const char *reason;

  if (!af_privacy_request_is_closed (request) && due != NULL)
    /* Translators: after a request's status; %s is a date and time */
    g_string_append_printf (text, _(" · due by %s"), due);
  else if (closed != NULL)
    /* Translators: after a request's status; %s is a date and time */
    g_string_append_printf (text, _(" · on %s"), closed);
  if ((reason = af_privacy_request_get_rejection_reason (request)) != NULL
      || (reason = af_privacy_request_get_extension_reason (request)) != NULL
      || (reason = af_privacy_request_get_outcome (request)) != NULL)
    g_string_append_printf (text, "\n%s", reason);
  return g_string_free (text, FALSE);
}

static gboolean
has_result (AfPrivacyRequest *request)
{
  return g_strcmp0 (af_privacy_request_get_status (request), "completed") == 0
         && af_privacy_request_get_result_url (request) != NULL;
}

static void
update_request_row (AdwActionRow *row)
{
  AfPrivacyRequest *request = g_object_get_data (G_OBJECT (row), "af-request");
  g_autofree char *subtitle = describe_request (request);

  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "af-download"),
                          has_result (request));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (row), "af-cancel"),
                          af_privacy_request_get_cancellable (request)
                          && !af_privacy_request_get_pending_local (request));
}

static void
download_done_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(AfPrivacyView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (af_privacy_download_result_finish (AF_PRIVACY (source_object), result, &error))
    show_toast (self, _("Your data was saved."));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (self, error->message);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     AfPrivacyView   *self)
{
  const char *id = g_object_get_data (G_OBJECT (chooser), "af-request-id");
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL)
    af_privacy_download_result_async (self->privacy, id, file, self->cancellable,
                                      download_done_cb, g_object_ref (self));
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
}

static void
download_clicked_cb (GtkButton     *button,
                     AfPrivacyView *self)
{
  AfPrivacyRequest *request = g_object_get_data (G_OBJECT (button), "af-request");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Your Data"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  name = g_strdup_printf ("atomform-data-%s.json", af_privacy_request_get_id (request));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_object_set_data_full (G_OBJECT (self->chooser), "af-request-id",
                          g_strdup (af_privacy_request_get_id (request)), g_free);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
cancel_confirmed (AfPrivacyView    *self,
                  AdwMessageDialog *dialog,
                  gpointer          data)
{
  af_privacy_cancel_request_async (self->privacy, data, self->cancellable, action_done_cb,
                                   g_object_ref (self));
}

static void
cancel_clicked_cb (GtkButton     *button,
                   AfPrivacyView *self)
{
  AfPrivacyRequest *request = g_object_get_data (G_OBJECT (button), "af-request");

  confirm (self, _("Cancel This Request?"),
           _("AtomForm stops working on it. You can make a new request at any time."),
           _("Cancel _Request"), ADW_RESPONSE_DESTRUCTIVE, cancel_confirmed,
           g_strdup (af_privacy_request_get_id (request)), g_free);
}

static GtkWidget *
request_button (AfPrivacyView    *self,
                AfPrivacyRequest *request,
                const char       *mnemonic,
                const char       *accessible_label,
                GCallback         callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (mnemonic);

  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_label, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (button), "af-request", request);
  g_signal_connect_object (button, "clicked", callback, self, 0);
  return button;
}

static GtkWidget *
create_request_row (gpointer item,
                    gpointer user_data)
{
  AfPrivacyView *self = user_data;
  AfPrivacyRequest *request = item;
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  const char *kind = af_privacy_request_type_describe (af_privacy_request_get_request_type (request));
  g_autofree char *download_label = NULL;
  g_autofree char *cancel_label = NULL;
  GtkWidget *download, *cancel;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), kind);
  adw_action_row_set_subtitle_lines (row, 3);
  /* Translators: %s is a kind of request, e.g. "Copy of your data (Art. 15)" */
  download_label = g_strdup_printf (_("Download the result: %s"), kind);
  /* Translators: %s is a kind of request, e.g. "Copy of your data (Art. 15)" */
  cancel_label = g_strdup_printf (_("Cancel request: %s"), kind);
  download = request_button (self, request, _("_Download…"), download_label,
                             G_CALLBACK (download_clicked_cb));
  cancel = request_button (self, request, _("_Cancel…"), cancel_label,
                           G_CALLBACK (cancel_clicked_cb));
  adw_action_row_add_suffix (row, download);
  adw_action_row_add_suffix (row, cancel);

  g_object_set_data_full (G_OBJECT (row), "af-request", g_object_ref (request), g_object_unref);
  g_object_set_data (G_OBJECT (row), "af-download", download);
  g_object_set_data (G_OBJECT (row), "af-cancel", cancel);
  g_signal_connect_object (request, "notify", G_CALLBACK (update_request_row), row,
                           G_CONNECT_SWAPPED);
  update_request_row (row);
  return GTK_WIDGET (row);
}

/* --- On this computer: the activity log --------------------------------- */

static GtkWidget *
create_activity_row (gpointer item,
                     gpointer user_data)
{
  AfActivityEntry *entry = item;
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = NULL;
  g_autofree char *when = af_format_date_time (af_activity_entry_get_time (entry));
  g_autofree char *sent = g_format_size (af_activity_entry_get_bytes_sent (entry));
  g_autofree char *received = g_format_size (af_activity_entry_get_bytes_received (entry));
  g_autofree char *subtitle = NULL;

  title = g_strdup_printf ("%s:%u", af_activity_entry_get_host (entry),
                           af_activity_entry_get_port (entry));
  /* Translators: purpose · time · bytes sent, bytes received, e.g.
   * "AtomForm cloud · 4 December 2026, 14:00 · 1.2 kB sent, 3.4 kB received"
   */
  subtitle = g_strdup_printf (_("%s · %s · %s sent, %s received%s"),
                              af_network_purpose_describe (af_activity_entry_get_purpose (entry)),
                              when, sent, received,
                              af_activity_entry_get_succeeded (entry) ? "" : _(" · failed"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  return row;
}

/* The prints this computer remembers (the local history; never an
 * incognito one).
 */
static GtkWidget *
create_local_history_row (gpointer item,
                          gpointer user_data)
{
  AfLocalHistoryEntry *entry = item;
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = af_local_history_entry_describe (entry);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 af_local_history_entry_get_title (entry));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

typedef struct
{
  GListModel *activity;
  GListModel *history;
} LocalData;

static void
local_data_free (LocalData *data)
{
  g_clear_object (&data->activity);
  g_clear_object (&data->history);
  g_free (data);
}

static void
list_local_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  LocalData *data = g_new0 (LocalData, 1);

  data->activity = af_local_store_list_activity (task_data, ACTIVITY_LIMIT, &error);
  if (data->activity != NULL)
    data->history = af_local_store_list_history (task_data, &error);
  if (data->history == NULL)
    {
      local_data_free (data);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, data, (GDestroyNotify) local_data_free);
}

static void
show_activity (AfPrivacyView *self,
               GListModel    *model)
{
  g_autofree char *subtitle = NULL;
  guint n = g_list_model_get_n_items (model);

  gtk_list_box_bind_model (self->activity_list, model, create_activity_row, self, NULL);
  if (n == 0)
    subtitle = g_strdup (_("No connections recorded"));
  else if (n >= ACTIVITY_LIMIT)
    subtitle = g_strdup_printf (_("The latest %u connections"), n);
  else
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connection recorded",
                                             "%u connections recorded", n), n);
  adw_expander_row_set_subtitle (self->activity_row, subtitle);
}

static void
show_local_history (AfPrivacyView *self,
                    GListModel    *model)
{
  g_autofree char *subtitle = NULL;
  guint n = g_list_model_get_n_items (model);

  gtk_list_box_bind_model (self->local_history_list, model, create_local_history_row, self,
                           NULL);
  if (n == 0)
    subtitle = g_strdup (_("No prints remembered"));
  else
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u print remembered",
                                             "%u prints remembered", n), n);
  adw_expander_row_set_subtitle (self->local_history_row, subtitle);
}

static void
local_listed_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AfPrivacyView *self = AF_PRIVACY_VIEW (source_object);
  LocalData *data = NULL;
  g_autoptr(GError) error = NULL;

  data = g_task_propagate_pointer (G_TASK (result), &error);
  if (data == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_expander_row_set_subtitle (self->activity_row, error->message);
      return;
    }
  show_activity (self, data->activity);
  show_local_history (self, data->history);
  local_data_free (data);
}

/* The activity log and the local history, read in a worker thread. */
static void
load_activity (AfPrivacyView *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->privacy == NULL)
    return;
  task = g_task_new (self, self->cancellable, local_listed_cb, NULL);
  g_task_set_source_tag (task, load_activity);
  g_task_set_task_data (task, g_object_ref (af_privacy_get_store (self->privacy)),
                        g_object_unref);
  g_task_run_in_thread (task, list_local_thread);
}

/* --- Refresh -------------------------------------------------------------- */

static void
refreshed_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AfPrivacyView) self = user_data;
  g_autoptr(GError) error = NULL;

  self->refreshing = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "privacy.refresh", TRUE);
  /* Offline, LAN-only or signed out, the status row says so; the cached
   * values stay.
   */
  if (!af_privacy_refresh_finish (AF_PRIVACY (source_object), result, &error))
    g_debug ("Privacy not refreshed: %s", error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  update_settings (self);
  update_status (self);
  load_activity (self);
}

static void
flushed_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfPrivacyView) self = user_data;
  g_autoptr(GError) error = NULL;

  af_privacy_flush_finish (AF_PRIVACY (source_object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  af_privacy_refresh_async (self->privacy, self->cancellable, refreshed_cb,
                            g_object_ref (self));
}

/**
 * af_privacy_view_refresh:
 * @self: a #AfPrivacyView
 *
 * Sends what the outbox holds, then reads the cloud's settings, consents
 * and requests again, in the background.
 */
void
af_privacy_view_refresh (AfPrivacyView *self)
{
  g_return_if_fail (AF_IS_PRIVACY_VIEW (self));

  if (self->privacy == NULL || self->refreshing)
    return;
  self->refreshing = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "privacy.refresh", FALSE);
  update_status (self);
  af_privacy_flush_async (self->privacy, self->cancellable, flushed_cb, g_object_ref (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  af_privacy_view_refresh (AF_PRIVACY_VIEW (widget));
}

/* --- On this computer: clear, forget, sign out ---------------------------- */

static void
forget_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (af_local_store_forget_local_data (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
forgotten_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  AfPrivacyView *self = AF_PRIVACY_VIEW (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  af_privacy_load_cached (self->privacy);
  update_settings (self);
  update_status (self);
  load_activity (self);
  show_toast (self, _("Local data cleared."));
}

static void
clear_confirmed (AfPrivacyView    *self,
                 AdwMessageDialog *dialog,
                 gpointer          data)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, forgotten_cb, NULL);

  g_task_set_source_tag (task, clear_confirmed);
  g_task_set_task_data (task, g_object_ref (af_privacy_get_store (self->privacy)),
                        g_object_unref);
  g_task_run_in_thread (task, forget_thread);
}

static void
clear_local_data_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  AfPrivacyView *self = AF_PRIVACY_VIEW (widget);

  confirm (self, _("Clear Local Data?"),
           _("The history of prints sent from this computer, cached thumbnails, the network "
             "activity log and the last known consents and requests are deleted from this "
             "computer. Your privacy settings are kept, and so are requests not yet sent: "
             "they are still owed to AtomForm."),
           _("_Clear"), ADW_RESPONSE_DESTRUCTIVE, clear_confirmed, NULL, NULL);
}

typedef struct
{
  AfPrivacyView *self;
  guint          remaining;
  guint          failed;
} ForgetCodes;

static void
code_cleared_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ForgetCodes *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_printer_registry_forget_access_code_finish (AF_PRINTER_REGISTRY (source_object),
                                                      result, &error))
    {
      g_debug ("Access code not cleared: %s", error->message);
      data->failed++;
    }
  if (--data->remaining > 0)
    return;
  if (data->failed > 0)
    show_toast (data->self, _("Some access codes could not be removed. Check that the keyring "
                              "is unlocked and try again."));
  else
    show_toast (data->self, _("Access codes forgotten."));
  g_object_unref (data->self);
  g_free (data);
}

static void
forget_codes_confirmed (AfPrivacyView    *self,
                        AdwMessageDialog *dialog,
                        gpointer          unused)
{
  GListModel *printers = G_LIST_MODEL (af_printer_registry_get_list (self->registry));
  guint n = g_list_model_get_n_items (printers);
  ForgetCodes *data;

  if (n == 0)
    {
      show_toast (self, _("No printer’s access code is saved."));
      return;
    }
  data = g_new0 (ForgetCodes, 1);
  data->self = g_object_ref (self);
  data->remaining = n;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (printers, i);
      af_printer_registry_forget_access_code_async (self->registry,
                                                    af_printer_get_serial (printer), NULL,
                                                    code_cleared_cb, data);
    }
}

static void
forget_access_codes_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  AfPrivacyView *self = AF_PRIVACY_VIEW (widget);

  if (self->registry == NULL)
    return;
  confirm (self, _("Forget Access Codes?"),
           _("Every printer’s access code is removed from the keyring. You will be asked for "
             "it again, from the printer’s screen, before you print to it."),
           _("_Forget"), ADW_RESPONSE_DESTRUCTIVE, forget_codes_confirmed, NULL, NULL);
}

static void
signed_out_cb (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(AfPrivacyView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_cloud_client_sign_out_finish (AF_CLOUD_CLIENT (source_object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_toast (self, error->message);
    }
  else
    show_toast (self, _("Signed out."));
  update_status (self);
}

static void
sign_out_confirmed (AfPrivacyView    *self,
                    AdwMessageDialog *dialog,
                    gpointer          unused)
{
  af_cloud_client_sign_out_async (af_privacy_get_client (self->privacy), self->cancellable,
                                  signed_out_cb, g_object_ref (self));
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  AfPrivacyView *self = AF_PRIVACY_VIEW (widget);

  if (!is_signed_in (self))
    return;
  confirm (self, _("Sign Out?"),
           _("This computer’s session is revoked and removed from the keyring. Requests you "
             "made stay with AtomForm; those not yet sent are kept here and sent once you "
             "sign in again."),
           _("_Sign Out"), ADW_RESPONSE_DESTRUCTIVE, sign_out_confirmed, NULL, NULL);
}

/* --- The object ----------------------------------------------------------- */

static void
lan_only_changed_cb (AfPrivacyView *self)
{
  update_status (self);
  /* Back from LAN-only mode, what was kept is sent now. */
  if (!af_network_policy_get_lan_only () && gtk_widget_get_mapped (GTK_WIDGET (self)))
    af_privacy_view_refresh (self);
}

static void
privacy_notify_cb (AfPrivacyView *self)
{
  update_settings (self);
  update_status (self);
}

void
af_privacy_view_set_privacy (AfPrivacyView *self,
                             AfPrivacy     *privacy)
{
  g_return_if_fail (AF_IS_PRIVACY_VIEW (self));
  g_return_if_fail (AF_IS_PRIVACY (privacy));
  g_return_if_fail (self->privacy == NULL);

  self->privacy = g_object_ref (privacy);
  g_signal_connect_object (privacy, "notify", G_CALLBACK (privacy_notify_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->consents_list, af_privacy_get_consents (privacy),
                           create_consent_row, self, NULL);
  gtk_list_box_bind_model (self->requests_list, af_privacy_get_requests (privacy),
                           create_request_row, self, NULL);
  update_settings (self);
  update_status (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    af_privacy_view_refresh (self);
}

AfPrivacy *
af_privacy_view_get_privacy (AfPrivacyView *self)
{
  g_return_val_if_fail (AF_IS_PRIVACY_VIEW (self), NULL);

  return self->privacy;
}

void
af_privacy_view_set_registry (AfPrivacyView     *self,
                              AfPrinterRegistry *registry)
{
  g_return_if_fail (AF_IS_PRIVACY_VIEW (self));
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (registry));

  g_set_object (&self->registry, registry);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "privacy.forget-access-codes", TRUE);
}

void
af_privacy_view_cancel (AfPrivacyView *self)
{
  g_return_if_fail (AF_IS_PRIVACY_VIEW (self));

  g_cancellable_cancel (self->cancellable);
}

/* Each time the view is shown its values are read again, and the activity
 * log with them.
 */
static void
af_privacy_view_map (GtkWidget *widget)
{
  AfPrivacyView *self = AF_PRIVACY_VIEW (widget);

  GTK_WIDGET_CLASS (af_privacy_view_parent_class)->map (widget);
  af_privacy_view_refresh (self);
  load_activity (self);
}

static void
af_privacy_view_dispose (GObject *object)
{
  AfPrivacyView *self = (AfPrivacyView *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->privacy);
  g_clear_object (&self->registry);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (af_privacy_view_parent_class)->dispose (object);
}

static void
af_privacy_view_class_init (AfPrivacyViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = af_privacy_view_dispose;
  widget_class->map = af_privacy_view_map;

  g_type_ensure (AF_TYPE_PERMISSIONS_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/tech/atomform/Connect/af-privacy-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, status_row);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, incognito_switch);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, reprint_row);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, reprint_switch);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, lan_only_switch);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, consents_list);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, data_group);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, requests_list);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, activity_row);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, activity_list);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, local_history_row);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, local_history_list);
  gtk_widget_class_bind_template_child (widget_class, AfPrivacyView, sign_out_row);

  gtk_widget_class_install_action (widget_class, "privacy.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "privacy.clear-local-data", NULL,
                                   clear_local_data_action);
  gtk_widget_class_install_action (widget_class, "privacy.forget-access-codes", NULL,
                                   forget_access_codes_action);
  gtk_widget_class_install_action (widget_class, "privacy.sign-out", NULL, sign_out_action);
}

static void
af_privacy_view_init (AfPrivacyView *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  placeholder = gtk_label_new (_("No requests yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_list_box_set_placeholder (self->requests_list, placeholder);
  add_data_right_rows (self);

  /* LAN-only mode is the app's own setting, bound both ways. */
  self->settings = g_object_ref (af_settings_get_default ());
  g_object_bind_property (self->settings, "lan-only", self->lan_only_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->settings, "notify::lan-only", G_CALLBACK (lan_only_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->incognito_switch, "notify::active",
                           G_CALLBACK (incognito_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->reprint_switch, "notify::active",
                           G_CALLBACK (reprint_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "privacy.forget-access-codes", FALSE);
  update_status (self);
}
