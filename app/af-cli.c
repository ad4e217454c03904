/* af-cli.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "af-core.h"
#include "af-cli-private.h"

typedef struct
{
  const char       *name;
  AfCliCommandFunc  run;
} AfCliCommand;

static const AfCliCommand commands[] = {
  { "inspect", af_cli_inspect },
  { "pack", af_cli_pack },
  { "printers", af_cli_printers },
  { "add-printer", af_cli_add_printer },
  { "send", af_cli_send },
  { "status", af_cli_status },
  { "pause", af_cli_pause },
  { "resume", af_cli_resume },
  { "stop", af_cli_stop },
  /* An option, not a command: slicers' post-processing setting (docs/handoff.md). */
  { "--from-slicer", af_cli_from_slicer },
  { "login", af_cli_login },
  { "logout", af_cli_logout },
  { "whoami", af_cli_whoami },
  { "history", af_cli_history },
  { "privacy", af_cli_privacy },
  { "activity", af_cli_activity },
  { "forget-local-data", af_cli_forget_local_data },
};

G_DEFINE_QUARK (af-cli-error-quark, af_cli_error)

static const AfCliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (commands[i].name, name) == 0)
        return &commands[i];
    }

  return NULL;
}

gboolean
af_cli_is_command (int    argc,
                   char **argv)
{
  return argc > 1 && find_command (argv[1]) != NULL;
}

const char *
af_cli_get_commands_help (void)
{
  return _("Commands (they need no display and never reach a running instance):\n"
           "  inspect FILE [--json]            Show what FILE says about its print\n"
           "  pack FILE [-o OUT] [--plate N]   Write FILE as a printer-ready .gcode.3mf\n"
           "  printers [--json] [--discover SECONDS]\n"
           "                                   List saved and discovered printers\n"
           "  add-printer --host H --serial S  Add a printer; the access code is read from\n"
           "                                   standard input\n"
           "  send FILE --printer PRINTER      Print FILE on a saved printer\n"
           "  status PRINTER [--json]          Show what a printer is doing\n"
           "  pause|resume|stop PRINTER        Pause, resume or stop its print\n"
           "  --from-slicer FILE               For a slicer’s post-processing scripts: open\n"
           "                                   a copy of FILE (see docs/handoff.md)\n"
           "  login [--browser]                Sign in to your AtomForm account\n"
           "  logout                           Sign out and remove the sign-in\n"
           "  whoami                           Show the account you are signed in to\n"
           "  history [--json] [--printer P] [--limit N]\n"
           "                                   Show the account's print history\n"
           "  history --local [--json] [--limit N]\n"
           "                                   Show the prints this computer sent\n"
           "  send FILE --printer P --cloud    Print FILE through AtomForm's cloud\n"
           "  history delete ID…|--all         Delete print history entries\n"
           "  privacy show|set|consents|withdraw|request|requests|cancel|download\n"
           "                                   Your privacy settings, consents and requests\n"
           "  activity [--json]                Every network connection this app made\n"
           "  forget-local-data                Clear local history, thumbnails, activity log\n"
           "\n"
           "Run “atomform-connect COMMAND --help” for the options of a command.");
}

/* Whether the LAN error says the user gave something wrong: a printer that
 * is not saved, a wrong access code, a certificate not (or no longer)
 * trusted. Unreachable, busy and failed printers are not the user's input.
 */
static gboolean
is_lan_usage_error (int code)
{
  switch (code)
    {
    case AF_LAN_ERROR_NOT_FOUND:
    case AF_LAN_ERROR_ACCESS_DENIED:
    case AF_LAN_ERROR_CERT_UNKNOWN:
    case AF_LAN_ERROR_CERT_CHANGED:
    case AF_LAN_ERROR_CERT_INVALID:
      return TRUE;
    default:
      return FALSE;
    }
}

/* What the input was is the caller's mistake (2); what happened around it,
 * such as an output folder that cannot be written, is not (1). An archive
 * error other than FAILED always describes the archive itself.
 */
static int
exit_status_for_error (const GError *error)
{
  if (error->domain == AF_LAN_ERROR)
    return is_lan_usage_error (error->code) ? AF_EXIT_USAGE : AF_EXIT_FAILURE;

  if (error->domain == AF_ARCHIVE_ERROR)
    return error->code == AF_ARCHIVE_ERROR_FAILED ? AF_EXIT_FAILURE : AF_EXIT_USAGE;

  if (error->domain == AF_HANDOFF_ERROR)
    return error->code == AF_HANDOFF_ERROR_FAILED ? AF_EXIT_FAILURE : AF_EXIT_USAGE;
  /* What a print job found on the printer, whatever the route. */
  if (error->domain == AF_PRINT_ERROR)
    return error->code == AF_PRINT_ERROR_INCOMPATIBLE_FILE ? AF_EXIT_USAGE : AF_EXIT_FAILURE;

  if (error->domain == AF_PRIVACY_ERROR)
    return error->code == AF_PRIVACY_ERROR_INVALID || error->code == AF_PRIVACY_ERROR_LIMIT
           ? AF_EXIT_USAGE : AF_EXIT_FAILURE;

  if (error->domain == AF_GCODE_ERROR ||
      error->domain == AF_CLI_ERROR ||
      error->domain == G_OPTION_ERROR)
    return AF_EXIT_USAGE;

  return AF_EXIT_FAILURE;
}

/* One line on stderr, whatever the message carries, so scripts can read it. */
static void
print_error (const GError *error)
{
  g_autofree char *one_line = g_strdelimit (g_strdup (error->message), "\r\n", ' ');
  g_autofree char *message = af_text_for_terminal (one_line, FALSE);

  g_strstrip (message);
  /* Translators: how the command line reports an error: the program's name, then the message */
  g_printerr (_("%s: %s\n"), AF_CLI_NAME, message);
}

/* A full disk or a closed pipe must not pass for success. */
static gboolean
flush_stdout (GError **error)
{
  int saved_errno;

  if (fflush (stdout) == 0 && !ferror (stdout))
    return TRUE;

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not write the output: %s"), g_strerror (saved_errno));
  return FALSE;
}

int
af_cli_run (int    argc,
            char **argv)
{
  const AfCliCommand *command;
  g_auto(GStrv) args = NULL;
  g_autofree char *prgname = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (af_cli_is_command (argc, argv), AF_EXIT_USAGE);

  command = find_command (argv[1]);

  /* GOption names the program in --help: "atomform-connect inspect". */
  prgname = g_strdup_printf ("%s %s", AF_CLI_NAME, command->name);
  g_set_prgname (prgname);

  /* Mirrors the lan-only setting into the network policy before any
   * command can open a connection.
   */
  af_settings_get_default ();
  args = g_strdupv (argv + 1);
  if (command->run (&args, &error) && flush_stdout (&error))
    return AF_EXIT_OK;

  print_error (error);
  return exit_status_for_error (error);
}

GOptionContext *
af_cli_option_context_new (const char         *parameter_string,
                           const char         *summary,
                           const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameter_string);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  return context;
}

GFile *
af_cli_get_input (char   **args,
                  GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display_name = NULL;

  if (g_strv_length (args) != 2)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give exactly one FILE; see “%s --help”."), g_get_prgname ());
      return NULL;
    }

  /* A slicer's import-file link names the file; the core checks it as the
   * window does.
   */
  if (af_handoff_is_url (args[1]))
    return af_handoff_resolve_url (args[1], error);

  file = g_file_new_for_commandline_arg (args[1]);
  display_name = g_filename_display_name (args[1]);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                            NULL, &local_error);
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_BAD_INPUT,
                   _("“%s” does not exist; check the name and the folder."), display_name);
      return NULL;
    }
  if (info == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_BAD_INPUT,
                   _("“%s” is a folder; give a .gcode, .bgcode or .gcode.3mf file."),
                   display_name);
      return NULL;
    }

  return g_steal_pointer (&file);
}

typedef struct
{
  char *label;
  char *value;
} Row;

static void
row_clear (gpointer data)
{
  Row *row = data;

  g_free (row->label);
  g_free (row->value);
}

GArray *
af_cli_rows_new (void)
{
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));

  g_array_set_clear_func (rows, row_clear);
  return rows;
}

void
af_cli_print_text (const char *text)
{
  g_autofree char *safe = af_text_for_terminal (text, TRUE);

  g_print ("%s", safe);
}

void
af_cli_rows_add (GArray     *rows,
                 const char *label,
                 char       *value)
{
  Row row;

  if (value == NULL)
    return;

  /* Translators: a label in the output of "inspect" or "status", before its value,
   * e.g. "Slicer:"
   */
  row.label = g_strdup_printf (_("%s:"), label);
  row.value = af_text_for_terminal (value, FALSE);
  g_free (value);
  g_array_append_val (rows, row);
}

void
af_cli_rows_append (GString    *out,
                    GArray     *rows,
                    const char *indent)
{
  glong width = 0;

  for (guint i = 0; i < rows->len; i++)
    width = MAX (width, g_utf8_strlen (g_array_index (rows, Row, i).label, -1));

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      int pad = (int)(width - g_utf8_strlen (row->label, -1)) + 2;

      g_string_append_printf (out, "%s%s%*s%s\n", indent, row->label, pad, "", row->value);
    }
}
