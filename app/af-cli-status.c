/* af-cli-status.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "af-cli-private.h"
#include "af-format.h"

/* "status PRINTER [--json]" shows one full report of a saved printer;
 * "pause|resume|stop PRINTER" send the command and return once the
 * printer's state shows it.
 */

static const char *
state_label (AfPrintState state)
{
  switch (state)
    {
    case AF_PRINT_STATE_IDLE:
      return _("Idle");
    case AF_PRINT_STATE_PREPARE:
      return _("Preparing");
    case AF_PRINT_STATE_SLICING:
      return _("Slicing");
    case AF_PRINT_STATE_RUNNING:
      return _("Printing");
    case AF_PRINT_STATE_PAUSE:
      return _("Paused");
    case AF_PRINT_STATE_FINISH:
      return _("Finished");
    case AF_PRINT_STATE_FAILED:
      return _("Failed or stopped");
    case AF_PRINT_STATE_UNKNOWN:
    default:
      return _("Unknown");
    }
}

static char *
format_temperature (double current,
                    double target)
{
  if (isnan (current))
    return NULL;
  if (isnan (target) || target <= 0)
    /* Translators: a temperature, e.g. "24.5 °C" */
    return g_strdup_printf (_("%.1f °C"), current);

  /* Translators: a temperature and the one it heats to, e.g. "180.5 °C (target 220 °C)" */
  return g_strdup_printf (_("%.1f °C (target %.0f °C)"), current, target);
}

static char *
format_tray_label (AfAmsTray *tray)
{
  if (af_ams_tray_is_external (tray))
    /* Translators: an external spool in "status", then the number --ams-map uses for it,
     * e.g. "External spool (tray 255)"
     */
    return g_strdup_printf (_("External spool (tray %d)"), af_ams_tray_get_mapping_id (tray));

  /* Translators: an AMS tray in "status": unit letter and slot as the printer shows them,
   * then the number --ams-map uses, e.g. "AMS A1 (tray 0)"
   */
  return g_strdup_printf (_("AMS %c%u (tray %d)"),
                          'A' + (char)MIN (af_ams_tray_get_ams_id (tray), 25),
                          af_ams_tray_get_slot_id (tray) + 1,
                          af_ams_tray_get_global_index (tray));
}

static char *
format_tray (AfAmsTray *tray)
{
  const char *material = af_ams_tray_get_material (tray);
  const char *color = af_ams_tray_get_color (tray);
  int remain = af_ams_tray_get_remain (tray);
  GString *text;

  if (material == NULL)
    /* Translators: an AMS tray without filament in "status" */
    return g_strdup (_("empty"));

  text = g_string_new (material);
  if (color != NULL)
    g_string_append_printf (text, " %s", color);
  if (remain >= 0)
    /* Translators: filament left on a spool in "status", e.g. ", 80 % left" */
    g_string_append_printf (text, _(", %d %% left"), remain);

  return g_string_free (text, FALSE);
}

static void
add_progress_rows (GArray          *rows,
                   AfPrinterStatus *status)
{
  const char *job = af_printer_status_get_job_name (status);
  int percent = af_printer_status_get_percent (status);
  int remaining = af_printer_status_get_remaining_minutes (status);
  int layer = af_printer_status_get_layer (status);
  int total = af_printer_status_get_total_layers (status);

  if (job != NULL && *job != '\0')
    af_cli_rows_add (rows, _("Job"), g_strdup (job));
  if (percent >= 0)
    /* Translators: progress of a print in "status", e.g. "42 %" */
    af_cli_rows_add (rows, _("Progress"), g_strdup_printf (_("%d %%"), percent));
  if (remaining >= 0)
    af_cli_rows_add (rows, _("Remaining"), af_format_duration ((gint64)remaining * 60));
  if (layer >= 0 && total > 0)
    /* Translators: the layer in "status", e.g. "12 of 190" */
    af_cli_rows_add (rows, _("Layer"), g_strdup_printf (_("%d of %d"), layer, total));
}

static void
add_temperature_rows (GArray          *rows,
                      AfPrinterStatus *status)
{
  af_cli_rows_add (rows, _("Nozzle"),
           format_temperature (af_printer_status_get_nozzle_temperature (status),
                               af_printer_status_get_nozzle_target (status)));
  af_cli_rows_add (rows, _("Bed"),
           format_temperature (af_printer_status_get_bed_temperature (status),
                               af_printer_status_get_bed_target (status)));
  af_cli_rows_add (rows, _("Chamber"),
           format_temperature (af_printer_status_get_chamber_temperature (status), NAN));
}

static void
add_tray_rows (GArray          *rows,
               AfPrinterStatus *status)
{
  GListModel *trays = af_printer_status_get_trays (status);
  guint n = g_list_model_get_n_items (trays);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, i);
      g_autofree char *label = format_tray_label (tray);

      af_cli_rows_add (rows, label, format_tray (tray));
    }
}

static char *
status_to_text (AfPrinter *printer)
{
  AfPrinterStatus *status = af_printer_get_status (printer);
  g_autoptr(GArray) rows = af_cli_rows_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *problem = af_printer_status_dup_problem (status);
  AfPrintState state = af_printer_status_get_state (status);

  af_cli_rows_add (rows, _("Printer"), af_printer_dup_display_name (printer));
  af_cli_rows_add (rows, _("State"),
                   g_strdup (af_printer_status_get_needs_attention (status)
                             ? _("Needs attention") : state_label (state)));
  /* An idle printer still reports its last job's numbers; they would mislead. */
  if (state != AF_PRINT_STATE_IDLE && state != AF_PRINT_STATE_UNKNOWN)
    add_progress_rows (rows, status);
  add_temperature_rows (rows, status);
  add_tray_rows (rows, status);
  if (problem != NULL)
    af_cli_rows_add (rows, _("Problem"), g_steal_pointer (&problem));

  af_cli_rows_append (out, rows, "");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Connects the PRINTER argument left after the options; once connected, the
 * printer's first full report is in its status.
 */
static AfTransport *
connect_printer_arg (char                **args,
                     AfPrinterRegistry  **registry,
                     GCancellable       **cancellable,
                     GError             **error)
{
  const char *name = af_cli_get_printer_arg (args, error);

  if (name == NULL)
    return NULL;
  *registry = af_cli_registry_new (error);
  if (*registry == NULL)
    return NULL;
  *cancellable = af_cli_interruptible_new ();
  return af_cli_connect (*registry, name, *cancellable, error);
}

gboolean
af_cli_status (char   ***args,
               GError  **error)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print JSON, as documented in docs/cli.md"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(AfPrinterRegistry) registry = NULL;
  g_autoptr(AfTransport) transport = NULL;
  g_autofree char *text = NULL;
  AfPrinter *printer;

  context = af_cli_option_context_new (_("PRINTER"),
                                       _("Shows what a saved printer is doing: its state, the "
                                         "job and its progress, temperatures and the "
                                         "filament in each tray."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  transport = connect_printer_arg (*args, &registry, &cancellable, error);
  if (transport == NULL)
    return FALSE;

  printer = af_transport_get_printer (transport);
  if (json)
    {
      text = af_printer_status_to_json (af_printer_get_status (printer));
      af_cli_print_utf8 (text);
    }
  else
    {
      text = status_to_text (printer);
      af_cli_print_text (text);
    }

  af_printer_registry_shutdown (registry);
  return TRUE;
}

/* pause, resume, stop */

static gboolean
command_applies (AfPrintCommand command,
                 AfPrintState   state)
{
  switch (command)
    {
    case AF_PRINT_COMMAND_PAUSE:
      return state == AF_PRINT_STATE_RUNNING || state == AF_PRINT_STATE_PREPARE;
    case AF_PRINT_COMMAND_RESUME:
      return state == AF_PRINT_STATE_PAUSE;
    case AF_PRINT_COMMAND_STOP:
      return state == AF_PRINT_STATE_RUNNING || state == AF_PRINT_STATE_PAUSE ||
             state == AF_PRINT_STATE_PREPARE || state == AF_PRINT_STATE_SLICING;
    default:
      g_assert_not_reached ();
    }
}

static void
set_not_applicable_error (AfPrintCommand    command,
                          AfPrintState      state,
                          GError          **error)
{
  const char *state_text = state_label (state);

  switch (command)
    {
    case AF_PRINT_COMMAND_PAUSE:
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   _("Nothing to pause: the printer is not printing (state: %s)."), state_text);
      break;
    case AF_PRINT_COMMAND_RESUME:
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   _("Nothing to resume: the printer is not paused (state: %s)."), state_text);
      break;
    case AF_PRINT_COMMAND_STOP:
    default:
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                   _("Nothing to stop: the printer is not printing (state: %s)."), state_text);
      break;
    }
}

static const char *
reached_label (AfPrintCommand command)
{
  switch (command)
    {
    case AF_PRINT_COMMAND_PAUSE:
      return state_label (AF_PRINT_STATE_PAUSE);
    case AF_PRINT_COMMAND_RESUME:
      return state_label (AF_PRINT_STATE_RUNNING);
    case AF_PRINT_COMMAND_STOP:
    default:
      return state_label (AF_PRINT_STATE_FAILED);
    }
}

/* --cloud: the registry finds the account's printer and sends the command
 * through the cloud's API (af_printer_registry_command_async()), as the
 * window's card does; it returns once the cloud's record shows it.
 */
static gboolean
run_cloud_command (const char      *name,
                   AfPrintCommand   command,
                   GError         **error)
{
  g_autoptr(AfPrinterRegistry) registry = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  AfPrinter *printer;

  /* The gate says LAN-only mode is on, rather than "not bound". */
  if (!af_network_policy_check_cloud (error))
    return FALSE;
  registry = af_cli_registry_new (error);
  if (registry == NULL)
    return FALSE;
  cancellable = af_cli_interruptible_new ();
  printer = af_cli_cloud_lookup (registry, name, cancellable, error);
  if (printer == NULL)
    return FALSE;
  af_printer_registry_command_async (registry, printer, AF_PRINT_ROUTE_CLOUD, command,
                                     cancellable, af_cli_async_done_cb, &async);
  if (!af_printer_registry_command_finish (registry, af_cli_async_wait (&async), error))
    return FALSE;
  g_print ("%s\n", reached_label (command));
  return TRUE;
}

static gboolean
run_command (char           ***args,
             AfPrintCommand    command,
             const char       *summary,
             GError          **error)
{
  gboolean cloud = FALSE;
  const GOptionEntry entries[] = {
    { "cloud", 0, 0, G_OPTION_ARG_NONE, &cloud,
      N_("Through AtomForm’s cloud, on a printer bound to your account (by name, serial or "
         "id)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(AfPrinterRegistry) registry = NULL;
  g_autoptr(AfTransport) transport = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  AfPrinterStatus *status;
  AfPrintState state;
  gboolean ok;

  context = af_cli_option_context_new (_("PRINTER"), summary, entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;
  if (cloud)
    {
      const char *name = af_cli_get_printer_arg (*args, error);

      return name != NULL && run_cloud_command (name, command, error);
    }
  transport = connect_printer_arg (*args, &registry, &cancellable, error);
  if (transport == NULL)
    return FALSE;

  status = af_printer_get_status (af_transport_get_printer (transport));
  state = af_printer_status_get_state (status);
  if (!command_applies (command, state))
    {
      set_not_applicable_error (command, state, error);
      return FALSE;
    }

  af_transport_command_async (transport, command, cancellable, af_cli_async_done_cb, &async);
  ok = af_transport_command_finish (transport, af_cli_async_wait (&async), error);
  af_printer_registry_shutdown (registry);
  if (ok)
    g_print ("%s\n", state_label (af_printer_status_get_state (status)));

  return ok;
}

gboolean
af_cli_pause (char   ***args,
              GError  **error)
{
  return run_command (args, AF_PRINT_COMMAND_PAUSE,
                      _("Pauses the print on a saved printer."), error);
}

gboolean
af_cli_resume (char   ***args,
               GError  **error)
{
  return run_command (args, AF_PRINT_COMMAND_RESUME,
                      _("Resumes a paused print on a saved printer."), error);
}

gboolean
af_cli_stop (char   ***args,
             GError  **error)
{
  return run_command (args, AF_PRINT_COMMAND_STOP,
                      _("Stops the print on a saved printer; it cannot be resumed."), error);
}
