/* af-printer-row.h
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

#define AF_TYPE_PRINTER_ROW (af_printer_row_get_type ())

G_DECLARE_FINAL_TYPE (AfPrinterRow, af_printer_row, AF, PRINTER_ROW, GtkListBoxRow)

/* One printer's live state: what it does, its job with progress and time
 * left, temperatures and AMS trays, with pause, resume and stop.
 */
GtkWidget *af_printer_row_new         (AfPrinterRegistry *registry,
                                       AfPrinter        *printer);
AfPrinter *af_printer_row_get_printer (AfPrinterRow     *self);

/* The state in words, e.g. "Printing" or "Offline", for other views. */
char      *af_printer_row_describe_state (AfPrinter     *printer) G_GNUC_WARN_UNUSED_RESULT;
/* "A1 · PLA", "External spool · Empty": a tray as the printer's screen names it. */
char      *af_printer_row_dup_tray_label (AfAmsTray     *tray) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
