/* af-lan-transport.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include "af-ftps-upload.h"
#include "af-lan-transport.h"
#include "af-secrets.h"

struct _AfLanTransport
{
  AfTransport    parent_instance;

  AfMqttSession *session;
  AfSecret      *access_code;
};

G_DEFINE_FINAL_TYPE (AfLanTransport, af_lan_transport, AF_TYPE_TRANSPORT)

static AfPrinter *
af_lan_transport_get_printer (AfTransport *transport)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (transport);

  return af_mqtt_session_get_printer (self->session);
}

static gboolean
af_lan_transport_is_connected (AfTransport *transport)
{
  AfPrinter *printer = af_lan_transport_get_printer (transport);

  return af_printer_get_connection (printer) == AF_CONNECTION_CONNECTED;
}

/* Every step runs in a task of ours, so the caller sees the transport as
 * the source object; the inner result's error is handed on as it is.
 */
static GTask *
step_task_new (AfLanTransport      *self,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "[af] lan transport step");
  /* The inner steps report cancellation themselves, after cleaning up. */
  g_task_set_check_cancellable (task, FALSE);
  return task;
}

static void
step_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  gpointer tag = g_task_get_source_tag (task);
  GError *error = NULL;
  gboolean ok;

  if (tag == af_mqtt_session_connect_async)
    ok = af_mqtt_session_connect_finish (AF_MQTT_SESSION (source), result, &error);
  else if (tag == af_mqtt_session_start_print_async)
    ok = af_mqtt_session_start_print_finish (AF_MQTT_SESSION (source), result, &error);
  else if (tag == af_mqtt_session_command_async)
    ok = af_mqtt_session_command_finish (AF_MQTT_SESSION (source), result, &error);
  else if (tag == af_ftps_upload_async)
    ok = af_ftps_upload_finish (result, &error);
  else
    ok = af_ftps_delete_finish (result, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
af_lan_transport_finish_step (AfTransport   *transport,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
af_lan_transport_connect_async (AfTransport         *transport,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (transport);
  GTask *task = step_task_new (self, af_mqtt_session_connect_async, cancellable,
                               callback, user_data);

  af_mqtt_session_connect_async (self->session, cancellable, step_done_cb, task);
}

static void
af_lan_transport_start_async (AfTransport          *transport,
                              const char           *remote_name,
                              const AfPrintOptions *options,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (transport);
  GTask *task = step_task_new (self, af_mqtt_session_start_print_async, cancellable,
                               callback, user_data);

  af_mqtt_session_start_print_async (self->session, remote_name, options, cancellable,
                                     step_done_cb, task);
}

static void
af_lan_transport_command_async (AfTransport         *transport,
                                AfPrintCommand       command,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (transport);
  GTask *task = step_task_new (self, af_mqtt_session_command_async, cancellable,
                               callback, user_data);

  af_mqtt_session_command_async (self->session, command, cancellable, step_done_cb, task);
}

static void
af_lan_transport_upload_async (AfTransport          *transport,
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
  AfLanTransport *self = AF_LAN_TRANSPORT (transport);
  GTask *task = step_task_new (self, af_ftps_upload_async, cancellable, callback, user_data);

  af_ftps_upload_async (af_mqtt_session_get_printer (self->session),
                        af_secret_get (self->access_code), local, remote_name, stall_seconds,
                        final_reply_seconds, progress, progress_data, progress_destroy,
                        cancellable, step_done_cb, task);
}

static void
af_lan_transport_delete_async (AfTransport         *transport,
                               const char          *remote_name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (transport);
  GTask *task = step_task_new (self, af_ftps_delete_async, cancellable, callback, user_data);

  af_ftps_delete_async (af_mqtt_session_get_printer (self->session),
                        af_secret_get (self->access_code), remote_name, cancellable,
                        step_done_cb, task);
}

/* The printer's FTPS server and its firmware want plain ASCII names. */
static char *
af_lan_transport_make_remote_name (AfTransport *transport,
                                   const char  *name)
{
  return af_ftps_sanitize_name (name);
}

static void
af_lan_transport_dispose (GObject *object)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (af_lan_transport_parent_class)->dispose (object);
}

static void
af_lan_transport_finalize (GObject *object)
{
  AfLanTransport *self = AF_LAN_TRANSPORT (object);

  g_clear_pointer (&self->access_code, af_secret_free);

  G_OBJECT_CLASS (af_lan_transport_parent_class)->finalize (object);
}

static void
af_lan_transport_class_init (AfLanTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AfTransportClass *transport_class = AF_TRANSPORT_CLASS (klass);

  object_class->dispose = af_lan_transport_dispose;
  object_class->finalize = af_lan_transport_finalize;

  transport_class->get_printer = af_lan_transport_get_printer;
  transport_class->is_connected = af_lan_transport_is_connected;
  transport_class->connect_async = af_lan_transport_connect_async;
  transport_class->connect_finish = af_lan_transport_finish_step;
  transport_class->upload_async = af_lan_transport_upload_async;
  transport_class->upload_finish = af_lan_transport_finish_step;
  transport_class->start_async = af_lan_transport_start_async;
  transport_class->start_finish = af_lan_transport_finish_step;
  transport_class->command_async = af_lan_transport_command_async;
  transport_class->command_finish = af_lan_transport_finish_step;
  transport_class->delete_async = af_lan_transport_delete_async;
  transport_class->delete_finish = af_lan_transport_finish_step;
  transport_class->make_remote_name = af_lan_transport_make_remote_name;
}

static void
af_lan_transport_init (AfLanTransport *self)
{
}

AfTransport *
af_lan_transport_new (AfMqttSession *session,
                      const char    *access_code)
{
  AfLanTransport *self;

  g_return_val_if_fail (AF_IS_MQTT_SESSION (session), NULL);
  g_return_val_if_fail (access_code != NULL, NULL);

  self = g_object_new (AF_TYPE_LAN_TRANSPORT, NULL);
  self->session = g_object_ref (session);
  self->access_code = af_secret_new (access_code);
  return AF_TRANSPORT (self);
}

AfMqttSession *
af_lan_transport_get_session (AfLanTransport *self)
{
  g_return_val_if_fail (AF_IS_LAN_TRANSPORT (self), NULL);

  return self->session;
}
