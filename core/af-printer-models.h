/* af-printer-models.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The vendor's printer models, by the model id its slicer writes in
 * slice_info.config's printer_model_id ("C12" for a P1S). Ids, SSDP DevModel
 * codes ("3DPrinter-X1-Carbon"), and the names slicer profiles and firmware
 * use ("Bambu Lab P1S", "Bambu Lab X1-Carbon") all resolve to the id.
 * Sources: BambuStudio resources/printers/<code>.json (model_id,
 * printer_type, display_name), ha-bambulab report fixtures (get_version's
 * project_name and product_name).
 */

/* The model id for an id, a DevModel code or a known name (case and
 * surrounding spaces ignored), or NULL when text names none of them.
 */
const char *af_printer_models_find_id         (const char *text);
/* The short name shown to people: "P1S", "X1 Carbon"; NULL for an unknown id. */
const char *af_printer_models_get_name        (const char *id);
/* Whether G-code sliced for one model is meant to run on the other: the same
 * id, or two ids the vendor lists as one machine (X1 and X1 Carbon; H2D and
 * H2D Pro; H2C's two ids).
 */
gboolean    af_printer_models_are_compatible  (const char *file_id,
                                               const char *printer_id);
/* Whether the model's FTPS root is a USB stick rather than a microSD card
 * (P2S and the H2 series).
 */
gboolean    af_printer_models_has_usb_storage (const char *id);

G_END_DECLS
