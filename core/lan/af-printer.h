/* af-printer.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-printer-status.h"

G_BEGIN_DECLS

#define AF_PRINTER_DEFAULT_MQTT_PORT 8883
#define AF_PRINTER_DEFAULT_FTPS_PORT 990

typedef enum
{
  AF_PRINTER_SOURCE_DISCOVERED = 1 << 0,  /* seen by SSDP and not yet expired */
  AF_PRINTER_SOURCE_MANUAL     = 1 << 1,  /* added by the user; persisted */
  AF_PRINTER_SOURCE_CLOUD      = 1 << 2,  /* bound to the signed-in cloud account */
} AfPrinterSource;

#define AF_TYPE_PRINTER_SOURCE (af_printer_source_get_type ())
GType af_printer_source_get_type (void);

typedef enum
{
  AF_CONNECTION_DISCONNECTED,
  AF_CONNECTION_CONNECTING,
  AF_CONNECTION_CONNECTED,
  AF_CONNECTION_FAILED,
} AfConnectionState;

#define AF_TYPE_CONNECTION_STATE (af_connection_state_get_type ())
GType af_connection_state_get_type (void);

/* One printer. Non-secret fields only: the access code lives in the keyring
 * (af-secrets.h). Properties (all notify on real changes): serial (construct
 * only), name, host, model (DevModel code, e.g. "C12"), mqtt-port,
 * ftps-port, lan-only (DevConnect == "lan"), bound (DevBind == "occupied"),
 * firmware, sources (AfPrinterSource flags), ca-file (path or NULL),
 * fingerprint (pinned SHA-256 of the leaf certificate, lower-case hex
 * without colons, or NULL), status (AfPrinterStatus, never NULL),
 * connection (AfConnectionState), last-error (string or NULL), and
 * cloud-reachable (read-only, from sources).
 *
 * A printer has up to two routes: the LAN route when it was set up with its
 * access code (AF_PRINTER_SOURCE_MANUAL), the cloud route when it is bound
 * to the signed-in account (AF_PRINTER_SOURCE_CLOUD). A printer both saved
 * and bound (same serial) is one object with both.
 */
#define AF_TYPE_PRINTER (af_printer_get_type ())

G_DECLARE_FINAL_TYPE (AfPrinter, af_printer, AF, PRINTER, GObject)

AfPrinter         *af_printer_new             (const char        *serial) G_GNUC_WARN_UNUSED_RESULT;
const char        *af_printer_get_serial      (AfPrinter         *self);
/* "01S0…789" shortened to "…789" for logs and for anything not the printer's own screen. */
char              *af_printer_dup_redacted_serial (AfPrinter     *self) G_GNUC_WARN_UNUSED_RESULT;
const char        *af_printer_get_name        (AfPrinter         *self);
void               af_printer_set_name        (AfPrinter         *self,
                                               const char        *name);
const char        *af_printer_get_host        (AfPrinter         *self);
void               af_printer_set_host        (AfPrinter         *self,
                                               const char        *host);
const char        *af_printer_get_model       (AfPrinter         *self);
void               af_printer_set_model       (AfPrinter         *self,
                                               const char        *model);
guint              af_printer_get_mqtt_port   (AfPrinter         *self);
void               af_printer_set_mqtt_port   (AfPrinter         *self,
                                               guint              port);
guint              af_printer_get_ftps_port   (AfPrinter         *self);
void               af_printer_set_ftps_port   (AfPrinter         *self,
                                               guint              port);
gboolean           af_printer_get_lan_only    (AfPrinter         *self);
void               af_printer_set_lan_only    (AfPrinter         *self,
                                               gboolean           lan_only);
gboolean           af_printer_get_bound       (AfPrinter         *self);
void               af_printer_set_bound       (AfPrinter         *self,
                                               gboolean           bound);
const char        *af_printer_get_firmware    (AfPrinter         *self);
void               af_printer_set_firmware    (AfPrinter         *self,
                                               const char        *firmware);
AfPrinterSource    af_printer_get_sources     (AfPrinter         *self);
/* Whether the printer has the LAN route (set up with its access code). */
gboolean           af_printer_get_lan_reachable   (AfPrinter     *self);
/* Whether the printer has the cloud route (bound to the signed-in account). */
gboolean           af_printer_get_cloud_reachable (AfPrinter     *self);
void               af_printer_set_sources     (AfPrinter         *self,
                                               AfPrinterSource    sources);
const char        *af_printer_get_ca_file     (AfPrinter         *self);
void               af_printer_set_ca_file     (AfPrinter         *self,
                                               const char        *ca_file);
const char        *af_printer_get_fingerprint (AfPrinter         *self);
void               af_printer_set_fingerprint (AfPrinter         *self,
                                               const char        *fingerprint);
AfPrinterStatus   *af_printer_get_status      (AfPrinter         *self);
AfConnectionState  af_printer_get_connection  (AfPrinter         *self);
void               af_printer_set_connection  (AfPrinter         *self,
                                               AfConnectionState  connection);
const char        *af_printer_get_last_error  (AfPrinter         *self);
void               af_printer_set_last_error  (AfPrinter         *self,
                                               const char        *message);
/* The name to show: the printer's own name, else its model and serial tail. */
char              *af_printer_dup_display_name (AfPrinter        *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
