/* af-progress-relay.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-print"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-format.h"
#include "af-progress-relay.h"

struct _AfProgressRelay
{
  GObject          parent_instance;

  AfPrintJob      *job;
  AfPrintJobPhase  phase;     /* the phase shown */
  guint            source_id; /* the pending coalesced update */

  double           fraction;
  char            *text;
  int              step;
};

G_DEFINE_FINAL_TYPE (AfProgressRelay, af_progress_relay, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_JOB,
  PROP_FRACTION,
  PROP_TEXT,
  PROP_STEP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The upload's share of the bar: packing is quick, the upload takes most of
 * the time, and starting waits for the printer to take the job.
 */
#define PACK_SHARE 0.1
#define UPLOAD_END 0.95

/* quarter and done: how much of the file went out, by bytes rather than by
 * the job's fraction, which may still hold the packing's when the phase
 * changes (the bar would jump to the end and back).
 */
static char *
format_upload (AfPrintJob *job,
               int        *quarter,
               double     *done)
{
  guint64 sent = 0;
  guint64 total = 0;
  double rate = 0;
  gint64 eta = -1;
  g_autofree char *sent_text = NULL;
  g_autofree char *total_text = NULL;
  GString *text;

  g_object_get (job, "bytes-sent", &sent, "bytes-total", &total, "rate", &rate,
                "eta-seconds", &eta, NULL);
  *quarter = total > 0 ? (int)(MIN (sent, total) * 4 / total) : 0;
  *done = total > 0 ? (double)MIN (sent, total) / total : 0.0;
  if (total == 0)
    return g_strdup (_("Uploading…"));

  sent_text = g_format_size (MIN (sent, total));
  total_text = g_format_size (total);
  /* Translators: upload progress: percent, then bytes sent of the total,
   * e.g. "Uploading… 42 % (1.2 MB of 3.0 MB"; the rate and time left may follow
   */
  text = g_string_new (NULL);
  g_string_printf (text, _("Uploading… %d %% (%s of %s"),
                   (int)(MIN (sent, total) * 100 / total), sent_text, total_text);
  if (rate >= 1)
    {
      g_autofree char *rate_text = g_format_size ((guint64)rate);

      /* Translators: the upload rate, e.g. ", 800 kB/s" */
      g_string_append_printf (text, _(", %s/s"), rate_text);
    }
  if (eta > 0 && sent < total)
    {
      g_autofree char *eta_text = af_format_duration (eta);

      /* Translators: the time the upload still takes, e.g. ", 2 s left" */
      g_string_append_printf (text, _(", %s left"), eta_text);
    }
  g_string_append_c (text, ')');

  return g_string_free (text, FALSE);
}

/* Takes text; NULL keeps the last one. */
static void
publish (AfProgressRelay *self,
         double           fraction,
         char            *text,
         int              step)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->fraction != fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  if (text != NULL && g_strcmp0 (self->text, text) != 0)
    {
      g_free (self->text);
      self->text = g_steal_pointer (&text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
    }
  if (self->step != step)
    {
      self->step = step;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  g_free (text);
}

static void
update (AfProgressRelay *self)
{
  AfPrintJobPhase phase = af_print_job_get_phase (self->job);
  double fraction = CLAMP (af_print_job_get_fraction (self->job), 0.0, 1.0);
  /* Pending is the start of packing: one step, so a log gets one line. */
  int step = (phase == AF_PRINT_JOB_PHASE_PENDING ? AF_PRINT_JOB_PHASE_PACKING : phase) * 10;
  int quarter = 0;
  double done = 0;
  char *text;

  self->phase = phase;
  switch (phase)
    {
    case AF_PRINT_JOB_PHASE_PENDING:
    case AF_PRINT_JOB_PHASE_PACKING:
      /* Translators: packing progress, e.g. "Packing… 42 %" */
      text = g_strdup_printf (_("Packing… %d %%"), (int)(fraction * 100));
      publish (self, PACK_SHARE * fraction, text, step);
      break;

    case AF_PRINT_JOB_PHASE_UPLOADING:
      text = format_upload (self->job, &quarter, &done);
      publish (self, PACK_SHARE + (UPLOAD_END - PACK_SHARE) * done, text, step + quarter);
      break;

    case AF_PRINT_JOB_PHASE_STARTING:
      publish (self, UPLOAD_END, g_strdup (_("Starting the print…")), step);
      break;

    case AF_PRINT_JOB_PHASE_PRINTING:
    case AF_PRINT_JOB_PHASE_FAILED:
    case AF_PRINT_JOB_PHASE_CANCELLED:
    case AF_PRINT_JOB_PHASE_NEEDS_ATTENTION:
    default:
      publish (self, 1.0, NULL, step);
      break;
    }
}

static gboolean
update_cb (gpointer user_data)
{
  AfProgressRelay *self = user_data;

  self->source_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

static void
job_notify_cb (AfProgressRelay *self,
               GParamSpec      *pspec,
               AfPrintJob      *job)
{
  if (af_print_job_get_phase (job) != self->phase)
    {
      g_clear_handle_id (&self->source_id, g_source_remove);
      update (self);
      return;
    }

  if (self->source_id == 0)
    self->source_id = g_timeout_add_full (G_PRIORITY_DEFAULT, AF_PROGRESS_RELAY_INTERVAL_MS,
                                          update_cb, self, NULL);
}

static void
af_progress_relay_constructed (GObject *object)
{
  AfProgressRelay *self = AF_PROGRESS_RELAY (object);

  G_OBJECT_CLASS (af_progress_relay_parent_class)->constructed (object);

  g_assert (AF_IS_PRINT_JOB (self->job));
  g_signal_connect_object (self->job, "notify", G_CALLBACK (job_notify_cb), self,
                           G_CONNECT_SWAPPED);
  update (self);
}

static void
af_progress_relay_dispose (GObject *object)
{
  AfProgressRelay *self = AF_PROGRESS_RELAY (object);

  g_clear_handle_id (&self->source_id, g_source_remove);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);

  G_OBJECT_CLASS (af_progress_relay_parent_class)->dispose (object);
}

static void
af_progress_relay_finalize (GObject *object)
{
  AfProgressRelay *self = AF_PROGRESS_RELAY (object);

  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (af_progress_relay_parent_class)->finalize (object);
}

static void
af_progress_relay_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AfProgressRelay *self = AF_PROGRESS_RELAY (object);

  switch (prop_id)
    {
    case PROP_JOB: g_value_set_object (value, self->job); break;
    case PROP_FRACTION: g_value_set_double (value, self->fraction); break;
    case PROP_TEXT: g_value_set_string (value, self->text); break;
    case PROP_STEP: g_value_set_int (value, self->step); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_progress_relay_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  AfProgressRelay *self = AF_PROGRESS_RELAY (object);

  switch (prop_id)
    {
    case PROP_JOB: self->job = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_progress_relay_class_init (AfProgressRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = af_progress_relay_constructed;
  object_class->dispose = af_progress_relay_dispose;
  object_class->finalize = af_progress_relay_finalize;
  object_class->get_property = af_progress_relay_get_property;
  object_class->set_property = af_progress_relay_set_property;

  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL, AF_TYPE_PRINT_JOB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, flags);
  properties[PROP_STEP] = g_param_spec_int ("step", NULL, NULL, G_MININT, G_MAXINT, -1, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_progress_relay_init (AfProgressRelay *self)
{
  self->phase = (AfPrintJobPhase)-1;
  self->step = -1;
}

AfProgressRelay *
af_progress_relay_new (AfPrintJob *job)
{
  g_return_val_if_fail (AF_IS_PRINT_JOB (job), NULL);

  return g_object_new (AF_TYPE_PROGRESS_RELAY, "job", job, NULL);
}

AfPrintJob *
af_progress_relay_get_job (AfProgressRelay *self)
{
  g_return_val_if_fail (AF_IS_PROGRESS_RELAY (self), NULL);

  return self->job;
}

double
af_progress_relay_get_fraction (AfProgressRelay *self)
{
  g_return_val_if_fail (AF_IS_PROGRESS_RELAY (self), 0);

  return self->fraction;
}

const char *
af_progress_relay_get_text (AfProgressRelay *self)
{
  g_return_val_if_fail (AF_IS_PROGRESS_RELAY (self), NULL);

  return self->text;
}

int
af_progress_relay_get_step (AfProgressRelay *self)
{
  g_return_val_if_fail (AF_IS_PROGRESS_RELAY (self), -1);

  return self->step;
}
