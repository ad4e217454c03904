/* fuzz-archive.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the .gcode.3mf reader: the input is opened as an
 * archive and every plate is read, verified and extracted, as the window and
 * the command line do. The same bytes also go through the preview's G-code
 * move parser. libzip needs a path, so each input is written to one
 * temporary file.
 * Run: build-fuzz/tests/fuzz/fuzz-archive -max_total_time=60 NEW_DIR ../shared/corpus/3mf
 */

#define G_LOG_DOMAIN "fuzz-archive"

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "af-archive.h"
#include "af-preview.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static char *input_path;

static void
remove_input (void)
{
  g_unlink (input_path);
}

static void
read_plate (AfArchive *archive,
            guint      plate)
{
  g_autoptr(AfGcodeInfo) info = af_archive_get_plate_info (archive, plate, NULL);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  if (info != NULL)
    g_free (af_gcode_info_to_json (info, FALSE));
  af_archive_verify_plate (archive, plate, NULL, NULL);
  af_archive_extract_plate (archive, plate, out, NULL, NULL);
  af_archive_get_printer_model_id (archive, plate);
}

static void
read_archive (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (input_path);
  g_autoptr(AfArchive) archive = af_archive_open (file, NULL, NULL);
  const guint *plates;
  guint n_plates;

  if (archive == NULL)
    return;

  af_archive_get_entries (archive);
  plates = af_archive_get_plates (archive, &n_plates);
  for (guint i = 0; i < n_plates; i++)
    read_plate (archive, plates[i]);
}

static void
draw_preview (const uint8_t *data,
              size_t         size)
{
  g_autoptr(AfPreview) preview = af_preview_new ();
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  af_preview_feed (preview, (const char *)data, size);
  pixbuf = af_preview_render (preview, 64, 0x808080);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  if (input_path == NULL)
    {
      int fd = g_file_open_tmp ("fuzz-archive-XXXXXX.gcode.3mf", &input_path, NULL);

      g_assert (fd >= 0);
      close (fd);
      atexit (remove_input);
    }

  if (!g_file_set_contents (input_path, (const char *)data, (gssize)size, NULL))
    return 0;
  read_archive ();
  draw_preview (data, size);
  return 0;
}
