/* af-consent.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The purposes of the policy (docs/cloud-api.md, "GET /v1/consents"). */
#define AF_CONSENT_PURPOSES { "print_history", "ux_improvement", "personalised_experience", \
                              "marketing", "analytics", NULL }

#define AF_TYPE_CONSENT (af_consent_get_type ())

G_DECLARE_FINAL_TYPE (AfConsent, af_consent, AF, CONSENT, GObject)

/* One consent record: read-only, notifying properties "purpose-id",
 * "purpose" (the server's sentence), "status" (given, refused,
 * withdrawal_pending, withdrawn), "given-at", "withdrawn-at",
 * "withdrawal-due-at" (GDateTime or NULL), "withdrawal-request-id",
 * "notice-version", and "withdrawal-queued" (TRUE while a withdrawal sits
 * in the outbox, not yet acknowledged: the view says "Will be sent when
 * you are back online").
 */
AfConsent   *af_consent_new_from_json (JsonObject  *object,
                                       GError     **error) G_GNUC_WARN_UNUSED_RESULT;
void         af_consent_update        (AfConsent   *self,
                                       AfConsent   *other);
JsonObject  *af_consent_to_json       (AfConsent   *self) G_GNUC_WARN_UNUSED_RESULT;

const char  *af_consent_get_purpose_id            (AfConsent *self);
const char  *af_consent_get_purpose               (AfConsent *self);
const char  *af_consent_get_status                (AfConsent *self);
GDateTime   *af_consent_get_given_at              (AfConsent *self);
GDateTime   *af_consent_get_withdrawn_at          (AfConsent *self);
GDateTime   *af_consent_get_withdrawal_due_at     (AfConsent *self);
const char  *af_consent_get_withdrawal_request_id (AfConsent *self);
const char  *af_consent_get_notice_version        (AfConsent *self);
gboolean     af_consent_get_withdrawal_queued     (AfConsent *self);
void         af_consent_set_withdrawal_queued     (AfConsent *self,
                                                   gboolean   queued);
/* Translated name of a purpose id ("Marketing"); NULL for an unknown id. */
const char  *af_consent_purpose_describe          (const char *purpose_id);
/* Translated status for people. */
const char  *af_consent_describe_status           (AfConsent *self);

G_END_DECLS
