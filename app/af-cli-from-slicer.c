/* af-cli-from-slicer.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-app"

#include "config.h"

#include <unistd.h>
#include <glib/gi18n.h>

#include "af-core.h"
#include "af-cli-private.h"

/* "--from-slicer FILE": the post-processing script mode of PrusaSlicer,
 * SuperSlicer and OrcaSlicer. The slicer runs
 *   $SHELL -c "atomform-connect --from-slicer '<temporary G-code>'"
 * and waits for it, then deletes or moves its file. So the file is copied
 * first (core/af-handoff.c; the slicer's file is only read), and the window
 * is started as a separate process that outlives this one: the slicer is
 * not kept waiting, and a running window takes the copy over as it would
 * any second launch. docs/handoff.md has the settings for each slicer.
 */

/* The environment the window gets: the caller's, without the hundreds of
 * SLIC3R_* settings the slicer exports to its scripts.
 */
static char **
window_environment (void)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; env[i] != NULL; i++)
    {
      if (!g_str_has_prefix (env[i], "SLIC3R_"))
        g_strv_builder_add (builder, env[i]);
    }

  return g_strv_builder_end (builder);
}

/* Its own session, so that the slicer stopping its script's process group
 * does not take the window with it.
 */
static void
child_setup (gpointer user_data)
{
  setsid ();
}

/* Starts "atomform-connect FILE" detached, with nothing inherited: some
 * slicers read their script's standard error until it closes, and would
 * wait for the window otherwise.
 */
static gboolean
launch_window (const char  *path,
               GError     **error)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_auto(GStrv) env = window_environment ();
  const char *argv[] = { self != NULL ? self : AF_CLI_NAME, path, NULL };
  GSpawnFlags flags = G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL |
                      G_SPAWN_STDERR_TO_DEV_NULL;

  if (self == NULL)
    flags |= G_SPAWN_SEARCH_PATH;

  if (!g_spawn_async ("/", (char **)argv, env, flags, child_setup, NULL, NULL, error))
    {
      g_prefix_error (error, _("Could not start the AtomForm Connect window: "));
      return FALSE;
    }

  return TRUE;
}

gboolean
af_cli_from_slicer (char   ***args,
                    GError  **error)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *cache_dir = af_handoff_get_cache_dir ();
  g_autofree char *copy = NULL;

  context = af_cli_option_context_new (_("FILE"),
                                       _("For a slicer’s post-processing scripts: copies the "
                                         "G-code FILE the slicer passes (named after "
                                         "SLIC3R_PP_OUTPUT_NAME) and opens the copy in "
                                         "AtomForm Connect. FILE itself is never changed."),
                                       entries);
  if (!g_option_context_parse_strv (context, args, error))
    return FALSE;

  if (g_strv_length (*args) != 2)
    {
      g_set_error (error, AF_CLI_ERROR, AF_CLI_ERROR_USAGE,
                   _("Give exactly one FILE; see “%s --help”."), g_get_prgname ());
      return FALSE;
    }

  copy = af_handoff_copy_from_slicer ((*args)[1], g_getenv ("SLIC3R_PP_OUTPUT_NAME"), cache_dir,
                                      error);
  if (copy == NULL)
    return FALSE;

  g_debug ("Copied the slicer's file to %s", copy);
  return launch_window (copy, error);
}
