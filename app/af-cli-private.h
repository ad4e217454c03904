/* af-cli-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-cli.h"
#include "af-core.h"

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
gboolean        af_cli_printers           (char         ***args,
                                           GError       **error);
gboolean        af_cli_add_printer        (char         ***args,
                                           GError       **error);
gboolean        af_cli_send               (char         ***args,
                                           GError       **error);
gboolean        af_cli_status             (char         ***args,
                                           GError       **error);
gboolean        af_cli_pause              (char         ***args,
                                           GError       **error);
gboolean        af_cli_resume             (char         ***args,
                                           GError       **error);
gboolean        af_cli_stop               (char         ***args,
                                           GError       **error);
gboolean        af_cli_from_slicer        (char         ***args,
                                           GError       **error);
/* The cloud commands (af-cli-cloud.c). */
gboolean        af_cli_login              (char         ***args,
                                           GError       **error);
gboolean        af_cli_logout             (char         ***args,
                                           GError       **error);
gboolean        af_cli_whoami             (char         ***args,
                                           GError       **error);
gboolean        af_cli_history            (char         ***args,
                                           GError       **error);
/* The privacy commands (af-cli-privacy.c). */
gboolean        af_cli_privacy            (char         ***args,
                                           GError       **error);
/* Gives registry the command line's AfPrivacy, so each print started
 * through it is remembered in the local history unless incognito printing
 * is on (af_printer_registry_set_privacy(), the window's rule).
 */
void            af_cli_privacy_follow_prints (AfPrinterRegistry *registry);
gboolean        af_cli_history_delete     (char         ***args,
                                           GError       **error);
/* "history --local": the prints this computer sent, newest first, from
 * the local store alone (no network).
 */
gboolean        af_cli_history_local      (guint            limit,
                                           gboolean         json,
                                           GError         **error);
gboolean        af_cli_activity           (char         ***args,
                                           GError       **error);
gboolean        af_cli_forget_local_data  (char         ***args,
                                           GError       **error);
/* A client for the cloud-base-url and cloud-ca-file settings. */
AfCloudClient  *af_cli_cloud_client_new   (GError        **error) G_GNUC_WARN_UNUSED_RESULT;
/* Lists the signed-in account's printers into registry and finds name
 * among them (the cloud's id, serial or name); transfer none.
 */
AfPrinter      *af_cli_cloud_lookup       (AfPrinterRegistry *registry,
                                           const char     *name,
                                           GCancellable   *cancellable,
                                           GError        **error);
/* The signed-in account's printer named (name, serial or id), listed and
 * connected by registry on the cloud route, over the cloud broker with its
 * first full report. The transport is the caller's, for one print.
 */
AfTransport    *af_cli_cloud_connect      (AfPrinterRegistry *registry,
                                           const char     *printer_name,
                                           GCancellable   *cancellable,
                                           GError        **error) G_GNUC_WARN_UNUSED_RESULT;

GOptionContext *af_cli_option_context_new (const char     *parameter_string,
                                           const char     *summary,
                                           const GOptionEntry *entries) G_GNUC_WARN_UNUSED_RESULT;
/* The one FILE left after options, as an existing, non-folder GFile. */
GFile          *af_cli_get_input          (char          **args,
                                           GError        **error) G_GNUC_WARN_UNUSED_RESULT;

/* The LAN commands (af-cli-lan.c). The core is asynchronous, so they wait for
 * each step by running a GMainLoop until its callback has fired.
 */
typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} AfCliAsync;

#define AF_CLI_ASYNC_INIT { NULL, NULL }

void            af_cli_async_clear        (AfCliAsync     *async);
/* The GAsyncReadyCallback to pass, with the AfCliAsync as its user_data. */
void            af_cli_async_done_cb      (GObject        *source,
                                           GAsyncResult   *result,
                                           gpointer        user_data);
/* Runs the main loop until the operation completed; the result stays owned by async. */
GAsyncResult   *af_cli_async_wait         (AfCliAsync     *async);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AfCliAsync, af_cli_async_clear)

/* A cancellable that Ctrl+C (SIGINT) and SIGTERM cancel, until it is finalized. */
GCancellable   *af_cli_interruptible_new  (void) G_GNUC_WARN_UNUSED_RESULT;
/* The single PRINTER argument left after options. */
const char     *af_cli_get_printer_arg    (char          **args,
                                           GError        **error);
/* The command's printer registry: the saved printers, nothing connected
 * or discovered until asked. Every connection goes through it.
 */
AfPrinterRegistry *af_cli_registry_new    (GError        **error) G_GNUC_WARN_UNUSED_RESULT;
/* Finds a saved printer by name or serial, has the registry connect it
 * (it reads the access code from the keyring) and waits for the printer's
 * first full report. The connection ends with the registry.
 */
AfTransport    *af_cli_connect            (AfPrinterRegistry *registry,
                                           const char     *name_or_serial,
                                           GCancellable   *cancellable,
                                           GError        **error) G_GNUC_WARN_UNUSED_RESULT;
/* Writes text that may hold what a file or printer said to stdout, control
 * characters replaced (af_text_for_terminal()).
 */
void            af_cli_print_text         (const char     *text);
/* Writes UTF-8 bytes to stdout whatever the locale (JSON). */
void            af_cli_print_utf8         (const char     *text);

/* Aligned "Label:  value" lines, as inspect and status print them. */
GArray         *af_cli_rows_new           (void) G_GNUC_WARN_UNUSED_RESULT;
/* Takes value; a NULL value is something the file or printer does not say,
 * and gets no row.
 */
void            af_cli_rows_add           (GArray         *rows,
                                           const char     *label,
                                           char           *value);
void            af_cli_rows_append        (GString        *out,
                                           GArray         *rows,
                                           const char     *indent);

G_END_DECLS
