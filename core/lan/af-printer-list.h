/* af-printer-list.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-discovery.h"
#include "af-printer.h"

G_BEGIN_DECLS

/* Every printer the user can send to, as one GListModel of AfPrinter, merged
 * by serial from discovery, from manual entries and from cloud bindings.
 * Manual entries persist, without secrets, in
 * $XDG_CONFIG_HOME/atomform-connect/printers.ini (a GKeyFile); the access
 * code goes to the keyring through af-secrets.h. Removing a printer removes
 * its access code too. Other processes (the window, the command line) may
 * write the file too: every save merges with the file as it is on disk,
 * under a lock, so none loses another's printers.
 */
#define AF_TYPE_PRINTER_LIST (af_printer_list_get_type ())

G_DECLARE_FINAL_TYPE (AfPrinterList, af_printer_list, AF, PRINTER_LIST, GObject)

/* config_dir NULL means g_get_user_config_dir()/atomform-connect. */
AfPrinterList *af_printer_list_new           (const char          *config_dir) G_GNUC_WARN_UNUSED_RESULT;
gboolean       af_printer_list_load          (AfPrinterList       *self,
                                              GError             **error);
/* Follows a discovery's model: its printers are merged in, and leave when
 * they expire unless also added manually.
 */
void           af_printer_list_set_discovery (AfPrinterList       *self,
                                              AfDiscovery         *discovery);
/* A notice that names another address for a saved printer is ignored when
 * the address is public or loopback, and otherwise tried: the printer moves
 * there (and is saved) only once its certificate at that address verifies
 * against its saved pin, or CA + serial ("address-checked" tells). Loopback
 * becomes a candidate with allow-loopback (tests, the virtual printer).
 */
gboolean       af_printer_list_get_allow_loopback (AfPrinterList  *self);
void           af_printer_list_set_allow_loopback (AfPrinterList  *self,
                                                   gboolean        allow);
AfPrinter     *af_printer_list_lookup        (AfPrinterList       *self,
                                              const char          *name_or_serial);
/* Adds or updates a manual printer, saves the list and stores the access
 * code in the keyring. The printer object is the one in the list.
 */
void           af_printer_list_add_async     (AfPrinterList       *self,
                                              AfPrinter           *printer,
                                              const char          *access_code,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
AfPrinter     *af_printer_list_add_finish    (AfPrinterList       *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void           af_printer_list_remove_async  (AfPrinterList       *self,
                                              const char          *serial,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       af_printer_list_remove_finish (AfPrinterList       *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* A printer bound to the signed-in cloud account joins the list (by
 * serial: a saved printer gains the cloud route) and leaves it again when
 * it is no longer bound; cloud bindings are never saved. Returns the list's
 * object (transfer none).
 */
AfPrinter     *af_printer_list_add_cloud     (AfPrinterList       *self,
                                              const char          *serial,
                                              const char          *name,
                                              const char          *model);
void           af_printer_list_remove_cloud  (AfPrinterList       *self,
                                              const char          *serial);
/* Saves the non-secret fields now (pins learnt at first contact, names). */
gboolean       af_printer_list_save          (AfPrinterList       *self,
                                              GError             **error);

G_END_DECLS
