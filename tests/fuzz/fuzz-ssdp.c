/* fuzz-ssdp.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the SSDP notice parser: whatever arrives on UDP 2021
 * is untrusted. Each input is parsed with and without a source address, and
 * what comes out is walked as the discovery and the printer list would.
 * Run: build-fuzz/tests/fuzz/fuzz-ssdp -max_total_time=60 CORPUS_DIR
 */

#define G_LOG_DOMAIN "fuzz-ssdp"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "af-discovery.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
walk (AfPrinter *printer,
      guint      max_age)
{
  g_autofree char *display = NULL;
  g_autofree char *redacted = NULL;
  const char *name;

  if (printer == NULL)
    return;

  g_assert (max_age <= 86400);
  g_assert (af_printer_get_serial (printer) != NULL);
  g_assert (af_printer_get_model (printer) != NULL);
  g_assert (af_printer_get_host (printer) != NULL);

  name = af_printer_get_name (printer);
  g_assert (name == NULL || g_utf8_validate (name, -1, NULL));

  display = af_printer_dup_display_name (printer);
  redacted = af_printer_dup_redacted_serial (printer);
  g_assert (g_utf8_validate (display, -1, NULL));
  g_assert (g_utf8_strlen (redacted, -1) <= 5);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* A copy of exactly size bytes, so reading past the end is caught. */
  g_autofree char *datagram = g_memdup2 (data, size);
  g_autoptr(AfPrinter) with_source = NULL;
  g_autoptr(AfPrinter) without_source = NULL;
  guint max_age = 0;

  with_source = af_discovery_parse_notify (datagram, size, "192.0.2.7", &max_age);
  walk (with_source, max_age);

  without_source = af_discovery_parse_notify (datagram, size, NULL, NULL);
  walk (without_source, 0);

  return 0;
}
