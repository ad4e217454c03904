/* af-recent-menu.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define AF_TYPE_RECENT_MENU (af_recent_menu_get_type ())

G_DECLARE_FINAL_TYPE (AfRecentMenu, af_recent_menu, AF, RECENT_MENU, GObject)

/* A menu of the sliced files this application opened lately, newest first.
 * Each item activates action_name (a "s" action) with the file's URI.
 */
AfRecentMenu *af_recent_menu_new       (const char   *action_name) G_GNUC_WARN_UNUSED_RESULT;
GMenuModel   *af_recent_menu_get_model (AfRecentMenu *self);

/* Records that this application opened file, so it shows up here and in the
 * "Recent" places of other applications.
 */
void          af_recent_menu_add_file  (GFile        *file);
/* Removes file from the recent files, whoever added it (the file chooser
 * adds what it opens): incognito printing leaves no entry.
 */
void          af_recent_menu_forget_file (GFile      *file);

G_END_DECLS
