/* fuzz-gcode.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the G-code reader: the input as a whole file, as a
 * head and tail window pair, and, for a .bgcode, decoded as a text stream.
 * Run: build-fuzz/tests/fuzz/fuzz-gcode -max_total_time=60 CORPUS_DIR
 */

#define G_LOG_DOMAIN "fuzz-gcode"

#include "config.h"

#include <stdint.h>

#include "af-bgcode.h"
#include "af-gcode-reader.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
read_windows (GBytes *bytes)
{
  gsize half = g_bytes_get_size (bytes) / 2;
  g_autoptr(GBytes) head = g_bytes_new_from_bytes (bytes, 0, half);
  g_autoptr(GBytes) tail = g_bytes_new_from_bytes (bytes, half, g_bytes_get_size (bytes) - half);
  g_autoptr(AfGcodeInfo) whole = af_gcode_read_bytes (bytes, NULL, NULL);
  g_autoptr(AfGcodeInfo) split = af_gcode_read_bytes (head, tail, NULL);

  /* Walk what was found, as a caller would. */
  if (whole != NULL)
    g_free (af_gcode_info_to_json (whole, FALSE));
  if (split != NULL)
    g_free (af_gcode_info_to_json (split, FALSE));
}

static void
read_text_stream (GBytes *bytes)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GInputStream) stream = af_bgcode_text_stream_new (base);
  guint8 buffer[4096];

  while (g_input_stream_read (stream, buffer, sizeof buffer, NULL, NULL) > 0)
    ;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);

  read_windows (bytes);
  if (af_bgcode_has_magic (data, size))
    read_text_stream (bytes);

  return 0;
}
