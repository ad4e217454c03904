/* af-settings.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AF_TYPE_SETTINGS (af_settings_get_type ())

G_DECLARE_FINAL_TYPE (AfSettings, af_settings, AF, SETTINGS, GObject)

/* The application's settings, one object for the window and the command
 * line. Each key of the GSettings schema is a property of the same name,
 * bound with g_settings_bind(), so widgets bind to the property (never copy
 * it) and a change made anywhere is seen everywhere; core code receives
 * plain values read from here. Without the schema installed (a build run in
 * place) the properties keep the schema's defaults in memory.
 *
 * Properties: window-width, window-height (int), window-maximized (bool),
 * last-folder (string, a URI or ""), delete-after-print (bool), lan-only
 * (bool: mirrored into af_network_policy_set_lan_only(), which the cloud
 * client's request path and the printer registry enforce).
 */
AfSettings *af_settings_new                    (const char *schema_id) G_GNUC_WARN_UNUSED_RESULT;
/* The one object for APP_ID, shared for the program's life. */
AfSettings *af_settings_get_default            (void);
gboolean    af_settings_get_delete_after_print (AfSettings *self);
gboolean    af_settings_get_lan_only           (AfSettings *self);
void        af_settings_set_lan_only           (AfSettings *self,
                                                gboolean    lan_only);
const char *af_settings_get_last_folder        (AfSettings *self);
void        af_settings_set_last_folder        (AfSettings *self,
                                                const char *uri);

G_END_DECLS
