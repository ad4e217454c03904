/* af-json.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Serialises like json_generator_to_data(), but writes every floating-point
 * number in its shortest form that reads back to the same double ("0.2",
 * not json-glib's "0.20000000000000001"), so output is stable and readable.
 */
char *af_json_to_data (JsonNode *root,
                       gboolean  pretty) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
