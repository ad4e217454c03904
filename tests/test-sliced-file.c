/* test-sliced-file.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "af-core.h"
#include "af-sliced-file.h"

typedef struct
{
  AfSlicedFile *file;
  GError       *error;
  gboolean      done;
} LoadResult;

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  LoadResult *load = user_data;

  load->file = af_sliced_file_load_finish (result, &load->error);
  load->done = TRUE;
}

/* Runs the load on a main context of its own and waits for the callback. */
static void
load (const char   *path,
      GCancellable *cancellable,
      LoadResult   *result)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  af_sliced_file_load_async (file, cancellable, load_cb, result);
  while (!result->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_gcode (void)
{
  g_autofree char *path = g_build_filename (AF_CORPUS_DIR, "gcode",
                                            "orcaslicer-2.3.0-k1max.gcode", NULL);
  LoadResult result = { 0 };
  GdkPixbuf *thumbnail;

  load (path, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpint (af_gcode_info_get_print_time (af_sliced_file_get_info (result.file)), ==, 5563);
  g_assert_cmpuint (af_sliced_file_get_plate (result.file), ==, 0);

  /* The largest of the two embedded thumbnails, decoded off the main loop. */
  thumbnail = af_sliced_file_get_thumbnail (result.file);
  g_assert_nonnull (thumbnail);
  g_assert_cmpint (gdk_pixbuf_get_width (thumbnail), ==, 300);
  g_assert_cmpint (gdk_pixbuf_get_height (thumbnail), ==, 300);

  g_assert_finalize_object (result.file);
}

static void
test_archive_first_plate (void)
{
  g_autofree char *path = g_build_filename (AF_CORPUS_DIR, "3mf",
                                            "bambustudio-02.07-p1s.gcode.3mf", NULL);
  LoadResult result = { 0 };

  load (path, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (af_sliced_file_get_plate (result.file), ==, 1);
  g_assert_cmpint (af_gcode_info_get_print_time (af_sliced_file_get_info (result.file)), ==, 9038);
  g_assert_nonnull (af_sliced_file_get_thumbnail (result.file));

  g_assert_finalize_object (result.file);
}

static void
test_empty_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("af-sliced-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "empty.gcode", NULL);
  LoadResult result = { 0 };

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  load (path, NULL, &result);
  g_assert_null (result.file);
  g_assert_error (result.error, AF_GCODE_ERROR, AF_GCODE_ERROR_NOT_GCODE);
  g_assert_nonnull (strstr (result.error->message, "empty.gcode"));

  g_clear_error (&result.error);
  g_assert_no_errno (g_unlink (path));
  g_assert_no_errno (g_rmdir (dir));
}

static void
test_cancelled (void)
{
  g_autofree char *path = g_build_filename (AF_CORPUS_DIR, "gcode",
                                            "orcaslicer-2.3.0-k1max.gcode", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LoadResult result = { 0 };

  /* The window cancels a load it no longer wants; the result must say so,
   * whatever the worker had got to, so the window can ignore it.
   */
  g_cancellable_cancel (cancellable);
  load (path, cancellable, &result);
  g_assert_null (result.file);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&result.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  af_core_init ();

  g_test_add_func ("/af/sliced-file/gcode", test_gcode);
  g_test_add_func ("/af/sliced-file/archive-first-plate", test_archive_first_plate);
  g_test_add_func ("/af/sliced-file/empty-file", test_empty_file);
  g_test_add_func ("/af/sliced-file/cancelled", test_cancelled);

  return g_test_run ();
}
