/* af-cli-pack.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <stdio.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "af-core.h"
#include "af-cli-private.h"

/* "pack FILE [-o OUT] [--plate N]": writes the printer-ready .gcode.3mf.
 * af_archive_pack() writes atomically, so a failure leaves nothing behind.
 */

/* --plate was not given. An int nobody types, so that an explicit
 * --plate 0 is refused rather than taken as the default.
 */
#define PLATE_UNSET G_MININT

/* af_archive_pack() refuses higher numbers as a programmer error; this is
 * AF_ARCHIVE_MAX_PLATE, which core/archive keeps in a private header.
 */
#define MAX_PLATE 9999

typedef struct
{
  int last_percent;
} Progress;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  Progress *progress = user_data;
  int percent = total > 0 ? (int)(MIN (done, total) * 100 / total) : 0;

  if (percent == progress->last_percent)
    return;

  progress->last_percent = percent;
  g_printerr ("\r");
  /* Translators: progress of "pack" on a terminal, e.g. "Packing… 42 %" */
  g_printerr (_("Packing… %d %%"), percent);
}

/* Whatever names dest best for a script: the local path as it is, else the URI. */
static void
print_dest (GFile *dest)
{
  const char *path = g_file_peek_path (dest);
  g_autofree char *uri = path == NULL ? g_file_get_uri (dest) : NULL;

  fputs (path != NULL ? path : uri, stdout);
  fputc ('\n', stdout);
}

static gboolean
check_plate (int      plate,
             GError **error)
{
  if (plate == PLATE_UNSET || (plate >= 1 && plate <= MAX_PLATE))
    return TRUE;

  g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
               _("--plate takes a plate number from 1 to %d; got %d."), MAX_PLATE, plate);
  return FALSE;
}

static GFile *
get_dest (GFile       *source,
          const char  *output,
          GError     **error)
{
  g_autoptr(GFile) dest = NULL;

  if (output != NULL)
    dest = g_file_new_for_commandline_arg (output);
  else
    dest = af_archive_default_dest (source);

  if (g_file_equal (source, dest))
    {
      g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                           _("The output would replace FILE itself; name another with -o OUT."));
      return NULL;
    }

  return g_steal_pointer (&dest);
}

static gboolean
pack (GFile   *source,
      guint    plate,
      GFile   *dest,
      GError **error)
{
  Progress progress = { -1 };
  gboolean show_progress = isatty (STDERR_FILENO);
  gboolean ok;

  ok = af_archive_pack (source, plate, dest,
                        show_progress ? progress_cb : NULL, &progress,
                        NULL, error);

  /* End the progress line so that an error gets a line of its own. */
  if (progress.last_percent >= 0)
    g_printerr ("\n");

  return ok;
}

gboolean
af_cli_pack (char   ***args,
             GError  **error)
{
  g_autofree char *output = NULL;
  int plate = PLATE_UNSET;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to OUT instead of beside FILE"), N_("OUT") },
    { "plate", 0, 0, G_OPTION_ARG_INT, &plate,
      N_("The plate to write: for an archive the one to take (default: its first), for "
         "G-code the number it gets (default: 1)"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GFile) source = NULL;
  g_autoptr(GFile) dest = NULL;

  context = af_cli_option_context_new (_("FILE"),
                                       _("Writes a G-code or binary G-code file, or one plate "
                                         "of a printer-ready 3MF, as the printer-ready "
                                         ".gcode.3mf that printers accept. Without -o it goes "
                                         "beside FILE, named after it."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error) || !check_plate (plate, error))
    return FALSE;

  source = af_cli_get_input (*args, error);
  if (source == NULL)
    return FALSE;

  dest = get_dest (source, output, error);
  if (dest == NULL)
    return FALSE;

  /* Plate 0 lets af_archive_pack() choose: 1, or an archive's first plate. */
  if (!pack (source, plate == PLATE_UNSET ? 0 : (guint)plate, dest, error))
    return FALSE;

  print_dest (dest);
  return TRUE;
}
