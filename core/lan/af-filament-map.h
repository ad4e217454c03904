/* af-filament-map.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

/* The default mapping from a file's filaments to the printer's trays
 * (AfAmsTray items): for each used filament, the tray with the same material
 * and the nearest colour (CIE76 distance in Lab); unused filaments map to -1.
 * Returns a GArray of gint indexed by the file's filament slot, holding
 * global tray indices (AF_AMS_MAPPING_EXTERNAL for the external spool).
 * missing gets, for each used filament no tray can serve, its 1-based slot
 * (so the caller can warn before sending).
 */
GArray   *af_filament_map_default   (AfGcodeInfo  *info,
                                     GListModel   *trays,
                                     GArray      **missing) G_GNUC_WARN_UNUSED_RESULT;
/* Squared CIE76 colour distance between two "#RRGGBB" strings; G_MAXDOUBLE if unparsable. */
double    af_filament_color_distance (const char  *a,
                                      const char  *b);

G_END_DECLS
