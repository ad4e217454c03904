/* af-printers-view.h
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

#define AF_TYPE_PRINTERS_VIEW (af_printers_view_get_type ())

G_DECLARE_FINAL_TYPE (AfPrintersView, af_printers_view, AF, PRINTERS_VIEW, AdwBin)

/* Every printer with its live state, or an invitation to add one. */
void af_printers_view_set_registry (AfPrintersView    *self,
                                   AfPrinterRegistry *registry);

G_END_DECLS
