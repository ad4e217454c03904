/* af-cloud-transport.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-cloud"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-cloud-error.h"
#include "af-cloud-private.h"
#include "af-cloud-transport.h"
#include "af-network-policy.h"
#include "af-cloud-upload.h"
#include "af-lan-error.h"
#include "af-print-error.h"

#define PROGRESS_INTERVAL_MS 200

/* Whether a poll's thread still runs, shared with that thread: dispose
 * waits for it, so no request of this transport outlives it (a process
 * that exits right after a print must not have libcurl running).
 */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean running;
} PollSync;

#define POLL_DISPOSE_WAIT_S 10

static void
poll_sync_clear (gpointer data)
{
  PollSync *sync = data;

  g_mutex_clear (&sync->lock);
  g_cond_clear (&sync->cond);
}

/* What the session's endpoint function reads; owned by the session. */
typedef struct
{
  AfCloudClient *client;
  char          *host;
  guint          port;
  char          *user;
} Endpoint;

struct _AfCloudTransport
{
  AfTransport     parent_instance;

  AfCloudClient  *client;
  AfCloudPrinter *cloud_printer;
  AfPrinter      *printer;
  AfMqttSession  *session;
  Endpoint       *endpoint;     /* owned by session */
  char           *upload_key;   /* Idempotency-Key of the upload's creation */
  char           *job_key;      /* Idempotency-Key of POST /v1/jobs */
  char           *upload_id;
  GFile          *upload_file;  /* what upload sent, to resume it */
  char           *upload_name;
  AfCloudJob     *job;
  GMainContext   *context;      /* of connect's caller: polls and follows there */

  /* The broker is out of reach: the job is polled over HTTPS instead. */
  gboolean        polling;
  guint           poll_interval_s;
  GSource        *poll_source;
  GCancellable   *poll_cancellable;
  gboolean        poll_running;
  PollSync       *poll_sync;
  GTask          *pending_delete; /* waits for the end read in flight */
  /* After the job's end state: the one GET that confirms it. */
  gulong          follow_handler;
  gboolean        end_confirmed;

  /* start: waiting for the printer to report our task. */
  GTask          *start_task;
  gulong          status_handler;
  gulong          cancelled_handler;
  GSource        *start_timeout;
};

G_DEFINE_FINAL_TYPE (AfCloudTransport, af_cloud_transport, AF_TYPE_TRANSPORT)

static void
endpoint_free (Endpoint *endpoint)
{
  g_clear_object (&endpoint->client);
  g_free (endpoint->host);
  g_free (endpoint->user);
  g_free (endpoint);
}

/* Before every attempt; the token was refreshed in connect's thread, so
 * this only copies it, except on a reconnect an hour later.
 */
static gboolean
endpoint_cb (AfMqttSession   *session,
             AfMqttEndpoint  *out,
             gpointer         user_data,
             GError         **error)
{
  Endpoint *endpoint = user_data;

  if (endpoint->host == NULL)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK,
                           _("AtomForm’s cloud has not said where its status service is yet. "
                             "Try again."));
      return FALSE;
    }
  out->password = af_cloud_client_dup_access_token (endpoint->client, FALSE, NULL, error);
  if (out->password == NULL)
    return FALSE;
  out->host = g_strdup (endpoint->host);
  out->port = endpoint->port;
  out->cloud = TRUE;
  out->user = g_strdup (endpoint->user);
  out->trust = af_tls_policy_new_for_host (endpoint->host,
                                           af_cloud_client_get_ca_file (endpoint->client));
  return TRUE;
}

static AfPrinter *
af_cloud_transport_get_printer (AfTransport *transport)
{
  return AF_CLOUD_TRANSPORT (transport)->printer;
}

static gboolean
af_cloud_transport_is_connected (AfTransport *transport)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (transport);

  return self->polling || af_printer_get_connection (self->printer) == AF_CONNECTION_CONNECTED;
}

static gboolean
af_cloud_transport_finish_step (AfTransport   *transport,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- connect ------------------------------------------------------------- */

typedef struct
{
  AfCloudAccount *account;
  gboolean        refreshed;  /* the one refresh after a refused CONNECT */
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  g_clear_object (&data->account);
  g_free (data);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  AfCloudTransport *self = source_object;
  ConnectData *data = task_data;
  g_autoptr(AfSecret) token = NULL;
  GError *error = NULL;

  /* A token with minutes left would be refused by the broker soon. */
  token = af_cloud_client_dup_access_token (self->client, data->refreshed, cancellable, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->account == NULL &&
      (data->account = af_cloud_client_get_account (self->client, cancellable, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void session_connected_cb (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data);

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfCloudTransport *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_free (self->endpoint->host);
  self->endpoint->host = g_strdup (af_cloud_account_get_mqtt_host (data->account));
  self->endpoint->port = af_cloud_account_get_mqtt_port (data->account);
  g_free (self->endpoint->user);
  self->endpoint->user = g_strdup (af_cloud_account_get_mqtt_username (data->account));
  cancellable = g_task_get_cancellable (task);
  af_mqtt_session_connect_async (self->session, cancellable, session_connected_cb,
                                 g_steal_pointer (&task));
}

static void
run_prepare (GTask *task)
{
  AfCloudTransport *self = g_task_get_source_object (task);
  GTask *inner = g_task_new (self, g_task_get_cancellable (task), prepared_cb, task);

  g_task_set_task_data (inner, g_task_get_task_data (task), NULL);
  g_task_set_source_tag (inner, run_prepare);
  g_task_run_in_thread (inner, prepare_thread);
  g_object_unref (inner);
}

/* Live status is unavailable, printing is not: the job is read over HTTPS
 * every poll_interval_s instead (docs/cloud-api.md, "Job status over MQTT").
 */
static void
fall_back_to_polling (AfCloudTransport *self,
                      const GError     *why)
{
  g_autofree char *message = NULL;

  g_debug ("Cloud broker unusable (%s); polling the job instead", why->message);
  af_mqtt_session_disconnect (self->session);
  self->polling = TRUE;
  /* Translators: %u is a number of seconds, 15 by default */
  message = g_strdup_printf (_("Live status from AtomForm’s cloud is unavailable; the print "
                               "is checked every %u seconds. Printing is not affected."),
                             self->poll_interval_s);
  af_printer_set_last_error (self->printer, message);
}

/* SUBACK 0x80: the broker does not let the account see the printer. When
 * the printer list no longer has it, it was unbound; otherwise the status
 * is polled like an unreachable broker's.
 */
static void
reload_printers_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  AfCloudTransport *self = source_object;
  g_autoptr(GListModel) printers = NULL;
  GError *error = NULL;
  const char *id = af_cloud_printer_get_id (self->cloud_printer);

  printers = af_cloud_client_list_printers (self->client, cancellable, &error);
  if (printers == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (printers); i++)
    {
      g_autoptr(AfCloudPrinter) printer = g_list_model_get_item (printers, i);

      if (g_strcmp0 (af_cloud_printer_get_id (printer), id) == 0)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
    }
  g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_PRINTER_NOT_BOUND,
                           _("This printer is no longer bound to your AtomForm account. Bind it "
                             "again in the AtomForm app, or print over the network (LAN)."));
}

static void
printers_reloaded_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (source);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      af_printer_set_last_error (self->printer, error->message);
      g_task_return_error (task, error);
      return;
    }
  error = g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_SUBSCRIBE_REFUSED, "SUBACK 0x80");
  fall_back_to_polling (self, error);
  g_error_free (error);
  g_task_return_boolean (task, TRUE);
}

static void
session_connected_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfCloudTransport *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (af_mqtt_session_connect_finish (AF_MQTT_SESSION (source), result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_SUBSCRIBE_REFUSED))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);
      GTask *inner = g_task_new (self, cancellable, printers_reloaded_cb,
                                 g_steal_pointer (&task));

      af_mqtt_session_disconnect (self->session);
      g_task_run_in_thread (inner, reload_printers_thread);
      g_object_unref (inner);
      return;
    }
  if (g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE) ||
      g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_NO_RESPONSE))
    {
      fall_back_to_polling (self, error);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED))
    {
      if (!data->refreshed)
        {
          /* One refresh and one reconnect (docs/cloud-api.md). */
          data->refreshed = TRUE;
          af_mqtt_session_disconnect (AF_MQTT_SESSION (source));
          run_prepare (g_steal_pointer (&task));
          return;
        }
      g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT,
                               _("AtomForm’s cloud refused the printer connection. Sign in "
                                 "again."));
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
af_cloud_transport_connect_async (AfTransport         *transport,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (transport);
  GTask *task = g_task_new (transport, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, af_cloud_transport_connect_async);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  self->polling = FALSE;
  /* LAN-only mode: not even the cloud broker (the API calls are refused
   * by the client's own gate as well).
   */
  if (!af_network_policy_check_cloud (&error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, g_new0 (ConnectData, 1), (GDestroyNotify)connect_data_free);
  run_prepare (task);
}

/* --- upload -------------------------------------------------------------- */

typedef struct
{
  AfCloudTransport     *self;
  GFile                *local;
  char                 *name;
  char                 *upload_id;
  AfUploadProgressFunc  progress;
  gpointer              progress_data;
  GDestroyNotify        progress_destroy;
  GMainContext         *context;

  GMutex                mutex;
  guint64               sent;
  guint64               total;
  gboolean              pending;
  GSource              *source;     /* the scheduled report, under mutex */
  gint64                last_time;
  guint64               last_sent;
  double                rate;
} UploadData;

static void
upload_data_free (UploadData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->local);
  g_free (data->name);
  g_free (data->upload_id);
  if (data->progress_destroy != NULL)
    data->progress_destroy (data->progress_data);
  g_main_context_unref (data->context);
  g_mutex_clear (&data->mutex);
  g_free (data);
}

/* On the caller's main context: one coalesced report. */
static gboolean
progress_idle_cb (gpointer user_data)
{
  UploadData *data = user_data;
  AfUploadProgress progress = { 0, 0, 0, -1 };
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&data->mutex);
  progress.sent = data->sent;
  progress.total = data->total;
  data->pending = FALSE;
  g_clear_pointer (&data->source, g_source_unref);
  g_mutex_unlock (&data->mutex);

  if (data->last_time != 0 && now > data->last_time && progress.sent >= data->last_sent)
    {
      double instant = (double)(progress.sent - data->last_sent) * G_USEC_PER_SEC /
                       (double)(now - data->last_time);

      data->rate = data->rate == 0 ? instant : 0.7 * data->rate + 0.3 * instant;
    }
  data->last_time = now;
  data->last_sent = progress.sent;
  progress.bytes_per_second = data->rate;
  if (data->rate >= 1 && progress.total >= progress.sent)
    progress.eta_seconds = (gint64)((progress.total - progress.sent) / data->rate);
  if (data->progress != NULL)
    data->progress (&progress, data->progress_data);
  return G_SOURCE_REMOVE;
}

/* On the worker thread. */
static void
upload_progress_cb (guint64  sent,
                    guint64  total,
                    gpointer user_data)
{
  UploadData *data = user_data;
  gboolean schedule;

  g_mutex_lock (&data->mutex);
  data->sent = sent;
  data->total = total;
  schedule = !data->pending;
  data->pending = TRUE;
  if (schedule)
    {
      /* upload_done_cb destroys a report still scheduled before data goes. */
      data->source = g_timeout_source_new (PROGRESS_INTERVAL_MS);
      g_source_set_callback (data->source, progress_idle_cb, data, NULL);
      g_source_set_static_name (data->source, "[af] cloud upload progress");
      g_source_attach (data->source, data->context);
    }
  g_mutex_unlock (&data->mutex);
}

static void
upload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AfCloudTransport *self = source_object;
  UploadData *data = task_data;
  GError *error = NULL;

  if (af_cloud_upload_file (self->client, data->local, data->name, self->upload_key,
                            &data->upload_id, upload_progress_cb, data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
upload_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfCloudTransport *self = g_task_get_source_object (task);
  UploadData *data = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  g_free (self->upload_id);
  self->upload_id = g_strdup (data->upload_id);
  g_set_object (&self->upload_file, data->local);
  g_free (self->upload_name);
  self->upload_name = g_strdup (data->name);
  g_mutex_lock (&data->mutex);
  if (data->source != NULL)
    g_source_destroy (data->source);
  g_clear_pointer (&data->source, g_source_unref);
  g_mutex_unlock (&data->mutex);
  /* The last progress, so the caller sees 100 % before the step ends. */
  progress_idle_cb (data);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* A failed or cancelled upload removes what it left (AfTransport's rule). */
      if (self->upload_id != NULL)
        {
          g_autoptr(GError) delete_error = NULL;

          if (!af_cloud_upload_delete (self->client, self->upload_id, NULL, &delete_error))
            g_debug ("Could not delete the upload: %s", delete_error->message);
          g_clear_pointer (&self->upload_id, g_free);
        }
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
af_cloud_transport_upload_async (AfTransport          *transport,
                                 GFile                *local,
                                 const char           *remote_name,
                                 guint                 stall_seconds,
                                 guint                 final_reply_seconds,
                                 AfUploadProgressFunc  progress,
                                 gpointer              progress_data,
                                 GDestroyNotify        progress_destroy,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (transport);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) inner = g_task_new (self, cancellable, upload_done_cb, task);
  UploadData *data = g_new0 (UploadData, 1);

  g_task_set_source_tag (task, af_cloud_transport_upload_async);
  data->self = g_object_ref (self);
  data->local = g_object_ref (local);
  data->name = g_strdup (remote_name);
  data->upload_id = g_strdup (self->upload_id);
  data->progress = progress;
  data->progress_data = progress_data;
  data->progress_destroy = progress_destroy;
  data->context = g_main_context_ref_thread_default ();
  g_mutex_init (&data->mutex);
  g_task_set_task_data (inner, data, (GDestroyNotify)upload_data_free);
  g_task_run_in_thread (inner, upload_thread);
}

/* --- start --------------------------------------------------------------- */

typedef struct
{
  char           *name;
  AfPrintOptions *options;
  AfCloudJob     *job;
} StartData;

static void
start_data_free (StartData *data)
{
  g_free (data->name);
  af_print_options_free (data->options);
  g_clear_object (&data->job);
  g_free (data);
}

static void
stop_waiting (AfCloudTransport *self)
{
  if (self->status_handler != 0)
    g_clear_signal_handler (&self->status_handler, af_printer_get_status (self->printer));
  if (self->cancelled_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (self->start_task),
                              self->cancelled_handler);
  self->cancelled_handler = 0;
  if (self->start_timeout != NULL)
    {
      g_source_destroy (self->start_timeout);
      g_clear_pointer (&self->start_timeout, g_source_unref);
    }
}

static void
start_done (AfCloudTransport *self,
            GError           *error)
{
  g_autoptr(GTask) task = NULL;

  stop_waiting (self);
  task = g_steal_pointer (&self->start_task);
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Our job is the one whose reports carry its task_id (docs/cloud-api.md). */
static void
check_reported (AfCloudTransport *self)
{
  AfPrinterStatus *status = af_printer_get_status (self->printer);

  if (self->start_task == NULL ||
      g_strcmp0 (af_printer_status_get_subtask_id (status),
                 af_cloud_job_get_task_id (self->job)) != 0)
    return;

  switch (af_printer_status_get_state (status))
    {
    case AF_PRINT_STATE_PREPARE:
    case AF_PRINT_STATE_RUNNING:
    case AF_PRINT_STATE_PAUSE:
    case AF_PRINT_STATE_FINISH:
      start_done (self, NULL);
      break;
    case AF_PRINT_STATE_FAILED:
      start_done (self, g_error_new_literal (AF_PRINT_ERROR, AF_PRINT_ERROR_PRINT_FAILED,
                                             _("The printer could not start the print. Check "
                                               "the printer’s screen.")));
      break;
    case AF_PRINT_STATE_IDLE:
    case AF_PRINT_STATE_SLICING:
    case AF_PRINT_STATE_UNKNOWN:
    default:
      break;
    }
}

static void
status_notify_cb (AfPrinterStatus  *status,
                  GParamSpec       *pspec,
                  AfCloudTransport *self)
{
  check_reported (self);
}

static gboolean
start_timeout_cb (gpointer user_data)
{
  AfCloudTransport *self = user_data;

  g_clear_pointer (&self->start_timeout, g_source_unref);
  start_done (self, g_error_new_literal (AF_PRINT_ERROR, AF_PRINT_ERROR_NO_RESPONSE,
                                         _("AtomForm’s cloud sent the print, but the printer "
                                           "has not started it. Check the printer’s screen.")));
  return G_SOURCE_REMOVE;
}

static gboolean
start_cancelled_idle_cb (gpointer user_data)
{
  AfCloudTransport *self = user_data;

  if (self->start_task != NULL)
    start_done (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
  return G_SOURCE_REMOVE;
}

static void
start_cancelled_cb (GCancellable     *cancellable,
                    AfCloudTransport *self)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, start_cancelled_idle_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, g_task_get_context (self->start_task));
}

static AfCloudJob *
create_job (AfCloudTransport  *self,
            StartData         *data,
            GCancellable      *cancellable,
            GError           **error)
{
  return af_cloud_client_create_job (self->client, self->job_key,
                                     af_cloud_printer_get_id (self->cloud_printer),
                                     af_cloud_printer_get_model_id (self->cloud_printer),
                                     self->upload_id, data->name, data->options, cancellable,
                                     error);
}

static void
create_job_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  AfCloudTransport *self = source_object;
  StartData *data = task_data;
  g_autoptr(GError) error = NULL;

  data->job = create_job (self, data, cancellable, &error);
  if (data->job == NULL &&
      g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_UPLOAD_INCOMPLETE) &&
      self->upload_file != NULL)
    {
      g_autofree char *upload_id = g_strdup (self->upload_id);

      /* The cloud holds less than the file: continue the same upload from
       * its offset (HEAD, PATCH), then ask again with the same key, so
       * still one job at most (docs/cloud-api.md, upload-incomplete).
       */
      g_debug ("Upload %s incomplete at the cloud; resuming it", upload_id);
      g_clear_error (&error);
      if (!af_cloud_upload_file (self->client, self->upload_file, self->upload_name,
                                 self->upload_key, &upload_id, NULL, NULL, cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (g_strcmp0 (upload_id, self->upload_id) != 0)
        {
          /* Expired meanwhile: a new upload, and so a new request. */
          g_free (self->upload_id);
          self->upload_id = g_steal_pointer (&upload_id);
          g_free (self->job_key);
          self->job_key = g_uuid_string_random ();
        }
      data->job = create_job (self, data, cancellable, &error);
    }
  if (data->job != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (af_cloud_error_is_transient (error))
    {
      /* Every retry with the key failed: the job may or may not exist, and a
       * later retry of this action (same key) cannot make a second one.
       */
      g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SENT,
                               _("The print was not sent: %s"), error->message);
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

/* --- following the job ---------------------------------------------------- */

/* The job as the cloud recorded it, in the words of a printer's report, so
 * the printer's status (and whoever watches it) sees a polled job as it
 * would see one followed over MQTT.
 */
static void
merge_job (AfCloudTransport *self,
           AfCloudJob       *job)
{
  static const struct { const char *state; const char *gcode_state; } states[] = {
    { "preparing", "PREPARE" }, { "running", "RUNNING" }, { "paused", "PAUSE" },
    { "finished", "FINISH" }, { "failed", "FAILED" }, { "cancelled", "FAILED" },
  };
  g_autoptr(JsonObject) report = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (g_strcmp0 (af_cloud_job_get_state (job), states[i].state) == 0)
      json_object_set_string_member (report, "gcode_state", states[i].gcode_state);
  if (!json_object_has_member (report, "gcode_state"))
    return;
  json_object_set_string_member (report, "subtask_id", af_cloud_job_get_task_id (job));
  json_object_set_string_member (report, "task_id", af_cloud_job_get_task_id (job));
  if (af_cloud_job_get_progress (job) >= 0)
    json_object_set_int_member (report, "mc_percent", af_cloud_job_get_progress (job));
  if (af_cloud_job_get_layer (job) >= 0)
    json_object_set_int_member (report, "layer_num", af_cloud_job_get_layer (job));
  if (af_cloud_job_get_total_layers (job) >= 0)
    json_object_set_int_member (report, "total_layer_num", af_cloud_job_get_total_layers (job));
  if (af_cloud_job_get_remaining_seconds (job) >= 0)
    json_object_set_int_member (report, "mc_remaining_time",
                                (af_cloud_job_get_remaining_seconds (job) + 59) / 60);
  af_printer_status_merge_print (af_printer_get_status (self->printer), report);
}

typedef struct
{
  AfCloudClient *client;
  GWeakRef       transport;
  GCancellable  *cancellable;
  PollSync      *sync;
  char          *job_id;
  AfCloudJob    *job;
  gint64         retry_after;
} PollData;

static void
poll_data_free (PollData *data)
{
  g_object_unref (data->client);
  g_weak_ref_clear (&data->transport);
  g_object_unref (data->cancellable);
  g_atomic_rc_box_release_full (data->sync, poll_sync_clear);
  g_free (data->job_id);
  g_clear_object (&data->job);
  g_free (data);
}

/* One GET, not retried here: the next poll is the retry, after the
 * interval or the answer's Retry-After, whichever is longer.
 */
static void
poll_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PollData *data = task_data;
  g_autofree char *path = g_strdup_printf ("/v1/jobs/%s", data->job_id);
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("GET", path);
  g_autoptr(AfCloudResponse) response = NULL;
  GError *error = NULL;

  af_cloud_request_set_retry (request, FALSE);
  response = af_cloud_client_send_cached (data->client, request, cancellable, &error);
  data->retry_after = af_cloud_request_get_retry_after (request);
  if (response != NULL)
    data->job = af_cloud_job_from_json (af_cloud_response_get_object (response), &error);

  g_mutex_lock (&data->sync->lock);
  data->sync->running = FALSE;
  g_cond_broadcast (&data->sync->cond);
  g_mutex_unlock (&data->sync->lock);
  if (data->job == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
complete_pending_delete (AfCloudTransport *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->pending_delete);

  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static void schedule_poll (AfCloudTransport *self,
                           guint             seconds);

static void
polled_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  PollData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(AfCloudTransport) self = g_weak_ref_get (&data->transport);
  g_autoptr(GError) error = NULL;
  guint delay;

  /* Gone or being disposed: nothing to follow any more. */
  if (self == NULL || g_cancellable_is_cancelled (data->cancellable))
    return;
  delay = self->poll_interval_s;
  self->poll_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      complete_pending_delete (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Polling job %s: %s", data->job_id, error->message);
      if (data->retry_after > (gint64)delay)
        delay = (guint)MIN (data->retry_after, AF_CLOUD_RETRY_AFTER_MAX_S);
      schedule_poll (self, delay);
      return;
    }
  g_set_object (&self->job, data->job);
  merge_job (self, data->job);
  complete_pending_delete (self);
  if (af_cloud_job_is_ended (data->job))
    {
      g_debug ("Cloud job %s ended: %s", data->job_id, af_cloud_job_get_state (data->job));
      self->end_confirmed = TRUE;
      return;
    }
  schedule_poll (self, delay);
}

static void
poll_now (AfCloudTransport *self)
{
  g_autoptr(GTask) task = NULL;
  PollData *data;

  if (self->poll_running || self->job == NULL)
    return;
  self->poll_running = TRUE;
  g_mutex_lock (&self->poll_sync->lock);
  self->poll_sync->running = TRUE;
  g_mutex_unlock (&self->poll_sync->lock);
  data = g_new0 (PollData, 1);
  data->client = g_object_ref (self->client);
  g_weak_ref_init (&data->transport, self);
  data->cancellable = g_object_ref (self->poll_cancellable);
  data->sync = g_atomic_rc_box_acquire (self->poll_sync);
  data->job_id = g_strdup (af_cloud_job_get_id (self->job));
  data->retry_after = -1;
  /* Not the source object: dispose must be able to run while it is out. */
  task = g_task_new (NULL, self->poll_cancellable, polled_cb, NULL);
  g_task_set_source_tag (task, poll_now);
  g_task_set_task_data (task, data, (GDestroyNotify)poll_data_free);
  g_task_run_in_thread (task, poll_thread);
}

static gboolean
poll_timeout_cb (gpointer user_data)
{
  AfCloudTransport *self = user_data;

  g_clear_pointer (&self->poll_source, g_source_unref);
  poll_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (AfCloudTransport *self,
               guint             seconds)
{
  if (self->poll_source != NULL)
    {
      g_source_destroy (self->poll_source);
      g_clear_pointer (&self->poll_source, g_source_unref);
    }
  self->poll_source = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (self->poll_source, poll_timeout_cb, self, NULL);
  g_source_set_static_name (self->poll_source, "[af] cloud job poll");
  g_source_attach (self->poll_source, self->context);
}

static void
stop_following (AfCloudTransport *self)
{
  if (self->follow_handler != 0)
    g_clear_signal_handler (&self->follow_handler, af_printer_get_status (self->printer));
  if (self->poll_source != NULL)
    {
      g_source_destroy (self->poll_source);
      g_clear_pointer (&self->poll_source, g_source_unref);
    }
  g_cancellable_cancel (self->poll_cancellable);
}

/* The poll in flight, cancelled, ends within a moment (libcurl's progress
 * callback checks the cancellable); wait for it, boundedly.
 */
static void
wait_for_poll (AfCloudTransport *self)
{
  gint64 deadline = g_get_monotonic_time () + POLL_DISPOSE_WAIT_S * G_USEC_PER_SEC;

  g_mutex_lock (&self->poll_sync->lock);
  while (self->poll_sync->running)
    if (!g_cond_wait_until (&self->poll_sync->cond, &self->poll_sync->lock, deadline))
      break;
  g_mutex_unlock (&self->poll_sync->lock);
}

/* Over MQTT: when the printer reports our job's end, the cloud's record is
 * read once, for its final state (finished, failed or cancelled).
 */
static void
follow_status_cb (AfPrinterStatus  *status,
                  GParamSpec       *pspec,
                  AfCloudTransport *self)
{
  AfPrintState state = af_printer_status_get_state (status);

  if (self->polling || self->end_confirmed || self->job == NULL ||
      (state != AF_PRINT_STATE_FINISH && state != AF_PRINT_STATE_FAILED) ||
      g_strcmp0 (af_printer_status_get_subtask_id (status),
                 af_cloud_job_get_task_id (self->job)) != 0)
    return;
  g_debug ("Cloud job %s: end reported; confirming it", af_cloud_job_get_id (self->job));
  self->end_confirmed = TRUE;
  g_clear_signal_handler (&self->follow_handler, status);
  poll_now (self);
}

static void
start_following (AfCloudTransport *self)
{
  if (self->polling)
    {
      poll_now (self);
      return;
    }
  self->follow_handler = g_signal_connect_object (af_printer_get_status (self->printer),
                                                  "notify::state",
                                                  G_CALLBACK (follow_status_cb), self, 0);
  follow_status_cb (af_printer_get_status (self->printer), NULL, self);
}

static void
job_created_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (source);
  StartData *data = g_task_get_task_data (G_TASK (result));
  GCancellable *cancellable;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      start_done (self, error);
      return;
    }
  g_set_object (&self->job, data->job);
  g_debug ("Cloud job %s created", af_cloud_job_get_id (self->job));
  self->end_confirmed = FALSE;
  start_following (self);

  if (self->start_task == NULL)
    return;
  cancellable = g_task_get_cancellable (self->start_task);
  self->status_handler = g_signal_connect_object (af_printer_get_status (self->printer),
                                                  "notify", G_CALLBACK (status_notify_cb),
                                                  self, 0);
  self->start_timeout = g_timeout_source_new_seconds (AF_CLOUD_TRANSPORT_START_TIMEOUT_S);
  g_source_set_callback (self->start_timeout, start_timeout_cb, self, NULL);
  g_source_attach (self->start_timeout, g_task_get_context (self->start_task));
  if (cancellable != NULL)
    self->cancelled_handler = g_cancellable_connect (cancellable,
                                                     G_CALLBACK (start_cancelled_cb), self,
                                                     NULL);
  check_reported (self);
}

/* "Cube_v2-3fa2c1.gcode.3mf" → "Cube_v2-3fa2c1", as the LAN names its job. */
static char *
name_for (const char           *remote_name,
          const AfPrintOptions *options)
{
  g_autofree char *base = NULL;

  if (options->job_name != NULL && *options->job_name != '\0')
    return g_strdup (options->job_name);
  base = g_path_get_basename (remote_name);
  if (g_str_has_suffix (base, ".gcode.3mf") && strlen (base) > strlen (".gcode.3mf"))
    base[strlen (base) - strlen (".gcode.3mf")] = '\0';
  return g_steal_pointer (&base);
}

static void
af_cloud_transport_start_async (AfTransport          *transport,
                                const char           *remote_name,
                                const AfPrintOptions *options,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (transport);
  g_autoptr(GTask) inner = NULL;
  StartData *data;

  g_return_if_fail (self->start_task == NULL);

  self->start_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->start_task, af_cloud_transport_start_async);
  g_task_set_check_cancellable (self->start_task, FALSE);
  if (self->upload_id == NULL)
    {
      start_done (self, g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_UPLOAD_INCOMPLETE,
                                             _("The file has not been uploaded. Send it "
                                               "again.")));
      return;
    }

  data = g_new0 (StartData, 1);
  data->name = name_for (remote_name, options);
  data->options = af_print_options_copy (options);
  inner = g_task_new (self, cancellable, job_created_cb, NULL);
  g_task_set_task_data (inner, data, (GDestroyNotify)start_data_free);
  g_task_run_in_thread (inner, create_job_thread);
}

/* --- command and delete -------------------------------------------------- */

static void
command_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  AfCloudTransport *self = source_object;
  g_autoptr(AfCloudJob) job = NULL;
  GError *error = NULL;

  job = af_cloud_client_job_action (self->client, af_cloud_job_get_id (self->job),
                                    GPOINTER_TO_UINT (task_data), NULL, cancellable, &error);
  if (job == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
af_cloud_transport_command_async (AfTransport         *transport,
                                  AfPrintCommand       command,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, af_cloud_transport_command_async);
  if (self->job == NULL)
    {
      /* Nothing was created, so nothing runs. */
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_task_set_task_data (task, GUINT_TO_POINTER (command), NULL);
  g_task_run_in_thread (task, command_thread);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AfCloudTransport *self = source_object;
  GError *error = NULL;

  if (af_cloud_upload_delete (self->client, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
af_cloud_transport_delete_async (AfTransport         *transport,
                                 const char          *remote_name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, af_cloud_transport_delete_async);
  /* Once a job uses the upload, the file follows the history rules. The
   * print has ended when this is asked: the end read in flight finishes
   * first, so the caller that waits for this sees the job's final record.
   */
  if (self->job != NULL && self->poll_running && self->pending_delete == NULL)
    {
      self->pending_delete = g_steal_pointer (&task);
      return;
    }
  if (self->job != NULL || self->upload_id == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_task_set_task_data (task, g_strdup (self->upload_id), g_free);
  g_task_run_in_thread (task, delete_thread);
}

/* --- GObject ------------------------------------------------------------- */

static void
af_cloud_transport_dispose (GObject *object)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (object);

  stop_following (self);
  if (self->poll_sync != NULL)
    wait_for_poll (self);
  if (self->session != NULL)
    af_mqtt_session_disconnect (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->poll_cancellable);
  g_clear_object (&self->upload_file);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->printer);
  g_clear_object (&self->cloud_printer);
  g_clear_object (&self->client);
  g_clear_object (&self->job);

  G_OBJECT_CLASS (af_cloud_transport_parent_class)->dispose (object);
}

static void
af_cloud_transport_finalize (GObject *object)
{
  AfCloudTransport *self = AF_CLOUD_TRANSPORT (object);

  g_free (self->upload_key);
  g_free (self->job_key);
  g_free (self->upload_id);
  g_free (self->upload_name);
  g_atomic_rc_box_release_full (self->poll_sync, poll_sync_clear);

  G_OBJECT_CLASS (af_cloud_transport_parent_class)->finalize (object);
}

static void
af_cloud_transport_class_init (AfCloudTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AfTransportClass *transport_class = AF_TRANSPORT_CLASS (klass);

  object_class->dispose = af_cloud_transport_dispose;
  object_class->finalize = af_cloud_transport_finalize;

  transport_class->get_printer = af_cloud_transport_get_printer;
  transport_class->is_connected = af_cloud_transport_is_connected;
  transport_class->connect_async = af_cloud_transport_connect_async;
  transport_class->connect_finish = af_cloud_transport_finish_step;
  transport_class->upload_async = af_cloud_transport_upload_async;
  transport_class->upload_finish = af_cloud_transport_finish_step;
  transport_class->start_async = af_cloud_transport_start_async;
  transport_class->start_finish = af_cloud_transport_finish_step;
  transport_class->command_async = af_cloud_transport_command_async;
  transport_class->command_finish = af_cloud_transport_finish_step;
  transport_class->delete_async = af_cloud_transport_delete_async;
  transport_class->delete_finish = af_cloud_transport_finish_step;
}

static void
af_cloud_transport_init (AfCloudTransport *self)
{
  self->upload_key = g_uuid_string_random ();
  self->job_key = g_uuid_string_random ();
  self->poll_interval_s = AF_CLOUD_TRANSPORT_POLL_S;
  self->poll_cancellable = g_cancellable_new ();
  self->poll_sync = g_atomic_rc_box_new0 (PollSync);
  g_mutex_init (&self->poll_sync->lock);
  g_cond_init (&self->poll_sync->cond);
}

AfTransport *
af_cloud_transport_new (AfCloudClient  *client,
                        AfCloudPrinter *cloud_printer)
{
  g_autoptr(AfPrinter) printer = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (AF_IS_CLOUD_PRINTER (cloud_printer), NULL);

  printer = af_printer_new (af_cloud_printer_get_serial (cloud_printer));
  af_printer_set_name (printer, af_cloud_printer_get_name (cloud_printer));
  if (af_cloud_printer_get_model_id (cloud_printer) != NULL)
    af_printer_set_model (printer, af_cloud_printer_get_model_id (cloud_printer));
  af_printer_set_sources (printer, AF_PRINTER_SOURCE_CLOUD);

  return af_cloud_transport_new_for_printer (client, cloud_printer, printer);
}

AfTransport *
af_cloud_transport_new_for_printer (AfCloudClient  *client,
                                    AfCloudPrinter *cloud_printer,
                                    AfPrinter      *printer)
{
  AfCloudTransport *self;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (AF_IS_CLOUD_PRINTER (cloud_printer), NULL);
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);
  g_return_val_if_fail (g_strcmp0 (af_printer_get_serial (printer),
                                   af_cloud_printer_get_serial (cloud_printer)) == 0, NULL);

  self = g_object_new (AF_TYPE_CLOUD_TRANSPORT, NULL);
  self->client = g_object_ref (client);
  self->cloud_printer = g_object_ref (cloud_printer);
  self->printer = g_object_ref (printer);
  self->endpoint = g_new0 (Endpoint, 1);
  self->endpoint->client = g_object_ref (client);
  self->session = af_mqtt_session_new_for_endpoint (self->printer, endpoint_cb, self->endpoint,
                                                    (GDestroyNotify)endpoint_free);
  return AF_TRANSPORT (self);
}

AfMqttSession *
af_cloud_transport_get_session (AfCloudTransport *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_TRANSPORT (self), NULL);

  return self->session;
}

AfCloudPrinter *
af_cloud_transport_get_cloud_printer (AfCloudTransport *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_TRANSPORT (self), NULL);

  return self->cloud_printer;
}

AfCloudJob *
af_cloud_transport_get_job (AfCloudTransport *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_TRANSPORT (self), NULL);

  return self->job;
}

gboolean
af_cloud_transport_is_polling (AfCloudTransport *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_TRANSPORT (self), FALSE);

  return self->polling;
}

guint
af_cloud_transport_get_poll_interval (AfCloudTransport *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_TRANSPORT (self), 0);

  return self->poll_interval_s;
}

void
af_cloud_transport_set_poll_interval (AfCloudTransport *self,
                                      guint             seconds)
{
  g_return_if_fail (AF_IS_CLOUD_TRANSPORT (self));
  g_return_if_fail (seconds > 0);

  self->poll_interval_s = seconds;
}

void
af_cloud_transport_set_pending_upload (AfCloudTransport *self,
                                       const char       *upload_id,
                                       const char       *creation_key,
                                       GFile            *file,
                                       const char       *name)
{
  g_return_if_fail (AF_IS_CLOUD_TRANSPORT (self));
  g_return_if_fail (af_cloud_id_is_valid (upload_id));
  g_return_if_fail (creation_key != NULL);
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (name != NULL);

  g_free (self->upload_id);
  self->upload_id = g_strdup (upload_id);
  g_free (self->upload_key);
  self->upload_key = g_strdup (creation_key);
  g_set_object (&self->upload_file, file);
  g_free (self->upload_name);
  self->upload_name = g_strdup (name);
}
