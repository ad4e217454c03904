/* af-cli-privacy.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <glib/gi18n.h>

#include "af-cli-private.h"
#include "af-format.h"
#include "af-privacy.h"
#include "af-settings.h"

/* The privacy commands (docs/cli.md, "Privacy"): privacy show|set|consents|
 * withdraw|request|requests|cancel|download, history delete, activity and
 * forget-local-data. Every one works through AfPrivacy, as the window does:
 * an action is committed to the local outbox first, then sent; when it
 * cannot be sent now the command says so and exits 0, since nothing is
 * lost.
 */

static const GOptionEntry no_options[] = { G_OPTION_ENTRY_NULL };

static AfLocalStore *
open_store (GError **error)
{
  AfLocalStore *store = af_local_store_get_default ();

  if (store == NULL)
    {
      g_autofree char *path = af_local_store_default_path ();
      g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
                   _("Could not open the local data file “%s”. Check that the folder is "
                     "writable."), path);
      return NULL;
    }
  return g_object_ref (store);
}

/* The privacy object, with the keyring's session when there is one. */
static AfPrivacy *
privacy_new (gboolean   need_session,
             GError   **error)
{
  g_autoptr(AfCloudClient) client = af_cli_cloud_client_new (error);
  g_autoptr(AfLocalStore) store = NULL;
  g_autoptr(GError) local_error = NULL;

  if (client == NULL || (store = open_store (error)) == NULL)
    return NULL;
  if (!af_cloud_client_load_session (client, NULL, &local_error) && need_session)
    {
      if (g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN))
        g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN,
                     _("You are not signed in to an AtomForm account; sign in with “%s "
                       "login”."), AF_CLI_NAME);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return af_privacy_new (client, store);
}

/* Flushes the outbox and reads the cloud's state. Offline or in LAN-only
 * mode that fails; the cached state is then shown with a note.
 */
static void
refresh (AfPrivacy *privacy)
{
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autoptr(GError) error = NULL;

  af_privacy_refresh_async (privacy, NULL, af_cli_async_done_cb, &async);
  if (!af_privacy_refresh_finish (privacy, af_cli_async_wait (&async), &error))
    {
      g_autofree char *line = g_strdup_printf (_("Not up to date: %s\n"), error->message);
      g_printerr ("%s", line);
    }
}

static void
say_pending (AfPrivacy *privacy)
{
  guint n = af_privacy_get_n_pending (privacy);

  if (n == 0)
    return;
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "%u privacy request is kept on this computer. Will be sent when you "
                        "are back online.\n",
                        "%u privacy requests are kept on this computer. Will be sent when you "
                        "are back online.\n", n), n);
}

static gboolean
print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = af_json_to_data (node, TRUE);

  g_print ("%s\n", text);
  return TRUE;
}

static gboolean
print_json_array (JsonArray *array)
{
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);
  g_autofree char *text = af_json_to_data (node, TRUE);

  g_print ("%s\n", text);
  return TRUE;
}

static gboolean
parse_no_options (char     ***args,
                  const char *parameters,
                  const char *summary,
                  GError    **error)
{
  g_autoptr(GOptionContext) context = af_cli_option_context_new (parameters, summary, no_options);

  return g_option_context_parse_strv (context, args, error);
}

/* Completes an action: says whether the cloud has it or it waits here. */
static AfPrivacyAction *
wait_action (AfPrivacy  *privacy,
             AfCliAsync *async,
             GError    **error)
{
  g_autoptr(AfPrivacyAction) action = af_privacy_action_finish (privacy,
                                                                af_cli_async_wait (async), error);
  g_autofree char *summary = NULL;

  if (action == NULL)
    return NULL;
  if (af_privacy_action_get_state (action) == AF_PRIVACY_ACTION_PENDING)
    {
      summary = af_privacy_action_dup_summary (action);
      /* Translators: %s is what was asked, e.g. "Withdraw consent: Marketing" */
      g_print (_("%s: kept on this computer. Will be sent when you are back online.\n"),
               summary);
      if (af_privacy_action_get_last_error (action) != NULL)
        g_print ("  (%s)\n", af_privacy_action_get_last_error (action));
    }
  return g_steal_pointer (&action);
}

static AfPrivacyRequest *
find_request (AfPrivacy  *privacy,
              const char *id)
{
  GListModel *requests = af_privacy_get_requests (privacy);

  for (guint i = 0; id != NULL && i < g_list_model_get_n_items (requests); i++)
    {
      g_autoptr(AfPrivacyRequest) request = g_list_model_get_item (requests, i);
      if (g_strcmp0 (af_privacy_request_get_id (request), id) == 0)
        return g_steal_pointer (&request);
    }
  return NULL;
}

/* "Request prq_… (Consent withdrawal): Received, pending; due by …". */
static void
say_request (AfPrivacy       *privacy,
             AfPrivacyAction *action)
{
  g_autoptr(AfPrivacyRequest) request = NULL;
  g_autofree char *due = NULL;

  if (af_privacy_action_get_state (action) != AF_PRIVACY_ACTION_DONE)
    return;
  request = find_request (privacy, af_privacy_action_get_request_id (action));
  if (request == NULL)
    {
      g_print (_("Done.\n"));
      return;
    }
  due = af_format_date_time (af_privacy_request_get_due_at (request));
  /* Translators: request id, its kind, its status, its deadline */
  g_print (_("Request %s (%s): %s; due by %s.\n"), af_privacy_request_get_id (request),
           af_privacy_request_type_describe (af_privacy_request_get_request_type (request)),
           af_privacy_request_describe_status (request), due != NULL ? due : "?");
}

/* --- privacy show / set ---------------------------------------------------- */

static gboolean
privacy_show (char   ***args,
              GError  **error)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write the settings as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (NULL, _("Shows your privacy settings."), entries);
  g_autoptr(AfPrivacy) privacy = NULL;
  gboolean lan_only = af_settings_get_lan_only (af_settings_get_default ());
  g_autofree char *due = NULL;

  if (!g_option_context_parse_strv (context, args, error)
      || (privacy = privacy_new (FALSE, error)) == NULL)
    return FALSE;
  if (af_cloud_client_is_signed_in (af_privacy_get_client (privacy)))
    refresh (privacy);
  due = af_format_date_time (af_privacy_get_file_deletion_due_at (privacy));
  if (json)
    {
      JsonObject *object = json_object_new ();

      json_object_set_boolean_member (object, "incognito_printing",
                                      af_privacy_get_incognito_printing (privacy));
      json_object_set_boolean_member (object, "history_reprint",
                                      af_privacy_get_history_reprint (privacy));
      json_object_set_int_member (object, "file_retention_days",
                                  af_privacy_get_file_retention_days (privacy));
      json_object_set_boolean_member (object, "lan_only", lan_only);
      json_object_set_boolean_member (object, "settings_known",
                                      af_privacy_get_settings_known (privacy));
      json_object_set_boolean_member (object, "online", af_privacy_get_online (privacy));
      json_object_set_int_member (object, "pending_actions", af_privacy_get_n_pending (privacy));
      if (due != NULL)
        {
          g_autofree char *utc = g_date_time_format_iso8601 (af_privacy_get_file_deletion_due_at (privacy));
          json_object_set_string_member (object, "file_deletion_due_at", utc);
        }
      else
        json_object_set_null_member (object, "file_deletion_due_at");
      return print_json_object (object);
    }
  g_print (_("Incognito printing: %s\n"), af_privacy_get_incognito_printing (privacy)
                                          ? _("on") : _("off"));
  g_print (_("Keep print history for reprinting: %s (stored files are kept %d days)\n"),
           af_privacy_get_history_reprint (privacy) ? _("on") : _("off"),
           af_privacy_get_file_retention_days (privacy));
  g_print (_("LAN-only mode: %s\n"), lan_only ? _("on") : _("off"));
  if (due != NULL)
    g_print (_("Stored print files will be deleted by %s.\n"), due);
  if (!af_privacy_get_settings_known (privacy))
    g_print (_("The cloud's settings are not known on this computer yet.\n"));
  say_pending (privacy);
  return TRUE;
}

static gboolean
parse_on_off (const char *word,
              gboolean   *value,
              GError    **error)
{
  if (g_strcmp0 (word, "on") == 0 || g_strcmp0 (word, "off") == 0)
    {
      *value = g_strcmp0 (word, "on") == 0;
      return TRUE;
    }
  g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
               _("Say “on” or “off”, not “%s”."), word != NULL ? word : "");
  return FALSE;
}

static gboolean
privacy_set (char   ***args,
             GError  **error)
{
  g_autoptr(AfPrivacy) privacy = NULL;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  AfPrivacySetting setting;
  const char *name;
  gboolean value;

  if (!parse_no_options (args, _("incognito|history-reprint|lan-only on|off"),
                         _("Turns a privacy setting on or off."), error))
    return FALSE;
  if (g_strv_length (*args) != 3 || !parse_on_off ((*args)[2], &value, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                     _("Give a setting (incognito, history-reprint, lan-only) and on or off."));
      return FALSE;
    }
  name = (*args)[1];
  if (g_strcmp0 (name, "lan-only") == 0)
    {
      AfSettings *settings = af_settings_get_default ();

      af_settings_set_lan_only (settings, value);
      g_settings_sync ();
      g_print (value ? _("LAN-only mode is on: AtomForm Connect contacts no cloud service.\n")
                     : _("LAN-only mode is off.\n"));
      return TRUE;
    }
  if (g_strcmp0 (name, "incognito") == 0)
    setting = AF_PRIVACY_SETTING_INCOGNITO_PRINTING;
  else if (g_strcmp0 (name, "history-reprint") == 0)
    setting = AF_PRIVACY_SETTING_HISTORY_REPRINT;
  else
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("“%s” is not a setting; use incognito, history-reprint or lan-only."), name);
      return FALSE;
    }
  if ((privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  af_privacy_set_setting_async (privacy, setting, value, NULL, af_cli_async_done_cb, &async);
  if ((action = wait_action (privacy, &async, error)) == NULL)
    return FALSE;
  if (af_privacy_action_get_state (action) == AF_PRIVACY_ACTION_DONE)
    {
      g_autofree char *summary = af_privacy_action_dup_summary (action);
      g_print (_("%s: done.\n"), summary);
    }
  return TRUE;
}

/* --- consents ---------------------------------------------------------------- */

static gboolean
privacy_consents (char   ***args,
                  GError  **error)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write the consents as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (NULL, _("Shows your consents, one per purpose."), entries);
  g_autoptr(AfPrivacy) privacy = NULL;
  GListModel *consents;

  if (!g_option_context_parse_strv (context, args, error)
      || (privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  refresh (privacy);
  consents = af_privacy_get_consents (privacy);
  if (json)
    {
      JsonArray *array = json_array_new ();
      for (guint i = 0; i < g_list_model_get_n_items (consents); i++)
        {
          g_autoptr(AfConsent) consent = g_list_model_get_item (consents, i);
          json_array_add_object_element (array, af_consent_to_json (consent));
        }
      return print_json_array (array);
    }
  for (guint i = 0; i < g_list_model_get_n_items (consents); i++)
    {
      g_autoptr(AfConsent) consent = g_list_model_get_item (consents, i);
      const char *name = af_consent_purpose_describe (af_consent_get_purpose_id (consent));
      g_autofree char *due = af_format_date_time (af_consent_get_withdrawal_due_at (consent));

      g_print ("%-24s %s — %s", af_consent_get_purpose_id (consent),
               af_consent_describe_status (consent), name != NULL ? name : "");
      if (due != NULL && g_strcmp0 (af_consent_get_status (consent), "withdrawal_pending") == 0)
        g_print (_(" (withdrawn by %s)"), due);
      g_print ("\n");
    }
  say_pending (privacy);
  return TRUE;
}

static gboolean
privacy_withdraw (char   ***args,
                  GError  **error)
{
  g_autoptr(AfPrivacy) privacy = NULL;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;

  if (!parse_no_options (args, _("PURPOSE"),
                         _("Withdraws a consent. Some cloud features stop; processing before "
                           "the withdrawal stays lawful. AtomForm processes it within 72 "
                           "hours."), error))
    return FALSE;
  if (g_strv_length (*args) != 2)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give one purpose: print_history, ux_improvement, personalised_experience, "
                     "marketing or analytics."));
      return FALSE;
    }
  if ((privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  af_privacy_withdraw_consent_async (privacy, (*args)[1], NULL, af_cli_async_done_cb, &async);
  if ((action = wait_action (privacy, &async, error)) == NULL)
    return FALSE;
  say_request (privacy, action);
  return TRUE;
}

/* --- data-rights requests --------------------------------------------------- */

static gboolean
privacy_request (char   ***args,
                 GError  **error)
{
  g_autofree char *details = NULL;
  const GOptionEntry entries[] = {
    { "details", 0, 0, G_OPTION_ARG_STRING, &details,
      N_("What you ask for, in your own words (at most 2000 bytes)"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (_("access|portability|rectification|erasure|restriction|objection"),
                               _("Asks AtomForm to act on one of your rights; the answer is due "
                                 "within one month."), entries);
  g_autoptr(AfPrivacy) privacy = NULL;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;

  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  if (g_strv_length (*args) != 2)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give one kind of request: access, portability, rectification, erasure, "
                     "restriction or objection."));
      return FALSE;
    }
  if ((privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  af_privacy_create_request_async (privacy, (*args)[1], details, NULL, af_cli_async_done_cb,
                                   &async);
  if ((action = wait_action (privacy, &async, error)) == NULL)
    return FALSE;
  say_request (privacy, action);
  return TRUE;
}

static gboolean
privacy_requests (char   ***args,
                  GError  **error)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write the requests as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (NULL, _("Shows your privacy requests and their deadlines."),
                               entries);
  g_autoptr(AfPrivacy) privacy = NULL;
  GListModel *requests;

  if (!g_option_context_parse_strv (context, args, error)
      || (privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  refresh (privacy);
  requests = af_privacy_get_requests (privacy);
  if (json)
    {
      JsonArray *array = json_array_new ();
      for (guint i = 0; i < g_list_model_get_n_items (requests); i++)
        {
          g_autoptr(AfPrivacyRequest) request = g_list_model_get_item (requests, i);
          json_array_add_object_element (array, af_privacy_request_to_json (request));
        }
      return print_json_array (array);
    }
  for (guint i = 0; i < g_list_model_get_n_items (requests); i++)
    {
      g_autoptr(AfPrivacyRequest) request = g_list_model_get_item (requests, i);
      g_autofree char *due = af_format_date_time (af_privacy_request_get_due_at (request));

      g_print ("%s  %s  %s", af_privacy_request_get_id (request),
               af_privacy_request_type_describe (af_privacy_request_get_request_type (request)),
               af_privacy_request_describe_status (request));
      if (due != NULL && !af_privacy_request_is_closed (request))
        g_print (_(", due by %s"), due);
      if (af_privacy_request_get_rejection_reason (request) != NULL)
        g_print (": %s", af_privacy_request_get_rejection_reason (request));
      else if (af_privacy_request_get_outcome (request) != NULL)
        g_print (": %s", af_privacy_request_get_outcome (request));
      g_print ("\n");
    }
  if (g_list_model_get_n_items (requests) == 0)
    g_print (_("No privacy requests.\n"));
  return TRUE;
}

static gboolean
privacy_cancel (char   ***args,
                GError  **error)
{
  g_autoptr(AfPrivacy) privacy = NULL;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;

  if (!parse_no_options (args, _("ID"), _("Cancels a data-rights request while it is pending."),
                         error))
    return FALSE;
  if (g_strv_length (*args) != 2)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE, _("Give one request ID."));
      return FALSE;
    }
  if ((privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  af_privacy_cancel_request_async (privacy, (*args)[1], NULL, af_cli_async_done_cb, &async);
  if ((action = wait_action (privacy, &async, error)) == NULL)
    return FALSE;
  say_request (privacy, action);
  return TRUE;
}

static gboolean
privacy_download (char   ***args,
                  GError  **error)
{
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Where to write the copy"),
      N_("FILE") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (_("ID"), _("Downloads the copy of your data an access or "
                                          "portability request produced."), entries);
  g_autoptr(AfPrivacy) privacy = NULL;
  g_autoptr(GFile) file = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;

  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  if (g_strv_length (*args) != 2 || output == NULL)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give one request ID and -o FILE."));
      return FALSE;
    }
  if ((privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  file = g_file_new_for_commandline_arg (output);
  af_privacy_download_result_async (privacy, (*args)[1], file, NULL, af_cli_async_done_cb,
                                    &async);
  if (!af_privacy_download_result_finish (privacy, af_cli_async_wait (&async), error))
    return FALSE;
  g_print (_("Saved the copy to %s.\n"), output);
  return TRUE;
}

typedef struct
{
  const char       *name;
  AfCliCommandFunc  run;
} Subcommand;

static const Subcommand privacy_commands[] = {
  { "show", privacy_show },
  { "set", privacy_set },
  { "consents", privacy_consents },
  { "withdraw", privacy_withdraw },
  { "request", privacy_request },
  { "requests", privacy_requests },
  { "cancel", privacy_cancel },
  { "download", privacy_download },
};

gboolean
af_cli_privacy (char   ***args,
                GError  **error)
{
  const char *name = g_strv_length (*args) > 1 ? (*args)[1] : NULL;
  g_autofree char *prgname = NULL;

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (privacy_commands); i++)
    if (g_str_equal (name, privacy_commands[i].name))
      {
        g_auto(GStrv) rest = g_strdupv (*args + 1);

        prgname = g_strdup_printf ("%s privacy %s", AF_CLI_NAME, name);
        g_set_prgname (prgname);
        return privacy_commands[i].run (&rest, error);
      }
  g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
               _("Say what to do: privacy show, set, consents, withdraw, request, requests, "
                 "cancel or download; see docs/cli.md."));
  return FALSE;
}

void
af_cli_privacy_follow_prints (AfPrinterRegistry *registry)
{
  g_autoptr(AfPrivacy) privacy = privacy_new (FALSE, NULL);

  /* The last known incognito setting decides, by the window's rule. */
  if (privacy != NULL)
    af_printer_registry_set_privacy (registry, privacy);
}

/* --- history delete, activity, forget-local-data ------------------------------ */

gboolean
af_cli_history_delete (char   ***args,
                       GError  **error)
{
  gboolean all = FALSE;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Delete every entry"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (_("ID…"), _("Deletes print history entries from your account "
                                           "(processed within 72 hours)."), entries);
  g_autoptr(AfPrivacy) privacy = NULL;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  guint n;

  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  n = g_strv_length (*args) - 1;
  if ((all && n > 0) || (!all && (n == 0 || n > 100)))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give 1 to 100 history entry IDs, or --all."));
      return FALSE;
    }
  if ((privacy = privacy_new (TRUE, error)) == NULL)
    return FALSE;
  af_privacy_delete_history_async (privacy, all ? NULL : (const char *const *) *args + 1, all,
                                   NULL, af_cli_async_done_cb, &async);
  if ((action = wait_action (privacy, &async, error)) == NULL)
    return FALSE;
  say_request (privacy, action);
  return TRUE;
}

/* history --local: the local submission history, read from the local store
 * only, so it works signed out and in LAN-only mode and contacts nothing.
 */
static void
add_local_entry_json (JsonArray           *array,
                      AfLocalHistoryEntry *entry)
{
  JsonObject *object = json_object_new ();
  g_autofree char *time = af_format_rfc3339 (af_local_history_entry_get_time (entry));
  const struct { const char *name; const char *value; } strings[] = {
    { "time", time },
    { "title", af_local_history_entry_get_title (entry) },
    { "printer", af_local_history_entry_get_printer (entry) },
    { "route", af_local_history_entry_get_route (entry) },
    { "cloud_entry_id", af_local_history_entry_get_cloud_entry_id (entry) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      if (strings[i].value != NULL)
        json_object_set_string_member (object, strings[i].name, strings[i].value);
      else
        json_object_set_null_member (object, strings[i].name);
    }
  json_array_add_object_element (array, object);
}

static void
append_local_entry_text (GString             *out,
                         AfLocalHistoryEntry *entry)
{
  g_autoptr(GArray) rows = af_cli_rows_new ();
  const char *printer = af_local_history_entry_get_printer (entry);

  g_string_append_printf (out, "%s\n", af_local_history_entry_get_title (entry) ?: "");
  af_cli_rows_add (rows, _("Sent"), af_format_date_time (af_local_history_entry_get_time (entry)));
  af_cli_rows_add (rows, _("Printer"), g_strdup (printer != NULL && *printer != '\0'
                                                 ? printer : _("Unknown printer")));
  af_cli_rows_add (rows, _("Route"), g_strdup (af_local_history_entry_describe_route (entry)));
  af_cli_rows_append (out, rows, "  ");
}

gboolean
af_cli_history_local (guint     limit,
                      gboolean  json,
                      GError  **error)
{
  g_autoptr(AfLocalStore) store = NULL;
  g_autoptr(GListModel) history = NULL;
  guint n;

  if ((store = open_store (error)) == NULL
      || (history = af_local_store_list_history (store, error)) == NULL)
    return FALSE;
  n = MIN (g_list_model_get_n_items (history), limit);
  if (json)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(AfLocalHistoryEntry) entry = g_list_model_get_item (history, i);
          add_local_entry_json (array, entry);
        }
      return print_json_array (array);
    }
  if (n == 0)
    af_cli_print_text (_("This computer remembers no prints it sent.\n"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfLocalHistoryEntry) entry = g_list_model_get_item (history, i);
      g_autoptr(GString) out = g_string_new (NULL);

      if (i > 0)
        g_string_append_c (out, '\n');
      append_local_entry_text (out, entry);
      af_cli_print_text (out->str);
    }
  return TRUE;
}

gboolean
af_cli_activity (char   ***args,
                 GError  **error)
{
  gboolean json = FALSE;
  int limit = 50;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write the log as JSON"), NULL },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_("How many connections to show, newest first (default 50, 0 for all)"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    af_cli_option_context_new (NULL, _("Shows every network connection this app made: host, "
                                       "purpose, time and bytes."), entries);
  g_autoptr(AfLocalStore) store = NULL;
  g_autoptr(GListModel) log = NULL;

  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  if (limit < 0)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE, _("--limit takes 0 or more."));
      return FALSE;
    }
  if ((store = open_store (error)) == NULL
      || (log = af_local_store_list_activity (store, (guint) limit, error)) == NULL)
    return FALSE;
  if (json)
    {
      JsonArray *array = json_array_new ();
      for (guint i = 0; i < g_list_model_get_n_items (log); i++)
        {
          g_autoptr(AfActivityEntry) entry = g_list_model_get_item (log, i);
          JsonObject *object = json_object_new ();
          g_autofree char *time = g_date_time_format_iso8601 (af_activity_entry_get_time (entry));

          json_object_set_string_member (object, "time", time);
          json_object_set_string_member (object, "host", af_activity_entry_get_host (entry));
          json_object_set_int_member (object, "port", af_activity_entry_get_port (entry));
          json_object_set_string_member (object, "purpose",
                                         af_network_purpose_to_string (af_activity_entry_get_purpose (entry)));
          json_object_set_boolean_member (object, "cloud",
                                          af_network_purpose_is_cloud (af_activity_entry_get_purpose (entry)));
          json_object_set_int_member (object, "bytes_sent",
                                      (gint64) af_activity_entry_get_bytes_sent (entry));
          json_object_set_int_member (object, "bytes_received",
                                      (gint64) af_activity_entry_get_bytes_received (entry));
          json_object_set_boolean_member (object, "succeeded",
                                          af_activity_entry_get_succeeded (entry));
          json_array_add_object_element (array, object);
        }
      return print_json_array (array);
    }
  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(AfActivityEntry) entry = g_list_model_get_item (log, i);
      g_autofree char *time = af_format_date_time (af_activity_entry_get_time (entry));

      g_print ("%s  %s:%u  %s  ↑%" G_GUINT64_FORMAT " ↓%" G_GUINT64_FORMAT "%s\n", time,
               af_activity_entry_get_host (entry), af_activity_entry_get_port (entry),
               af_network_purpose_describe (af_activity_entry_get_purpose (entry)),
               af_activity_entry_get_bytes_sent (entry),
               af_activity_entry_get_bytes_received (entry),
               af_activity_entry_get_succeeded (entry) ? "" : _(" (failed)"));
    }
  if (g_list_model_get_n_items (log) == 0)
    g_print (_("No connections recorded.\n"));
  return TRUE;
}

gboolean
af_cli_forget_local_data (char   ***args,
                          GError  **error)
{
  g_autoptr(AfLocalStore) store = NULL;

  if (!parse_no_options (args, NULL,
                         _("Clears the local print history, cached thumbnails, the network "
                           "activity log and cached cloud answers on this computer. Requests "
                           "not yet sent stay, and are still sent."), error))
    return FALSE;
  if ((store = open_store (error)) == NULL || !af_local_store_forget_local_data (store, error))
    return FALSE;
  g_print (_("Local history, cached thumbnails and the activity log are cleared.\n"));
  return TRUE;
}
