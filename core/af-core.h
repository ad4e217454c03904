/* af-core.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "af-handoff.h"
#include "af-gcode-info.h"
#include "af-gcode-reader.h"
#include "af-thumbnail.h"
#include "af-archive.h"
#include "af-json.h"
#include "af-printer-models.h"
#include "af-secrets.h"
#include "af-settings.h"
#include "af-sliced-file.h"
#include "af-text.h"
#include "af-lan.h"
#include "af-print.h"
#include "af-cloud.h"
#include "af-privacy.h"

G_BEGIN_DECLS

void af_core_init (void);

G_END_DECLS
