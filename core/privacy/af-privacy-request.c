/* af-privacy-request.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-privacy-request"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-privacy-error.h"
#include "af-privacy-private.h"
#include "af-privacy-request.h"

/* String and time members, kept in tables so parsing, copying, notifying
 * and serialising are one loop each. Each is a property of the same name
 * with '_' as '-'.
 */
enum { S_ID, S_TYPE, S_ARTICLE, S_STATUS, S_PURPOSE_ID, S_DETAILS, S_OUTCOME,
       S_REJECTION_REASON, S_EXTENSION_REASON, S_RESULT_URL, N_STRINGS };
enum { T_RECEIVED_AT, T_DUE_AT, T_SLA_DUE_AT, T_LEGAL_DUE_AT, T_CLOSED_AT,
       T_RESULT_EXPIRES_AT, N_TIMES };

static const char *const string_members[N_STRINGS] = {
  "id", "type", "article", "status", "purpose_id", "details", "outcome",
  "rejection_reason", "extension_reason", "result_url",
};
static const char *const time_members[N_TIMES] = {
  "received_at", "due_at", "sla_due_at", "legal_due_at", "closed_at", "result_expires_at",
};

struct _AfPrivacyRequest
{
  GObject    parent_instance;
  char      *strings[N_STRINGS];
  GDateTime *times[N_TIMES];
  gint64     result_bytes;
  gboolean   cancellable;
  gboolean   pending_local;
  GStrv      entry_ids;
};

G_DEFINE_FINAL_TYPE (AfPrivacyRequest, af_privacy_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RESULT_BYTES,
  PROP_CANCELLABLE,
  PROP_PENDING_LOCAL,
  PROP_ENTRY_IDS,
  PROP_STRING0,
  PROP_TIME0 = PROP_STRING0 + N_STRINGS,
  N_PROPS = PROP_TIME0 + N_TIMES
};

static GParamSpec *properties[N_PROPS];

static void
af_privacy_request_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AfPrivacyRequest *self = AF_PRIVACY_REQUEST (object);

  if (prop_id >= PROP_STRING0 && prop_id < PROP_TIME0)
    g_value_set_string (value, self->strings[prop_id - PROP_STRING0]);
  else if (prop_id >= PROP_TIME0 && prop_id < N_PROPS)
    g_value_set_boxed (value, self->times[prop_id - PROP_TIME0]);
  else switch (prop_id)
    {
    case PROP_RESULT_BYTES: g_value_set_int64 (value, self->result_bytes); break;
    case PROP_CANCELLABLE: g_value_set_boolean (value, self->cancellable); break;
    case PROP_PENDING_LOCAL: g_value_set_boolean (value, self->pending_local); break;
    case PROP_ENTRY_IDS: g_value_set_boxed (value, self->entry_ids); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_privacy_request_finalize (GObject *object)
{
  AfPrivacyRequest *self = AF_PRIVACY_REQUEST (object);

  for (guint i = 0; i < N_STRINGS; i++)
    g_free (self->strings[i]);
  for (guint i = 0; i < N_TIMES; i++)
    g_clear_pointer (&self->times[i], g_date_time_unref);
  g_strfreev (self->entry_ids);
  G_OBJECT_CLASS (af_privacy_request_parent_class)->finalize (object);
}

static const char *
property_name (const char *member)
{
  g_autofree char *name = g_strdup (member);

  g_strdelimit (name, "_", '-');
  return g_intern_string (name);
}

static void
af_privacy_request_class_init (AfPrivacyRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = af_privacy_request_get_property;
  object_class->finalize = af_privacy_request_finalize;

  properties[PROP_RESULT_BYTES] = g_param_spec_int64 ("result-bytes", NULL, NULL, -1, G_MAXINT64,
                                                      -1, flags | G_PARAM_STATIC_STRINGS);
  properties[PROP_CANCELLABLE] = g_param_spec_boolean ("cancellable", NULL, NULL, FALSE,
                                                       flags | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING_LOCAL] = g_param_spec_boolean ("pending-local", NULL, NULL, FALSE,
                                                         flags | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENTRY_IDS] = g_param_spec_boxed ("entry-ids", NULL, NULL, G_TYPE_STRV,
                                                   flags | G_PARAM_STATIC_STRINGS);
  /* The names are built once and live as long as the class. */
  for (guint i = 0; i < N_STRINGS; i++)
    properties[PROP_STRING0 + i] =
      g_param_spec_string (property_name (string_members[i]),
                           NULL, NULL, NULL, flags);
  for (guint i = 0; i < N_TIMES; i++)
    properties[PROP_TIME0 + i] =
      g_param_spec_boxed (property_name (time_members[i]),
                          NULL, NULL, G_TYPE_DATE_TIME, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_privacy_request_init (AfPrivacyRequest *self)
{
  self->result_bytes = -1;
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

AfPrivacyRequest *
af_privacy_request_new_from_json (JsonObject  *object,
                                  GError     **error)
{
  g_autoptr(AfPrivacyRequest) self = NULL;
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);
  if (member_string (object, "id") == NULL || member_string (object, "type") == NULL
      || member_string (object, "status") == NULL)
    {
      g_set_error_literal (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_FAILED,
                           _("The cloud answered with a privacy request this version of "
                             "AtomForm Connect cannot read."));
      return NULL;
    }
  self = g_object_new (AF_TYPE_PRIVACY_REQUEST, NULL);
  for (guint i = 0; i < N_STRINGS; i++)
    self->strings[i] = g_strdup (member_string (object, string_members[i]));
  for (guint i = 0; i < N_TIMES; i++)
    self->times[i] = af_privacy_parse_time (member_string (object, time_members[i]));
  node = json_object_get_member (object, "result_bytes");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    self->result_bytes = json_node_get_int (node);
  self->cancellable = json_object_get_boolean_member_with_default (object, "cancellable", FALSE);
  node = json_object_get_member (object, "entry_ids");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *id = json_array_get_string_element (array, i);
          if (id != NULL)
            g_strv_builder_add (builder, id);
        }
      self->entry_ids = g_strv_builder_end (builder);
    }
  return g_steal_pointer (&self);
}

AfPrivacyRequest *
af_privacy_request_new_local (gint64      outbox_id,
                              const char *type,
                              const char *purpose_id,
                              GDateTime  *created_at)
{
  AfPrivacyRequest *self = g_object_new (AF_TYPE_PRIVACY_REQUEST, NULL);

  self->strings[S_ID] = g_strdup_printf ("local-%" G_GINT64_FORMAT, outbox_id);
  self->strings[S_TYPE] = g_strdup (type);
  self->strings[S_STATUS] = g_strdup ("pending");
  self->strings[S_PURPOSE_ID] = g_strdup (purpose_id);
  self->times[T_RECEIVED_AT] = created_at != NULL ? g_date_time_ref (created_at) : NULL;
  self->pending_local = TRUE;
  return self;
}

static gboolean
same_time (GDateTime *a,
           GDateTime *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_date_time_equal (a, b);
}

static gboolean
strv_same (GStrv a,
           GStrv b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal ((const char *const *) a, (const char *const *) b);
}

void
af_privacy_request_update (AfPrivacyRequest *self,
                           AfPrivacyRequest *other)
{
  g_return_if_fail (AF_IS_PRIVACY_REQUEST (self) && AF_IS_PRIVACY_REQUEST (other));

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; i < N_STRINGS; i++)
    if (g_strcmp0 (self->strings[i], other->strings[i]) != 0)
      {
        g_free (self->strings[i]);
        self->strings[i] = g_strdup (other->strings[i]);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STRING0 + i]);
      }
  for (guint i = 0; i < N_TIMES; i++)
    if (!same_time (self->times[i], other->times[i]))
      {
        g_clear_pointer (&self->times[i], g_date_time_unref);
        self->times[i] = other->times[i] != NULL ? g_date_time_ref (other->times[i]) : NULL;
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME0 + i]);
      }
  if (self->result_bytes != other->result_bytes)
    {
      self->result_bytes = other->result_bytes;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT_BYTES]);
    }
  if (self->cancellable != other->cancellable)
    {
      self->cancellable = other->cancellable;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CANCELLABLE]);
    }
  if (self->pending_local != other->pending_local)
    {
      self->pending_local = other->pending_local;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_LOCAL]);
    }
  if (!strv_same (self->entry_ids, other->entry_ids))
    {
      g_strfreev (self->entry_ids);
      self->entry_ids = g_strdupv (other->entry_ids);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTRY_IDS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

JsonObject *
af_privacy_request_to_json (AfPrivacyRequest *self)
{
  JsonObject *object = json_object_new ();

  for (guint i = 0; i < N_STRINGS; i++)
    if (self->strings[i] != NULL)
      json_object_set_string_member (object, string_members[i], self->strings[i]);
    else
      json_object_set_null_member (object, string_members[i]);
  for (guint i = 0; i < N_TIMES; i++)
    {
      g_autofree char *text = af_privacy_format_time (self->times[i]);
      if (text != NULL)
        json_object_set_string_member (object, time_members[i], text);
      else
        json_object_set_null_member (object, time_members[i]);
    }
  if (self->result_bytes >= 0)
    json_object_set_int_member (object, "result_bytes", self->result_bytes);
  else
    json_object_set_null_member (object, "result_bytes");
  json_object_set_boolean_member (object, "cancellable", self->cancellable);
  json_object_set_boolean_member (object, "pending_local", self->pending_local);
  if (self->entry_ids != NULL)
    {
      JsonArray *array = json_array_new ();
      for (guint i = 0; self->entry_ids[i] != NULL; i++)
        json_array_add_string_element (array, self->entry_ids[i]);
      json_object_set_array_member (object, "entry_ids", array);
    }
  return object;
}

const char *af_privacy_request_get_id (AfPrivacyRequest *self) { return self->strings[S_ID]; }
const char *af_privacy_request_get_request_type (AfPrivacyRequest *self) { return self->strings[S_TYPE]; }
const char *af_privacy_request_get_article (AfPrivacyRequest *self) { return self->strings[S_ARTICLE]; }
const char *af_privacy_request_get_status (AfPrivacyRequest *self) { return self->strings[S_STATUS]; }
GDateTime *af_privacy_request_get_received_at (AfPrivacyRequest *self) { return self->times[T_RECEIVED_AT]; }
GDateTime *af_privacy_request_get_due_at (AfPrivacyRequest *self) { return self->times[T_DUE_AT]; }
GDateTime *af_privacy_request_get_sla_due_at (AfPrivacyRequest *self) { return self->times[T_SLA_DUE_AT]; }
GDateTime *af_privacy_request_get_legal_due_at (AfPrivacyRequest *self) { return self->times[T_LEGAL_DUE_AT]; }
GDateTime *af_privacy_request_get_closed_at (AfPrivacyRequest *self) { return self->times[T_CLOSED_AT]; }
const char *af_privacy_request_get_purpose_id (AfPrivacyRequest *self) { return self->strings[S_PURPOSE_ID]; }
const char *af_privacy_request_get_details (AfPrivacyRequest *self) { return self->strings[S_DETAILS]; }
const char *af_privacy_request_get_outcome (AfPrivacyRequest *self) { return self->strings[S_OUTCOME]; }
const char *af_privacy_request_get_rejection_reason (AfPrivacyRequest *self) { return self->strings[S_REJECTION_REASON]; }
const char *af_privacy_request_get_extension_reason (AfPrivacyRequest *self) { return self->strings[S_EXTENSION_REASON]; }
const char *af_privacy_request_get_result_url (AfPrivacyRequest *self) { return self->strings[S_RESULT_URL]; }
GDateTime *af_privacy_request_get_result_expires_at (AfPrivacyRequest *self) { return self->times[T_RESULT_EXPIRES_AT]; }
gint64 af_privacy_request_get_result_bytes (AfPrivacyRequest *self) { return self->result_bytes; }
gboolean af_privacy_request_get_cancellable (AfPrivacyRequest *self) { return self->cancellable; }
gboolean af_privacy_request_get_pending_local (AfPrivacyRequest *self) { return self->pending_local; }
const char *const *af_privacy_request_get_entry_ids (AfPrivacyRequest *self) { return (const char *const *) self->entry_ids; }

gboolean
af_privacy_request_is_closed (AfPrivacyRequest *self)
{
  const char *status = self->strings[S_STATUS];

  return g_strcmp0 (status, "completed") == 0 || g_strcmp0 (status, "rejected") == 0
         || g_strcmp0 (status, "cancelled") == 0;
}

gboolean
af_privacy_request_is_overdue (AfPrivacyRequest *self,
                               GDateTime        *now)
{
  return !af_privacy_request_is_closed (self) && !self->pending_local
         && self->times[T_DUE_AT] != NULL && g_date_time_compare (self->times[T_DUE_AT], now) < 0;
}

gboolean
af_privacy_request_type_is_data_right (const char *type)
{
  static const char *const types[] = { "access", "rectification", "erasure", "restriction",
                                       "portability", "objection", NULL };

  return type != NULL && g_strv_contains (types, type);
}

const char *
af_privacy_request_type_describe (const char *type)
{
  static const struct { const char *type; const char *text; } names[] = {
    { "access", N_("Copy of your data (Art. 15)") },
    { "rectification", N_("Correction of your data (Art. 16)") },
    { "erasure", N_("Erasure of your data (Art. 17)") },
    { "restriction", N_("Restriction of processing (Art. 18)") },
    { "portability", N_("Portable copy of your data (Art. 20)") },
    { "objection", N_("Objection to processing (Art. 21)") },
    { "consent_withdrawal", N_("Consent withdrawal") },
    { "history_deletion", N_("Print history deletion") },
    { "file_deletion", N_("Deletion of stored print files") },
  };

  for (guint i = 0; type != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (type, names[i].type))
      return _(names[i].text);
  return type != NULL ? type : "";
}

const char *
af_privacy_request_describe_status (AfPrivacyRequest *self)
{
  const char *status = self->strings[S_STATUS];

  if (self->pending_local)
    return _("Will be sent when you are back online");
  if (g_strcmp0 (status, "pending") == 0)
    return _("Received, pending");
  if (g_strcmp0 (status, "in_progress") == 0)
    return _("In progress");
  if (g_strcmp0 (status, "extended") == 0)
    return _("Extended");
  if (g_strcmp0 (status, "completed") == 0)
    return _("Completed");
  if (g_strcmp0 (status, "rejected") == 0)
    return _("Rejected");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  return status != NULL ? status : "";
}
