/* af-json.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* json-glib's parser descends recursively, one C stack frame per nesting
 * level, and builds a node for every value: a small hostile file or
 * printer report ("[[[[…" a million deep) overflows the stack, and a large
 * one eats memory. Untrusted JSON (G-code objects_info, .bgcode metadata,
 * printer reports) is therefore checked on its raw bytes before json-glib
 * sees it: at most AF_JSON_MAX_DEPTH nested arrays and objects and at most
 * AF_JSON_MAX_LENGTH bytes. Real inputs stay far below both (a printer
 * report nests 5 deep and weighs a few tens of KiB).
 */
#define AF_JSON_MAX_DEPTH  64
#define AF_JSON_MAX_LENGTH (1024 * 1024)

#define AF_JSON_ERROR (af_json_error_quark ())

typedef enum
{
  AF_JSON_ERROR_TOO_DEEP,
  AF_JSON_ERROR_TOO_LONG,
} AfJsonError;

GQuark    af_json_error_quark      (void);

gboolean  af_json_check_limits     (const char  *data,
                                    gssize       length,
                                    GError     **error);
gboolean  af_json_load_untrusted   (JsonParser  *parser,
                                    const char  *data,
                                    gssize       length,
                                    GError     **error);
/* The object at the root of what parser loaded, or NULL when the text held
 * no value at all (only white space parses as "no root") or another kind.
 */
JsonObject *af_json_get_root_object (JsonParser *parser);

/* Serialises like json_generator_to_data(), but writes every floating-point
 * number in its shortest form that reads back to the same double ("0.2",
 * not json-glib's "0.20000000000000001"), so output is stable and readable.
 */
char *af_json_to_data (JsonNode *root,
                       gboolean  pretty) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
