/* af-transport.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-print"

#include "config.h"

#include "af-transport.h"

G_DEFINE_ABSTRACT_TYPE (AfTransport, af_transport, G_TYPE_OBJECT)

enum {
  JOB_STARTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
af_transport_class_init (AfTransportClass *klass)
{
  /* Whoever made the transport (the printer registry) hears of every print
   * started through it, whichever face started it.
   */
  signals[JOB_STARTED] = g_signal_new ("job-started", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_OBJECT);
}

static void
af_transport_init (AfTransport *self)
{
}

char *
af_transport_make_remote_name (AfTransport *self,
                               const char  *name)
{
  AfTransportClass *klass;

  g_return_val_if_fail (AF_IS_TRANSPORT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  klass = AF_TRANSPORT_GET_CLASS (self);
  if (klass->make_remote_name == NULL)
    return g_strdup (name);

  return klass->make_remote_name (self, name);
}

AfPrinter *
af_transport_get_printer (AfTransport *self)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), NULL);

  return AF_TRANSPORT_GET_CLASS (self)->get_printer (self);
}

gboolean
af_transport_is_connected (AfTransport *self)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), FALSE);

  return AF_TRANSPORT_GET_CLASS (self)->is_connected (self);
}

void
af_transport_connect_async (AfTransport          *self,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (AF_IS_TRANSPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  AF_TRANSPORT_GET_CLASS (self)->connect_async (self, cancellable, callback, user_data);
}

gboolean
af_transport_connect_finish (AfTransport   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AF_TRANSPORT_GET_CLASS (self)->connect_finish (self, result, error);
}

void
af_transport_upload_async (AfTransport          *self,
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
  g_return_if_fail (AF_IS_TRANSPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  AF_TRANSPORT_GET_CLASS (self)->upload_async (self, local, remote_name, stall_seconds, final_reply_seconds, progress, progress_data, progress_destroy, cancellable, callback, user_data);
}

gboolean
af_transport_upload_finish (AfTransport   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AF_TRANSPORT_GET_CLASS (self)->upload_finish (self, result, error);
}

void
af_transport_start_async (AfTransport          *self,
                          const char           *remote_name,
                          const AfPrintOptions *options,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (AF_IS_TRANSPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  AF_TRANSPORT_GET_CLASS (self)->start_async (self, remote_name, options, cancellable, callback, user_data);
}

gboolean
af_transport_start_finish (AfTransport   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AF_TRANSPORT_GET_CLASS (self)->start_finish (self, result, error);
}

void
af_transport_command_async (AfTransport          *self,
                            AfPrintCommand        command,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (AF_IS_TRANSPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  AF_TRANSPORT_GET_CLASS (self)->command_async (self, command, cancellable, callback, user_data);
}

gboolean
af_transport_command_finish (AfTransport   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AF_TRANSPORT_GET_CLASS (self)->command_finish (self, result, error);
}

void
af_transport_delete_async (AfTransport          *self,
                           const char           *remote_name,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  g_return_if_fail (AF_IS_TRANSPORT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  AF_TRANSPORT_GET_CLASS (self)->delete_async (self, remote_name, cancellable, callback, user_data);
}

gboolean
af_transport_delete_finish (AfTransport   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (AF_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AF_TRANSPORT_GET_CLASS (self)->delete_finish (self, result, error);
}

void
af_transport_job_started (AfTransport *self,
                          GObject     *job)
{
  g_return_if_fail (AF_IS_TRANSPORT (self));
  g_return_if_fail (G_IS_OBJECT (job));

  g_signal_emit (self, signals[JOB_STARTED], 0, job);
}
