/* af-permissions-group.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define AF_TYPE_PERMISSIONS_GROUP (af_permissions_group_get_type ())

G_DECLARE_FINAL_TYPE (AfPermissionsGroup, af_permissions_group, AF, PERMISSIONS_GROUP,
                      AdwPreferencesGroup)

G_END_DECLS
