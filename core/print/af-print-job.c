/* af-print-job.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-print"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "af-archive.h"
#include "af-print-error.h"
#include "af-print-job.h"

/*
 * One job walks PENDING → PACKING → UPLOADING → STARTING → PRINTING, or ends
 * in FAILED or CANCELLED from any of them:
 *
 *  - PACKING runs in a GTask thread: it sniffs the file by its bytes and, for
 *    G-code, packs it into a temporary .gcode.3mf (removed when the job
 *    ends); an archive is sent as it is.
 *  - UPLOADING is af_transport_upload_async(), whose progress lands in the
 *    bytes-sent, bytes-total, rate and eta-seconds properties. A cancelled
 *    or failed upload removes its partial remote file itself.
 *  - STARTING connects the transport when needed and starts the print; the
 *    transport completes once the printer reports our job (PRINTING). When
 *    the job is cancelled after project_file went out, a stop follows, so
 *    a cancelled job never leaves a print running.
 *  - Once our file is on the printer, a job that fails or is cancelled
 *    deletes it (DELE) before it reports the end: printers have started
 *    files left in the storage root after a power cycle.
 *  - af_print_job_wait_async() then follows the print to its end and
 *    deletes the file too, after a finished print only when
 *    delete-after-print is set (the default).
 *
 * The remote name is unique per job ("<stem>-<6 hex>.gcode.3mf"), so a DELE
 * never removes a file another job (or the user) put there, and two local
 * names that sanitise alike do not overwrite each other.
 *
 * Every callback runs on the creator's main context, so properties notify
 * there. What the job finds itself, watching the printer's status, is an
 * AF_PRINT_ERROR (PRINT_FAILED, NEEDS_ATTENTION, NO_RESPONSE) whatever the
 * route; the transport's failures keep their domain and code (AF_LAN_ERROR),
 * packing's are AF_ARCHIVE_ERROR, a cancel G_IO_ERROR_CANCELLED;
 * af_print_error_classify() tells the kind of each.
 */

#define UPLOAD_STALL_SECONDS 60
/* Heating, levelling and calibration before the first layer take minutes. */
#define PREPARE_TIMEOUT_SECONDS (30 * 60)
#define GCODE_3MF_SUFFIX ".gcode.3mf"
/* Leaves room for "-<id>.gcode.3mf" within what transports keep of a name
 * (af_ftps_sanitize_name() for the LAN).
 */
#define REMOTE_STEM_MAX 100

struct _AfPrintJob
{
  GObject          parent_instance;

  AfTransport     *transport;
  GFile           *file;
  AfPrintOptions  *options;

  AfPrintJobPhase  phase;
  double           fraction;
  guint64          bytes_sent;
  guint64          bytes_total;
  double           rate;
  gint64           eta_seconds;
  char            *remote_name;
  GError          *error;
  gboolean         delete_after_print;
  guint            final_reply_seconds;
  gboolean         uploaded;      /* our file is on the printer */
  GError          *pending_error; /* returned once the file is deleted */

  GTask           *task;
  GTask           *wait_task;
  gulong           wait_state_handler;
  gulong           wait_cancelled_handler;
  GError          *wait_error;
  gulong           state_handler;
  gulong           cancelled_handler;
  GSource         *prepare_timeout;
  char            *temp_dir;
  GFile           *upload_file;

  /* Packing progress, written by the packing thread. */
  GMutex           pack_mutex;
  guint64          pack_done;
  guint64          pack_total;
  gboolean         pack_pending;
};

G_DEFINE_FINAL_TYPE (AfPrintJob, af_print_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PHASE,
  PROP_FRACTION,
  PROP_BYTES_SENT,
  PROP_BYTES_TOTAL,
  PROP_RATE,
  PROP_ETA_SECONDS,
  PROP_REMOTE_NAME,
  PROP_ERROR,
  PROP_DELETE_AFTER_PRINT,
  PROP_FINAL_REPLY_SECONDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
af_print_job_phase_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { AF_PRINT_JOB_PHASE_PENDING, "AF_PRINT_JOB_PHASE_PENDING", "pending" },
    { AF_PRINT_JOB_PHASE_PACKING, "AF_PRINT_JOB_PHASE_PACKING", "packing" },
    { AF_PRINT_JOB_PHASE_UPLOADING, "AF_PRINT_JOB_PHASE_UPLOADING", "uploading" },
    { AF_PRINT_JOB_PHASE_STARTING, "AF_PRINT_JOB_PHASE_STARTING", "starting" },
    { AF_PRINT_JOB_PHASE_PRINTING, "AF_PRINT_JOB_PHASE_PRINTING", "printing" },
    { AF_PRINT_JOB_PHASE_FAILED, "AF_PRINT_JOB_PHASE_FAILED", "failed" },
    { AF_PRINT_JOB_PHASE_CANCELLED, "AF_PRINT_JOB_PHASE_CANCELLED", "cancelled" },
    { AF_PRINT_JOB_PHASE_NEEDS_ATTENTION, "AF_PRINT_JOB_PHASE_NEEDS_ATTENTION",
      "needs-attention" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("AfPrintJobPhase", values));
  return type;
}

/* --- state -------------------------------------------------------------- */

static void
set_phase (AfPrintJob      *self,
           AfPrintJobPhase  phase)
{
  if (self->phase == phase)
    return;

  self->phase = phase;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
  if (self->fraction != 0 && phase != AF_PRINT_JOB_PHASE_PRINTING)
    {
      self->fraction = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
}

static void
set_fraction (AfPrintJob *self,
              double      fraction)
{
  fraction = CLAMP (fraction, 0.0, 1.0);
  if (self->fraction == fraction)
    return;

  self->fraction = fraction;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

/* The packed archive always has the remote name inside the job's own
 * directory, so it goes even when a cancellation raced the end of packing.
 */
static void
remove_temp (AfPrintJob *self)
{
  g_autofree char *path = NULL;

  if (self->temp_dir == NULL)
    return;

  path = g_build_filename (self->temp_dir, self->remote_name, NULL);
  g_unlink (path);
  g_rmdir (self->temp_dir);
  g_clear_pointer (&self->temp_dir, g_free);
}

static void finish (AfPrintJob *self,
                    GError     *error);

static void
delete_after_failure_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(AfPrintJob) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!af_transport_delete_finish (AF_TRANSPORT (source), result, &error))
    g_debug ("Removing the file of a failed job: %s", error->message);
  finish (self, g_steal_pointer (&self->pending_error));
}

/* Ends the job: the temporary archive goes, a file of ours that will not
 * print is deleted from the printer, the phase and error settle, then the
 * caller hears about it.
 */
static void
finish (AfPrintJob *self,
        GError     *error)
{
  g_autoptr(GTask) task = NULL;

  remove_temp (self);
  g_clear_object (&self->upload_file);

  if (error != NULL && self->uploaded)
    {
      /* Not with the job's cancellable: a cancelled job must clean up too. */
      self->uploaded = FALSE;
      self->pending_error = error;
      af_transport_delete_async (self->transport, self->remote_name, NULL,
                                 delete_after_failure_cb, g_object_ref (self));
      return;
    }

  task = g_steal_pointer (&self->task);
  if (error == NULL)
    {
      set_fraction (self, 1.0);
      set_phase (self, AF_PRINT_JOB_PHASE_PRINTING);
      af_transport_job_started (self->transport, G_OBJECT (self));
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_phase (self, AF_PRINT_JOB_PHASE_CANCELLED);
  else
    {
      g_clear_error (&self->error);
      self->error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
      set_phase (self, af_print_error_classify (error) == AF_PRINT_ERROR_NEEDS_ATTENTION
                       ? AF_PRINT_JOB_PHASE_NEEDS_ATTENTION : AF_PRINT_JOB_PHASE_FAILED);
    }
  g_task_return_error (task, error);
}

/* "Würfel (v2).gcode" → "Würfel (v2)": the name the printer shows, in
 * UTF-8 and cut to AF_PRINT_OPTIONS_MAX_JOB_NAME bytes; only the uploaded
 * file's name is made ASCII-safe.
 */
static char *
job_name_for (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *display = g_filename_display_name (base != NULL ? base : "");
  const char *suffixes[] = { GCODE_3MF_SUFFIX, ".3mf", ".bgcode", ".gcode", NULL };

  for (guint i = 0; suffixes[i] != NULL; i++)
    {
      gsize len = strlen (display);
      gsize suffix_len = strlen (suffixes[i]);

      if (len > suffix_len && g_ascii_strcasecmp (display + len - suffix_len, suffixes[i]) == 0)
        {
          display[len - suffix_len] = '\0';
          break;
        }
    }

  return af_print_options_truncate_name (display);
}

/* The stem of the local name as the transport stores it:
 * "Cube (v2).gcode" → "Cube_v2" on the LAN.
 */
static char *
remote_stem_for (AfTransport *transport,
                 GFile       *file)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *stem = NULL;
  const char *suffixes[] = { GCODE_3MF_SUFFIX, ".3mf", ".bgcode", ".gcode", NULL };

  stem = g_strdup (base != NULL ? base : "");
  for (guint i = 0; suffixes[i] != NULL; i++)
    {
      gsize len = strlen (stem);
      gsize suffix_len = strlen (suffixes[i]);

      if (len > suffix_len && g_ascii_strcasecmp (stem + len - suffix_len, suffixes[i]) == 0)
        {
          stem[len - suffix_len] = '\0';
          break;
        }
    }

  {
    g_autofree char *name = g_strconcat (stem, GCODE_3MF_SUFFIX, NULL);
    char *safe = af_transport_make_remote_name (transport, name);
    gsize len = strlen (safe) - strlen (GCODE_3MF_SUFFIX);

    len = MIN (len, REMOTE_STEM_MAX);
    while (len > 1 && strchr ("._-", safe[len - 1]) != NULL)
      len--;
    safe[len] = '\0';
    return safe;
  }
}

/* "Cube (v2).gcode" and job id "3fa2c1" → "Cube_v2-3fa2c1.gcode.3mf": unique
 * per job, so that we only ever delete what this job uploaded.
 */
static char *
remote_name_for (AfTransport *transport,
                 GFile       *file,
                 const char  *job_id)
{
  g_autofree char *stem = remote_stem_for (transport, file);

  return g_strdup_printf ("%s-%s" GCODE_3MF_SUFFIX, stem, job_id);
}

/* --- starting ----------------------------------------------------------- */

static void
stop_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!af_transport_command_finish (AF_TRANSPORT (source), result, &error))
    g_debug ("Stopping a cancelled job: %s", error->message);
}

static void
send_stop (AfPrintJob *self)
{
  af_transport_command_async (self->transport, AF_PRINT_COMMAND_STOP, NULL, stop_cb, NULL);
}

static GError *
print_failed_error (AfPrinterStatus *status)
{
  g_autofree char *problem = af_printer_status_dup_problem (status);

  if (problem == NULL)
    return g_error_new_literal (AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED,
                                _("The printer could not print the file. See the printer’s "
                                  "screen for details."));
  return g_error_new (AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED,
                      _("The printer could not print the file: %s"), problem);
}

/* The job is on the printer but waits for someone: it is not printing, and
 * not failed either (it resumes once the problem is fixed at the printer).
 */
static GError *
needs_attention_error (AfPrinterStatus *status)
{
  g_autofree char *problem = af_printer_status_dup_problem (status);

  return g_error_new (AF_PRINT_ERROR, AF_PRINT_ERROR_NEEDS_ATTENTION,
                      _("The printer needs attention before it can print: %s Fix it at the "
                        "printer, then resume the print there."),
                      problem != NULL ? problem : "");
}

static void
stop_watching (AfPrintJob *self)
{
  AfPrinter *printer = af_transport_get_printer (self->transport);
  GCancellable *cancellable = self->task != NULL ? g_task_get_cancellable (self->task) : NULL;

  g_clear_signal_handler (&self->state_handler, af_printer_get_status (printer));
  if (cancellable != NULL && self->cancelled_handler != 0)
    g_cancellable_disconnect (cancellable, self->cancelled_handler);
  self->cancelled_handler = 0;
  if (self->prepare_timeout != NULL)
    {
      g_source_destroy (self->prepare_timeout);
      g_clear_pointer (&self->prepare_timeout, g_source_unref);
    }
}

/* The printer accepted our job (PREPARE): PRINTING once it really runs; a
 * file it cannot read fails only at the end of PREPARE.
 */
static gboolean
check_started (AfPrintJob *self)
{
  AfPrinter *printer = af_transport_get_printer (self->transport);
  AfPrinterStatus *status = af_printer_get_status (printer);

  if (af_printer_status_get_needs_attention (status))
    {
      stop_watching (self);
      finish (self, needs_attention_error (status));
      return TRUE;
    }

  switch (af_printer_status_get_state (status))
    {
    case AF_PRINT_STATE_RUNNING:
    case AF_PRINT_STATE_PAUSE:
    case AF_PRINT_STATE_FINISH:
      stop_watching (self);
      finish (self, NULL);
      return TRUE;
    case AF_PRINT_STATE_FAILED:
    case AF_PRINT_STATE_IDLE:
      stop_watching (self);
      finish (self, print_failed_error (status));
      return TRUE;
    case AF_PRINT_STATE_UNKNOWN:
    case AF_PRINT_STATE_PREPARE:
    case AF_PRINT_STATE_SLICING:
    default:
      return FALSE;
    }
}

static void
state_changed_cb (AfPrinterStatus *status,
                  GParamSpec      *pspec,
                  AfPrintJob      *self)
{
  check_started (self);
}

static gboolean
cancelled_idle_cb (gpointer user_data)
{
  AfPrintJob *self = user_data;

  if (self->task == NULL)
    return G_SOURCE_REMOVE;
  stop_watching (self);
  send_stop (self);
  finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("The print was cancelled.")));
  return G_SOURCE_REMOVE;
}

/* May run in any thread, and always from an idle: a cancelled handler must
 * not disconnect itself.
 */
static void
cancelled_cb (GCancellable *cancellable,
              AfPrintJob   *self)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, cancelled_idle_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[af] print job cancelled");
  g_source_attach (source, g_task_get_context (self->task));
}

static gboolean
prepare_timeout_cb (gpointer user_data)
{
  AfPrintJob *self = user_data;

  g_clear_pointer (&self->prepare_timeout, g_source_unref);
  stop_watching (self);
  finish (self, g_error_new_literal (AF_PRINT_ERROR, AF_PRINT_ERROR_NO_RESPONSE,
                                     _("The printer accepted the job but did not start "
                                       "printing. Check the printer’s screen.")));
  return G_SOURCE_REMOVE;
}

static void
watch_start (AfPrintJob *self)
{
  AfPrinter *printer = af_transport_get_printer (self->transport);
  GCancellable *cancellable = g_task_get_cancellable (self->task);

  if (check_started (self))
    return;

  self->state_handler = g_signal_connect_object (af_printer_get_status (printer),
                                                 "notify::state",
                                                 G_CALLBACK (state_changed_cb), self, 0);
  self->prepare_timeout = g_timeout_source_new_seconds (PREPARE_TIMEOUT_SECONDS);
  g_source_set_callback (self->prepare_timeout, prepare_timeout_cb, self, NULL);
  g_source_attach (self->prepare_timeout, g_task_get_context (self->task));
  if (cancellable != NULL)
    self->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                     self, NULL);
}

static void
start_print_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(AfPrintJob) self = user_data;
  GError *error = NULL;

  if (af_transport_start_finish (AF_TRANSPORT (source), result, &error))
    {
      watch_start (self);
      return;
    }
  /* project_file went out; whatever the printer made of it, a cancelled job
   * must not print.
   */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    send_stop (self);
  finish (self, error);
}

static void
start_print (AfPrintJob *self)
{
  GCancellable *cancellable = g_task_get_cancellable (self->task);

  if (g_cancellable_is_cancelled (cancellable))
    {
      finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _("The print was cancelled.")));
      return;
    }
  af_transport_start_async (self->transport, self->remote_name, self->options,
                            cancellable, start_print_cb, g_object_ref (self));
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AfPrintJob) self = user_data;
  GError *error = NULL;

  if (!af_transport_connect_finish (AF_TRANSPORT (source), result, &error))
    {
      finish (self, error);
      return;
    }
  start_print (self);
}

static void
begin_starting (AfPrintJob *self)
{
  set_phase (self, AF_PRINT_JOB_PHASE_STARTING);
  if (af_transport_is_connected (self->transport))
    {
      start_print (self);
      return;
    }
  af_transport_connect_async (self->transport, g_task_get_cancellable (self->task),
                              connect_cb, g_object_ref (self));
}

/* --- uploading ---------------------------------------------------------- */

static void
upload_progress_cb (const AfUploadProgress *progress,
                    gpointer                user_data)
{
  AfPrintJob *self = user_data;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->bytes_sent != progress->sent)
    {
      self->bytes_sent = progress->sent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
    }
  if (self->bytes_total != progress->total)
    {
      self->bytes_total = progress->total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
    }
  if (self->rate != progress->bytes_per_second)
    {
      self->rate = progress->bytes_per_second;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
    }
  if (self->eta_seconds != progress->eta_seconds)
    {
      self->eta_seconds = progress->eta_seconds;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA_SECONDS]);
    }
  if (progress->total > 0)
    set_fraction (self, (double) progress->sent / progress->total);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
upload_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(AfPrintJob) self = user_data;
  GError *error = NULL;

  /* The temporary archive is not needed any more, whatever happened. */
  remove_temp (self);
  if (!af_transport_upload_finish (AF_TRANSPORT (source), result, &error))
    {
      finish (self, error);
      return;
    }
  self->uploaded = TRUE;
  begin_starting (self);
}

static void
begin_uploading (AfPrintJob *self)
{
  set_phase (self, AF_PRINT_JOB_PHASE_UPLOADING);
  af_transport_upload_async (self->transport, self->upload_file, self->remote_name,
                             UPLOAD_STALL_SECONDS, self->final_reply_seconds,
                             upload_progress_cb, g_object_ref (self),
                             g_object_unref, g_task_get_cancellable (self->task),
                             upload_cb, g_object_ref (self));
}

/* --- packing ------------------------------------------------------------ */

typedef struct
{
  GFile          *source;
  char           *dest_dir;
  char           *dest_name;
  guint           plate;
  AfPrintJob     *job;          /* for progress only */
  GMainContext   *context;
} PackData;

static void
pack_data_free (PackData *data)
{
  g_clear_object (&data->source);
  g_free (data->dest_dir);
  g_free (data->dest_name);
  g_clear_object (&data->job);
  g_main_context_unref (data->context);
  g_free (data);
}

static gboolean
pack_progress_idle_cb (gpointer user_data)
{
  AfPrintJob *self = user_data;
  guint64 done;
  guint64 total;

  g_mutex_lock (&self->pack_mutex);
  done = self->pack_done;
  total = self->pack_total;
  self->pack_pending = FALSE;
  g_mutex_unlock (&self->pack_mutex);

  if (self->phase == AF_PRINT_JOB_PHASE_PACKING && total > 0)
    set_fraction (self, (double) done / total);
  return G_SOURCE_REMOVE;
}

/* From the packing thread: one pending idle at a time carries the latest. */
static void
pack_progress_cb (guint64  done,
                  guint64  total,
                  gpointer user_data)
{
  PackData *data = user_data;
  AfPrintJob *self = data->job;
  gboolean post;

  g_mutex_lock (&self->pack_mutex);
  self->pack_done = done;
  self->pack_total = total;
  post = !self->pack_pending;
  self->pack_pending = TRUE;
  g_mutex_unlock (&self->pack_mutex);

  if (post)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_callback (source, pack_progress_idle_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[af] packing progress");
      g_source_attach (source, data->context);
    }
}

/* Returns the path to upload: the source itself for an archive, else the
 * packed temporary archive.
 */
static void
pack_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PackData *data = task_data;
  g_autoptr(GFile) dest = NULL;
  GError *error = NULL;
  gboolean is_archive = FALSE;

  if (!af_archive_sniff (data->source, &is_archive, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (is_archive)
    {
      g_task_return_pointer (task, g_object_ref (data->source), g_object_unref);
      return;
    }

  dest = g_file_new_build_filename (data->dest_dir, data->dest_name, NULL);
  if (!af_archive_pack (data->source, data->plate, dest, pack_progress_cb, data,
                        cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&dest), g_object_unref);
}

static void
pack_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(AfPrintJob) self = user_data;
  GError *error = NULL;
  GFile *file;

  file = g_task_propagate_pointer (G_TASK (result), &error);
  if (file == NULL)
    {
      finish (self, error);
      return;
    }
  self->upload_file = file;
  set_fraction (self, 1.0);
  begin_uploading (self);
}

static void
begin_packing (AfPrintJob *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  PackData *data;

  set_phase (self, AF_PRINT_JOB_PHASE_PACKING);
  self->temp_dir = g_dir_make_tmp ("af-print-job-XXXXXX", &error);
  if (self->temp_dir == NULL)
    {
      /* Packing failures are the archive's, whatever the route. */
      finish (self, g_error_new (AF_ARCHIVE_ERROR, AF_ARCHIVE_ERROR_FAILED,
                                 _("Could not prepare the file for sending: %s"),
                                 error->message));
      return;
    }

  data = g_new0 (PackData, 1);
  data->source = g_object_ref (self->file);
  data->dest_dir = g_strdup (self->temp_dir);
  data->dest_name = g_strdup (self->remote_name);
  data->plate = self->options->plate > 0 ? self->options->plate : 1;
  data->job = g_object_ref (self);
  data->context = g_main_context_ref_thread_default ();

  task = g_task_new (NULL, g_task_get_cancellable (self->task), pack_cb, g_object_ref (self));
  g_task_set_source_tag (task, begin_packing);
  g_task_set_task_data (task, data, (GDestroyNotify) pack_data_free);
  g_task_run_in_thread (task, pack_thread);
}

/* --- after the start: waiting for the end of the print ----------------- */

static GError *
print_end_error (AfPrinterStatus *status)
{
  g_autofree char *problem = NULL;

  if (af_printer_status_get_state (status) != AF_PRINT_STATE_FAILED ||
      af_printer_status_get_print_error (status) == 0)
    return g_error_new_literal (AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED,
                                _("The print ended before it finished; the printer’s screen "
                                  "says why."));

  problem = af_printer_status_dup_problem (status);
  return g_error_new (AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED,
                      _("The print failed: %s Its screen says more."), problem);
}

static void
wait_stop_watching (AfPrintJob *self)
{
  AfPrinter *printer = af_transport_get_printer (self->transport);
  GCancellable *cancellable = g_task_get_cancellable (self->wait_task);

  g_clear_signal_handler (&self->wait_state_handler, af_printer_get_status (printer));
  if (cancellable != NULL && self->wait_cancelled_handler != 0)
    g_cancellable_disconnect (cancellable, self->wait_cancelled_handler);
  self->wait_cancelled_handler = 0;
}

static void
wait_deleted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrintJob *self = g_task_get_source_object (task);
  GError *outcome = g_steal_pointer (&self->wait_error);
  g_autoptr(GError) error = NULL;

  if (!af_transport_delete_finish (AF_TRANSPORT (source), result, &error))
    g_debug ("Removing the printed file: %s", error->message);

  /* The print's own failure matters more than a file left behind. */
  if (outcome != NULL)
    g_task_return_error (task, outcome);
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* The print ended: a file that failed or was cancelled always goes, a
 * finished one when delete-after-print is set.
 */
static void
wait_ended (AfPrintJob *self,
            GError     *outcome)
{
  GTask *task;

  wait_stop_watching (self);
  task = g_steal_pointer (&self->wait_task);
  if (outcome == NULL && !self->delete_after_print)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  self->wait_error = outcome;
  af_transport_delete_async (self->transport, self->remote_name, NULL,
                             wait_deleted_cb, task);
}

/* A print that stopped with a fault waits for someone at the printer and may
 * go on once they resume it, so its file stays where it is.
 */
static void
wait_needs_attention (AfPrintJob      *self,
                      AfPrinterStatus *status)
{
  g_autofree char *problem = af_printer_status_dup_problem (status);
  GTask *task;

  wait_stop_watching (self);
  task = g_steal_pointer (&self->wait_task);
  g_task_return_new_error (task, AF_PRINT_ERROR, AF_PRINT_ERROR_NEEDS_ATTENTION,
                           _("The print needs attention: %s Fix it at the printer, then "
                             "resume the print there."),
                           problem);
  g_object_unref (task);
}

static gboolean
wait_check (AfPrintJob *self)
{
  AfPrinterStatus *status = af_printer_get_status (af_transport_get_printer (self->transport));

  switch (af_printer_status_get_state (status))
    {
    case AF_PRINT_STATE_FINISH:
      wait_ended (self, NULL);
      return TRUE;
    case AF_PRINT_STATE_FAILED:
    case AF_PRINT_STATE_IDLE:
      wait_ended (self, print_end_error (status));
      return TRUE;
    case AF_PRINT_STATE_PAUSE:
      if (!af_printer_status_get_needs_attention (status))
        return FALSE;
      wait_needs_attention (self, status);
      return TRUE;
    case AF_PRINT_STATE_UNKNOWN:
    case AF_PRINT_STATE_PREPARE:
    case AF_PRINT_STATE_SLICING:
    case AF_PRINT_STATE_RUNNING:
    default:
      return FALSE;
    }
}

static void
wait_state_cb (AfPrinterStatus *status,
               GParamSpec      *pspec,
               AfPrintJob      *self)
{
  wait_check (self);
}

static gboolean
wait_cancelled_idle_cb (gpointer user_data)
{
  AfPrintJob *self = user_data;
  GTask *task;

  if (self->wait_task == NULL)
    return G_SOURCE_REMOVE;
  wait_stop_watching (self);
  task = g_steal_pointer (&self->wait_task);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Stopped waiting; the print goes on."));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* May run in any thread: the rest happens in an idle on the job's context. */
static void
wait_cancelled_cb (GCancellable *cancellable,
                   AfPrintJob   *self)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, wait_cancelled_idle_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[af] print job wait cancelled");
  g_source_attach (source, g_task_get_context (self->wait_task));
}

/* --- public ------------------------------------------------------------- */

AfPrintJob *
af_print_job_new (AfTransport          *transport,
                  GFile                *file,
                  const AfPrintOptions *options)
{
  g_autofree char *job_id = NULL;
  AfPrintJob *self;

  g_return_val_if_fail (AF_IS_TRANSPORT (transport), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  self = g_object_new (AF_TYPE_PRINT_JOB, NULL);
  self->transport = g_object_ref (transport);
  self->file = g_object_ref (file);
  self->options = af_print_options_copy (options);
  job_id = g_strdup_printf ("%06x", g_random_int () & 0xffffff);
  self->remote_name = remote_name_for (transport, file, job_id);
  /* The printer shows the job under its file's UTF-8 name, without our id. */
  if (self->options->job_name == NULL || *self->options->job_name == '\0')
    {
      g_free (self->options->job_name);
      self->options->job_name = job_name_for (file);
    }
  return self;
}

AfPrintJobPhase
af_print_job_get_phase (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), AF_PRINT_JOB_PHASE_PENDING);

  return self->phase;
}

double
af_print_job_get_fraction (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), 0);

  return self->fraction;
}

const GError *
af_print_job_get_error (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), NULL);

  return self->error;
}

const char *
af_print_job_get_remote_name (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), NULL);

  return self->remote_name;
}

AfTransport *
af_print_job_get_transport (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), NULL);

  return self->transport;
}

GFile *
af_print_job_get_file (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), NULL);

  return self->file;
}

void
af_print_job_run_async (AfPrintJob          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (AF_IS_PRINT_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (self->task == NULL);
  g_return_if_fail (self->phase == AF_PRINT_JOB_PHASE_PENDING);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, af_print_job_run_async);
  g_task_set_name (self->task, "[af] print job");
  begin_packing (self);
}

gboolean
af_print_job_run_finish (AfPrintJob    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
af_print_job_get_delete_after_print (AfPrintJob *self)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), TRUE);

  return self->delete_after_print;
}

void
af_print_job_set_delete_after_print (AfPrintJob *self,
                                     gboolean    delete_after_print)
{
  g_return_if_fail (AF_IS_PRINT_JOB (self));

  delete_after_print = !!delete_after_print;
  if (self->delete_after_print == delete_after_print)
    return;
  self->delete_after_print = delete_after_print;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETE_AFTER_PRINT]);
}

void
af_print_job_wait_async (AfPrintJob          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  AfPrinter *printer;

  g_return_if_fail (AF_IS_PRINT_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (self->phase == AF_PRINT_JOB_PHASE_PRINTING);
  g_return_if_fail (self->wait_task == NULL);

  self->wait_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->wait_task, af_print_job_wait_async);
  g_task_set_name (self->wait_task, "[af] print job wait");
  /* Our own message ("the print goes on"), not GIO's generic one. */
  g_task_set_check_cancellable (self->wait_task, FALSE);
  if (wait_check (self))
    return;

  printer = af_transport_get_printer (self->transport);
  self->wait_state_handler = g_signal_connect_object (af_printer_get_status (printer),
                                                      "notify::state",
                                                      G_CALLBACK (wait_state_cb), self, 0);
  if (cancellable != NULL)
    self->wait_cancelled_handler = g_cancellable_connect (cancellable,
                                                          G_CALLBACK (wait_cancelled_cb),
                                                          self, NULL);
}

gboolean
af_print_job_wait_finish (AfPrintJob    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- GObject ------------------------------------------------------------ */

static void
af_print_job_dispose (GObject *object)
{
  AfPrintJob *self = AF_PRINT_JOB (object);

  if (self->transport != NULL)
    stop_watching (self);
  if (self->transport != NULL && self->wait_task != NULL)
    wait_stop_watching (self);
  remove_temp (self);
  g_clear_object (&self->upload_file);
  g_clear_object (&self->transport);

  G_OBJECT_CLASS (af_print_job_parent_class)->dispose (object);
}

static void
af_print_job_finalize (GObject *object)
{
  AfPrintJob *self = AF_PRINT_JOB (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->options, af_print_options_free);
  g_free (self->remote_name);
  g_clear_error (&self->error);
  g_clear_error (&self->pending_error);
  g_mutex_clear (&self->pack_mutex);

  G_OBJECT_CLASS (af_print_job_parent_class)->finalize (object);
}

static void
af_print_job_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  AfPrintJob *self = AF_PRINT_JOB (object);

  switch (prop_id)
    {
    case PROP_PHASE:
      g_value_set_enum (value, self->phase);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->rate);
      break;
    case PROP_ETA_SECONDS:
      g_value_set_int64 (value, self->eta_seconds);
      break;
    case PROP_REMOTE_NAME:
      g_value_set_string (value, self->remote_name);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_DELETE_AFTER_PRINT:
      g_value_set_boolean (value, self->delete_after_print);
      break;
    case PROP_FINAL_REPLY_SECONDS:
      g_value_set_uint (value, self->final_reply_seconds);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_print_job_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  AfPrintJob *self = AF_PRINT_JOB (object);

  switch (prop_id)
    {
    case PROP_DELETE_AFTER_PRINT:
      af_print_job_set_delete_after_print (self, g_value_get_boolean (value));
      break;
    case PROP_FINAL_REPLY_SECONDS:
      if (self->final_reply_seconds != g_value_get_uint (value))
        {
          self->final_reply_seconds = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_print_job_class_init (AfPrintJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = af_print_job_dispose;
  object_class->finalize = af_print_job_finalize;
  object_class->get_property = af_print_job_get_property;
  object_class->set_property = af_print_job_set_property;

  properties[PROP_PHASE] =
    g_param_spec_enum ("phase", NULL, NULL, AF_TYPE_PRINT_JOB_PHASE,
                       AF_PRINT_JOB_PHASE_PENDING, flags);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_BYTES_SENT] =
    g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_TOTAL] =
    g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_ETA_SECONDS] =
    g_param_spec_int64 ("eta-seconds", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_REMOTE_NAME] = g_param_spec_string ("remote-name", NULL, NULL, NULL, flags);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  properties[PROP_DELETE_AFTER_PRINT] =
    g_param_spec_boolean ("delete-after-print", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* How long the printer may take to confirm a complete upload (its 226);
   * a test shortens it.
   */
  properties[PROP_FINAL_REPLY_SECONDS] =
    g_param_spec_uint ("final-reply-seconds", NULL, NULL, 1, 3600,
                       AF_TRANSPORT_DEFAULT_FINAL_REPLY_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_print_job_init (AfPrintJob *self)
{
  g_mutex_init (&self->pack_mutex);
  self->eta_seconds = -1;
  self->delete_after_print = TRUE;
  self->final_reply_seconds = AF_TRANSPORT_DEFAULT_FINAL_REPLY_SECONDS;
}
