/* af-cli-lan.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "af-cli-private.h"

/* What the LAN commands share: waiting for the asynchronous core on a main
 * loop, Ctrl+C, and finding a saved printer with its access code.
 */

void
af_cli_async_clear (AfCliAsync *async)
{
  g_clear_pointer (&async->loop, g_main_loop_unref);
  g_clear_object (&async->result);
}

void
af_cli_async_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  AfCliAsync *async = user_data;

  g_assert (async->result == NULL);

  async->result = g_object_ref (result);
  if (async->loop != NULL)
    g_main_loop_quit (async->loop);
}

GAsyncResult *
af_cli_async_wait (AfCliAsync *async)
{
  g_return_val_if_fail (async != NULL, NULL);

  /* A GTask never completes within the call that started it, but a result
   * that is already there must not leave us running a loop nobody quits.
   */
  if (async->result == NULL)
    {
      if (async->loop == NULL)
        async->loop = g_main_loop_new (NULL, FALSE);
      g_main_loop_run (async->loop);
    }

  return async->result;
}

static gboolean
interrupt_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_debug ("Interrupted; cancelling");
  g_cancellable_cancel (cancellable);
  return G_SOURCE_CONTINUE;
}

static void
remove_source (gpointer data)
{
  g_source_remove (GPOINTER_TO_UINT (data));
}

GCancellable *
af_cli_interruptible_new (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  guint sigint_id;
  guint sigterm_id;

  /* The handlers hold no reference: they go when the cancellable does. */
  sigint_id = g_unix_signal_add (SIGINT, interrupt_cb, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, interrupt_cb, cancellable);
  g_object_set_data_full (G_OBJECT (cancellable), "af-sigint",
                          GUINT_TO_POINTER (sigint_id), remove_source);
  g_object_set_data_full (G_OBJECT (cancellable), "af-sigterm",
                          GUINT_TO_POINTER (sigterm_id), remove_source);

  return cancellable;
}

const char *
af_cli_get_printer_arg (char   **args,
                        GError **error)
{
  if (g_strv_length (args) != 2 || *args[1] == '\0')
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give exactly one PRINTER, by name or serial; see “%s --help”."),
                   g_get_prgname ());
      return NULL;
    }

  return args[1];
}

void
af_cli_print_utf8 (const char *text)
{
  fputs (text, stdout);
  fputc ('\n', stdout);
}

AfPrinter *
af_cli_lookup_printer (const char  *name_or_serial,
                       AfSecret   **access_code,
                       GError     **error)
{
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *display_name = NULL;
  g_autoptr(GError) local_error = NULL;
  AfSecret *code;

  g_return_val_if_fail (name_or_serial != NULL, NULL);
  g_return_val_if_fail (access_code != NULL && *access_code == NULL, NULL);

  list = af_printer_list_new (NULL);
  if (!af_printer_list_load (list, error))
    return NULL;

  printer = af_printer_list_lookup (list, name_or_serial);
  if (printer == NULL)
    {
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_FOUND,
                   _("No saved printer is called “%s”; “%s printers” lists them, and "
                     "“%s add-printer” adds one."),
                   name_or_serial, AF_CLI_NAME, AF_CLI_NAME);
      return NULL;
    }
  g_object_ref (printer);

  code = af_secrets_lookup_access_code (af_printer_get_serial (printer), NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (code == NULL)
    {
      display_name = af_printer_dup_display_name (printer);
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED,
                   _("The keyring holds no access code for “%s”; add the printer again with "
                     "“%s add-printer”."),
                   display_name, AF_CLI_NAME);
      return NULL;
    }

  *access_code = code;
  return g_steal_pointer (&printer);
}

AfMqttSession *
af_cli_connect (AfPrinter     *printer,
                const char    *access_code,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(AfMqttSession) session = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);
  g_return_val_if_fail (access_code != NULL, NULL);

  session = af_mqtt_session_new (printer, access_code);
  af_mqtt_session_connect_async (session, cancellable, af_cli_async_done_cb, &async);
  if (!af_mqtt_session_connect_finish (session, af_cli_async_wait (&async), &local_error))
    {
      af_mqtt_session_disconnect (session);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&local_error);
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Interrupted before the printer answered; nothing was sent."));
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&session);
}
