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
 *    LAN's parser.
 *  - upload: tus (af-cloud-upload.h), with progress.
 *  - start: POST /v1/jobs with one Idempotency-Key per transport, so the
 *    job is created exactly once whatever is retried; completes when the
 *    printer reports the job's task_id as preparing or running.
 *  - command: POST /v1/jobs/{id}/actions.
 *  - delete: before a job exists, deletes the upload (tus termination);
 *    after, nothing: the file follows the history rules.
 */
#define AF_TYPE_CLOUD_TRANSPORT (af_cloud_transport_get_type ())

G_DECLARE_FINAL_TYPE (AfCloudTransport, af_cloud_transport, AF, CLOUD_TRANSPORT, AfTransport)

/* The seconds start waits for the printer to report the job. */
#define AF_CLOUD_TRANSPORT_START_TIMEOUT_S 180

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
/* The job once start created it, else NULL. */
AfCloudJob     *af_cloud_transport_get_job     (AfCloudTransport *self);

G_END_DECLS
