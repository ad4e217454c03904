/* af-send-panel.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-lan.h"
#include "af-print.h"
#include "af-sliced-file.h"

G_BEGIN_DECLS

#define AF_TYPE_SEND_PANEL (af_send_panel_get_type ())

G_DECLARE_FINAL_TYPE (AfSendPanel, af_send_panel, AF, SEND_PANEL, AdwBin)

/* Sends the opened file to a printer: the printer and its state, print
 * options, which AMS tray feeds each filament, then packaging and upload
 * progress with Cancel, then the printer's live state.
 */
void     af_send_panel_set_registry (AfSendPanel       *self,
                                    AfPrinterRegistry *registry);
void     af_send_panel_set_file    (AfSendPanel      *self,
                                    AfSlicedFile     *file);
/* Whether a file is being packaged, uploaded or started. */
gboolean af_send_panel_is_sending  (AfSendPanel      *self);
/* Stops a send in progress, e.g. when the window closes. */
void     af_send_panel_cancel      (AfSendPanel      *self);

G_END_DECLS
