/* af-privacy-action.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-privacy-action"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-consent.h"
#include "af-privacy-action.h"
#include "af-privacy-request.h"

struct _AfPrivacyAction
{
  GObject              parent_instance;
  gint64               id;
  char                *key;
  AfPrivacyActionKind  kind;
  char                *payload;
  GDateTime           *created_at;
  GDateTime           *next_attempt_at;
  guint                attempts;
  AfPrivacyActionState state;
  char                *last_error;
  char                *request_id;
};

G_DEFINE_FINAL_TYPE (AfPrivacyAction, af_privacy_action, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KEY,
  PROP_KIND,
  PROP_PAYLOAD,
  PROP_SUMMARY,
  PROP_CREATED_AT,
  PROP_NEXT_ATTEMPT_AT,
  PROP_ATTEMPTS,
  PROP_STATE,
  PROP_LAST_ERROR,
  PROP_REQUEST_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *const kind_names[] = {
  "set-settings", "withdraw-consent", "delete-history", "create-request", "cancel-request",
};

const char *
af_privacy_action_kind_to_string (AfPrivacyActionKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

int
af_privacy_action_kind_from_string (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (name, kind_names[i]))
      return (int) i;
  return -1;
}

static void
af_privacy_action_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AfPrivacyAction *self = AF_PRIVACY_ACTION (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_KEY: g_value_set_string (value, self->key); break;
    case PROP_KIND: g_value_set_int (value, self->kind); break;
    case PROP_PAYLOAD: g_value_set_string (value, self->payload); break;
    case PROP_SUMMARY: g_value_take_string (value, af_privacy_action_dup_summary (self)); break;
    case PROP_CREATED_AT: g_value_set_boxed (value, self->created_at); break;
    case PROP_NEXT_ATTEMPT_AT: g_value_set_boxed (value, self->next_attempt_at); break;
    case PROP_ATTEMPTS: g_value_set_uint (value, self->attempts); break;
    case PROP_STATE: g_value_set_int (value, self->state); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    case PROP_REQUEST_ID: g_value_set_string (value, self->request_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_privacy_action_finalize (GObject *object)
{
  AfPrivacyAction *self = AF_PRIVACY_ACTION (object);

  g_free (self->key);
  g_free (self->payload);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->next_attempt_at, g_date_time_unref);
  g_free (self->last_error);
  g_free (self->request_id);
  G_OBJECT_CLASS (af_privacy_action_parent_class)->finalize (object);
}

static void
af_privacy_action_class_init (AfPrivacyActionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = af_privacy_action_get_property;
  object_class->finalize = af_privacy_action_finalize;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_KEY] = g_param_spec_string ("key", NULL, NULL, NULL, flags);
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_PAYLOAD] = g_param_spec_string ("payload", NULL, NULL, NULL, flags);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL, flags);
  properties[PROP_CREATED_AT] = g_param_spec_boxed ("created-at", NULL, NULL,
                                                    G_TYPE_DATE_TIME, flags);
  properties[PROP_NEXT_ATTEMPT_AT] = g_param_spec_boxed ("next-attempt-at", NULL, NULL,
                                                         G_TYPE_DATE_TIME, flags);
  properties[PROP_ATTEMPTS] = g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  properties[PROP_REQUEST_ID] = g_param_spec_string ("request-id", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_privacy_action_init (AfPrivacyAction *self)
{
}

AfPrivacyAction *
af_privacy_action_new (gint64               id,
                       const char          *key,
                       AfPrivacyActionKind  kind,
                       const char          *payload,
                       GDateTime           *created_at,
                       GDateTime           *next_attempt_at,
                       guint                attempts,
                       AfPrivacyActionState state,
                       const char          *last_error,
                       const char          *request_id)
{
  AfPrivacyAction *self = g_object_new (AF_TYPE_PRIVACY_ACTION, NULL);

  g_return_val_if_fail (key != NULL && created_at != NULL, NULL);
  self->id = id;
  self->key = g_strdup (key);
  self->kind = kind;
  self->payload = g_strdup (payload != NULL ? payload : "{}");
  self->created_at = g_date_time_ref (created_at);
  self->next_attempt_at = g_date_time_ref (next_attempt_at != NULL ? next_attempt_at : created_at);
  self->attempts = attempts;
  self->state = state;
  self->last_error = g_strdup (last_error);
  self->request_id = g_strdup (request_id);
  return self;
}

JsonObject *
af_privacy_action_dup_payload_object (AfPrivacyAction *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_return_val_if_fail (AF_IS_PRIVACY_ACTION (self), NULL);
  if (!json_parser_load_from_data (parser, self->payload, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static char *
describe_settings (JsonObject *payload)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (json_object_has_member (payload, "incognito_printing"))
    g_string_append (text, json_object_get_boolean_member (payload, "incognito_printing")
                           ? _("Turn incognito printing on") : _("Turn incognito printing off"));
  if (json_object_has_member (payload, "history_reprint"))
    {
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, json_object_get_boolean_member (payload, "history_reprint")
                             ? _("Keep print history for reprinting")
                             : _("Stop keeping print history for reprinting"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
af_privacy_action_dup_summary (AfPrivacyAction *self)
{
  g_autoptr(JsonObject) payload = NULL;

  g_return_val_if_fail (AF_IS_PRIVACY_ACTION (self), NULL);
  payload = af_privacy_action_dup_payload_object (self);
  if (payload == NULL)
    return g_strdup (af_privacy_action_kind_to_string (self->kind));

  switch (self->kind)
    {
    case AF_PRIVACY_ACTION_SET_SETTINGS:
      return describe_settings (payload);
    case AF_PRIVACY_ACTION_WITHDRAW_CONSENT:
      {
        const char *purpose = json_object_get_string_member_with_default (payload, "purpose_id", "");
        const char *name = af_consent_purpose_describe (purpose);
        return g_strdup_printf (_("Withdraw consent: %s"), name != NULL ? name : purpose);
      }
    case AF_PRIVACY_ACTION_DELETE_HISTORY:
      if (json_object_get_boolean_member_with_default (payload, "all_entries", FALSE))
        return g_strdup (_("Delete all print history"));
      else
        {
          JsonArray *ids = json_object_get_array_member (payload, "entry_ids");
          guint n = ids != NULL ? json_array_get_length (ids) : 0;
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Delete %u history entry",
                                               "Delete %u history entries", n), n);
        }
    case AF_PRIVACY_ACTION_CREATE_REQUEST:
      return g_strdup_printf (_("Request: %s"),
                              af_privacy_request_type_describe (
                                json_object_get_string_member_with_default (payload, "type", "")));
    case AF_PRIVACY_ACTION_CANCEL_REQUEST:
      return g_strdup_printf (_("Cancel request %s"),
                              json_object_get_string_member_with_default (payload, "request_id", ""));
    default:
      return g_strdup ("");
    }
}

gint64 af_privacy_action_get_id (AfPrivacyAction *self) { return self->id; }
const char *af_privacy_action_get_key (AfPrivacyAction *self) { return self->key; }
AfPrivacyActionKind af_privacy_action_get_kind (AfPrivacyAction *self) { return self->kind; }
const char *af_privacy_action_get_payload (AfPrivacyAction *self) { return self->payload; }
GDateTime *af_privacy_action_get_created_at (AfPrivacyAction *self) { return self->created_at; }
GDateTime *af_privacy_action_get_next_attempt_at (AfPrivacyAction *self) { return self->next_attempt_at; }
guint af_privacy_action_get_attempts (AfPrivacyAction *self) { return self->attempts; }
AfPrivacyActionState af_privacy_action_get_state (AfPrivacyAction *self) { return self->state; }
const char *af_privacy_action_get_last_error (AfPrivacyAction *self) { return self->last_error; }
const char *af_privacy_action_get_request_id (AfPrivacyAction *self) { return self->request_id; }
