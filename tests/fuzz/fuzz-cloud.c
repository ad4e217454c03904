/* fuzz-cloud.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for what the cloud answers (core/cloud): the size and
 * depth limits in front of json-glib (af_cloud_parse_json()), the
 * problem+json reader behind every refused request, and the readers of the
 * account, printers, jobs and history entries. None may crash, and every
 * error is an AF_CLOUD_ERROR.
 * Run: build-fuzz/tests/fuzz/fuzz-cloud -max_total_time=60 CORPUS_DIR
 */

#define G_LOG_DOMAIN "fuzz-cloud"

#include "config.h"

#include <stdint.h>

#include "af-cloud-error.h"
#include "af-cloud-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
read_object (JsonObject *object)
{
  GObject *read[] = {
    G_OBJECT (af_cloud_account_from_json (object, NULL)),
    G_OBJECT (af_cloud_printer_from_json (object)),
    G_OBJECT (af_cloud_job_from_json (object, NULL)),
    G_OBJECT (af_cloud_history_entry_from_json (object)),
  };

  for (guint i = 0; i < G_N_ELEMENTS (read); i++)
    g_clear_object (&read[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const guint statuses[] = { 400, 401, 404, 409, 422, 429, 460, 503 };
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      error = af_cloud_error_from_response (statuses[i], "application/problem+json",
                                            (const char *)data, size, -1, NULL);
      if (error == NULL || error->domain != AF_CLOUD_ERROR)
        __builtin_trap ();
      g_clear_error (&error);
    }

  root = af_cloud_parse_json ((const char *)data, size, &error);
  if (root == NULL)
    {
      if (error == NULL || error->domain != AF_CLOUD_ERROR)
        __builtin_trap ();
      g_clear_error (&error);
      return 0;
    }
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      JsonNode *items = json_object_get_member (object, "items");

      read_object (object);
      if (items != NULL && JSON_NODE_HOLDS_ARRAY (items))
        {
          JsonArray *array = json_node_get_array (items);

          for (guint i = 0; i < json_array_get_length (array); i++)
            if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i)))
              read_object (json_array_get_object_element (array, i));
        }
    }
  return 0;
}
