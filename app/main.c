/* main.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <locale.h>
#include <sys/prctl.h>
#include <glib/gi18n.h>

#include "af-application.h"
#include "af-cli.h"
#include "af-core.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AfApplication) app = NULL;

  /* Access codes (and later cloud tokens) sit in this process's memory: no
   * core dump, and no other process of the same user may ptrace it or read
   * /proc/PID/mem or environ. First, before any secret can be read.
   */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_debug ("Could not make the process non-dumpable");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  af_core_init ();

  /* Subcommands run here, before anything touches GTK or the session bus:
   * they work without a display, and a running window never sees them.
   */
  if (af_cli_is_command (argc, argv))
    return af_cli_run (argc, argv);

  g_set_application_name ("AtomForm Connect");
  app = af_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
