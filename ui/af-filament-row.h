/* af-filament-row.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-gcode-info.h"

G_BEGIN_DECLS

#define AF_TYPE_FILAMENT_ROW (af_filament_row_get_type ())

G_DECLARE_FINAL_TYPE (AfFilamentRow, af_filament_row, AF, FILAMENT_ROW, AdwActionRow)

/* index is 0-based and names the filament when the file gives no type. */
GtkWidget *af_filament_row_new (const AfFilament *filament,
                                guint             index);

G_END_DECLS
