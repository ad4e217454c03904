/* fuzz-json.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the JSON guard in front of json-glib
 * (af_json_load_untrusted()) and for the JSON writer behind every --json
 * output: whatever the guard lets through must parse without exhausting
 * the stack, and what af_json_to_data() writes of it must read back and
 * write out again identically (its DEL and C1 escapes stay valid JSON).
 * Run: build-fuzz/tests/fuzz/fuzz-json -max_total_time=60 CORPUS_DIR
 */

#define G_LOG_DOMAIN "fuzz-json"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "af-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) again = json_parser_new ();
  g_autofree char *text = NULL;
  g_autofree char *second = NULL;

  if (!af_json_load_untrusted (parser, (const char *)data, size, NULL) ||
      json_parser_get_root (parser) == NULL)
    return 0;

  text = af_json_to_data (json_parser_get_root (parser), FALSE);
  if (!json_parser_load_from_data (again, text, -1, NULL))
    __builtin_trap ();
  second = af_json_to_data (json_parser_get_root (again), FALSE);
  if (strcmp (text, second) != 0)
    __builtin_trap ();

  return 0;
}
