/* fuzz-report.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the MQTT report merger: the input split into up to
 * three payloads merged one after the other into the same status (a full
 * report followed by deltas), then rendered as JSON.
 * Run: build-fuzz/tests/fuzz/fuzz-report -max_total_time=60 CORPUS_DIR
 */

#define G_LOG_DOMAIN "fuzz-report"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "af-json.h"
#include "af-printer-status.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Parts are separated by a form feed, so the fuzzer can build sequences. */
static void
merge_parts (AfPrinterStatus *status,
             const char      *text,
             gsize            length)
{
  const char *start = text;
  const char *end = text + length;

  while (start <= end)
    {
      const char *next = memchr (start, '\f', end - start);
      gsize part = (next != NULL ? next : end) - start;

      af_printer_status_merge (status, start, part, NULL);
      if (next == NULL)
        break;
      start = next + 1;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  merge_parts (status, (const char *)data, size);

  /* The corpus files wrap reports as {"pushall": {"print": …}}, which the
   * merger ignores; unwrapped, the seeds reach every field.
   */
  if (json_parser_load_from_data (parser, (const char *)data, size, &error) &&
      af_json_get_root_object (parser) != NULL)
    {
      JsonObject *root = af_json_get_root_object (parser);
      JsonNode *pushall = json_object_get_member (root, "pushall");

      if (pushall != NULL && JSON_NODE_HOLDS_OBJECT (pushall) &&
          json_object_has_member (json_node_get_object (pushall), "print") &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (pushall),
                                                          "print")))
        af_printer_status_merge_print (status,
                                       json_object_get_object_member (
                                         json_node_get_object (pushall), "print"));
    }

  json = af_printer_status_to_json (status);
  return 0;
}
