/* af-ftps-upload.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-printer.h"
#include "af-transport.h"

G_BEGIN_DECLS

/* How long the final reply (226) may take once every byte was sent, when
 * the caller passes 0: H2D printers have been seen to take 30 s and more
 * (maziggy/bambuddy bambu_ftp.py).
 */
#define AF_FTPS_DEFAULT_FINAL_REPLY_SECONDS AF_TRANSPORT_DEFAULT_FINAL_REPLY_SECONDS

/* Streams local to the printer's FTPS root as remote_name over implicit TLS
 * (port ftps-port, TLS 1.2 at most, session reuse on the data channel,
 * passive mode connecting to the control host whatever PASV says). The
 * certificate is checked with the printer's AfTlsPolicy before the access
 * code is sent. A stall timeout (no bytes for stall_seconds) rather than a
 * total timeout; once every byte is out, the final reply gets its own wait
 * (final_reply_seconds, 0 for AF_FTPS_DEFAULT_FINAL_REPLY_SECONDS). After a
 * 426, or no final reply in time, the remote size is checked before failing;
 * after any failure or cancellation the partial remote file is deleted.
 */
void      af_ftps_upload_async   (AfPrinter            *printer,
                                  const char           *access_code,
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
gboolean  af_ftps_upload_finish  (GAsyncResult         *result,
                                  GError              **error);
/* Deletes remote_name (a name this process uploaded; see af-print-job.c)
 * from the printer's FTPS root with DELE, over the same TLS policy as the
 * upload. A missing file is an error too (AF_LAN_ERROR_FAILED).
 */
void      af_ftps_delete_async   (AfPrinter            *printer,
                                  const char           *access_code,
                                  const char           *remote_name,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
gboolean  af_ftps_delete_finish  (GAsyncResult         *result,
                                  GError              **error);
/* "My Part (v2).gcode.3mf" → "My_Part_v2.gcode.3mf": safe ASCII
 * [A-Za-z0-9._-], no leading dots, keeps the .gcode.3mf suffix.
 */
char     *af_ftps_sanitize_name  (const char           *name) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
