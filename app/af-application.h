/* af-application.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define AF_TYPE_APPLICATION (af_application_get_type ())

G_DECLARE_FINAL_TYPE (AfApplication, af_application, AF, APPLICATION, AdwApplication)

AfApplication *af_application_new (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
