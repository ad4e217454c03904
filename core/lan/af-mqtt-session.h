/* af-mqtt-session.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-print-options.h"
#include "af-printer.h"
#include "af-secrets.h"
#include "af-tls.h"
#include "af-transport.h"

G_BEGIN_DECLS

/* One MQTT 3.1.1 connection over TLS 1.2 to one broker (by default the
 * printer's own: user "bblp", password = access code), driven from the GLib main context of its creator
 * without blocking it: the blocking connect runs in a GTask thread, then the
 * socket is watched with a GSource and a timer drives mosquitto_loop_misc().
 *
 * On connect it subscribes to device/<serial>/report and asks for pushall
 * (rate-limited); reports are merged into the printer's AfPrinterStatus. It
 * reconnects with exponential backoff when the connection drops, and a
 * watchdog sends pushing.start, then pushall, then reconnects when a
 * connected printer stays silent (property watchdog-seconds per step). A
 * first connection that times out is tried again for
 * first-connect-retry-seconds (about a minute) before connect fails. It
 * updates the printer's connection and last-error.
 */
#define AF_TYPE_MQTT_SESSION (af_mqtt_session_get_type ())

G_DECLARE_FINAL_TYPE (AfMqttSession, af_mqtt_session, AF, MQTT_SESSION, GObject)

/* Where and as whom one connection attempt goes. The password and the
 * trust policy belong to the endpoint; af_mqtt_endpoint_clear() wipes and
 * frees them.
 */
typedef struct
{
  char        *host;
  guint        port;
  char        *user;
  AfSecret    *password;
  AfTlsPolicy *trust;
  gboolean     cloud;   /* AtomForm's cloud broker: errors speak of the cloud */
} AfMqttEndpoint;

void           af_mqtt_endpoint_clear           (AfMqttEndpoint      *endpoint);

/* Fills endpoint for the next attempt, or fails (the attempt fails with
 * that error). Asked afresh before every attempt, on the session's main
 * context: an address may change while the session lives.
 */
typedef gboolean (*AfMqttEndpointFunc) (AfMqttSession   *session,
                                        AfMqttEndpoint  *endpoint,
                                        gpointer         user_data,
                                        GError         **error);

/* A session whose broker the endpoint function names; reports still merge
 * into printer's status.
 */
AfMqttSession *af_mqtt_session_new_for_endpoint (AfPrinter           *printer,
                                                 AfMqttEndpointFunc   endpoint_func,
                                                 gpointer             user_data,
                                                 GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
/* The LAN endpoint: the printer's host and mqtt-port, user "bblp", the
 * access code as password, the printer's certificate policy.
 */
AfMqttSession *af_mqtt_session_new              (AfPrinter           *printer,
                                                 const char          *access_code) G_GNUC_WARN_UNUSED_RESULT;
AfPrinter     *af_mqtt_session_get_printer      (AfMqttSession       *self);
/* Completes when the broker accepted us and the first full report arrived.
 * Errors: UNREACHABLE, ACCESS_DENIED, CERT_UNKNOWN (the seen fingerprint is
 * in af_mqtt_session_get_seen_fingerprint()), CERT_CHANGED, CERT_INVALID.
 */
void           af_mqtt_session_connect_async    (AfMqttSession       *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean       af_mqtt_session_connect_finish   (AfMqttSession       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
const char    *af_mqtt_session_get_seen_fingerprint (AfMqttSession   *self);
void           af_mqtt_session_disconnect       (AfMqttSession       *self);
/* Sends print.project_file (QoS 1) for file_name (already uploaded to the FTPS root)
 * only when the printer is IDLE, FINISH or FAILED (else AF_LAN_ERROR_BUSY),
 * and completes when the printer reports our job as PREPARE or RUNNING, or
 * fails with NOT_DEVELOPER_MODE, BUSY, PRINT_FAILED or NO_RESPONSE.
 */
void           af_mqtt_session_start_print_async  (AfMqttSession        *self,
                                                   const char           *file_name,
                                                   const AfPrintOptions *options,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean       af_mqtt_session_start_print_finish (AfMqttSession        *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);
/* QoS 1; completes when the printer's state reflects the command. A stop
 * is published even when the printer already looks idle (a job that was
 * just sent may not have started yet), and then completes at once.
 */
void           af_mqtt_session_command_async    (AfMqttSession       *self,
                                                 AfPrintCommand       command,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean       af_mqtt_session_command_finish   (AfMqttSession       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
/* Builds the project_file JSON exactly as sent (for tests and docs). */
char          *af_mqtt_session_build_project_file (const char          *file_name,
                                                   const AfPrintOptions *options,
                                                   const char          *sequence_id) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
