/* af-activity-entry.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-activity"

#include "config.h"

#include "af-activity-entry.h"

struct _AfActivityEntry
{
  GObject          parent_instance;
  gint64           id;
  GDateTime       *time;
  char            *host;
  guint            port;
  AfNetworkPurpose purpose;
  guint64          bytes_sent;
  guint64          bytes_received;
  gboolean         succeeded;
};

G_DEFINE_FINAL_TYPE (AfActivityEntry, af_activity_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TIME,
  PROP_HOST,
  PROP_PORT,
  PROP_PURPOSE,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_SUCCEEDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
af_activity_entry_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AfActivityEntry *self = AF_ACTIVITY_ENTRY (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_TIME: g_value_set_boxed (value, self->time); break;
    case PROP_HOST: g_value_set_string (value, self->host); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_PURPOSE: g_value_set_int (value, self->purpose); break;
    case PROP_BYTES_SENT: g_value_set_uint64 (value, self->bytes_sent); break;
    case PROP_BYTES_RECEIVED: g_value_set_uint64 (value, self->bytes_received); break;
    case PROP_SUCCEEDED: g_value_set_boolean (value, self->succeeded); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_activity_entry_finalize (GObject *object)
{
  AfActivityEntry *self = AF_ACTIVITY_ENTRY (object);

  g_clear_pointer (&self->time, g_date_time_unref);
  g_free (self->host);
  G_OBJECT_CLASS (af_activity_entry_parent_class)->finalize (object);
}

static void
af_activity_entry_class_init (AfActivityEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = af_activity_entry_get_property;
  object_class->finalize = af_activity_entry_finalize;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_TIME] = g_param_spec_boxed ("time", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, flags);
  properties[PROP_PURPOSE] = g_param_spec_int ("purpose", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL,
                                                     0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_RECEIVED] = g_param_spec_uint64 ("bytes-received", NULL, NULL,
                                                         0, G_MAXUINT64, 0, flags);
  properties[PROP_SUCCEEDED] = g_param_spec_boolean ("succeeded", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_activity_entry_init (AfActivityEntry *self)
{
}

AfActivityEntry *
af_activity_entry_new (gint64           id,
                       GDateTime       *time,
                       const char      *host,
                       guint            port,
                       AfNetworkPurpose purpose,
                       guint64          bytes_sent,
                       guint64          bytes_received,
                       gboolean         succeeded)
{
  AfActivityEntry *self = g_object_new (AF_TYPE_ACTIVITY_ENTRY, NULL);

  g_return_val_if_fail (time != NULL, NULL);
  self->id = id;
  self->time = g_date_time_ref (time);
  self->host = g_strdup (host);
  self->port = port;
  self->purpose = purpose;
  self->bytes_sent = bytes_sent;
  self->bytes_received = bytes_received;
  self->succeeded = !!succeeded;
  return self;
}

gint64 af_activity_entry_get_id (AfActivityEntry *self) { return self->id; }
GDateTime *af_activity_entry_get_time (AfActivityEntry *self) { return self->time; }
const char *af_activity_entry_get_host (AfActivityEntry *self) { return self->host; }
guint af_activity_entry_get_port (AfActivityEntry *self) { return self->port; }
AfNetworkPurpose af_activity_entry_get_purpose (AfActivityEntry *self) { return self->purpose; }
guint64 af_activity_entry_get_bytes_sent (AfActivityEntry *self) { return self->bytes_sent; }
guint64 af_activity_entry_get_bytes_received (AfActivityEntry *self) { return self->bytes_received; }
gboolean af_activity_entry_get_succeeded (AfActivityEntry *self) { return self->succeeded; }
