/* af-cloud.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-cloud-error.h"
#include "af-cloud-tokens.h"
#include "af-cloud-client.h"
#include "af-cloud-sign-in.h"
#include "af-cloud-resources.h"
#include "af-cloud-upload.h"
#include "af-cloud-transport.h"
