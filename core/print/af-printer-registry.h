/* af-printer-registry.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-cloud-client.h"
#include "af-cloud-resources.h"
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

/* How a print reaches a printer: over the home network, with the access
 * code (AF_PRINTER_SOURCE_MANUAL), or through AtomForm's cloud, to a printer
 * bound to the signed-in account (AF_PRINTER_SOURCE_CLOUD).
 */
typedef enum
{
  AF_PRINT_ROUTE_LAN,
  AF_PRINT_ROUTE_CLOUD,
} AfPrintRoute;

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
 *
 * It is also the one gate to AtomForm's cloud: every cloud connection it
 * makes (the list of bound printers, every cloud transport) passes one
 * check in af-printer-registry.c, where a "LAN only" setting belongs.
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
/* How a print job reaches printer on route, or NULL for a printer the
 * registry has not connected on it. The LAN transport holds the access
 * code and lasts; on the cloud route this is the connection that follows a
 * cloud-only printer's status (AF_PRINTER_REGISTRY_CONNECT), which prints
 * nothing: a cloud print takes a transport of its own from
 * af_printer_registry_connect_async().
 */
AfTransport       *af_printer_registry_get_transport  (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer,
                                                       AfPrintRoute             route);
/* Connects printer on route and completes with the transport once it is
 * connected (with the printer's first full report).
 *
 * LAN: reads printer's access code from the keyring, replaces any
 * connection to it with a new one, which stays with the registry; the
 * transport returned is a new reference to it. Errors: the keyring's
 * (AF_SECRETS_ERROR), AF_LAN_ERROR_ACCESS_DENIED when the keyring holds no
 * code, and the connection's.
 *
 * Cloud: a new transport for one print (its upload and job keys are its
 * own), through the cloud client of af_printer_registry_set_cloud_client().
 * Its reports go to a printer object of its own when the printer also has
 * the LAN route, else to printer. Errors: AF_CLOUD_ERROR_NOT_SIGNED_IN,
 * AF_CLOUD_ERROR_NOT_FOUND for a printer not bound to the account, and the
 * connection's.
 */
void               af_printer_registry_connect_async  (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer,
                                                       AfPrintRoute             route,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);
AfTransport       *af_printer_registry_connect_finish (AfPrinterRegistry       *self,
                                                       GAsyncResult            *result,
                                                       GError                 **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- The cloud route ---------------------------------------------------- */

/* The cloud client whose account's printers join the list (NULL: none).
 * Setting it does not fetch anything: af_printer_registry_refresh_cloud_async()
 * does.
 */
void               af_printer_registry_set_cloud_client (AfPrinterRegistry     *self,
                                                         AfCloudClient         *client);
AfCloudClient     *af_printer_registry_get_cloud_client (AfPrinterRegistry     *self);
/* Lists the account's bound printers and merges them into the list, marked
 * cloud-reachable; printers no longer bound lose the cloud route. Signed
 * out (no client, or no session), every printer loses the cloud route and
 * the call succeeds. With AF_PRINTER_REGISTRY_CONNECT, a cloud-only
 * printer gets a connection that follows its status.
 */
void               af_printer_registry_refresh_cloud_async  (AfPrinterRegistry   *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean           af_printer_registry_refresh_cloud_finish (AfPrinterRegistry   *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);
/* The account's view of a bound printer, or NULL (transfer none); the
 * registry's "cloud-changed" signal says when the list was read again.
 */
AfCloudPrinter    *af_printer_registry_get_cloud_printer (AfPrinterRegistry    *self,
                                                          AfPrinter            *printer);
/* A bound printer by the cloud's id, its serial or its name, or NULL
 * (transfer none): the list's object.
 */
AfPrinter         *af_printer_registry_lookup_cloud      (AfPrinterRegistry    *self,
                                                          const char           *text);
/* Prints the file the cloud keeps for a history entry again, on the bound
 * printer it was printed on, with the default options for its plate (the
 * history does not keep the options). The cloud checks the printer is
 * online and idle and its trays; completes with the job.
 */
void               af_printer_registry_reprint_async  (AfPrinterRegistry       *self,
                                                       AfCloudHistoryEntry     *entry,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);
AfCloudJob        *af_printer_registry_reprint_finish (AfPrinterRegistry       *self,
                                                       GAsyncResult            *result,
                                                       GError                 **error) G_GNUC_WARN_UNUSED_RESULT;
/* --- Readiness and commands, on either route ----------------------------- */

/* Whether a print can go to printer on route now: the one rule the Send
 * panel and "send" apply before anything is packed or uploaded.
 *
 * LAN: set up with its access code (else AF_PRINT_ERROR_NOT_REACHABLE),
 * connected (NOT_REACHABLE with the connection's error, or NO_RESPONSE
 * while it connects), and idle, finished or failed (AF_PRINT_ERROR_BUSY).
 *
 * Cloud, by what the cloud says and never by the LAN: LAN-only mode off
 * (AF_PRIVACY_ERROR), signed in (AF_CLOUD_ERROR_NOT_SIGNED_IN), bound to the
 * account (NOT_FOUND), online in the cloud's printer list as last refreshed
 * (PRINTER_OFFLINE), and ready: by the live report of a printer followed
 * through the cloud broker, else by the list's state (AF_PRINT_ERROR_BUSY).
 * The cloud checks the same again when the job is created.
 *
 * Every message is translated and says what to do.
 */
gboolean           af_printer_registry_check_ready    (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer,
                                                       AfPrintRoute             route,
                                                       GError                 **error);
/* The route pause, resume and stop of printer's current print take: the
 * LAN while connected there, else the cloud for a bound printer while
 * signed in and not in LAN-only mode. FALSE when there is none.
 */
gboolean           af_printer_registry_get_command_route (AfPrinterRegistry    *self,
                                                          AfPrinter            *printer,
                                                          AfPrintRoute         *route);
/* Pauses, resumes or stops printer's current print on route, and completes
 * once the printer shows it. LAN: the printer's own command. Cloud: reads
 * the printer from the cloud now for its current job (an error when the
 * cloud knows of none), sends POST /v1/jobs/{id}/actions, then reads the job
 * until its state shows the command (at most a minute; a print that ended
 * meanwhile is AF_CLOUD_ERROR_INVALID_STATE).
 */
void               af_printer_registry_command_async  (AfPrinterRegistry       *self,
                                                       AfPrinter               *printer,
                                                       AfPrintRoute             route,
                                                       AfPrintCommand           command,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);
gboolean           af_printer_registry_command_finish (AfPrinterRegistry       *self,
                                                       GAsyncResult            *result,
                                                       GError                 **error);
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
/* Privacy, "on this computer": drops the printer's connection and removes
 * its access code from the keyring; the printer stays saved and asks for
 * the code on its next connection.
 */
void               af_printer_registry_forget_access_code_async  (AfPrinterRegistry   *self,
                                                                  const char          *serial,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
gboolean           af_printer_registry_forget_access_code_finish (AfPrinterRegistry   *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);
/* Cancels everything and disconnects: for the application's shutdown, and
 * done by the registry's dispose.
 */
void               af_printer_registry_shutdown       (AfPrinterRegistry       *self);

G_END_DECLS
