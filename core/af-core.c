/* af-core.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-core.h"

/**
 * af_core_init:
 *
 * Binds the core's translation domain. The application and every test call
 * this once before using the core, so that errors reach people translated.
 */
void
af_core_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}
