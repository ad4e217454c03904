/* af-cli-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-cli.h"

G_BEGIN_DECLS

#define AF_CLI_ERROR (af_cli_error_quark ())

typedef enum
{
  AF_CLI_ERROR_USAGE,      /* wrong number of arguments, a bad option value */
  AF_CLI_ERROR_BAD_INPUT,  /* the input file is missing or a folder */
} AfCliError;

GQuark          af_cli_error_quark        (void);

/* A subcommand: parses its own options out of args (args[0] is its name)
 * and does its work, or fails with error.
 */
typedef gboolean (*AfCliCommandFunc)      (char         ***args,
                                           GError       **error);

gboolean        af_cli_inspect            (char         ***args,
                                           GError       **error);
gboolean        af_cli_pack               (char         ***args,
                                           GError       **error);

GOptionContext *af_cli_option_context_new (const char     *parameter_string,
                                           const char     *summary,
                                           const GOptionEntry *entries) G_GNUC_WARN_UNUSED_RESULT;
/* The one FILE left after options, as an existing, non-folder GFile. */
GFile          *af_cli_get_input          (char          **args,
                                           GError        **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
