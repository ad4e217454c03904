/* af-local-history-entry.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-local-history"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-format.h"
#include "af-local-history-entry.h"

struct _AfLocalHistoryEntry
{
  GObject    parent_instance;
  gint64     id;
  GDateTime *time;
  char      *title;
  char      *printer;
  char      *route;
  char      *thumbnail_path;
  char      *cloud_entry_id;
};

G_DEFINE_FINAL_TYPE (AfLocalHistoryEntry, af_local_history_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TIME,
  PROP_TITLE,
  PROP_PRINTER,
  PROP_ROUTE,
  PROP_THUMBNAIL_PATH,
  PROP_CLOUD_ENTRY_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
af_local_history_entry_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  AfLocalHistoryEntry *self = AF_LOCAL_HISTORY_ENTRY (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_TIME: g_value_set_boxed (value, self->time); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_PRINTER: g_value_set_string (value, self->printer); break;
    case PROP_ROUTE: g_value_set_string (value, self->route); break;
    case PROP_THUMBNAIL_PATH: g_value_set_string (value, self->thumbnail_path); break;
    case PROP_CLOUD_ENTRY_ID: g_value_set_string (value, self->cloud_entry_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_local_history_entry_finalize (GObject *object)
{
  AfLocalHistoryEntry *self = AF_LOCAL_HISTORY_ENTRY (object);

  g_clear_pointer (&self->time, g_date_time_unref);
  g_free (self->title);
  g_free (self->printer);
  g_free (self->route);
  g_free (self->thumbnail_path);
  g_free (self->cloud_entry_id);
  G_OBJECT_CLASS (af_local_history_entry_parent_class)->finalize (object);
}

static void
af_local_history_entry_class_init (AfLocalHistoryEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = af_local_history_entry_get_property;
  object_class->finalize = af_local_history_entry_finalize;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_TIME] = g_param_spec_boxed ("time", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_PRINTER] = g_param_spec_string ("printer", NULL, NULL, NULL, flags);
  properties[PROP_ROUTE] = g_param_spec_string ("route", NULL, NULL, NULL, flags);
  properties[PROP_THUMBNAIL_PATH] = g_param_spec_string ("thumbnail-path", NULL, NULL, NULL, flags);
  properties[PROP_CLOUD_ENTRY_ID] = g_param_spec_string ("cloud-entry-id", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_local_history_entry_init (AfLocalHistoryEntry *self)
{
}

AfLocalHistoryEntry *
af_local_history_entry_new (gint64      id,
                            GDateTime  *time,
                            const char *title,
                            const char *printer,
                            const char *route,
                            const char *thumbnail_path,
                            const char *cloud_entry_id)
{
  AfLocalHistoryEntry *self = g_object_new (AF_TYPE_LOCAL_HISTORY_ENTRY, NULL);

  g_return_val_if_fail (time != NULL, NULL);
  self->id = id;
  self->time = g_date_time_ref (time);
  self->title = g_strdup (title);
  self->printer = g_strdup (printer);
  self->route = g_strdup (route);
  self->thumbnail_path = g_strdup (thumbnail_path);
  self->cloud_entry_id = g_strdup (cloud_entry_id);
  return self;
}

gint64 af_local_history_entry_get_id (AfLocalHistoryEntry *self) { return self->id; }
GDateTime *af_local_history_entry_get_time (AfLocalHistoryEntry *self) { return self->time; }
const char *af_local_history_entry_get_title (AfLocalHistoryEntry *self) { return self->title; }
const char *af_local_history_entry_get_printer (AfLocalHistoryEntry *self) { return self->printer; }
const char *af_local_history_entry_get_route (AfLocalHistoryEntry *self) { return self->route; }
const char *af_local_history_entry_get_thumbnail_path (AfLocalHistoryEntry *self) { return self->thumbnail_path; }
const char *af_local_history_entry_get_cloud_entry_id (AfLocalHistoryEntry *self) { return self->cloud_entry_id; }

const char *
af_local_history_entry_describe_route (AfLocalHistoryEntry *self)
{
  g_return_val_if_fail (AF_IS_LOCAL_HISTORY_ENTRY (self), NULL);
  if (g_strcmp0 (self->route, "cloud") == 0)
    return _("Through the cloud");
  return _("Over the network (LAN)");
}

char *
af_local_history_entry_describe (AfLocalHistoryEntry *self)
{
  g_autofree char *when = NULL;

  g_return_val_if_fail (AF_IS_LOCAL_HISTORY_ENTRY (self), NULL);

  when = af_format_date_time (self->time);
  /* Translators: a print this computer sent: when, to which printer, how, e.g.
   * "4 December 2026, 15:02 · Workshop P1S · Over the network (LAN)"
   */
  return g_strdup_printf (_("%s · %s · %s"), when,
                          self->printer != NULL && *self->printer != '\0'
                          ? self->printer : _("Unknown printer"),
                          af_local_history_entry_describe_route (self));
}
