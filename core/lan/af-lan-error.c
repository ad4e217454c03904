/* af-lan-error.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include "af-lan-error.h"

G_DEFINE_QUARK (af-lan-error-quark, af_lan_error)
