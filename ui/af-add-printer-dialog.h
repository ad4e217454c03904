/* af-add-printer-dialog.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-lan.h"
#include "af-print.h"

G_BEGIN_DECLS

#define AF_TYPE_ADD_PRINTER_DIALOG (af_add_printer_dialog_get_type ())

G_DECLARE_FINAL_TYPE (AfAddPrinterDialog, af_add_printer_dialog, AF, ADD_PRINTER_DIALOG, AdwWindow)

/* Adds a printer: one found on the network or one entered by address and
 * serial, with its access code. It connects once to check the code and,
 * on first contact, asks to trust the printer's certificate; only then is
 * the printer saved. serial, when not NULL, fills in a listed printer.
 * Emits ::printer-added with the printer as listed, then closes.
 */
GtkWidget *af_add_printer_dialog_new (GtkWindow         *parent,
                                      AfPrinterRegistry *registry,
                                      const char        *serial);

G_END_DECLS
