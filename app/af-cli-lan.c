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
 * loop, Ctrl+C, and connecting a saved printer through the registry.
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

AfPrinterRegistry *
af_cli_registry_new (GError **error)
{
  return af_printer_registry_new_full (AF_PRINTER_REGISTRY_FLAGS_NONE, error);
}

AfTransport *
af_cli_connect (AfPrinterRegistry  *registry,
                const char         *name_or_serial,
                GCancellable       *cancellable,
                GError            **error)
{
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autoptr(GError) local_error = NULL;
  AfPrinter *printer;
  AfTransport *transport;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (registry), NULL);
  g_return_val_if_fail (name_or_serial != NULL, NULL);

  printer = af_printer_registry_lookup (registry, name_or_serial);
  if (printer == NULL)
    {
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_FOUND,
                   _("No saved printer is called “%s”; “%s printers” lists them, and "
                     "“%s add-printer” adds one."),
                   name_or_serial, AF_CLI_NAME, AF_CLI_NAME);
      return NULL;
    }

  af_printer_registry_connect_async (registry, printer, AF_PRINT_ROUTE_LAN, cancellable,
                                     af_cli_async_done_cb, &async);
  transport = af_printer_registry_connect_finish (registry, af_cli_async_wait (&async),
                                                  &local_error);
  if (transport == NULL)
    {
      af_printer_registry_forget (registry, af_printer_get_serial (printer));
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&local_error);
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Interrupted before the printer answered; nothing was sent."));
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return transport;
}
