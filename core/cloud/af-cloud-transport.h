/* af-cloud-transport.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-cloud-client.h"
#include "af-cloud-resources.h"
#include "af-mqtt-session.h"
#include "af-transport.h"

G_BEGIN_DECLS

/* The cloud route to one bound printer, for one print:
 *
 *  - connect: reads GET /v1/account for the broker, then connects an
 *    AfMqttSession to it (TLS verified like the API, against the system
 *    store plus the cloud-ca-file setting; user u_<account id>, password
 *    the current access token, refreshed first when less than 5 minutes
 *    are left). A refused CONNECT gets one refresh and one more try. The
 *    printer's reports merge into the printer's AfPrinterStatus with the
 *    LAN's parser. When the broker cannot be reached (or refuses the
 *    subscription while the printer is still bound), connect still
 *    succeeds: live status is unavailable, the printer's last-error says
 *    so, and the job is polled (GET /v1/jobs/{id} with If-None-Match)
 *    every AF_CLOUD_TRANSPORT_POLL_S seconds, or after the answer's
 *    Retry-After when that is longer; each answer is merged into the
 *    printer's status as a report would be. A refused subscription
 *    (SUBACK 0x80) reloads the printer list; a printer no longer in it
 *    fails with AF_CLOUD_ERROR_PRINTER_NOT_BOUND.
 *  - upload: tus (af-cloud-upload.h), with progress.
 *  - start: POST /v1/jobs with one Idempotency-Key per transport, so the
 *    job is created exactly once whatever is retried; completes when the
 *    printer reports the job's task_id as preparing or running. A job
 *    refused with 409 upload-incomplete resumes the upload from the
 *    server's offset and is asked again with the same key. When the job
 *    reaches its end the cloud's record of it is read once (over MQTT:
 *    after the printer reported FINISH or FAILED), so get_job says
 *    finished, failed or cancelled.
 *  - command: POST /v1/jobs/{id}/actions.
 *  - delete: before a job exists, deletes the upload (tus termination);
 *    after, nothing: the file follows the history rules.
 */
#define AF_TYPE_CLOUD_TRANSPORT (af_cloud_transport_get_type ())

G_DECLARE_FINAL_TYPE (AfCloudTransport, af_cloud_transport, AF, CLOUD_TRANSPORT, AfTransport)

/* The seconds start waits for the printer to report the job. */
#define AF_CLOUD_TRANSPORT_START_TIMEOUT_S 180
/* Between two reads of the job while the broker is unreachable. */
#define AF_CLOUD_TRANSPORT_POLL_S 15

AfTransport    *af_cloud_transport_new         (AfCloudClient    *client,
                                                AfCloudPrinter   *cloud_printer) G_GNUC_WARN_UNUSED_RESULT;
/* The same, reporting into printer (the registry's object for that serial)
 * instead of a printer of its own.
 */
AfTransport    *af_cloud_transport_new_for_printer (AfCloudClient  *client,
                                                    AfCloudPrinter *cloud_printer,
                                                    AfPrinter      *printer) G_GNUC_WARN_UNUSED_RESULT;
AfMqttSession  *af_cloud_transport_get_session (AfCloudTransport *self);
AfCloudPrinter *af_cloud_transport_get_cloud_printer (AfCloudTransport *self);
/* The job once start created it (as last read), else NULL. */
AfCloudJob     *af_cloud_transport_get_job     (AfCloudTransport *self);
/* Whether the job is followed by polling (the broker is unusable). */
gboolean        af_cloud_transport_is_polling  (AfCloudTransport *self);
guint           af_cloud_transport_get_poll_interval (AfCloudTransport *self);
/* Tests shorten it; the default is AF_CLOUD_TRANSPORT_POLL_S. */
void            af_cloud_transport_set_poll_interval (AfCloudTransport *self,
                                                      guint             seconds);
/* A cloud print restored after a restart: the upload it had created (kept
 * with the pending job, with its creation key) and its file. upload may be
 * skipped; start resumes the upload when the cloud says it is incomplete.
 */
void            af_cloud_transport_set_pending_upload (AfCloudTransport *self,
                                                       const char       *upload_id,
                                                       const char       *creation_key,
                                                       GFile            *file,
                                                       const char       *name);

G_END_DECLS
