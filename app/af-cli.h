/* af-cli.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The name errors are reported under, whatever argv[0] says. */
#define AF_CLI_NAME "atomform-connect"

/* Exit statuses of the whole executable (docs/cli.md lists them). */
typedef enum
{
  AF_EXIT_OK      = 0,
  AF_EXIT_FAILURE = 1,  /* the input was fine, something else went wrong */
  AF_EXIT_USAGE   = 2,  /* bad options, or a file that is missing or not a print */
} AfExitStatus;

/* TRUE when argv names a subcommand, which main() then runs without a
 * display and without going through a running instance.
 */
gboolean    af_cli_is_command        (int    argc,
                                      char **argv);
int         af_cli_run               (int    argc,
                                      char **argv);
/* The "Commands:" paragraph for the application's --help. */
const char *af_cli_get_commands_help (void);

G_END_DECLS
