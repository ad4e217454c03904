/* af-settings.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-settings"

#include "config.h"

#include "af-settings.h"
#include "af-network-policy.h"

struct _AfSettings
{
  GObject    parent_instance;

  GSettings *settings;   /* NULL without the schema */
  int        window_width;
  int        window_height;
  gboolean   window_maximized;
  char      *last_folder;
  gboolean   delete_after_print;
  gboolean   lan_only;
};

G_DEFINE_FINAL_TYPE (AfSettings, af_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WINDOW_WIDTH,
  PROP_WINDOW_HEIGHT,
  PROP_WINDOW_MAXIMIZED,
  PROP_LAST_FOLDER,
  PROP_DELETE_AFTER_PRINT,
  PROP_LAN_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_int (AfSettings *self,
         int        *field,
         int         value,
         guint       prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_boolean (AfSettings *self,
             gboolean   *field,
             gboolean    value,
             guint       prop)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
af_settings_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AfSettings *self = AF_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_WINDOW_WIDTH: g_value_set_int (value, self->window_width); break;
    case PROP_WINDOW_HEIGHT: g_value_set_int (value, self->window_height); break;
    case PROP_WINDOW_MAXIMIZED: g_value_set_boolean (value, self->window_maximized); break;
    case PROP_LAST_FOLDER: g_value_set_string (value, self->last_folder); break;
    case PROP_DELETE_AFTER_PRINT: g_value_set_boolean (value, self->delete_after_print); break;
    case PROP_LAN_ONLY: g_value_set_boolean (value, self->lan_only); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_settings_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AfSettings *self = AF_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_WINDOW_WIDTH:
      set_int (self, &self->window_width, g_value_get_int (value), prop_id);
      break;
    case PROP_WINDOW_HEIGHT:
      set_int (self, &self->window_height, g_value_get_int (value), prop_id);
      break;
    case PROP_WINDOW_MAXIMIZED:
      set_boolean (self, &self->window_maximized, g_value_get_boolean (value), prop_id);
      break;
    case PROP_LAST_FOLDER:
      af_settings_set_last_folder (self, g_value_get_string (value));
      break;
    case PROP_DELETE_AFTER_PRINT:
      set_boolean (self, &self->delete_after_print, g_value_get_boolean (value), prop_id);
      break;
    case PROP_LAN_ONLY:
      /* The policy is what the cloud client and the registry check. */
      af_network_policy_set_lan_only (g_value_get_boolean (value));
      set_boolean (self, &self->lan_only, g_value_get_boolean (value), prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_settings_finalize (GObject *object)
{
  AfSettings *self = AF_SETTINGS (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->last_folder, g_free);

  G_OBJECT_CLASS (af_settings_parent_class)->finalize (object);
}

static void
af_settings_class_init (AfSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = af_settings_get_property;
  object_class->set_property = af_settings_set_property;
  object_class->finalize = af_settings_finalize;

  /* The defaults are the schema's, for a build without it installed. */
  properties[PROP_WINDOW_WIDTH] =
    g_param_spec_int ("window-width", NULL, NULL, G_MININT, G_MAXINT, 900, flags);
  properties[PROP_WINDOW_HEIGHT] =
    g_param_spec_int ("window-height", NULL, NULL, G_MININT, G_MAXINT, 650, flags);
  properties[PROP_WINDOW_MAXIMIZED] =
    g_param_spec_boolean ("window-maximized", NULL, NULL, FALSE, flags);
  properties[PROP_LAST_FOLDER] = g_param_spec_string ("last-folder", NULL, NULL, "", flags);
  properties[PROP_DELETE_AFTER_PRINT] =
    g_param_spec_boolean ("delete-after-print", NULL, NULL, TRUE, flags);
  properties[PROP_LAN_ONLY] = g_param_spec_boolean ("lan-only", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_settings_init (AfSettings *self)
{
  self->window_width = 900;
  self->window_height = 650;
  self->last_folder = g_strdup ("");
  self->delete_after_print = TRUE;
}

/* Binds every property whose key the schema has; an older installed schema
 * leaves the others at their defaults.
 */
static void
bind_keys (AfSettings      *self,
           GSettingsSchema *schema)
{
  for (guint i = PROP_0 + 1; i < N_PROPS; i++)
    {
      const char *key = g_param_spec_get_name (properties[i]);

      if (g_settings_schema_has_key (schema, key))
        g_settings_bind (self->settings, key, self, key, G_SETTINGS_BIND_DEFAULT);
      else
        g_debug ("The installed schema has no key %s", key);
    }
}

AfSettings *
af_settings_new (const char *schema_id)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  AfSettings *self;

  g_return_val_if_fail (schema_id != NULL, NULL);

  self = g_object_new (AF_TYPE_SETTINGS, NULL);
  /* g_settings_new() would abort without the schema. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, schema_id, TRUE);
  if (schema == NULL)
    {
      g_debug ("No GSettings schema %s: settings are not kept", schema_id);
      return self;
    }

  self->settings = g_settings_new_full (schema, NULL, NULL);
  bind_keys (self, schema);
  return self;
}

AfSettings *
af_settings_get_default (void)
{
  static AfSettings *instance;

  if (g_once_init_enter (&instance))
    g_once_init_leave (&instance, af_settings_new (APP_ID));

  return instance;
}

gboolean
af_settings_get_delete_after_print (AfSettings *self)
{
  g_return_val_if_fail (AF_IS_SETTINGS (self), TRUE);

  return self->delete_after_print;
}

gboolean
af_settings_get_lan_only (AfSettings *self)
{
  g_return_val_if_fail (AF_IS_SETTINGS (self), FALSE);

  return self->lan_only;
}

void
af_settings_set_lan_only (AfSettings *self,
                          gboolean    lan_only)
{
  g_return_if_fail (AF_IS_SETTINGS (self));

  g_object_set (self, "lan-only", lan_only, NULL);
}

const char *
af_settings_get_last_folder (AfSettings *self)
{
  g_return_val_if_fail (AF_IS_SETTINGS (self), NULL);

  return self->last_folder;
}

void
af_settings_set_last_folder (AfSettings *self,
                             const char *uri)
{
  g_return_if_fail (AF_IS_SETTINGS (self));

  if (uri == NULL)
    uri = "";
  if (g_strcmp0 (self->last_folder, uri) == 0)
    return;

  g_free (self->last_folder);
  self->last_folder = g_strdup (uri);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_FOLDER]);
}
