/* af-application.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <glib/gi18n.h>

#include "af-application.h"
#include "af-cli.h"
#include "af-cli-private.h"
#include "af-core.h"
#include "af-window.h"

struct _AfApplication
{
  AdwApplication parent_instance;

  /* Set once GApplication has parsed the options without complaint. */
  gboolean          options_parsed;
  /* The printers every window shows and sends to; made with the first window,
   * so the command line never starts discovery.
   */
  AfPrinterRegistry *printer_registry;
  /* The privacy outbox and requests every window shows, made with the first
   * window; NULL when the local data file cannot be opened.
   */
  AfPrivacy         *privacy;
};

G_DEFINE_FINAL_TYPE (AfApplication, af_application, ADW_TYPE_APPLICATION)

/* A request completed, was rejected or passed its deadline: said once, as
 * a notification, whichever window is open.
 */
static void
request_event_cb (AfPrivacy        *privacy,
                  AfPrivacyRequest *request,
                  AfPrivacyEvent    event,
                  AfApplication    *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  af_privacy_describe_event (request, event, &title, &body);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  id = g_strdup_printf ("privacy-%s-%d", af_privacy_request_get_id (request), (int) event);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
session_loaded_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(AfApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_cloud_client_load_session_finish (AF_CLOUD_CLIENT (source_object), result, &error))
    g_debug ("No cloud session: %s", error->message);
  if (self->privacy != NULL)
    af_privacy_start_polling (self->privacy, 60);
}

/* The registry's cloud client (the command line's settings) and the same
 * local data file as the command line's; the session is read from the
 * keyring in the background, then the outbox is sent and the open requests
 * followed.
 */
static void
create_privacy (AfApplication *self)
{
  AfCloudClient *client = af_printer_registry_get_cloud_client (self->printer_registry);
  AfLocalStore *store = af_local_store_get_default ();

  if (client == NULL || store == NULL)
    {
      g_debug ("No privacy: %s", client == NULL ? "no cloud client" : "no local data file");
      return;
    }
  self->privacy = af_privacy_new (client, store);
  /* Every print the windows send is remembered (or not) by its rule. */
  af_printer_registry_set_privacy (self->printer_registry, self->privacy);
  g_signal_connect_object (self->privacy, "request-event", G_CALLBACK (request_event_cb), self,
                           0);
  af_cloud_client_load_session_async (client, NULL, session_loaded_cb, g_object_ref (self));
}

static AfWindow *
new_window (AfApplication *self)
{
  AfWindow *window;

  g_assert (AF_IS_APPLICATION (self));

  if (self->printer_registry == NULL)
    {
      g_autoptr(AfCloudClient) client = NULL;
      g_autoptr(GError) error = NULL;

      self->printer_registry = af_printer_registry_new ();
      /* The same cloud settings as the command line's; the windows load
       * the session from the keyring in the background.
       */
      client = af_cli_cloud_client_new (&error);
      if (client != NULL)
        af_printer_registry_set_cloud_client (self->printer_registry, client);
      else
        g_debug ("No cloud: %s", error->message);
      create_privacy (self);
    }

  window = af_window_new (ADW_APPLICATION (self));
  af_window_set_printer_registry (window, self->printer_registry);
  if (self->privacy != NULL)
    af_window_set_privacy (window, self->privacy);

  return window;
}

/* Windows are closed rather than the application quit outright, so that
 * each cancels its own work on the way out, and a window may refuse in
 * close-request (a send still running): quitting then stops at that window.
 */
static void
quit_cb (GSimpleAction *action,
         GVariant      *parameter,
         gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows;

  while ((windows = gtk_application_get_windows (app)) != NULL)
    {
      GtkWindow *window = windows->data;

      gtk_window_close (window);
      if (g_list_find (gtk_application_get_windows (app), window) != NULL)
        return;
    }

  g_application_quit (G_APPLICATION (app));
}

static void
new_window_cb (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  AfApplication *self = user_data;

  gtk_window_present (GTK_WINDOW (new_window (self)));
}

static void
about_cb (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  AfApplication *self = user_data;
  static const char *developers[] = { "The AtomForm Connect Authors", NULL };
  /* Whose published findings the printer protocol follows (docs/lan-protocol.md). */
  static const char *protocol[] = {
    "OpenBambuAPI https://github.com/Doridian/OpenBambuAPI",
    "ha-bambulab https://github.com/greghesp/ha-bambulab",
    "bambulabs_api https://github.com/BambuTools/bambulabs_api",
    NULL
  };
  AdwAboutWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", "AtomForm Connect",
                        "application-icon", APP_ID,
                        "developer-name", "The AtomForm Connect Authors",
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "copyright", "© 2026 The AtomForm Connect Authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your name and e-mail address, one translator a line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_credit_section (about, _("Printer Protocol Research"), protocol);
  adw_about_window_add_link (about, _("_Privacy Statement"), PRIVACY_URL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_entries[] = {
  { .name = "quit", .activate = quit_cb },
  { .name = "new-window", .activate = new_window_cb },
  { .name = "about", .activate = about_cb },
};

static void
af_application_startup (GApplication *app)
{
  static const char * const quit_accels[] = { "<Control>q", NULL };
  static const char * const new_window_accels[] = { "<Control>n", NULL };

  G_APPLICATION_CLASS (af_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries,
                                   G_N_ELEMENTS (app_entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-window",
                                         new_window_accels);
}

static void
af_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (AF_APPLICATION (app)));

  gtk_window_present (window);
}

/* The most recently focused window still showing its start page, if any:
 * a file opened from Files while the app waits for one belongs there.
 */
static AfWindow *
find_empty_window (AfApplication *self)
{
  g_assert (AF_IS_APPLICATION (self));

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (AF_IS_WINDOW (l->data) && af_window_get_file (l->data) == NULL)
        return l->data;
    }

  return NULL;
}

/* A slicer's atomform-connect://import-file link stands for the file it
 * names; the core parses it and checks the file, as for the command line.
 */
static GFile *
resolve_file (GFile   *file,
              GError **error)
{
  g_autofree char *uri = NULL;

  if (!g_file_has_uri_scheme (file, AF_HANDOFF_URL_SCHEME))
    return g_object_ref (file);

  uri = g_file_get_uri (file);
  return af_handoff_resolve_url (uri, error);
}

/* Runs in the primary instance, also for files a second launch handed over. */
static void
af_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  AfApplication *self = AF_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GFile) file = resolve_file (files[i], &error);
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
      AfWindow *window = NULL;

      /* A link that leads nowhere is told in the window in front. */
      if (file == NULL && AF_IS_WINDOW (active))
        window = AF_WINDOW (active);
      if (window == NULL)
        window = find_empty_window (self);
      if (window == NULL)
        window = new_window (self);

      if (file != NULL)
        af_window_open (window, file);
      else
        af_window_show_error (window, error);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static int
af_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  AF_APPLICATION (app)->options_parsed = TRUE;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", AF_CLI_NAME, PACKAGE_VERSION);
      return AF_EXIT_OK;
    }

  return -1;
}

static gboolean
af_application_local_command_line (GApplication   *app,
                                   char         ***arguments,
                                   int            *exit_status)
{
  AfApplication *self = AF_APPLICATION (app);

  if (!G_APPLICATION_CLASS (af_application_parent_class)->local_command_line (app, arguments,
                                                                               exit_status))
    return FALSE;

  /* GApplication reports an option it cannot parse with status 1, before
   * handle-local-options runs. The command line promises 2 for every usage
   * error, as the subcommands give.
   */
  if (!self->options_parsed)
    *exit_status = AF_EXIT_USAGE;

  return TRUE;
}

static void
af_application_shutdown (GApplication *app)
{
  AfApplication *self = AF_APPLICATION (app);

  if (self->printer_registry != NULL)
    af_printer_registry_shutdown (self->printer_registry);
  g_clear_object (&self->printer_registry);
  if (self->privacy != NULL)
    af_privacy_stop_polling (self->privacy);
  g_clear_object (&self->privacy);

  G_APPLICATION_CLASS (af_application_parent_class)->shutdown (app);
}

static void
af_application_class_init (AfApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->shutdown = af_application_shutdown;
  app_class->startup = af_application_startup;
  app_class->activate = af_application_activate;
  app_class->open = af_application_open;
  app_class->handle_local_options = af_application_handle_local_options;
  app_class->local_command_line = af_application_local_command_line;
}

static void
af_application_init (AfApplication *self)
{
  static const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[FILE…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Opens each FILE (G-code, binary G-code or a "
                                              "printer-ready 3MF) in a window."));
  g_application_set_option_context_description (G_APPLICATION (self), af_cli_get_commands_help ());
}

AfApplication *
af_application_new (void)
{
  return g_object_new (AF_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       /* The .Devel id would otherwise move the base path, and
                        * with it style.css and the help overlay.
                        */
                       "resource-base-path", RESOURCE_PATH,
                       NULL);
}
