/* af-print-check.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-gcode-info.h"
#include "af-printer.h"

G_BEGIN_DECLS

/* The checks made before anything is uploaded, shared by the window and the
 * command line (docs/lan-protocol.md, "Checks before sending"). Each returns
 * TRUE when the print may go ahead and otherwise sets an error whose message
 * is one translated sentence naming both sides; callers add how to go on.
 * What either side does not say is never a reason to refuse.
 */

#define AF_PRINT_CHECK_ERROR (af_print_check_error_quark ())

typedef enum
{
  AF_PRINT_CHECK_ERROR_WRONG_PRINTER,  /* sliced for another model or make; overridable */
  AF_PRINT_CHECK_ERROR_WRONG_NOZZLE,   /* sliced for another nozzle diameter; overridable */
  AF_PRINT_CHECK_ERROR_NO_TRAY,        /* a used filament has no tray; overridable */
  AF_PRINT_CHECK_ERROR_NO_STORAGE,     /* no card or stick, or one that cannot be written */
} AfPrintCheckError;

GQuark      af_print_check_error_quark (void);

/* Whether an error of this domain may be overridden (--force, "Send Anyway"). */
gboolean    af_print_check_is_overridable (const GError *error);

/* The machine the file names when it is not a vendor printer ("Creality K1
 * Max", "Original Prusa MK4S"), from printer_model and printer_settings_id;
 * NULL when the file names a vendor printer or none.
 */
char       *af_print_check_dup_foreign_machine (AfGcodeInfo *info) G_GNUC_WARN_UNUSED_RESULT;

/* The model and the nozzle: refuses a file sliced for another model
 * (af-printer-models.h says which count as one), for a printer of another
 * make, or for another nozzle diameter than the printer reports.
 */
gboolean    af_print_check_machine     (AfGcodeInfo   *info,
                                        AfPrinter     *printer,
                                        GError       **error);

/* Refuses when the printer reports no storage, or storage it cannot write:
 * the upload would fail later with a vaguer message.
 */
gboolean    af_print_check_storage     (AfPrinter     *printer,
                                        GError       **error);

/* Refuses when a filament the print uses maps to no tray (-1 in mapping, as
 * af_filament_map_default() leaves it). A printer that reports no trays at
 * all says nothing about them and is not refused.
 */
gboolean    af_print_check_trays       (AfGcodeInfo   *info,
                                        GListModel    *trays,
                                        GArray        *mapping,
                                        GError       **error);

/* Whether the printer has an AMS: at least one tray that is not the external spool. */
gboolean    af_print_check_has_ams     (GListModel    *trays);

/* use_ams for project_file: TRUE only when the printer has an AMS and at
 * least one used filament maps to one of its AMS trays. A printer without an
 * AMS (a P1P or A1 with only the external spool) refuses use_ams with
 * "Failed to get AMS mapping table".
 */
gboolean    af_print_check_use_ams     (AfGcodeInfo   *info,
                                        GListModel    *trays,
                                        GArray        *mapping);

/* The plate type the file was sliced for, as project_file's bed_type names
 * it ("textured_plate"), or "auto" when the file names none or an unknown one.
 */
const char *af_print_check_bed_type    (AfGcodeInfo   *info);

G_END_DECLS
