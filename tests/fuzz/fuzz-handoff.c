/* fuzz-handoff.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the import-file URL parser: any program or web page
 * can open an atomform-connect:// link. What the parser accepts must keep
 * the promises its documentation makes, whatever the input.
 * Run: build-fuzz/tests/fuzz/fuzz-handoff -max_total_time=60 CORPUS_DIR
 */

#define G_LOG_DOMAIN "fuzz-handoff"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "af-handoff.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* NUL-terminated, so the parser sees exactly these bytes. */
  g_autofree char *url = g_strndup ((const char *)data, size);
  g_autoptr(AfHandoffRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  const char *name;

  request = af_handoff_request_parse (url, &error);
  if (request == NULL)
    {
      g_assert (error != NULL && error->domain == AF_HANDOFF_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert (error == NULL);
  g_assert (strlen (url) <= AF_HANDOFF_URL_MAX_LENGTH);
  g_assert (af_handoff_is_url (url));

  path = af_handoff_request_get_path (request);
  g_assert (path[0] == '/');
  g_assert (strlen (path) <= AF_HANDOFF_PATH_MAX_LENGTH);
  g_assert (strstr (path, "//") == NULL && strstr (path, "/../") == NULL &&
            strstr (path, "/./") == NULL && !g_str_has_suffix (path, "/..") &&
            !g_str_has_suffix (path, "/.") && !g_str_has_suffix (path, "/"));

  name = af_handoff_request_get_name (request);
  g_assert (name == NULL ||
            (g_utf8_validate (name, -1, NULL) && strlen (name) <= AF_HANDOFF_NAME_MAX_LENGTH));

  return 0;
}
