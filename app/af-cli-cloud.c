/* af-cli-cloud.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "af-cli-private.h"
#include "af-format.h"

/* The cloud commands: login (device flow, or --browser), logout, whoami,
 * history, and the cloud route of "send --cloud". The cloud's address and
 * extra CA file come from the same settings as the window's
 * (cloud-base-url, cloud-ca-file); the tokens only from the keyring.
 */

#define HISTORY_DEFAULT_LIMIT 20
#define HISTORY_MAX_LIMIT     1000

static const GOptionEntry no_options[] = { G_OPTION_ENTRY_NULL };

/* --- The client ---------------------------------------------------------- */

static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Run from a build tree without compiled schemas: the defaults. */
  if (source == NULL || (schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)) == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

AfCloudClient *
af_cli_cloud_client_new (GError **error)
{
  g_autoptr(GSettings) settings = settings_new ();
  g_autofree char *base_url = NULL;
  g_autofree char *ca_file = NULL;

  if (settings != NULL)
    {
      base_url = g_settings_get_string (settings, "cloud-base-url");
      ca_file = g_settings_get_string (settings, "cloud-ca-file");
    }
  if (base_url == NULL || *base_url == '\0')
    {
      g_free (base_url);
      base_url = g_strdup (AF_CLOUD_DEFAULT_BASE_URL);
    }
  if (!g_str_has_prefix (base_url, "https://"))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("The cloud address “%s” is not an https:// address. Correct the "
                     "cloud-base-url setting."),
                   base_url);
      return NULL;
    }
  return af_cloud_client_new (base_url, ca_file);
}

/* A client with the keyring's session, or NOT_SIGNED_IN saying how to sign in. */
static AfCloudClient *
signed_in_client_new (GError **error)
{
  g_autoptr(AfCloudClient) client = af_cli_cloud_client_new (error);
  g_autoptr(GError) local_error = NULL;

  if (client == NULL)
    return NULL;
  if (!af_cloud_client_load_session (client, NULL, &local_error))
    {
      if (g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN))
        g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN,
                     _("You are not signed in to an AtomForm account; sign in with “%s "
                       "login”."),
                     AF_CLI_NAME);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&client);
}

/* The keyring's session ended on the server: say how to start a new one. */
static void
explain_signed_out (GError **error)
{
  if (error != NULL && *error != NULL &&
      g_error_matches (*error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT))
    {
      g_autofree char *message = g_strdup ((*error)->message);

      g_clear_error (error);
      /* Translators: after "Your AtomForm sign-in has ended. Sign in again." */
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT, _("%s Run “%s login”."),
                   g_strstrip (message), AF_CLI_NAME);
    }
}

/* --- login --------------------------------------------------------------- */

static gboolean
show_account (AfCloudClient  *client,
              gboolean        after_login,
              GError        **error)
{
  g_autoptr(AfCloudAccount) account = af_cloud_client_get_account (client, NULL, error);
  g_autofree char *text = NULL;
  const char *name;
  const char *email;

  if (account == NULL)
    return FALSE;
  name = af_cloud_account_get_display_name (account) ?: "";
  email = af_cloud_account_get_email (account) ?: "";
  text = after_login
         /* Translators: after "login": the account's name, then its e-mail address */
         ? g_strdup_printf (_("Signed in as %s <%s>.\n"), name, email)
         /* Translators: "whoami": the account's name, then its e-mail address */
         : g_strdup_printf (_("%s <%s>\n"), name, email);
  af_cli_print_text (text);
  return TRUE;
}

static gboolean
login_device (AfCloudClient  *client,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(AfCloudDeviceCode) code = NULL;
  g_autofree char *line = NULL;

  code = af_cloud_device_sign_in_start (client, cancellable, error);
  if (code == NULL)
    return FALSE;

  /* Translators: the device sign-in of "login": an address, then a code such as WDJB-MJHT */
  line = g_strdup_printf (_("Open %s and enter %s.\n"), code->verification_uri,
                          code->user_code);
  af_cli_print_text (line);
  if (code->verification_uri_complete != NULL)
    {
      g_autofree char *direct = NULL;

      /* Translators: the device sign-in's direct address, with the code already filled in */
      direct = g_strdup_printf (_("Or open %s\n"), code->verification_uri_complete);
      af_cli_print_text (direct);
    }
  /* Translators: while "login" waits for the code to be confirmed in the browser */
  af_cli_print_text (_("Waiting for the sign-in to be confirmed (Ctrl+C cancels)…\n"));
  fflush (stdout);

  return af_cloud_device_sign_in_wait (client, code, cancellable, error);
}

static gboolean
login_browser (AfCloudClient  *client,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autoptr(AfCloudBrowserSignIn) sign_in = af_cloud_browser_sign_in_new (client, error);
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autofree char *line = NULL;

  if (sign_in == NULL)
    return FALSE;
  /* Translators: "login --browser": the address of AtomForm's sign-in page */
  line = g_strdup_printf (_("Open this address in your browser to sign in:\n%s\n"),
                          af_cloud_browser_sign_in_get_uri (sign_in));
  af_cli_print_text (line);
  fflush (stdout);

  af_cloud_browser_sign_in_wait_async (sign_in, cancellable, af_cli_async_done_cb, &async);
  return af_cloud_browser_sign_in_wait_finish (sign_in, af_cli_async_wait (&async), error);
}

gboolean
af_cli_login (char   ***args,
              GError  **error)
{
  gboolean browser = FALSE;
  const GOptionEntry entries[] = {
    { "browser", 0, 0, G_OPTION_ARG_NONE, &browser,
      N_("Sign in in a browser on this computer instead of with a code"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AfCloudClient) client = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  gboolean ok;

  context = af_cli_option_context_new (NULL,
                                       _("Signs in to your AtomForm account: shows an address "
                                         "and a code to confirm in any browser, then keeps the "
                                         "sign-in in the keyring."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  if (g_strv_length (*args) > 1)
    {
      g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                           _("login takes no arguments."));
      return FALSE;
    }

  client = af_cli_cloud_client_new (error);
  if (client == NULL)
    return FALSE;
  cancellable = af_cli_interruptible_new ();
  ok = browser ? login_browser (client, cancellable, error)
               : login_device (client, cancellable, error);
  if (!ok)
    return FALSE;

  return show_account (client, TRUE, error);
}

/* --- logout and whoami --------------------------------------------------- */

gboolean
af_cli_logout (char   ***args,
               GError  **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AfCloudClient) client = NULL;
  g_autoptr(GError) local_error = NULL;

  context = af_cli_option_context_new (NULL,
                                       _("Signs out of your AtomForm account: ends the session "
                                         "on AtomForm’s cloud and removes it from the keyring."),
                                       no_options);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;

  client = af_cli_cloud_client_new (error);
  if (client == NULL)
    return FALSE;
  if (!af_cloud_client_load_session (client, NULL, &local_error))
    {
      if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      af_cli_print_text (_("You were not signed in.\n"));
      return TRUE;
    }

  if (!af_cloud_client_sign_out (client, NULL, &local_error))
    {
      if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Signed out here; only the server did not hear of it. */
      g_printerr (_("%s: warning: %s\n"), AF_CLI_NAME, local_error->message);
    }
  af_cli_print_text (_("Signed out.\n"));
  return TRUE;
}

gboolean
af_cli_whoami (char   ***args,
               GError  **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AfCloudClient) client = NULL;

  context = af_cli_option_context_new (NULL, _("Shows the AtomForm account you are signed in "
                                               "to."), no_options);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;

  client = signed_in_client_new (error);
  if (client == NULL)
    return FALSE;
  if (!show_account (client, FALSE, error))
    {
      explain_signed_out (error);
      return FALSE;
    }
  return TRUE;
}

/* --- printers of the account --------------------------------------------- */

/* The registry lists the account's printers (the one gate to the cloud)
 * and finds name among them: by the cloud's id, serial or name.
 */
AfPrinter *
af_cli_cloud_lookup (AfPrinterRegistry  *registry,
                     const char         *name,
                     GCancellable       *cancellable,
                     GError            **error)
{
  g_autoptr(AfCloudClient) client = signed_in_client_new (error);
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  AfPrinter *printer;

  if (client == NULL)
    return NULL;
  af_printer_registry_set_cloud_client (registry, client);
  af_printer_registry_refresh_cloud_async (registry, cancellable, af_cli_async_done_cb, &async);
  if (!af_printer_registry_refresh_cloud_finish (registry, af_cli_async_wait (&async), error))
    {
      explain_signed_out (error);
      return NULL;
    }
  printer = af_printer_registry_lookup_cloud (registry, name);
  if (printer == NULL)
    g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND,
                 _("No printer called “%s” is bound to your AtomForm account; bind it from the "
                   "printer’s screen, or name it by its serial number."),
                 name);
  return printer;
}

AfTransport *
af_cli_cloud_connect (AfPrinterRegistry  *registry,
                      const char         *printer_name,
                      GCancellable       *cancellable,
                      GError            **error)
{
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  AfTransport *transport;
  AfPrinter *printer;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (registry), NULL);
  g_return_val_if_fail (printer_name != NULL, NULL);

  /* The registry's gate refuses in LAN-only mode, and its refresh then
   * lists no bound printer: say why rather than "not bound".
   */
  if (!af_network_policy_check_cloud (error))
    return NULL;
  printer = af_cli_cloud_lookup (registry, printer_name, cancellable, error);
  if (printer == NULL)
    return NULL;
  /* The Send panel's rule for the cloud route: the cloud's word on the
   * printer, before a byte is packed or uploaded.
   */
  if (!af_printer_registry_check_ready (registry, printer, AF_PRINT_ROUTE_CLOUD, error))
    return NULL;

  af_printer_registry_connect_async (registry, printer, AF_PRINT_ROUTE_CLOUD, cancellable,
                                     af_cli_async_done_cb, &async);
  transport = af_printer_registry_connect_finish (registry, af_cli_async_wait (&async), error);
  if (transport == NULL)
    explain_signed_out (error);
  return transport;
}

/* --- history ------------------------------------------------------------- */

static char *
format_filament (GPtrArray *filament)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < filament->len; i++)
    {
      AfCloudFilament *item = g_ptr_array_index (filament, i);

      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: one filament of a history entry: its type, colour and weight,
       * e.g. "PLA #00AE42 23.4 g"
       */
      g_string_append_printf (text, _("%s %s %.1f g"), item->type ?: "?", item->color ?: "",
                              item->weight_g);
    }
  return g_string_free (text, text->len == 0);
}

/* Where --thumbnail-dir put an entry's thumbnail, or NULL. */
static const char *
thumbnail_path (AfCloudHistoryEntry *entry)
{
  return g_object_get_data (G_OBJECT (entry), "af-thumbnail-path");
}

static void
append_entry_text (GString             *out,
                   AfCloudHistoryEntry *entry)
{
  g_autoptr(GArray) rows = af_cli_rows_new ();
  GDateTime *started = af_cloud_history_entry_get_started_at (entry);
  GDateTime *ended = af_cloud_history_entry_get_ended_at (entry);
  GDateTime *expires = af_cloud_history_entry_get_file_expires_at (entry);

  g_string_append_printf (out, "%s\n", af_cloud_history_entry_get_title (entry) ?: "");
  af_cli_rows_add (rows, _("Printer"), g_strdup (af_cloud_history_entry_get_printer_name (entry)));
  af_cli_rows_add (rows, _("Status"), g_strdup (af_cloud_history_entry_get_status (entry)));
  af_cli_rows_add (rows, _("Sent"),
                   af_format_date_time (af_cloud_history_entry_get_created_at (entry)));
  af_cli_rows_add (rows, _("Started"), af_format_date_time (started));
  af_cli_rows_add (rows, _("Ended"), af_format_date_time (ended));
  if (started != NULL && ended != NULL)
    af_cli_rows_add (rows, _("Duration"),
                     af_format_duration (g_date_time_difference (ended, started) /
                                         G_USEC_PER_SEC));
  af_cli_rows_add (rows, _("Filament"),
                   format_filament (af_cloud_history_entry_get_filament (entry)));
  if (af_cloud_history_entry_get_file_available (entry) && expires != NULL)
    {
      g_autofree char *date = af_format_date (expires);

      /* Translators: a history entry's file, e.g. "Stored until 4 March 2027" */
      af_cli_rows_add (rows, _("File"), g_strdup_printf (_("Stored until %s"),
                                                         g_strstrip (date)));
    }
  else
    af_cli_rows_add (rows, _("File"), g_strdup (_("File not kept")));
  af_cli_rows_add (rows, _("Thumbnail"), g_strdup (thumbnail_path (entry)));
  af_cli_rows_append (out, rows, "  ");
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *time)
{
  json_builder_set_member_name (builder, name);
  if (time == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  {
    g_autofree char *text = g_date_time_format_iso8601 (time);

    json_builder_add_string_value (builder, text);
  }
}

static void
add_entry_json (JsonBuilder         *builder,
                AfCloudHistoryEntry *entry)
{
  GPtrArray *filament = af_cloud_history_entry_get_filament (entry);
  const struct { const char *name; const char *value; } strings[] = {
    { "id", af_cloud_history_entry_get_id (entry) },
    { "job_id", af_cloud_history_entry_get_job_id (entry) },
    { "title", af_cloud_history_entry_get_title (entry) },
    { "printer_id", af_cloud_history_entry_get_printer_id (entry) },
    { "printer_name", af_cloud_history_entry_get_printer_name (entry) },
    { "status", af_cloud_history_entry_get_status (entry) },
  };

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      json_builder_set_member_name (builder, strings[i].name);
      if (strings[i].value != NULL)
        json_builder_add_string_value (builder, strings[i].value);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_set_member_name (builder, "plate");
  json_builder_add_int_value (builder, af_cloud_history_entry_get_plate (entry));
  add_time (builder, "created_at", af_cloud_history_entry_get_created_at (entry));
  add_time (builder, "started_at", af_cloud_history_entry_get_started_at (entry));
  add_time (builder, "ended_at", af_cloud_history_entry_get_ended_at (entry));
  json_builder_set_member_name (builder, "estimated_seconds");
  json_builder_add_int_value (builder, af_cloud_history_entry_get_estimated_seconds (entry));
  json_builder_set_member_name (builder, "filament");
  json_builder_begin_array (builder);
  for (guint i = 0; i < filament->len; i++)
    {
      AfCloudFilament *item = g_ptr_array_index (filament, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "filament");
      json_builder_add_int_value (builder, item->filament);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, item->type ?: "");
      json_builder_set_member_name (builder, "color");
      json_builder_add_string_value (builder, item->color ?: "");
      json_builder_set_member_name (builder, "weight_g");
      json_builder_add_double_value (builder, item->weight_g);
      json_builder_set_member_name (builder, "length_mm");
      json_builder_add_double_value (builder, item->length_mm);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "has_thumbnail");
  json_builder_add_boolean_value (builder, af_cloud_history_entry_get_has_thumbnail (entry));
  json_builder_set_member_name (builder, "file_available");
  json_builder_add_boolean_value (builder, af_cloud_history_entry_get_file_available (entry));
  add_time (builder, "file_expires_at", af_cloud_history_entry_get_file_expires_at (entry));
  json_builder_set_member_name (builder, "thumbnail_file");
  if (thumbnail_path (entry) != NULL)
    json_builder_add_string_value (builder, thumbnail_path (entry));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

/* Pages until limit entries or the end. */
static GListStore *
collect_history (AfCloudClient  *client,
                 const char     *printer_id,
                 guint           limit,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GListStore) entries = g_list_store_new (AF_TYPE_CLOUD_HISTORY_ENTRY);
  g_autofree char *cursor = NULL;

  do
    {
      guint missing = limit - g_list_model_get_n_items (G_LIST_MODEL (entries));
      g_autoptr(AfCloudHistoryPage) page = NULL;
      guint n;

      page = af_cloud_client_list_history (client, printer_id, cursor, MIN (missing, 100),
                                           cancellable, error);
      if (page == NULL)
        return NULL;
      n = g_list_model_get_n_items (G_LIST_MODEL (page->items));
      for (guint i = 0; i < n && i < missing; i++)
        {
          g_autoptr(AfCloudHistoryEntry) entry = g_list_model_get_item (G_LIST_MODEL (page->items),
                                                                        i);

          g_list_store_append (entries, entry);
        }
      g_free (cursor);
      cursor = g_strdup (page->next_cursor);
      if (n == 0)
        break;
    }
  while (cursor != NULL && g_list_model_get_n_items (G_LIST_MODEL (entries)) < limit);

  return g_steal_pointer (&entries);
}

/* --thumbnail-dir: DIR/<entry id>.png for each entry that has one (ids are
 * [A-Za-z0-9_-], so they make safe file names).
 */
static gboolean
save_thumbnails (AfCloudClient  *client,
                 GListModel     *entries,
                 const char     *dir,
                 GCancellable   *cancellable,
                 GError        **error)
{
  guint n = g_list_model_get_n_items (entries);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfCloudHistoryEntry) entry = g_list_model_get_item (entries, i);
      g_autoptr(GBytes) png = NULL;
      g_autofree char *name = NULL;
      char *path;

      if (!af_cloud_history_entry_get_has_thumbnail (entry))
        continue;
      png = af_cloud_client_get_thumbnail (client, af_cloud_history_entry_get_id (entry),
                                           cancellable, error);
      if (png == NULL)
        return FALSE;
      name = g_strconcat (af_cloud_history_entry_get_id (entry), ".png", NULL);
      path = g_build_filename (dir, name, NULL);
      g_object_set_data_full (G_OBJECT (entry), "af-thumbnail-path", path, g_free);
      if (!g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
print_history (GListModel  *entries,
               gboolean     json)
{
  guint n = g_list_model_get_n_items (entries);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(AfCloudHistoryEntry) entry = g_list_model_get_item (entries, i);

          add_entry_json (builder, entry);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      text = af_json_to_data (root, TRUE);
      af_cli_print_utf8 (text);
      return TRUE;
    }

  if (n == 0)
    {
      af_cli_print_text (_("No prints in the account’s history.\n"));
      return TRUE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfCloudHistoryEntry) entry = g_list_model_get_item (entries, i);
      g_autoptr(GString) out = g_string_new (NULL);

      if (i > 0)
        g_string_append_c (out, '\n');
      append_entry_text (out, entry);
      af_cli_print_text (out->str);
    }
  return TRUE;
}

gboolean
af_cli_history (char   ***args,
                GError  **error)
{
  gboolean json = FALSE;
  gboolean local = FALSE;
  g_autofree char *printer_name = NULL;
  g_autofree char *thumbnail_dir = NULL;
  int limit = HISTORY_DEFAULT_LIMIT;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write the entries as JSON"), NULL },
    { "local", 0, 0, G_OPTION_ARG_NONE, &local,
      N_("The prints this computer sent, from its own record; contacts no server"), NULL },
    { "printer", 'p', 0, G_OPTION_ARG_STRING, &printer_name,
      N_("Only the prints of this bound printer, by name, serial or id"), N_("PRINTER") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
      N_("How many entries to show, newest first (default 20)"), N_("N") },
    { "thumbnail-dir", 0, 0, G_OPTION_ARG_FILENAME, &thumbnail_dir,
      N_("Save each entry's thumbnail as DIR/ID.png"), N_("DIR") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AfCloudClient) client = NULL;
  g_autoptr(AfPrinterRegistry) registry = NULL;
  AfCloudPrinter *printer = NULL;
  g_autoptr(GListStore) found = NULL;
  g_autoptr(GCancellable) cancellable = NULL;

  if (g_strv_length (*args) > 1 && g_strcmp0 ((*args)[1], "delete") == 0)
    {
      g_auto(GStrv) rest = g_strdupv (*args + 1);
      return af_cli_history_delete (&rest, error);
    }
  context = af_cli_option_context_new (NULL,
                                       _("Shows the print history of your AtomForm account: "
                                         "when, where and with which filament, and until when "
                                         "the cloud keeps each file. With --local, the prints "
                                         "this computer sent (none while incognito printing "
                                         "is on)."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  if (limit < 1 || limit > HISTORY_MAX_LIMIT)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("--limit takes a number from 1 to %d; got %d."), HISTORY_MAX_LIMIT, limit);
      return FALSE;
    }
  if (local && (printer_name != NULL || thumbnail_dir != NULL))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("--local takes only --json and --limit; --printer and --thumbnail-dir "
                     "are for the account’s history."));
      return FALSE;
    }
  if (local)
    return af_cli_history_local ((guint) limit, json, error);

  client = signed_in_client_new (error);
  if (client == NULL)
    return FALSE;
  cancellable = af_cli_interruptible_new ();
  if (printer_name != NULL)
    {
      AfPrinter *listed;

      registry = af_cli_registry_new (error);
      if (registry == NULL)
        return FALSE;
      listed = af_cli_cloud_lookup (registry, printer_name, cancellable, error);
      if (listed == NULL)
        return FALSE;
      printer = af_printer_registry_get_cloud_printer (registry, listed);
    }
  found = collect_history (client, printer != NULL ? af_cloud_printer_get_id (printer) : NULL,
                           (guint)limit, cancellable, error);
  if (found == NULL)
    {
      explain_signed_out (error);
      return FALSE;
    }
  if (thumbnail_dir != NULL &&
      !save_thumbnails (client, G_LIST_MODEL (found), thumbnail_dir, cancellable, error))
    {
      explain_signed_out (error);
      return FALSE;
    }
  return print_history (G_LIST_MODEL (found), json);
}
