/* af-print.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-print-error.h"
#include "af-transport.h"
#include "af-print-job.h"
#include "af-printer-registry.h"
#include "af-progress-relay.h"
