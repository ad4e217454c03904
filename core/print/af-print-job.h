/* af-print-job.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-print-options.h"
#include "af-transport.h"

G_BEGIN_DECLS

typedef enum
{
  AF_PRINT_JOB_PHASE_PENDING,
  AF_PRINT_JOB_PHASE_PACKING,
  AF_PRINT_JOB_PHASE_UPLOADING,
  AF_PRINT_JOB_PHASE_STARTING,
  AF_PRINT_JOB_PHASE_PRINTING,   /* the printer reports our job */
  AF_PRINT_JOB_PHASE_FAILED,
  AF_PRINT_JOB_PHASE_CANCELLED,
  AF_PRINT_JOB_PHASE_NEEDS_ATTENTION, /* the start stopped at a problem; error says which */
} AfPrintJobPhase;

#define AF_TYPE_PRINT_JOB_PHASE (af_print_job_phase_get_type ())
GType af_print_job_phase_get_type (void);

/* Sending one file to one printer: packs a .gcode/.bgcode into a temporary
 * .gcode.3mf (an archive is sent as it is), uploads it, then starts it.
 * The transport holds the route and its secret.
 * Properties: phase, fraction (0..1 of the current phase), bytes-sent,
 * bytes-total, rate (bytes/s), eta-seconds, remote-name, error (GError
 * boxed, when FAILED), delete-after-print (read-write). All notify on the
 * main context of the creator.
 */
#define AF_TYPE_PRINT_JOB (af_print_job_get_type ())

G_DECLARE_FINAL_TYPE (AfPrintJob, af_print_job, AF, PRINT_JOB, GObject)

AfPrintJob      *af_print_job_new          (AfTransport          *transport,
                                            GFile                *file,
                                            const AfPrintOptions *options) G_GNUC_WARN_UNUSED_RESULT;
AfPrintJobPhase  af_print_job_get_phase    (AfPrintJob           *self);
double           af_print_job_get_fraction (AfPrintJob           *self);
const GError    *af_print_job_get_error    (AfPrintJob           *self);
/* The name the file has on the printer: sanitised and unique per job
 * ("Cube_v2-3fa2c1.gcode.3mf").
 */
const char      *af_print_job_get_remote_name (AfPrintJob        *self);
/* The route and the file the job was made with (transfer none). */
AfTransport     *af_print_job_get_transport   (AfPrintJob        *self);
GFile           *af_print_job_get_file        (AfPrintJob        *self);
void             af_print_job_run_async    (AfPrintJob           *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean         af_print_job_run_finish   (AfPrintJob           *self,
                                            GAsyncResult         *result,
                                            GError              **error);
/* Whether the file goes from the printer once the print has finished
 * (default TRUE; a failed or cancelled job always deletes it).
 */
gboolean         af_print_job_get_delete_after_print (AfPrintJob *self);
void             af_print_job_set_delete_after_print (AfPrintJob *self,
                                                      gboolean    delete_after_print);
/* After a successful run: completes when the print ends on the printer,
 * TRUE at FINISH, else AF_LAN_ERROR_PRINT_FAILED, having deleted the file
 * as delete-after-print says. Cancelling stops only the waiting
 * (G_IO_ERROR_CANCELLED); the print and the file stay.
 */
void             af_print_job_wait_async   (AfPrintJob           *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean         af_print_job_wait_finish  (AfPrintJob           *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
