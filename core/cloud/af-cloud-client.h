/* af-cloud-client.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "af-json.h"
#include "af-secrets.h"

G_BEGIN_DECLS

/* The production service (docs/cloud-api.md, "Base URL"); a setting
 * (cloud-base-url) overrides it.
 */
#define AF_CLOUD_DEFAULT_BASE_URL "https://api.atomform.tech"
#define AF_CLOUD_CLIENT_ID        "atomform-connect"
#define AF_CLOUD_API_VERSION      "1.0"
#define AF_CLOUD_SCOPE            "account printers print history"

/* Limits on what the cloud may answer, checked while the bytes arrive and
 * before json-glib sees them: at most AF_CLOUD_MAX_RESPONSE_BYTES of body
 * (1 MiB: a page of 100 history entries is some 60 KiB, a thumbnail is at
 * most 1 MiB by the contract) and AF_JSON_MAX_DEPTH nested arrays and
 * objects (af_json_load_untrusted()). An answer past either is
 * AF_CLOUD_ERROR_BAD_RESPONSE and is not retried.
 */
#define AF_CLOUD_MAX_RESPONSE_BYTES AF_JSON_MAX_LENGTH

/* Tries for one request the user is watching, and the back-off's base and
 * ceiling (docs/cloud-api.md, "Retries (client)").
 */
#define AF_CLOUD_MAX_TRIES         6
#define AF_CLOUD_RETRY_BASE_MS     1000
#define AF_CLOUD_RETRY_MAX_MS      60000
/* A Retry-After longer than this ends the attempt instead of waiting. */
#define AF_CLOUD_RETRY_AFTER_MAX_S (15 * 60)
/* An access token with less than this left is refreshed before use. */
#define AF_CLOUD_REFRESH_MARGIN_S  (5 * 60)

/* --- Requests and answers ------------------------------------------------ */

typedef struct _AfCloudRequest AfCloudRequest;

/* path is relative to the base URL ("/v1/jobs", with any query). A POST
 * gets a fresh Idempotency-Key (a UUID), which every retry of this request
 * reuses; keep the request to retry the same user action later.
 */
AfCloudRequest *af_cloud_request_new        (const char     *method,
                                             const char     *path) G_GNUC_WARN_UNUSED_RESULT;
void            af_cloud_request_free       (AfCloudRequest *request);
/* application/json */
void            af_cloud_request_set_json   (AfCloudRequest *request,
                                             JsonNode       *body);
/* application/x-www-form-urlencoded from name, value pairs ending in NULL.
 * The body is wiped when the request is freed (it may carry a token).
 */
void            af_cloud_request_set_form   (AfCloudRequest *request,
                                             const char     *first_name,
                                             ...) G_GNUC_NULL_TERMINATED;
void            af_cloud_request_set_body   (AfCloudRequest *request,
                                             const char     *content_type,
                                             GBytes         *body);
void            af_cloud_request_add_header (AfCloudRequest *request,
                                             const char     *name,
                                             const char     *value);
/* No Authorization (OAuth endpoints, service status). */
void            af_cloud_request_set_anonymous (AfCloudRequest *request);
/* Whether the engine retries it on a transient failure (default: TRUE for
 * GET, HEAD, PUT, DELETE and POST, which always carries its key).
 */
void            af_cloud_request_set_retry  (AfCloudRequest *request,
                                             gboolean        retry);
const char     *af_cloud_request_get_idempotency_key (AfCloudRequest *request);
void            af_cloud_request_set_idempotency_key (AfCloudRequest *request,
                                                      const char     *key);
/* The Retry-After (seconds) of the last answer to this request, 2xx
 * included (the privacy routes send it as a polling hint), or -1.
 */
gint64          af_cloud_request_get_retry_after (AfCloudRequest *request);
/* How many times the request went on the wire (for tests and logs). */
guint           af_cloud_request_get_n_sent (AfCloudRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfCloudRequest, af_cloud_request_free)

typedef struct
{
  guint       status;
  GHashTable *headers;   /* lower-case name → value */
  GBytes     *body;
  JsonNode   *json;      /* the body when it was JSON, else NULL */
} AfCloudResponse;

const char *af_cloud_response_get_header (AfCloudResponse *response,
                                          const char      *name);
/* The JSON object of the body, or NULL. */
JsonObject *af_cloud_response_get_object (AfCloudResponse *response);
void        af_cloud_response_free       (AfCloudResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfCloudResponse, af_cloud_response_free)

/* --- The pure rules, public for tests ---------------------------------- */

/* Exponential back-off with full jitter: a delay drawn by random from
 * 0 … min(AF_CLOUD_RETRY_MAX_MS, base_ms × 2^attempt), attempt from 0.
 */
guint64   af_cloud_backoff_ms           (guint        attempt,
                                         guint        base_ms,
                                         guint32      random);
/* Retry-After as seconds or an HTTP-date (relative to now_unix); -1 when
 * absent or unreadable.
 */
gint64    af_cloud_parse_retry_after    (const char  *value,
                                         gint64       now_unix);
/* An AtomForm-API-Version header of major 1, else AF_CLOUD_ERROR_VERSION
 * with the message asking to update.
 */
gboolean  af_cloud_check_api_version    (const char  *value,
                                         GError     **error);
/* A JSON answer within AF_CLOUD_MAX_RESPONSE_BYTES and AF_JSON_MAX_DEPTH,
 * else AF_CLOUD_ERROR_BAD_RESPONSE.
 */
JsonNode *af_cloud_parse_json           (const char  *data,
                                         gsize        length,
                                         GError     **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- The client -------------------------------------------------------- */

/* The request engine: one base URL, an optional extra CA file (TLS is
 * always verified, against the system store plus that file), and the
 * signed-in session, whose tokens live only in the keyring (schema
 * tech.atomform.Connect.Token) and in AfSecrets here. Requests run libcurl
 * in worker threads; the _async calls complete on the caller's main
 * context. Every request sends AtomForm-API-Version: 1.0, checks the
 * answer's, adds the Bearer token (refreshed when less than 5 minutes are
 * left, and once after a 401), and retries as the contract says.
 */
#define AF_TYPE_CLOUD_CLIENT (af_cloud_client_get_type ())

G_DECLARE_FINAL_TYPE (AfCloudClient, af_cloud_client, AF, CLOUD_CLIENT, GObject)

AfCloudClient   *af_cloud_client_new              (const char      *base_url,
                                                   const char      *ca_file) G_GNUC_WARN_UNUSED_RESULT;
const char      *af_cloud_client_get_base_url     (AfCloudClient   *self);
/* NULL for the system store alone. */
const char      *af_cloud_client_get_ca_file      (AfCloudClient   *self);
/* The back-off's base delay (default AF_CLOUD_RETRY_BASE_MS); tests shorten it. */
void             af_cloud_client_set_retry_base_ms (AfCloudClient  *self,
                                                    guint           base_ms);
/* How many answers came from this client's in-memory cache after a 304
 * (GETs of the account, printers and jobs revalidate with If-None-Match);
 * for tests and logs.
 */
guint            af_cloud_client_get_cache_hits   (AfCloudClient   *self);
/* Blocking, for worker threads: sends request, retrying as the contract
 * says, and returns a 2xx (or 304) answer; anything else is an
 * AF_CLOUD_ERROR. problem_type (may be NULL) receives the short problem
 * type of a refused request.
 */
AfCloudResponse *af_cloud_client_send             (AfCloudClient   *self,
                                                   AfCloudRequest  *request,
                                                   GCancellable    *cancellable,
                                                   GError         **error) G_GNUC_WARN_UNUSED_RESULT;
/* Takes request. */
void             af_cloud_client_send_async       (AfCloudClient   *self,
                                                   AfCloudRequest  *request,
                                                   GCancellable    *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer         user_data);
AfCloudResponse *af_cloud_client_send_finish      (AfCloudClient   *self,
                                                   GAsyncResult    *result,
                                                   GError         **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- The session ------------------------------------------------------- */

/* Reads the session for this base URL from the keyring. FALSE with
 * AF_CLOUD_ERROR_NOT_SIGNED_IN when there is none. Blocking.
 */
gboolean   af_cloud_client_load_session      (AfCloudClient  *self,
                                              GCancellable   *cancellable,
                                              GError        **error);
void       af_cloud_client_load_session_async  (AfCloudClient       *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean   af_cloud_client_load_session_finish (AfCloudClient       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
gboolean   af_cloud_client_is_signed_in      (AfCloudClient  *self);
/* The signed-in account's id, or NULL. */
char      *af_cloud_client_dup_account_id    (AfCloudClient  *self) G_GNUC_WARN_UNUSED_RESULT;
/* A copy of the access token, refreshed first when less than
 * AF_CLOUD_REFRESH_MARGIN_S are left (or always with force). Blocking.
 */
AfSecret  *af_cloud_client_dup_access_token  (AfCloudClient  *self,
                                              gboolean        force_refresh,
                                              GCancellable   *cancellable,
                                              GError        **error) G_GNUC_WARN_UNUSED_RESULT;
/* Takes a token answer of POST /v1/oauth/token (RFC 6749 §5.1), stores
 * the pair in the keyring, then uses it. For the sign-in flows. Blocking.
 */
gboolean   af_cloud_client_adopt_tokens      (AfCloudClient  *self,
                                              JsonObject     *answer,
                                              GCancellable   *cancellable,
                                              GError        **error);
/* Revokes the refresh token on the server (RFC 7009), then clears the
 * keyring and the session whatever the answer. TRUE when both happened;
 * with the keyring cleared but the server unreachable, FALSE with
 * AF_CLOUD_ERROR_NETWORK saying the session expires within 30 days.
 */
gboolean   af_cloud_client_sign_out          (AfCloudClient  *self,
                                              GCancellable   *cancellable,
                                              GError        **error);
void       af_cloud_client_sign_out_async    (AfCloudClient       *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   af_cloud_client_sign_out_finish   (AfCloudClient       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
