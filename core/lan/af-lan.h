/* af-lan.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-lan-error.h"
#include "af-printer-status.h"
#include "af-printer.h"
#include "af-discovery.h"
#include "af-printer-list.h"
#include "af-tls.h"
#include "af-print-options.h"
#include "af-mqtt-session.h"
#include "af-ftps-upload.h"
#include "af-filament-map.h"
#include "af-lan-transport.h"
#include "af-print-check.h"
