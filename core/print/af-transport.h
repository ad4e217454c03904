/* af-transport.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-print-options.h"
#include "af-printer.h"

G_BEGIN_DECLS

typedef enum
{
  AF_PRINT_COMMAND_PAUSE,
  AF_PRINT_COMMAND_RESUME,
  AF_PRINT_COMMAND_STOP,
} AfPrintCommand;

/* How long a printer may take to confirm a complete upload when the caller
 * of af_transport_upload_async() passes 0, and the print job's default: the
 * slowest printer seen needs minutes (af-ftps-upload.h says which).
 */
#define AF_TRANSPORT_DEFAULT_FINAL_REPLY_SECONDS 180

typedef struct
{
  guint64 sent;
  guint64 total;
  double  bytes_per_second;   /* smoothed */
  gint64  eta_seconds;        /* -1 while unknown */
} AfUploadProgress;

/* Called on the main context of the caller of the upload, coalesced to at
 * most a few times a second.
 */
typedef void (*AfUploadProgressFunc) (const AfUploadProgress *progress,
                                      gpointer                user_data);

/* One route to one printer: how a print job reaches it. AfPrintJob drives
 * the steps (connect, upload, start, then pause/resume/stop and deleting the
 * file) through these vfuncs and knows nothing of the wire; AfLanTransport
 * (core/lan) speaks MQTT and FTPS. Every pair completes on the main context
 * of its caller. A transport holds whatever secret it needs itself, so no
 * caller ever handles one.
 */
#define AF_TYPE_TRANSPORT (af_transport_get_type ())

G_DECLARE_DERIVABLE_TYPE (AfTransport, af_transport, AF, TRANSPORT, GObject)

struct _AfTransportClass
{
  GObjectClass parent_class;

  AfPrinter *(*get_printer)    (AfTransport          *self);
  gboolean   (*is_connected)   (AfTransport          *self);
  void       (*connect_async)  (AfTransport          *self,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean   (*connect_finish) (AfTransport          *self,
                                GAsyncResult         *result,
                                GError              **error);
  void       (*upload_async)   (AfTransport          *self,
                                GFile                *local,
                                const char           *remote_name,
                                guint                 stall_seconds,
                                guint                 final_reply_seconds,
                                AfUploadProgressFunc  progress,
                                gpointer              progress_data,
                                GDestroyNotify        progress_destroy,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean   (*upload_finish)  (AfTransport          *self,
                                GAsyncResult         *result,
                                GError              **error);
  void       (*start_async)    (AfTransport          *self,
                                const char           *remote_name,
                                const AfPrintOptions *options,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean   (*start_finish)   (AfTransport          *self,
                                GAsyncResult         *result,
                                GError              **error);
  void       (*command_async)  (AfTransport          *self,
                                AfPrintCommand        command,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean   (*command_finish) (AfTransport          *self,
                                GAsyncResult         *result,
                                GError              **error);
  void       (*delete_async)   (AfTransport          *self,
                                const char           *remote_name,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
  gboolean   (*delete_finish)  (AfTransport          *self,
                                GAsyncResult         *result,
                                GError              **error);
  char      *(*make_remote_name) (AfTransport        *self,
                                  const char         *name);

  gpointer padding[7];
};

/* The printer whose status (state, job, problems) tells how a print goes. */
AfPrinter *af_transport_get_printer    (AfTransport          *self);
gboolean   af_transport_is_connected   (AfTransport          *self);
void       af_transport_connect_async  (AfTransport          *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean   af_transport_connect_finish (AfTransport          *self,
                                        GAsyncResult         *result,
                                        GError              **error);
/* name ("Cube (v2).gcode.3mf") as this route can store it on the printer,
 * e.g. safe ASCII for FTPS; the default keeps it as it is.
 */
char      *af_transport_make_remote_name (AfTransport        *self,
                                          const char         *name) G_GNUC_WARN_UNUSED_RESULT;
/* Puts local on the printer as remote_name; a failed or cancelled upload
 * removes its partial remote file itself.
 */
void       af_transport_upload_async   (AfTransport          *self,
                                        GFile                *local,
                                        const char           *remote_name,
                                        guint                 stall_seconds,
                                        guint                 final_reply_seconds,
                                        AfUploadProgressFunc  progress,
                                        gpointer              progress_data,
                                        GDestroyNotify        progress_destroy,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean   af_transport_upload_finish  (AfTransport          *self,
                                        GAsyncResult         *result,
                                        GError              **error);
/* Completes when the printer reports the job as started. */
void       af_transport_start_async    (AfTransport          *self,
                                        const char           *remote_name,
                                        const AfPrintOptions *options,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean   af_transport_start_finish   (AfTransport          *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void       af_transport_command_async  (AfTransport          *self,
                                        AfPrintCommand        command,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean   af_transport_command_finish (AfTransport          *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void       af_transport_delete_async   (AfTransport          *self,
                                        const char           *remote_name,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean   af_transport_delete_finish  (AfTransport          *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* Emits "job-started" (the AfPrintJob as a GObject): the print job calls it
 * once the printer reports its print as started, on the main context of
 * the job's caller. The printer registry listens on every transport it
 * makes, so a print is remembered (or not, when incognito) by one rule
 * whether the window or the command line sent it.
 */
void       af_transport_job_started    (AfTransport          *self,
                                        GObject              *job);

G_END_DECLS
