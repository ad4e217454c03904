/* af-privacy-action.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What a privacy action asks of the cloud; each is one outbox row. */
typedef enum
{
  AF_PRIVACY_ACTION_SET_SETTINGS,     /* PATCH /v1/privacy/settings (reconciled on 412) */
  AF_PRIVACY_ACTION_WITHDRAW_CONSENT, /* POST /v1/consents/{purpose}/withdrawal */
  AF_PRIVACY_ACTION_DELETE_HISTORY,   /* POST /v1/history/deletions */
  AF_PRIVACY_ACTION_CREATE_REQUEST,   /* POST /v1/privacy/requests */
  AF_PRIVACY_ACTION_CANCEL_REQUEST,   /* DELETE /v1/privacy/requests/{id} */
} AfPrivacyActionKind;

/* Where an action is. PENDING: committed locally, not yet acknowledged
 * (never sent, or sent and the answer lost, or waiting to retry).
 * DONE: the server acknowledged it. FAILED: the server refused it for good
 * (a 4xx that retrying cannot change); last-error says why.
 */
typedef enum
{
  AF_PRIVACY_ACTION_PENDING,
  AF_PRIVACY_ACTION_DONE,
  AF_PRIVACY_ACTION_FAILED,
} AfPrivacyActionState;

const char *af_privacy_action_kind_to_string (AfPrivacyActionKind kind);
int         af_privacy_action_kind_from_string (const char *name);

#define AF_TYPE_PRIVACY_ACTION (af_privacy_action_get_type ())

G_DECLARE_FINAL_TYPE (AfPrivacyAction, af_privacy_action, AF, PRIVACY_ACTION, GObject)

/* One outbox row: read-only properties "id" (gint64, the row), "key" (the
 * Idempotency-Key, a UUID made when the user acted), "kind", "payload"
 * (JSON text: the request body or its arguments), "summary" (translated,
 * "Withdraw consent: marketing"), "created-at", "next-attempt-at"
 * (GDateTime, UTC), "attempts", "state", "last-error" (translated, or
 * NULL), "request-id" (the server's privacy request once acknowledged).
 * The outbox replaces its rows' objects when they change; views rebind.
 */
AfPrivacyAction     *af_privacy_action_new (gint64               id,
                                            const char          *key,
                                            AfPrivacyActionKind  kind,
                                            const char          *payload,
                                            GDateTime           *created_at,
                                            GDateTime           *next_attempt_at,
                                            guint                attempts,
                                            AfPrivacyActionState state,
                                            const char          *last_error,
                                            const char          *request_id) G_GNUC_WARN_UNUSED_RESULT;
gint64               af_privacy_action_get_id              (AfPrivacyAction *self);
const char          *af_privacy_action_get_key             (AfPrivacyAction *self);
AfPrivacyActionKind  af_privacy_action_get_kind            (AfPrivacyAction *self);
const char          *af_privacy_action_get_payload         (AfPrivacyAction *self);
/* The payload parsed, or NULL when it is not a JSON object. */
JsonObject          *af_privacy_action_dup_payload_object  (AfPrivacyAction *self) G_GNUC_WARN_UNUSED_RESULT;
char                *af_privacy_action_dup_summary         (AfPrivacyAction *self) G_GNUC_WARN_UNUSED_RESULT;
GDateTime           *af_privacy_action_get_created_at      (AfPrivacyAction *self);
GDateTime           *af_privacy_action_get_next_attempt_at (AfPrivacyAction *self);
guint                af_privacy_action_get_attempts        (AfPrivacyAction *self);
AfPrivacyActionState af_privacy_action_get_state           (AfPrivacyAction *self);
const char          *af_privacy_action_get_last_error      (AfPrivacyAction *self);
const char          *af_privacy_action_get_request_id      (AfPrivacyAction *self);

G_END_DECLS
