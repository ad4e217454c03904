/* af-window.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-lan.h"
#include "af-print.h"
#include "af-privacy.h"

G_BEGIN_DECLS

#define AF_TYPE_WINDOW (af_window_get_type ())

G_DECLARE_FINAL_TYPE (AfWindow, af_window, AF, WINDOW, AdwApplicationWindow)

AfWindow *af_window_new  (AdwApplication *application);
/* Loads a .gcode, .bgcode or .gcode.3mf in the background and shows it. */
void      af_window_open (AfWindow       *self,
                          GFile          *file);
/* Shows a message about a file that could not be handed to the window. */
void      af_window_show_error (AfWindow     *self,
                                const GError *error);
/* The file shown or being read, or NULL while the window is empty, e.g. to
 * reuse an empty window for a file a second launch hands over.
 */
GFile    *af_window_get_file (AfWindow       *self);
/* Gives the window the application's printers, for its Printers page and
 * send panel. Called once, right after af_window_new().
 */
void      af_window_set_printer_registry (AfWindow          *self,
                                         AfPrinterRegistry *registry);
/* Gives the window the application's privacy mechanism, for its Privacy
 * view and for deleting history. Called once, after the registry.
 */
void      af_window_set_privacy          (AfWindow          *self,
                                         AfPrivacy         *privacy);

G_END_DECLS
