/* af-printer-registry.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-discovery.h"
#include "af-printer-list.h"
#include "af-secrets.h"
#include "af-transport.h"

G_BEGIN_DECLS

typedef enum
{
  AF_PRINTER_REGISTRY_FLAGS_NONE = 0,
  /* Listen for printers announcing themselves (SSDP). */
  AF_PRINTER_REGISTRY_DISCOVER   = 1 << 0,
  /* Connect every saved printer whose access code is in the keyring as
   * soon as it is listed, and a printer as soon as it was added.
   */
  AF_PRINTER_REGISTRY_CONNECT    = 1 << 1,
} AfPrinterRegistryFlags;

#define AF_TYPE_PRINTER_REGISTRY (af_printer_registry_get_type ())

G_DECLARE_FINAL_TYPE (AfPrinterRegistry, af_printer_registry, AF, PRINTER_REGISTRY, GObject)

/* The printers, the saved list and discovery on the network, and the one
 * place that makes connections to them: every MQTT session and every
 * transport a print job takes is created here, with the access code the
 * registry reads from the keyring itself; no caller ever holds a code it
 * read back. A policy on connections ("LAN only") belongs here.
 *
 * The window shares one registry (af_printer_registry_new(): discovery,
 * and every saved printer connected), so every window shows the same live
 * state and no printer gets two lasting connections from us. The command
 * line makes one per command with AF_PRINTER_REGISTRY_FLAGS_NONE and
 * connects only the printer it names.
 */
AfPrinterRegistry *af_printer_registry_new            (void) G_GNUC_WARN_UNUSED_RESULT;
/* Fails when the saved list cannot be read. */
AfPrinterRegistry *af_printer_registry_new_full       (AfPrinterRegistryFlags   flags,
                                                       GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
AfPrinterList     *af_printer_registry_get_list       (AfPrinterRegistry       *self);
/* The printers discovery sees now, or NULL when it is off or could not start. */
GListModel        *af_printer_registry_get_discovered (AfPrinterRegistry       *self);
/* A saved printer by name or serial, or NULL (transfer none). */
AfPrinter         *af_printer_registry_lookup         (AfPrinterRegistry       *self,
                                                       const char              *name_or_serial);
/* How a print job reaches printer (the transport holds the access code),
 * or NULL for a printer the registry has not connected.
 */
AfTransport       *af_printer_registry_get_transport  (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer);
/* Reads printer's access code from the keyring, replaces any connection to
 * it with a new one and completes once it is connected (with the printer's
 * first full report). The connection stays with the registry; the
 * transport returned is a new reference to it. Errors: the keyring's
 * (AF_SECRETS_ERROR), AF_LAN_ERROR_ACCESS_DENIED when the keyring holds no
 * code, and the connection's.
 */
void               af_printer_registry_connect_async  (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);
AfTransport       *af_printer_registry_connect_finish (AfPrinterRegistry       *self,
                                                       GAsyncResult            *result,
                                                       GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* Adds a printer the user entered: connects once with access_code to
 * check the address, code and certificate, and only then saves the
 * printer and stores the code in the keyring (af_printer_list_add_async());
 * with AF_PRINTER_REGISTRY_CONNECT the saved printer is then connected.
 * Takes access_code, the one copy of what the user typed, and wipes it.
 *
 * Completes with the list's printer (transfer none). When the certificate
 * is not trusted (AF_LAN_ERROR_CERT_UNKNOWN, CERT_CHANGED),
 * seen_fingerprint is set to the SHA-256 fingerprint the printer showed, so
 * the user can be asked to trust it and the add tried again with it pinned.
 */
void               af_printer_registry_add_async      (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer,
                                                       AfSecret                *access_code,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);
AfPrinter         *af_printer_registry_add_finish     (AfPrinterRegistry       *self,
                                                       GAsyncResult            *result,
                                                       char                   **seen_fingerprint,
                                                       GError                 **error);
/* Disconnects and drops the connection of a printer that was removed. */
void               af_printer_registry_forget         (AfPrinterRegistry       *self,
                                                       const char              *serial);
/* Cancels everything and disconnects: for the application's shutdown, and
 * done by the registry's dispose.
 */
void               af_printer_registry_shutdown       (AfPrinterRegistry       *self);

G_END_DECLS
