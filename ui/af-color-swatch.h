/* af-color-swatch.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define AF_TYPE_COLOR_SWATCH (af_color_swatch_get_type ())

G_DECLARE_FINAL_TYPE (AfColorSwatch, af_color_swatch, AF, COLOR_SWATCH, GtkWidget)

/* A small filled circle for a filament or tray colour; an empty dashed ring
 * when the colour is unknown or the tray is empty.
 */
GtkWidget  *af_color_swatch_new       (const char    *color);
void        af_color_swatch_set_color (AfColorSwatch *self,
                                       const char    *color);

G_END_DECLS
