/* af-consent.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-consent"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-consent.h"
#include "af-privacy-error.h"
#include "af-privacy-private.h"

enum { S_PURPOSE_ID, S_PURPOSE, S_STATUS, S_WITHDRAWAL_REQUEST_ID, S_NOTICE_VERSION, N_STRINGS };
enum { T_GIVEN_AT, T_WITHDRAWN_AT, T_WITHDRAWAL_DUE_AT, N_TIMES };

static const char *const string_members[N_STRINGS] = {
  "purpose_id", "purpose", "status", "withdrawal_request_id", "notice_version",
};
static const char *const time_members[N_TIMES] = {
  "given_at", "withdrawn_at", "withdrawal_due_at",
};

struct _AfConsent
{
  GObject    parent_instance;
  char      *strings[N_STRINGS];
  GDateTime *times[N_TIMES];
  gboolean   withdrawal_queued;
};

G_DEFINE_FINAL_TYPE (AfConsent, af_consent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WITHDRAWAL_QUEUED,
  PROP_STRING0,
  PROP_TIME0 = PROP_STRING0 + N_STRINGS,
  N_PROPS = PROP_TIME0 + N_TIMES
};

static GParamSpec *properties[N_PROPS];

static void
af_consent_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AfConsent *self = AF_CONSENT (object);

  if (prop_id >= PROP_STRING0 && prop_id < PROP_TIME0)
    g_value_set_string (value, self->strings[prop_id - PROP_STRING0]);
  else if (prop_id >= PROP_TIME0 && prop_id < N_PROPS)
    g_value_set_boxed (value, self->times[prop_id - PROP_TIME0]);
  else if (prop_id == PROP_WITHDRAWAL_QUEUED)
    g_value_set_boolean (value, self->withdrawal_queued);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
af_consent_finalize (GObject *object)
{
  AfConsent *self = AF_CONSENT (object);

  for (guint i = 0; i < N_STRINGS; i++)
    g_free (self->strings[i]);
  for (guint i = 0; i < N_TIMES; i++)
    g_clear_pointer (&self->times[i], g_date_time_unref);
  G_OBJECT_CLASS (af_consent_parent_class)->finalize (object);
}

static const char *
property_name (const char *member)
{
  g_autofree char *name = g_strdup (member);

  g_strdelimit (name, "_", '-');
  return g_intern_string (name);
}

static void
af_consent_class_init (AfConsentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = af_consent_get_property;
  object_class->finalize = af_consent_finalize;

  properties[PROP_WITHDRAWAL_QUEUED] = g_param_spec_boolean ("withdrawal-queued", NULL, NULL,
                                                             FALSE,
                                                             flags | G_PARAM_STATIC_STRINGS);
  for (guint i = 0; i < N_STRINGS; i++)
    properties[PROP_STRING0 + i] = g_param_spec_string (property_name (string_members[i]),
                                                        NULL, NULL, NULL, flags);
  for (guint i = 0; i < N_TIMES; i++)
    properties[PROP_TIME0 + i] = g_param_spec_boxed (property_name (time_members[i]),
                                                     NULL, NULL, G_TYPE_DATE_TIME, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_consent_init (AfConsent *self)
{
}

AfConsent *
af_consent_new_from_json (JsonObject  *object,
                          GError     **error)
{
  g_autoptr(AfConsent) self = NULL;

  g_return_val_if_fail (object != NULL, NULL);
  if (json_object_get_string_member_with_default (object, "purpose_id", NULL) == NULL
      || json_object_get_string_member_with_default (object, "status", NULL) == NULL)
    {
      g_set_error_literal (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_FAILED,
                           _("The cloud answered with a consent record this version of "
                             "AtomForm Connect cannot read."));
      return NULL;
    }
  self = g_object_new (AF_TYPE_CONSENT, NULL);
  for (guint i = 0; i < N_STRINGS; i++)
    self->strings[i] = g_strdup (json_object_get_string_member_with_default (object,
                                                                             string_members[i],
                                                                             NULL));
  for (guint i = 0; i < N_TIMES; i++)
    self->times[i] = af_privacy_parse_time (
      json_object_get_string_member_with_default (object, time_members[i], NULL));
  return g_steal_pointer (&self);
}

static gboolean
same_time (GDateTime *a,
           GDateTime *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_date_time_equal (a, b);
}

void
af_consent_update (AfConsent *self,
                   AfConsent *other)
{
  g_return_if_fail (AF_IS_CONSENT (self) && AF_IS_CONSENT (other));

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
  g_object_thaw_notify (G_OBJECT (self));
}

JsonObject *
af_consent_to_json (AfConsent *self)
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
  json_object_set_boolean_member (object, "withdrawal_queued", self->withdrawal_queued);
  return object;
}

const char *af_consent_get_purpose_id (AfConsent *self) { return self->strings[S_PURPOSE_ID]; }
const char *af_consent_get_purpose (AfConsent *self) { return self->strings[S_PURPOSE]; }
const char *af_consent_get_status (AfConsent *self) { return self->strings[S_STATUS]; }
GDateTime *af_consent_get_given_at (AfConsent *self) { return self->times[T_GIVEN_AT]; }
GDateTime *af_consent_get_withdrawn_at (AfConsent *self) { return self->times[T_WITHDRAWN_AT]; }
GDateTime *af_consent_get_withdrawal_due_at (AfConsent *self) { return self->times[T_WITHDRAWAL_DUE_AT]; }
const char *af_consent_get_withdrawal_request_id (AfConsent *self) { return self->strings[S_WITHDRAWAL_REQUEST_ID]; }
const char *af_consent_get_notice_version (AfConsent *self) { return self->strings[S_NOTICE_VERSION]; }
gboolean af_consent_get_withdrawal_queued (AfConsent *self) { return self->withdrawal_queued; }

void
af_consent_set_withdrawal_queued (AfConsent *self,
                                  gboolean   queued)
{
  g_return_if_fail (AF_IS_CONSENT (self));
  if (self->withdrawal_queued == !!queued)
    return;
  self->withdrawal_queued = !!queued;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WITHDRAWAL_QUEUED]);
}

const char *
af_consent_purpose_describe (const char *purpose_id)
{
  static const struct { const char *id; const char *text; } names[] = {
    { "print_history", N_("Print history and reprinting") },
    { "ux_improvement", N_("User experience improvement programme (printer camera)") },
    { "personalised_experience", N_("Personalised experience and content") },
    { "marketing", N_("Marketing and advertising") },
    { "analytics", N_("Usage analytics") },
  };

  for (guint i = 0; purpose_id != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (purpose_id, names[i].id))
      return _(names[i].text);
  return NULL;
}

const char *
af_consent_describe_status (AfConsent *self)
{
  const char *status = self->strings[S_STATUS];

  if (self->withdrawal_queued)
    return _("Withdrawal will be sent when you are back online");
  if (g_strcmp0 (status, "given") == 0)
    return _("Given");
  if (g_strcmp0 (status, "refused") == 0)
    return _("Refused");
  if (g_strcmp0 (status, "withdrawal_pending") == 0)
    return _("Withdrawal pending");
  if (g_strcmp0 (status, "withdrawn") == 0)
    return _("Withdrawn");
  return status != NULL ? status : "";
}
