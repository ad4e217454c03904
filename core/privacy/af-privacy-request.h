/* af-privacy-request.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AF_TYPE_PRIVACY_REQUEST (af_privacy_request_get_type ())

G_DECLARE_FINAL_TYPE (AfPrivacyRequest, af_privacy_request, AF, PRIVACY_REQUEST, GObject)

/* A privacy request the cloud tracks (docs/cloud-api.md, "Requests and
 * their deadlines"), or, with pending-local TRUE, one still in the outbox
 * that the server has not acknowledged yet (id is then "local-<row>" and
 * status "pending"). Properties (read-only, notifying when a poll changes
 * them): "id", "type" (access, rectification, erasure, restriction,
 * portability, objection, consent_withdrawal, history_deletion,
 * file_deletion), "article", "status" (pending, in_progress, extended,
 * completed, rejected, cancelled), "received-at", "due-at", "sla-due-at",
 * "legal-due-at", "closed-at" (GDateTime or NULL), "purpose-id",
 * "details", "outcome", "rejection-reason", "extension-reason",
 * "result-url", "result-expires-at", "result-bytes" (gint64, -1 none),
 * "cancellable", "pending-local", "entry-ids" (GStrv).
 */
AfPrivacyRequest *af_privacy_request_new_from_json (JsonObject       *object,
                                                    GError          **error) G_GNUC_WARN_UNUSED_RESULT;
/* A request still in the outbox: type as above, purpose_id may be NULL. */
AfPrivacyRequest *af_privacy_request_new_local     (gint64            outbox_id,
                                                    const char       *type,
                                                    const char       *purpose_id,
                                                    GDateTime        *created_at) G_GNUC_WARN_UNUSED_RESULT;
/* Takes other's values (same id), notifying each property that changed. */
void         af_privacy_request_update        (AfPrivacyRequest *self,
                                               AfPrivacyRequest *other);
JsonObject  *af_privacy_request_to_json       (AfPrivacyRequest *self) G_GNUC_WARN_UNUSED_RESULT;

const char  *af_privacy_request_get_id               (AfPrivacyRequest *self);
const char  *af_privacy_request_get_request_type     (AfPrivacyRequest *self);
const char  *af_privacy_request_get_article          (AfPrivacyRequest *self);
const char  *af_privacy_request_get_status           (AfPrivacyRequest *self);
GDateTime   *af_privacy_request_get_received_at      (AfPrivacyRequest *self);
GDateTime   *af_privacy_request_get_due_at           (AfPrivacyRequest *self);
GDateTime   *af_privacy_request_get_sla_due_at       (AfPrivacyRequest *self);
GDateTime   *af_privacy_request_get_legal_due_at     (AfPrivacyRequest *self);
GDateTime   *af_privacy_request_get_closed_at        (AfPrivacyRequest *self);
const char  *af_privacy_request_get_purpose_id       (AfPrivacyRequest *self);
const char  *af_privacy_request_get_details          (AfPrivacyRequest *self);
const char  *af_privacy_request_get_outcome          (AfPrivacyRequest *self);
const char  *af_privacy_request_get_rejection_reason (AfPrivacyRequest *self);
const char  *af_privacy_request_get_extension_reason (AfPrivacyRequest *self);
const char  *af_privacy_request_get_result_url       (AfPrivacyRequest *self);
GDateTime   *af_privacy_request_get_result_expires_at (AfPrivacyRequest *self);
gint64       af_privacy_request_get_result_bytes     (AfPrivacyRequest *self);
gboolean     af_privacy_request_get_cancellable      (AfPrivacyRequest *self);
gboolean     af_privacy_request_get_pending_local    (AfPrivacyRequest *self);
const char *const *af_privacy_request_get_entry_ids  (AfPrivacyRequest *self);
/* completed, rejected or cancelled. */
gboolean     af_privacy_request_is_closed            (AfPrivacyRequest *self);
/* Open and due_at before now. */
gboolean     af_privacy_request_is_overdue           (AfPrivacyRequest *self,
                                                      GDateTime        *now);
/* Translated, for people: "Copy of your data (Art. 15)". */
const char  *af_privacy_request_type_describe        (const char       *type);
/* Translated: "Pending", "In progress"…; for pending-local: "Will be sent
 * when you are back online".
 */
const char  *af_privacy_request_describe_status      (AfPrivacyRequest *self);

/* The six data-rights types a user creates with POST /v1/privacy/requests. */
gboolean     af_privacy_request_type_is_data_right   (const char       *type);

G_END_DECLS
