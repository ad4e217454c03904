/* af-printer-registry.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-lan.h"
#include "af-print.h"

G_BEGIN_DECLS

#define AF_TYPE_PRINTER_REGISTRY (af_printer_registry_get_type ())

G_DECLARE_FINAL_TYPE (AfPrinterRegistry, af_printer_registry, AF, PRINTER_REGISTRY, GObject)

/* The application's printers, shared by all its windows: the saved list,
 * discovery on the network, and one MQTT session (and the AfTransport a
 * print job takes) for each printer whose access code is in the keyring, so
 * every window shows the same live state and no printer gets two
 * connections from us. Connections are meant to be made here only.
 */
AfPrinterRegistry *af_printer_registry_new            (void) G_GNUC_WARN_UNUSED_RESULT;
AfPrinterList     *af_printer_registry_get_list       (AfPrinterRegistry *self);
/* The printers discovery sees now, or NULL when it could not start. */
GListModel        *af_printer_registry_get_discovered (AfPrinterRegistry *self);
/* NULL for a printer that was not added with its access code. */
AfMqttSession     *af_printer_registry_get_session    (AfPrinterRegistry *self,
                                                       AfPrinter         *printer);
/* How a print job reaches printer (it holds the access code), or NULL like
 * the session.
 */
AfTransport       *af_printer_registry_get_transport  (AfPrinterRegistry *self,
                                                       AfPrinter         *printer);
/* Replaces any session for printer with a new one and connects it. */
void               af_printer_registry_connect        (AfPrinterRegistry *self,
                                                       AfPrinter         *printer,
                                                       const char        *access_code);
/* Disconnects and drops the session of a printer that was removed. */
void               af_printer_registry_forget         (AfPrinterRegistry *self,
                                                       const char        *serial);
/* Cancels everything and disconnects: for the application's shutdown. */
void               af_printer_registry_shutdown       (AfPrinterRegistry *self);

G_END_DECLS
