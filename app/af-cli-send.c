/* af-cli-send.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <unistd.h>
#include <glib/gi18n.h>

#include "af-cli-private.h"
#include "af-format.h"

/* "send FILE --printer PRINTER [options] [--wait]": packs, uploads and starts
 * a print. Progress goes to stderr, redrawn in place on a terminal and as a
 * few plain lines otherwise; stdout stays empty. Ctrl+C cancels, and the
 * upload removes its partial file from the printer.
 */

#define PLATE_UNSET G_MININT
#define MAX_PLATE 9999

typedef struct
{
  char     *printer;
  int       plate;
  char     *bed_leveling;
  gboolean  no_bed_leveling;
  char     *flow_cali;
  gboolean  timelapse;
  char     *ams_map;
  gboolean  wait;
  gboolean  force;
  gboolean  keep_file;
  gboolean  cloud;
} SendOptions;

static void
send_options_clear (SendOptions *options)
{
  g_clear_pointer (&options->printer, g_free);
  g_clear_pointer (&options->bed_leveling, g_free);
  g_clear_pointer (&options->flow_cali, g_free);
  g_clear_pointer (&options->ams_map, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SendOptions, send_options_clear)

/* What is shown on stderr while the job runs or the print is watched. On a
 * terminal one line is redrawn whenever its text changes; elsewhere a line
 * is written only when the step changes (a phase, a quarter of the upload, a
 * state, a tenth of the print), so logs stay short.
 */
typedef struct
{
  gboolean  tty;
  gboolean  line_open;     /* a redrawn line waits for its newline */
  char     *last_text;
  int       last_step;
  gboolean  starting;      /* project_file may have reached the printer */
} Progress;

static void
progress_clear (Progress *progress)
{
  g_clear_pointer (&progress->last_text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Progress, progress_clear)

static void
progress_end_line (Progress *progress)
{
  if (progress->line_open)
    g_printerr ("\n");
  progress->line_open = FALSE;
}

/* Takes text. */
static void
progress_show (Progress *progress,
               int       step,
               char     *text)
{
  g_autofree char *owned = af_text_for_terminal (text, FALSE);

  g_free (text);
  if (progress->tty)
    {
      if (g_strcmp0 (owned, progress->last_text) != 0)
        {
          g_printerr ("\r\033[K%s", owned);
          progress->line_open = TRUE;
        }
    }
  else if (step != progress->last_step)
    {
      g_printerr ("%s\n", owned);
    }

  progress->last_step = step;
  g_free (progress->last_text);
  progress->last_text = g_steal_pointer (&owned);
}

/* The relay (core/print/af-progress-relay.h) folds the job's progress into
 * one text and a coarse step, as the Send panel shows it; nothing is shown
 * once the printer took the job.
 */
static void
relay_notify_cb (AfProgressRelay *relay,
                 GParamSpec      *pspec,
                 Progress        *progress)
{
  AfPrintJobPhase phase = af_print_job_get_phase (af_progress_relay_get_job (relay));

  if (phase > AF_PRINT_JOB_PHASE_STARTING)
    return;
  if (phase == AF_PRINT_JOB_PHASE_STARTING)
    progress->starting = TRUE;
  progress_show (progress, af_progress_relay_get_step (relay),
                 g_strdup (af_progress_relay_get_text (relay)));
}

/* Reading the file first makes a bad file fail before anything touches the
 * network. The file is opened as the window opens it (AfSlicedFile); a
 * G-code file has no plates, and gets the number --plate gives it, or 1.
 */
static AfGcodeInfo *
read_file_info (GFile   *file,
                int     *plate,
                GError **error)
{
  g_autoptr(AfSlicedFile) sliced = NULL;
  guint wanted = *plate == PLATE_UNSET ? 0 : (guint)*plate;

  sliced = af_sliced_file_load (file, wanted, NULL, error);
  if (sliced == NULL)
    return NULL;

  if (af_sliced_file_get_plate (sliced) > 0)
    *plate = (int)af_sliced_file_get_plate (sliced);
  else if (*plate == PLATE_UNSET)
    *plate = 1;

  return g_object_ref (af_sliced_file_get_info (sliced));
}

static gboolean
check_cali_mode (const char  *option,
                 const char  *value,
                 GError     **error)
{
  AfCaliMode mode;

  if (value == NULL || af_cali_mode_parse (value, &mode))
    return TRUE;

  g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
               /* Translators: the option, e.g. --bed-leveling, then the value given */
               _("%s takes auto, on or off; got “%s”."), option, value);
  return FALSE;
}

static gboolean
check_send_options (SendOptions  *options,
                    GError      **error)
{
  if (options->printer == NULL || *options->printer == '\0')
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Name the printer with --printer NAME or --printer SERIAL; "
                     "“%s printers” lists them."),
                   AF_CLI_NAME);
      return FALSE;
    }
  if (options->plate != PLATE_UNSET && (options->plate < 1 || options->plate > MAX_PLATE))
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("--plate takes a plate number from 1 to %d; got %d."),
                   MAX_PLATE, options->plate);
      return FALSE;
    }
  if (options->bed_leveling != NULL && options->no_bed_leveling)
    {
      g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                           _("Give either --bed-leveling or --no-bed-leveling, not both."));
      return FALSE;
    }

  return check_cali_mode ("--bed-leveling", options->bed_leveling, error) &&
         check_cali_mode ("--flow-cali", options->flow_cali, error);
}

/* Default AUTO: the printer decides where its firmware can, and the model's
 * rule (af_print_options_apply_model()) settles it elsewhere.
 */
static AfCaliMode
cali_mode_or_auto (const char *text)
{
  AfCaliMode mode = AF_CALI_MODE_AUTO;

  if (text != NULL)
    af_cali_mode_parse (text, &mode);
  return mode;
}

/* The mapping the user typed, checked against the file; NULL without --ams-map. */
static GArray *
parse_ams_map (const char   *text,
               AfGcodeInfo  *info,
               GError      **error)
{
  g_autoptr(AfPrintOptions) scratch = af_print_options_new ();
  g_autoptr(GError) local_error = NULL;
  guint n_filaments = af_gcode_info_get_n_filaments (info);

  if (text == NULL)
    return NULL;

  if (!af_print_options_parse_ams_map (scratch, text, &local_error))
    {
      g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE, local_error->message);
      return NULL;
    }
  if (n_filaments == 0)
    {
      g_set_error_literal (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                           _("The file names no filaments, so --ams-map has nothing to map."));
      return NULL;
    }
  if (scratch->ams_mapping == NULL || scratch->ams_mapping->len > n_filaments)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "--ams-map names a filament the file does not have: it uses "
                                "%u filament.",
                                "--ams-map names a filament the file does not have: it uses "
                                "filaments 1 to %u.",
                                n_filaments),
                   n_filaments);
      return NULL;
    }

  return g_array_ref (scratch->ams_mapping);
}

/* The tray a mapping value names, or NULL when the printer has no such tray. */
static AfAmsTray *
find_tray (GListModel *trays,
           gint        value)
{
  guint n = g_list_model_get_n_items (trays);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AfAmsTray) tray = g_list_model_get_item (trays, i);

      if (af_ams_tray_get_mapping_id (tray) == value)
        return g_steal_pointer (&tray);
    }

  return NULL;
}

/* A tray the printer does not have would leave it waiting for the AMS
 * forever, so --ams-map is checked against the trays it reports.
 */
static gboolean
check_user_trays (GArray     *user_map,
                  AfPrinter  *printer,
                  GError    **error)
{
  GListModel *trays = af_printer_status_get_trays (af_printer_get_status (printer));

  for (guint i = 0; user_map != NULL && i < user_map->len; i++)
    {
      gint value = g_array_index (user_map, gint, i);
      g_autoptr(AfAmsTray) tray = NULL;

      if (value == -1)
        continue;

      tray = find_tray (trays, value);
      if (tray == NULL)
        {
          g_autofree char *display_name = af_printer_dup_display_name (printer);

          g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                       af_ams_mapping_is_external (value)
                       ? _("--ams-map names the external spool, which “%s” does not report; "
                           "“%s status” lists its trays.")
                       : _("--ams-map names a tray “%s” does not have; “%s status” lists its "
                           "trays."),
                       display_name, AF_CLI_NAME);
          return FALSE;
        }
      if (af_ams_tray_get_material (tray) == NULL)
        /* Translators: a warning of "send"; the program's name, then the 1-based filament */
        g_printerr (_("%s: warning: --ams-map sends filament %u to an empty tray.\n"),
                    AF_CLI_NAME, i + 1);
    }

  return TRUE;
}

/* Check messages quote the file (its printer's name, a filament's material):
 * no control character of it reaches the terminal.
 */
static void
print_warning (const char *message)
{
  g_autofree char *safe = af_text_for_terminal (message, FALSE);

  /* Translators: a warning of "send"; the program's name, then why, e.g.
   * "No tray holds filament 2 (PETG #FF0000)."
   */
  g_printerr (_("%s: warning: %s\n"), AF_CLI_NAME, safe);
}

/* The default mapping for the printer's trays, with the user's --ams-map
 * entries over it: what the user names wins, the rest keeps the default. A
 * used filament no tray holds is refused (af_print_check_trays()), or with
 * --force sent without a tray, with a warning.
 */
static gboolean
apply_mapping (AfPrintOptions  *options,
               AfGcodeInfo     *info,
               AfPrinter       *printer,
               GArray          *user_map,
               gboolean         force,
               GError         **error)
{
  GListModel *trays = af_printer_status_get_trays (af_printer_get_status (printer));
  g_autoptr(GArray) mapping = NULL;
  g_autoptr(GError) local_error = NULL;

  mapping = af_filament_map_default (info, trays, NULL);
  for (guint i = 0; user_map != NULL && i < user_map->len; i++)
    {
      gint tray = g_array_index (user_map, gint, i);

      if (tray != -1)
        g_array_index (mapping, gint, i) = tray;
    }

  if (!af_print_check_trays (info, trays, mapping, &local_error))
    {
      if (!force)
        {
          /* Translators: after "No tray holds filament 2 (PETG #FF0000)." */
          g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                       _("%s Load it, or choose a tray with --ams-map; --force sends the "
                         "print without one."),
                       local_error->message);
          return FALSE;
        }
      print_warning (local_error->message);
    }

  options->use_ams = af_print_check_use_ams (info, trays, mapping);
  g_clear_pointer (&options->ams_mapping, g_array_unref);
  options->ams_mapping = g_steal_pointer (&mapping);
  return TRUE;
}

/* The checks before anything is uploaded (af-print-check.h): missing
 * storage always stops the send; the wrong printer or nozzle only without
 * --force.
 */
static gboolean
check_file_fits (AfGcodeInfo  *info,
                 AfPrinter    *printer,
                 gboolean      force,
                 GError      **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!af_print_check_storage (printer, error))
    return FALSE;
  if (af_print_check_machine (info, printer, &local_error))
    return TRUE;

  if (!force)
    {
      /* Translators: after "This file was sliced for Creality K1 Max, not for this P1S." */
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("%s Slice it for this printer, or send it anyway with --force."),
                   local_error->message);
      return FALSE;
    }
  print_warning (local_error->message);
  return TRUE;
}

static gboolean
run_job (AfTransport     *transport,
         GFile           *file,
         AfPrintOptions  *options,
         gboolean         keep_file,
         GCancellable    *cancellable,
         Progress        *progress,
         AfPrintJob     **out_job,
         GError         **error)
{
  g_autoptr(AfPrintJob) job = NULL;
  g_autoptr(AfProgressRelay) relay = NULL;
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  job = af_print_job_new (transport, file, options);
  /* The window's setting, which --keep-file overrides for this print. */
  af_print_job_set_delete_after_print (job, !keep_file &&
                                       af_settings_get_delete_after_print (af_settings_get_default ()));
  relay = af_progress_relay_new (job);
  g_signal_connect (relay, "notify", G_CALLBACK (relay_notify_cb), progress);
  relay_notify_cb (relay, NULL, progress);
  af_print_job_run_async (job, cancellable, af_cli_async_done_cb, &async);
  ok = af_print_job_run_finish (job, af_cli_async_wait (&async), &local_error);
  g_signal_handlers_disconnect_by_data (relay, progress);
  progress_end_line (progress);

  if (ok)
    {
      *out_job = g_steal_pointer (&job);
      return TRUE;
    }

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&local_error);
      g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           !progress->starting
                           ? _("Cancelled; nothing was left on the printer.")
                           : _("Cancelled while the printer was starting the print; check "
                               "the printer."));
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* --wait */

static char *
format_state (AfPrinterStatus *status)
{
  AfPrintState state = af_printer_status_get_state (status);
  int percent = af_printer_status_get_percent (status);
  int remaining = af_printer_status_get_remaining_minutes (status);
  int layer = af_printer_status_get_layer (status);
  int total = af_printer_status_get_total_layers (status);
  GString *text = g_string_new (af_printer_status_get_needs_attention (status)
                                 /* Translators: the state in "send --wait" when the printer
                                  * stopped at a problem and waits for someone
                                  */
                                 ? _("NEEDS ATTENTION") : af_print_state_to_string (state));

  if (percent >= 0)
    g_string_append_printf (text, " %d %%", percent);
  if (layer >= 0 && total > 0)
    /* Translators: the layer in "send --wait", e.g. ", layer 12 of 190" */
    g_string_append_printf (text, _(", layer %d of %d"), layer, total);
  if (remaining >= 0 && state != AF_PRINT_STATE_FINISH)
    {
      g_autofree char *left = af_format_duration ((gint64)remaining * 60);

      /* Translators: the time left in "send --wait", e.g. ", 35 min left" */
      g_string_append_printf (text, _(", %s left"), left);
    }

  return g_string_free (text, FALSE);
}

static void
status_notify_cb (AfPrinterStatus *status,
                  GParamSpec      *pspec,
                  Progress        *progress)
{
  AfPrintState state = af_printer_status_get_state (status);
  int percent = af_printer_status_get_percent (status);

  progress_show (progress, 1000 + state * 100 + MAX (percent, 0) / 10, format_state (status));
}

/* The job follows the print to its end and deletes the file as it should. */
static gboolean
wait_for_end (AfPrintJob    *job,
              AfPrinter     *printer,
              GCancellable  *cancellable,
              Progress      *progress,
              GError       **error)
{
  AfPrinterStatus *status = af_printer_get_status (printer);
  g_auto(AfCliAsync) async = AF_CLI_ASYNC_INIT;
  gulong notify_id;
  gboolean ok;

  notify_id = g_signal_connect (status, "notify", G_CALLBACK (status_notify_cb), progress);
  status_notify_cb (status, NULL, progress);
  af_print_job_wait_async (job, cancellable, af_cli_async_done_cb, &async);
  ok = af_print_job_wait_finish (job, af_cli_async_wait (&async), error);
  g_signal_handler_disconnect (status, notify_id);
  progress_end_line (progress);
  return ok;
}

/* The printer refuses a job while it prints; finding out now spares the upload. */
static gboolean
check_ready (AfPrinter  *printer,
             GError    **error)
{
  AfPrinterStatus *status = af_printer_get_status (printer);
  const char *job = af_printer_status_get_job_name (status);
  g_autofree char *display_name = NULL;

  if (af_print_state_is_ready (af_printer_status_get_state (status)))
    return TRUE;

  display_name = af_printer_dup_display_name (printer);
  if (job != NULL && *job != '\0')
    g_set_error (error, AF_PRINT_ERROR, AF_PRINT_ERROR_BUSY,
                 _("“%s” is busy printing “%s”. Wait until it has finished, or stop it with "
                   "“%s stop”."),
                 display_name, job, AF_CLI_NAME);
  else
    g_set_error (error, AF_PRINT_ERROR, AF_PRINT_ERROR_BUSY,
                 _("“%s” is busy (%s). Wait until it has finished, or stop it with “%s stop”."),
                 display_name, af_print_state_to_string (af_printer_status_get_state (status)),
                 AF_CLI_NAME);
  return FALSE;
}

/* Everything after connecting, so that the caller disconnects whatever happens. */
static gboolean
send_connected (AfTransport    *transport,
                GFile          *file,
                AfGcodeInfo    *info,
                int             plate,
                GArray         *user_map,
                SendOptions    *options,
                GCancellable   *cancellable,
                GError        **error)
{
  AfPrinter *printer = af_transport_get_printer (transport);
  g_autoptr(AfPrintOptions) print_options = NULL;
  g_autoptr(AfPrintJob) job = NULL;
  g_auto(Progress) progress = { isatty (STDERR_FILENO), FALSE, NULL, -1, FALSE };

  if (!check_user_trays (user_map, printer, error) || !check_ready (printer, error) ||
      !check_file_fits (info, printer, options->force, error))
    return FALSE;

  print_options = af_print_options_new ();
  print_options->plate = (guint)plate;
  print_options->bed_leveling = options->no_bed_leveling ? AF_CALI_MODE_OFF
                                : cali_mode_or_auto (options->bed_leveling);
  print_options->flow_cali = cali_mode_or_auto (options->flow_cali);
  print_options->timelapse = options->timelapse;
  print_options->bed_type = g_strdup (af_print_check_bed_type (info));
  if (!apply_mapping (print_options, info, printer, user_map, options->force, error))
    return FALSE;

  if (!run_job (transport, file, print_options, options->keep_file, cancellable,
                &progress, &job, error))
    return FALSE;

  return !options->wait || wait_for_end (job, printer, cancellable, &progress, error);
}

static gboolean
send_file (GFile        *file,
           SendOptions  *options,
           GError      **error)
{
  g_autoptr(AfGcodeInfo) info = NULL;
  g_autoptr(GArray) user_map = NULL;
  g_autoptr(AfPrinterRegistry) registry = NULL;
  g_autoptr(AfTransport) transport = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  int plate = options->plate;
  gboolean ok;

  info = read_file_info (file, &plate, error);
  if (info == NULL)
    return FALSE;
  if (options->ams_map != NULL)
    {
      user_map = parse_ams_map (options->ams_map, info, error);
      if (user_map == NULL)
        return FALSE;
    }

  cancellable = af_cli_interruptible_new ();
  registry = af_cli_registry_new (error);
  if (registry == NULL)
    return FALSE;
  /* A print that starts is remembered here, as the window's are. */
  af_cli_privacy_follow_prints (registry);

  /* The same checks and options; only the route differs. */
  if (options->cloud)
    transport = af_cli_cloud_connect (registry, options->printer, cancellable, error);
  else
    transport = af_cli_connect (registry, options->printer, cancellable, error);
  ok = transport != NULL &&
       send_connected (transport, file, info, plate, user_map, options, cancellable, error);
  if (transport != NULL && AF_IS_CLOUD_TRANSPORT (transport))
    af_mqtt_session_disconnect (af_cloud_transport_get_session (AF_CLOUD_TRANSPORT (transport)));

  af_printer_registry_shutdown (registry);
  return ok;
}

gboolean
af_cli_send (char   ***args,
             GError  **error)
{
  g_auto(SendOptions) options = { .plate = PLATE_UNSET };
  const GOptionEntry entries[] = {
    { "printer", 'p', 0, G_OPTION_ARG_STRING, &options.printer,
      N_("The saved printer to print on, by name or serial"), N_("PRINTER") },
    { "plate", 0, 0, G_OPTION_ARG_INT, &options.plate,
      N_("For an archive the plate to print (default: its first); for G-code the number "
         "it gets (default: 1)"), N_("N") },
    { "bed-leveling", 0, 0, G_OPTION_ARG_STRING, &options.bed_leveling,
      N_("Level the bed before printing: auto (the default; the printer decides where it "
         "can, else on), on or off"), N_("auto|on|off") },
    { "no-bed-leveling", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &options.no_bed_leveling,
      N_("The same as --bed-leveling off"), NULL },
    { "flow-cali", 0, 0, G_OPTION_ARG_STRING, &options.flow_cali,
      N_("Calibrate the flow before printing: auto (the default; the printer decides where "
         "it can, else off), on or off"), N_("auto|on|off") },
    { "timelapse", 0, 0, G_OPTION_ARG_NONE, &options.timelapse,
      N_("Record a timelapse"), NULL },
    { "ams-map", 0, 0, G_OPTION_ARG_STRING, &options.ams_map,
      N_("Which tray feeds which filament, e.g. 1=0,2=5 or 1=ext: filaments from 1, trays "
         "from 0 (AMS unit × 4 + slot); unnamed filaments keep the default"),
      N_("FILAMENT=TRAY,…") },
    { "wait", 0, 0, G_OPTION_ARG_NONE, &options.wait,
      N_("Wait until the print has finished, showing its progress; then remove the file "
         "from the printer"), NULL },
    { "keep-file", 0, 0, G_OPTION_ARG_NONE, &options.keep_file,
      N_("With --wait, leave the file on the printer after a finished print (a failed or "
         "cancelled one is always removed)"), NULL },
    { "cloud", 0, 0, G_OPTION_ARG_NONE, &options.cloud,
      N_("Print through AtomForm’s cloud on a printer bound to your account (by name, "
         "serial or id), instead of over the local network"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &options.force,
      N_("Send even when the file was sliced for another printer or nozzle, or a filament "
         "has no tray"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GFile) file = NULL;

  context = af_cli_option_context_new (_("FILE"),
                                       _("Sends a G-code, binary G-code or printer-ready 3MF "
                                         "file to a saved printer and starts the print. Each "
                                         "filament goes to the loaded tray of the same "
                                         "material and nearest colour unless --ams-map says "
                                         "otherwise. Ctrl+C cancels."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error) ||
      !check_send_options (&options, error))
    return FALSE;

  file = af_cli_get_input (*args, error);
  if (file == NULL)
    return FALSE;

  return send_file (file, &options, error);
}
