/* af-privacy-error.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-privacy"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-privacy-error.h"

G_DEFINE_QUARK (af-privacy-error-quark, af_privacy_error)

GError *
af_privacy_error_new_lan_only (void)
{
  return g_error_new_literal (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LAN_ONLY,
                              _("LAN-only mode is on, so AtomForm Connect contacts no cloud "
                                "service. Turn LAN-only mode off in Privacy to use your "
                                "AtomForm account; printing over the network (LAN) still works."));
}
