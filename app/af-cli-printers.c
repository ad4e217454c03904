/* af-cli-printers.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "af-cli-private.h"

/* "printers [--json] [--discover SECONDS]" lists the saved printers, those
 * that announce themselves on the network while it listens, and those bound
 * to the signed-in AtomForm account, from the registry the window uses.
 * "add-printer --host H --serial S …" checks an access code read from
 * standard input by connecting once, then saves the printer and the code.
 */

/* Longer than any access code; a longer line is refused, not cut. */
#define MAX_ACCESS_CODE 128
#define MAX_DISCOVER_SECONDS 3600
/* --discover was not given; a value nobody types, so --discover 0 is refused. */
#define DISCOVER_UNSET G_MININT

/* printers */

static guint
get_discovery_port (GError **error)
{
  const char *text = g_getenv ("AF_DISCOVERY_PORT");
  guint64 port;

  if (text == NULL || *text == '\0')
    return AF_DISCOVERY_DEFAULT_PORT;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("AF_DISCOVERY_PORT must be a port number from 1 to 65535; got “%s”."),
                   text);
      return 0;
    }

  return (guint)port;
}

typedef struct
{
  GMainLoop *loop;
  guint      timeout_id;
} Listening;

static gboolean
listened_cb (gpointer user_data)
{
  Listening *listening = user_data;

  listening->timeout_id = 0;
  g_main_loop_quit (listening->loop);
  return G_SOURCE_REMOVE;
}

static void
interrupted_cb (GCancellable *cancellable,
                Listening    *listening)
{
  g_main_loop_quit (listening->loop);
}

/* Listens for seconds, or until Ctrl+C. The discovery goes on until the
 * caller drops it, so that stopping cannot empty the list before it is shown.
 */
static AfDiscovery *
discover (AfPrinterList  *list,
          guint           seconds,
          GError        **error)
{
  g_autoptr(AfDiscovery) discovery = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  Listening listening = { NULL, 0 };
  guint port;
  gulong cancelled_id;

  port = get_discovery_port (error);
  if (port == 0)
    return NULL;

  discovery = af_discovery_new (port);
  if (!af_discovery_start (discovery, error))
    return NULL;

  af_printer_list_set_discovery (list, discovery);

  listening.loop = g_main_loop_new (NULL, FALSE);
  cancellable = af_cli_interruptible_new ();
  cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (interrupted_cb),
                                        &listening, NULL);
  listening.timeout_id = g_timeout_add_seconds (seconds, listened_cb, &listening);
  if (!g_cancellable_is_cancelled (cancellable))
    g_main_loop_run (listening.loop);

  g_clear_handle_id (&listening.timeout_id, g_source_remove);
  g_cancellable_disconnect (cancellable, cancelled_id);
  g_main_loop_unref (listening.loop);

  return g_steal_pointer (&discovery);
}

static GPtrArray *
dup_source_names (AfPrinterSource sources)
{
  GPtrArray *names = g_ptr_array_new ();

  if (sources & AF_PRINTER_SOURCE_MANUAL)
    g_ptr_array_add (names, (gpointer)"manual");
  if (sources & AF_PRINTER_SOURCE_DISCOVERED)
    g_ptr_array_add (names, (gpointer)"discovered");
  if (sources & AF_PRINTER_SOURCE_CLOUD)
    g_ptr_array_add (names, (gpointer)"cloud");

  return names;
}

/* Only a printer's own announcement says whether it is in LAN-only mode. */
static const char *
get_mode (AfPrinter *printer)
{
  if (!(af_printer_get_sources (printer) & AF_PRINTER_SOURCE_DISCOVERED))
    return NULL;

  return af_printer_get_lan_only (printer) ? "lan-only" : "cloud";
}

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* What the account says of a bound printer, or null. */
static void
add_cloud_json (JsonBuilder    *builder,
                AfCloudPrinter *cloud_printer)
{
  json_builder_set_member_name (builder, "cloud");
  if (cloud_printer == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  add_string_member (builder, "id", af_cloud_printer_get_id (cloud_printer));
  json_builder_set_member_name (builder, "online");
  json_builder_add_boolean_value (builder, af_cloud_printer_get_online (cloud_printer));
  add_string_member (builder, "state", af_cloud_printer_get_state (cloud_printer));
  json_builder_end_object (builder);
}

static void
add_printer_json (JsonBuilder    *builder,
                  AfPrinter      *printer,
                  AfCloudPrinter *cloud_printer)
{
  g_autofree char *display_name = af_printer_dup_display_name (printer);
  g_autoptr(GPtrArray) sources = dup_source_names (af_printer_get_sources (printer));

  json_builder_begin_object (builder);
  add_string_member (builder, "name", af_printer_get_name (printer));
  add_string_member (builder, "display_name", display_name);
  add_string_member (builder, "serial", af_printer_get_serial (printer));
  add_string_member (builder, "host", af_printer_get_host (printer));
  add_string_member (builder, "model", af_printer_get_model (printer));
  add_string_member (builder, "mode", get_mode (printer));
  json_builder_set_member_name (builder, "sources");
  json_builder_begin_array (builder);
  for (guint i = 0; i < sources->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (sources, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "mqtt_port");
  json_builder_add_int_value (builder, af_printer_get_mqtt_port (printer));
  json_builder_set_member_name (builder, "ftps_port");
  json_builder_add_int_value (builder, af_printer_get_ftps_port (printer));
  add_string_member (builder, "fingerprint", af_printer_get_fingerprint (printer));
  add_string_member (builder, "ca_file", af_printer_get_ca_file (printer));
  add_string_member (builder, "firmware", af_printer_get_firmware (printer));
  add_cloud_json (builder, cloud_printer);
  json_builder_end_object (builder);
}

/* Whether the account's printers are in the list, and why not. */
typedef enum
{
  CLOUD_LISTED,
  CLOUD_SIGNED_OUT,
  CLOUD_LAN_ONLY,
  CLOUD_UNAVAILABLE,
} CloudListing;

static const char *
cloud_listing_to_string (CloudListing listing)
{
  switch (listing)
    {
    case CLOUD_LISTED:
      return "listed";
    case CLOUD_SIGNED_OUT:
      return "signed-out";
    case CLOUD_LAN_ONLY:
      return "lan-only";
    case CLOUD_UNAVAILABLE:
    default:
      return "unavailable";
    }
}

static char *
printers_to_json (AfPrinterRegistry *registry,
                  CloudListing       listing)
{
  GListModel *printers = G_LIST_MODEL (af_printer_registry_get_list (registry));
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint n = g_list_model_get_n_items (printers);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format_version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "printers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (printers, i);

      add_printer_json (builder, printer,
                        af_printer_registry_get_cloud_printer (registry, printer));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "cloud_printers");
  json_builder_add_string_value (builder, cloud_listing_to_string (listing));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return af_json_to_data (root, TRUE);
}

static const char *
mode_label (AfPrinter *printer)
{
  const char *mode = get_mode (printer);

  if (mode == NULL)
    /* Translators: the mode column of "printers" for a printer not heard on the network */
    return _("unknown");
  if (g_str_equal (mode, "lan-only"))
    return _("LAN-only");
  return _("cloud");
}

static char *
sources_label (AfPrinterSource sources)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (sources & AF_PRINTER_SOURCE_MANUAL)
    /* Translators: in the sources column of "printers": added with add-printer */
    g_ptr_array_add (parts, (gpointer)_("saved"));
  if (sources & AF_PRINTER_SOURCE_DISCOVERED)
    /* Translators: in the sources column of "printers": heard on the network */
    g_ptr_array_add (parts, (gpointer)_("discovered"));
  if (sources & AF_PRINTER_SOURCE_CLOUD)
    /* Translators: in the sources column of "printers": bound to the signed-in account */
    g_ptr_array_add (parts, (gpointer)_("account"));
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (", ", (char **)parts->pdata);
}

static void
append_padded (GString    *out,
               const char *text,
               glong       width,
               gboolean    last)
{
  g_string_append (out, text);
  if (!last)
    g_string_append_printf (out, "%*s", (int)(width - g_utf8_strlen (text, -1)) + 2, "");
}

#define N_COLUMNS 6

static char *
printers_to_text (GListModel *printers)
{
  guint n = g_list_model_get_n_items (printers);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  glong widths[N_COLUMNS] = { 0 };
  GString *out = g_string_new (NULL);

  g_ptr_array_add (cells, g_strdup (_("NAME")));
  g_ptr_array_add (cells, g_strdup (_("SERIAL")));
  g_ptr_array_add (cells, g_strdup (_("HOST")));
  g_ptr_array_add (cells, g_strdup (_("MODEL")));
  g_ptr_array_add (cells, g_strdup (_("MODE")));
  g_ptr_array_add (cells, g_strdup (_("SOURCES")));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (printers, i);
      const char *host = af_printer_get_host (printer);
      const char *model = af_printer_get_model (printer);

      g_ptr_array_add (cells, af_printer_dup_display_name (printer));
      g_ptr_array_add (cells, g_strdup (af_printer_get_serial (printer)));
      g_ptr_array_add (cells, g_strdup (host != NULL ? host : "–"));
      g_ptr_array_add (cells, g_strdup (model != NULL ? model : "–"));
      g_ptr_array_add (cells, g_strdup (mode_label (printer)));
      g_ptr_array_add (cells, sources_label (af_printer_get_sources (printer)));
    }

  for (guint i = 0; i < cells->len; i++)
    widths[i % N_COLUMNS] = MAX (widths[i % N_COLUMNS],
                                 g_utf8_strlen (g_ptr_array_index (cells, i), -1));

  for (guint i = 0; i < cells->len; i++)
    {
      gboolean last = i % N_COLUMNS == N_COLUMNS - 1;

      append_padded (out, g_ptr_array_index (cells, i), widths[i % N_COLUMNS], last);
      if (last)
        g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

/* The account's printers join the list through the registry, the one gate
 * to the cloud. LAN-only mode makes no cloud connection at all, not even
 * the keyring's session is read; a cloud that cannot be reached leaves the
 * LAN list, with a warning.
 */
static CloudListing
list_cloud (AfPrinterRegistry *registry)
{
  g_autoptr(AfCloudClient) client = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autoptr(GError) error = NULL;

  if (af_network_policy_get_lan_only ())
    return CLOUD_LAN_ONLY;
  client = af_cli_cloud_client_new (&error);
  if (client != NULL && !af_cloud_client_load_session (client, NULL, &error) &&
      g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN))
    return CLOUD_SIGNED_OUT;
  if (client == NULL || error != NULL)
    goto unavailable;

  af_printer_registry_set_cloud_client (registry, client);
  cancellable = af_cli_interruptible_new ();
  af_printer_registry_refresh_cloud_async (registry, cancellable, af_cli_async_done_cb, &async);
  if (af_printer_registry_refresh_cloud_finish (registry, af_cli_async_wait (&async), &error))
    return CLOUD_LISTED;
  if (g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT))
    return CLOUD_SIGNED_OUT;

unavailable:
  {
    g_autofree char *message = af_text_for_terminal (error->message, FALSE);

    /* Translators: the cloud's error, when "printers" lists the LAN printers without it */
    g_printerr (_("%s: warning: %s The printers bound to your AtomForm account are not "
                  "listed.\n"),
                AF_CLI_NAME, message);
  }
  return CLOUD_UNAVAILABLE;
}

static void
explain_listing (CloudListing listing)
{
  switch (listing)
    {
    case CLOUD_SIGNED_OUT:
      g_print (_("Not signed in to an AtomForm account: printers bound to an account are not "
                 "listed. “%s login” signs in.\n"),
               AF_CLI_NAME);
      break;
    case CLOUD_LAN_ONLY:
      g_print (_("LAN-only mode is on: printers bound to your AtomForm account are not "
                 "listed, and AtomForm’s cloud was not contacted.\n"));
      break;
    case CLOUD_LISTED:
    case CLOUD_UNAVAILABLE:
    default:
      break;
    }
}

gboolean
af_cli_printers (char   ***args,
                 GError  **error)
{
  gboolean json = FALSE;
  int seconds = DISCOVER_UNSET;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print JSON, as documented in docs/cli.md"), NULL },
    { "discover", 0, 0, G_OPTION_ARG_INT, &seconds,
      N_("Also listen SECONDS for printers announcing themselves on the network"),
      N_("SECONDS") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AfPrinterRegistry) registry = NULL;
  g_autoptr(AfDiscovery) discovery = NULL;
  g_autofree char *text = NULL;
  CloudListing listing;
  GListModel *printers;

  context = af_cli_option_context_new (NULL,
                                       _("Lists the saved printers, those bound to your "
                                         "AtomForm account and, with --discover, those found "
                                         "on the local network."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;

  if (g_strv_length (*args) != 1)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("“%s” takes no arguments; see “%s --help”."),
                   g_get_prgname (), g_get_prgname ());
      return FALSE;
    }
  if (seconds != DISCOVER_UNSET && (seconds < 1 || seconds > MAX_DISCOVER_SECONDS))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("--discover takes a number of seconds from 1 to %d; got %d."),
                   MAX_DISCOVER_SECONDS, seconds);
      return FALSE;
    }

  registry = af_cli_registry_new (error);
  if (registry == NULL)
    return FALSE;
  printers = G_LIST_MODEL (af_printer_registry_get_list (registry));
  if (seconds != DISCOVER_UNSET)
    {
      discovery = discover (af_printer_registry_get_list (registry), (guint)seconds, error);
      if (discovery == NULL)
        return FALSE;
    }
  listing = list_cloud (registry);

  if (json)
    {
      text = printers_to_json (registry, listing);
      af_cli_print_utf8 (text);
    }
  else
    {
      if (g_list_model_get_n_items (printers) == 0)
        g_print (_("No printers. Add one with “%s add-printer”, or look for them with "
                   "“%s printers --discover 10”.\n"),
                 AF_CLI_NAME, AF_CLI_NAME);
      else
        {
          text = printers_to_text (printers);
          af_cli_print_text (text);
        }
      explain_listing (listing);
    }

  if (discovery != NULL)
    af_discovery_stop (discovery);
  af_printer_registry_shutdown (registry);

  return TRUE;
}

/* add-printer */

/* One line from standard input, read byte by byte so that no copy of the
 * code lingers in a stdio buffer. On a terminal it is not echoed.
 */
static gboolean
read_line_fd (int      fd,
              char    *buffer,
              gsize    size,
              GError **error)
{
  gsize length = 0;

  for (;;)
    {
      char c;
      gssize n = read (fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not read the access code: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0 || c == '\n')
        break;
      if (length + 1 >= size)
        {
          g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_BAD_INPUT,
                       _("The access code is too long; give the code the printer's screen "
                         "shows, on one line."));
          return FALSE;
        }
      buffer[length++] = c;
    }

  buffer[length] = '\0';
  return TRUE;
}

/* The terminal as it was before echo went off, for the signal handler. */
static struct termios saved_termios;

/* Ctrl+C at the prompt must not leave the terminal without echo. */
static void
restore_echo_and_reraise (int signum)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

static gboolean
echo_off (struct sigaction *old_int,
          struct sigaction *old_term)
{
  struct sigaction restore = { 0 };
  struct termios quiet;

  if (tcgetattr (STDIN_FILENO, &saved_termios) != 0)
    return FALSE;

  restore.sa_handler = restore_echo_and_reraise;
  sigemptyset (&restore.sa_mask);
  sigaction (SIGINT, &restore, old_int);
  sigaction (SIGTERM, &restore, old_term);

  quiet = saved_termios;
  quiet.c_lflag &= ~(tcflag_t)ECHO;
  if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0)
    return TRUE;

  sigaction (SIGINT, old_int, NULL);
  sigaction (SIGTERM, old_term, NULL);
  return FALSE;
}

static void
echo_on (const struct sigaction *old_int,
         const struct sigaction *old_term)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  sigaction (SIGINT, old_int, NULL);
  sigaction (SIGTERM, old_term, NULL);
}

static AfSecret *
read_access_code (GError **error)
{
  char buffer[MAX_ACCESS_CODE + 2] = { 0 };
  gboolean tty = isatty (STDIN_FILENO);
  struct sigaction old_int;
  struct sigaction old_term;
  gboolean quiet = FALSE;
  gboolean ok;
  AfSecret *code = NULL;

  if (tty)
    {
      /* Echo goes off before the prompt shows, so nothing typed after it is echoed. */
      quiet = echo_off (&old_int, &old_term);
      /* Translators: the prompt of add-printer when standard input is a terminal */
      g_printerr (_("Access code (from the printer's screen): "));
    }

  ok = read_line_fd (STDIN_FILENO, buffer, sizeof buffer, error);

  if (quiet)
    echo_on (&old_int, &old_term);
  if (tty)
    g_printerr ("\n");

  if (ok)
    {
      g_strstrip (buffer);
      if (*buffer == '\0')
        g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                     _("No access code on standard input. Type it, or pipe it in: the "
                       "printer's screen shows it under its network settings."));
      else
        code = af_secret_new (buffer);
    }

  af_secret_wipe (buffer, sizeof buffer);
  return code;
}

typedef struct
{
  char     *host;
  char     *serial;
  char     *name;
  int       mqtt_port;
  int       ftps_port;
  char     *ca_file;
  char     *trust;
  char     *fingerprint;   /* trust, normalized */
} AddOptions;

static void
add_options_clear (AddOptions *options)
{
  g_clear_pointer (&options->host, g_free);
  g_clear_pointer (&options->serial, g_free);
  g_clear_pointer (&options->name, g_free);
  g_clear_pointer (&options->ca_file, g_free);
  g_clear_pointer (&options->trust, g_free);
  g_clear_pointer (&options->fingerprint, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AddOptions, add_options_clear)

static gboolean
check_port (const char  *option,
            int          port,
            GError     **error)
{
  if (port >= 1 && port <= 65535)
    return TRUE;

  g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
               _("%s takes a port number from 1 to 65535; got %d."), option, port);
  return FALSE;
}

static gboolean
check_serial (const char  *serial,
              GError     **error)
{
  for (const char *p = serial; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p))
        {
          g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                               _("--serial takes the printer's serial number: letters and "
                                 "digits only, as its screen shows it."));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_add_options (AddOptions  *options,
                   char       **args,
                   GError     **error)
{
  if (g_strv_length (args) != 1)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("“%s” takes options only; the access code is read from standard input. "
                     "See “%s --help”."),
                   g_get_prgname (), g_get_prgname ());
      return FALSE;
    }
  if (options->host == NULL || *options->host == '\0' ||
      options->serial == NULL || *options->serial == '\0')
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give the printer's address with --host and its serial number with "
                     "--serial; see “%s --help”."),
                   g_get_prgname ());
      return FALSE;
    }
  if (!check_serial (options->serial, error) ||
      !check_port ("--mqtt-port", options->mqtt_port, error) ||
      !check_port ("--ftps-port", options->ftps_port, error))
    return FALSE;
  if (options->ca_file != NULL && options->trust != NULL)
    {
      g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                           _("Give either --ca or --trust-fingerprint, not both."));
      return FALSE;
    }
  if (options->trust != NULL)
    {
      options->fingerprint = af_tls_normalize_fingerprint (options->trust);
      if (options->fingerprint == NULL)
        {
          g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                               _("--trust-fingerprint takes a SHA-256 fingerprint: 64 "
                                 "hexadecimal digits, with or without colons."));
          return FALSE;
        }
    }
  if (options->ca_file != NULL && !g_file_test (options->ca_file, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *display_name = g_filename_display_name (options->ca_file);

      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_BAD_INPUT,
                   _("The CA file “%s” does not exist or is not a file."), display_name);
      return FALSE;
    }

  return TRUE;
}

static AfPrinter *
printer_from_options (const AddOptions *options)
{
  AfPrinter *printer = af_printer_new (options->serial);

  af_printer_set_host (printer, options->host);
  if (options->name != NULL && *options->name != '\0')
    af_printer_set_name (printer, options->name);
  af_printer_set_mqtt_port (printer, (guint)options->mqtt_port);
  af_printer_set_ftps_port (printer, (guint)options->ftps_port);
  af_printer_set_sources (printer, AF_PRINTER_SOURCE_MANUAL);
  if (options->ca_file != NULL)
    {
      /* The list outlives this working directory. */
      g_autofree char *path = g_canonicalize_filename (options->ca_file, NULL);

      af_printer_set_ca_file (printer, path);
    }
  if (options->fingerprint != NULL)
    af_printer_set_fingerprint (printer, options->fingerprint);

  return printer;
}

/* The exact command that trusts what was seen, options as the user gave them. */
static char *
build_trust_command (const AddOptions *options,
                     const char       *fingerprint)
{
  GString *command = g_string_new (AF_CLI_NAME " add-printer");
  g_autofree char *host = g_shell_quote (options->host);
  g_autofree char *serial = g_shell_quote (options->serial);

  g_string_append_printf (command, " --host %s --serial %s", host, serial);
  if (options->name != NULL)
    {
      g_autofree char *name = g_shell_quote (options->name);

      g_string_append_printf (command, " --name %s", name);
    }
  if (options->mqtt_port != AF_PRINTER_DEFAULT_MQTT_PORT)
    g_string_append_printf (command, " --mqtt-port %d", options->mqtt_port);
  if (options->ftps_port != AF_PRINTER_DEFAULT_FTPS_PORT)
    g_string_append_printf (command, " --ftps-port %d", options->ftps_port);
  g_string_append_printf (command, " --trust-fingerprint %s", fingerprint);

  return g_string_free (command, FALSE);
}

static void
explain_unknown_certificate (const char        *seen,
                             const AddOptions  *options,
                             GError           **error)
{
  g_autofree char *formatted = NULL;
  g_autofree char *command = NULL;

  if (seen == NULL)
    return;

  formatted = af_tls_format_fingerprint (seen);
  command = build_trust_command (options, seen);
  g_clear_error (error);
  g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN,
               _("The printer's certificate is not signed by a known authority; its SHA-256 "
                 "fingerprint is %s. If you trust that this is your printer, run again, "
                 "with the access code on standard input: %s"),
               formatted, command);
}

/* The registry connects once with the code and saves the printer and the
 * code only when that worked; it takes the code and wipes it.
 */
static gboolean
add_printer (AfPrinter         *printer,
             AfSecret          *access_code,
             const AddOptions  *options,
             GError           **error)
{
  g_autoptr(AfPrinterRegistry) registry = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *owned_name = NULL;
  AfPrinter *saved;

  registry = af_cli_registry_new (error);
  if (registry == NULL)
    {
      af_secret_free (access_code);
      return FALSE;
    }

  cancellable = af_cli_interruptible_new ();
  af_printer_registry_add_async (registry, printer, access_code, cancellable,
                                 af_cli_async_done_cb, &async);
  saved = af_printer_registry_add_finish (registry, af_cli_async_wait (&async), &seen,
                                          &local_error);
  if (saved == NULL)
    {
      if (g_error_matches (local_error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN))
        explain_unknown_certificate (seen, options, &local_error);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&local_error);
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Interrupted; nothing was saved."));
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  owned_name = af_printer_dup_display_name (saved);
  display_name = af_text_for_terminal (owned_name, FALSE);
  /* Translators: what add-printer prints once the printer and its code are saved */
  g_print (_("Saved “%s”.\n"), display_name);
  return TRUE;
}

gboolean
af_cli_add_printer (char   ***args,
                    GError  **error)
{
  g_auto(AddOptions) options = {
    .mqtt_port = AF_PRINTER_DEFAULT_MQTT_PORT,
    .ftps_port = AF_PRINTER_DEFAULT_FTPS_PORT,
  };
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &options.host,
      N_("The printer's IP address or host name"), N_("HOST") },
    { "serial", 0, 0, G_OPTION_ARG_STRING, &options.serial,
      N_("The printer's serial number, from its screen"), N_("SERIAL") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &options.name,
      N_("The name to show and to use with the other commands"), N_("NAME") },
    { "mqtt-port", 0, 0, G_OPTION_ARG_INT, &options.mqtt_port,
      N_("The printer's MQTT port (default: 8883)"), N_("PORT") },
    { "ftps-port", 0, 0, G_OPTION_ARG_INT, &options.ftps_port,
      N_("The printer's FTPS port (default: 990)"), N_("PORT") },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &options.ca_file,
      N_("Trust the printer's certificate when FILE's authorities signed it"), N_("FILE") },
    { "trust-fingerprint", 0, 0, G_OPTION_ARG_STRING, &options.trust,
      N_("Trust the printer's certificate when its SHA-256 fingerprint is this one"),
      N_("SHA256") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(AfPrinter) printer = NULL;
  AfSecret *access_code;

  context = af_cli_option_context_new (NULL,
                                       _("Adds a printer on the local network. The access code "
                                         "is read from standard input, never from the command "
                                         "line; the printer is saved only once a connection "
                                         "with it succeeded, and the code goes to the "
                                         "keyring."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error) ||
      !check_add_options (&options, *args, error))
    return FALSE;

  access_code = read_access_code (error);
  if (access_code == NULL)
    return FALSE;

  printer = printer_from_options (&options);
  return add_printer (printer, access_code, &options, error);
}
