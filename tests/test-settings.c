/* test-settings.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "af-settings.h"

/* GSettings reports changes from the main context. */
static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The window and the command line see the schema's keys, both ways. */
static void
test_bound (void)
{
  g_autoptr(GSettings) gsettings = g_settings_new (APP_ID);
  AfSettings *settings = af_settings_new (APP_ID);
  g_autofree char *folder = NULL;
  int width = 0;

  g_assert_true (af_settings_get_delete_after_print (settings));
  g_assert_cmpstr (af_settings_get_last_folder (settings), ==, "");

  g_settings_set_boolean (gsettings, "delete-after-print", FALSE);
  g_settings_set_int (gsettings, "window-width", 1234);
  iterate ();
  g_assert_false (af_settings_get_delete_after_print (settings));
  g_object_get (settings, "window-width", &width, NULL);
  g_assert_cmpint (width, ==, 1234);

  af_settings_set_last_folder (settings, "file:///tmp/prints");
  g_object_set (settings, "delete-after-print", TRUE, NULL);
  iterate ();
  folder = g_settings_get_string (gsettings, "last-folder");
  g_assert_cmpstr (folder, ==, "file:///tmp/prints");
  g_assert_true (g_settings_get_boolean (gsettings, "delete-after-print"));

  g_settings_reset (gsettings, "window-width");
  g_settings_reset (gsettings, "last-folder");
  iterate ();
  g_assert_finalize_object (settings);
}

/* A build run in place has no schema: the defaults hold, in memory. */
static void
test_without_schema (void)
{
  AfSettings *settings = af_settings_new ("tech.atomform.NoSuchSchema");
  int height = 0;

  g_assert_true (af_settings_get_delete_after_print (settings));
  g_object_get (settings, "window-height", &height, NULL);
  g_assert_cmpint (height, ==, 650);
  g_object_set (settings, "delete-after-print", FALSE, NULL);
  g_assert_false (af_settings_get_delete_after_print (settings));

  g_assert_finalize_object (settings);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_SCHEMA_DIR", AF_SCHEMAS_DIR, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/settings/bound", test_bound);
  g_test_add_func ("/af/settings/without-schema", test_without_schema);

  return g_test_run ();
}
