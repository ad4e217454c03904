/* af-file-view.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-sliced-file.h"

G_BEGIN_DECLS

#define AF_TYPE_FILE_VIEW (af_file_view_get_type ())

G_DECLARE_FINAL_TYPE (AfFileView, af_file_view, AF, FILE_VIEW, AdwBin)

/* Shows what a sliced file says about its print: thumbnail, time, filament, details. */
AfSlicedFile *af_file_view_get_file (AfFileView   *self);
void          af_file_view_set_file (AfFileView   *self,
                                     AfSlicedFile *file);

G_END_DECLS
