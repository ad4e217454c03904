/* af-cloud-sign-in.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-cloud-client.h"
#include "af-secrets.h"

G_BEGIN_DECLS

/* --- PKCE and state (RFC 7636, RFC 6749 §10.12), public for tests ------- */

/* 64 characters from [A-Za-z0-9-._~]. */
char *af_cloud_pkce_new_verifier (void) G_GNUC_WARN_UNUSED_RESULT;
/* BASE64URL(SHA-256(verifier)) without padding (S256). */
char *af_cloud_pkce_challenge    (const char *verifier) G_GNUC_WARN_UNUSED_RESULT;
/* 32 random bytes, base64url without padding. */
char *af_cloud_new_state         (void) G_GNUC_WARN_UNUSED_RESULT;

/* --- Browser sign-in (authorization code + PKCE, RFC 8252) -------------- */

/* Listens on 127.0.0.1 (::1 when IPv4 loopback is unavailable), on a port
 * the kernel picks, for exactly one request: the browser's redirect to
 * /callback. A matching state gets a "you are signed in" page, the listener
 * closes and the code is exchanged (with the verifier) for tokens, which go
 * to the keyring; a wrong or missing state gets an error page, closes the
 * listener too, and fails with AF_CLOUD_ERROR_SIGN_IN_FAILED. The listener
 * also closes after AF_CLOUD_SIGN_IN_TIMEOUT_S or when cancelled. Core
 * opens no browser: the caller shows af_cloud_browser_sign_in_get_uri()
 * (gtk_show_uri_full in the window).
 */
#define AF_CLOUD_SIGN_IN_TIMEOUT_S (10 * 60)
/* The most the listener reads of one request (request line and headers,
 * up to their blank line); a longer one is closed unanswered and does not
 * count as the answer. A browser's redirect is well under 4 KiB.
 */
#define AF_CLOUD_SIGN_IN_MAX_REQUEST 16384

#define AF_TYPE_CLOUD_BROWSER_SIGN_IN (af_cloud_browser_sign_in_get_type ())

G_DECLARE_FINAL_TYPE (AfCloudBrowserSignIn, af_cloud_browser_sign_in, AF, CLOUD_BROWSER_SIGN_IN,
                      GObject)

AfCloudBrowserSignIn *af_cloud_browser_sign_in_new       (AfCloudClient         *client,
                                                          GError               **error) G_GNUC_WARN_UNUSED_RESULT;
/* The authorize URL to open in the user's browser. */
const char           *af_cloud_browser_sign_in_get_uri   (AfCloudBrowserSignIn  *self);
const char           *af_cloud_browser_sign_in_get_redirect_uri (AfCloudBrowserSignIn *self);
/* Completes once the one request came and (for the right state) the
 * tokens are stored; call once.
 */
void                  af_cloud_browser_sign_in_wait_async  (AfCloudBrowserSignIn *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean              af_cloud_browser_sign_in_wait_finish (AfCloudBrowserSignIn *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* --- Device authorization (RFC 8628), for the command line -------------- */

typedef struct
{
  char     *user_code;                 /* shown; checked to be printable */
  char     *verification_uri;
  char     *verification_uri_complete; /* may be NULL */
  gint64    expires_at;                /* monotonic seconds */
  guint     interval;                  /* seconds between polls */
  AfSecret *device_code;               /* never shown */
} AfCloudDeviceCode;

void               af_cloud_device_code_free (AfCloudDeviceCode *code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfCloudDeviceCode, af_cloud_device_code_free)

/* Blocking: asks for a code (POST /v1/oauth/device_authorization). */
AfCloudDeviceCode *af_cloud_device_sign_in_start (AfCloudClient      *client,
                                                  GCancellable       *cancellable,
                                                  GError            **error) G_GNUC_WARN_UNUSED_RESULT;
/* Blocking: polls the token endpoint every interval (5 s more after each
 * slow_down) until the user confirmed (tokens stored), refused
 * (ACCESS_DENIED) or the code expired (EXPIRED).
 */
gboolean           af_cloud_device_sign_in_wait  (AfCloudClient      *client,
                                                  AfCloudDeviceCode  *code,
                                                  GCancellable       *cancellable,
                                                  GError            **error);

void               af_cloud_device_sign_in_start_async  (AfCloudClient       *client,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
AfCloudDeviceCode *af_cloud_device_sign_in_start_finish (AfCloudClient       *client,
                                                         GAsyncResult        *result,
                                                         GError             **error) G_GNUC_WARN_UNUSED_RESULT;
/* code stays the caller's and must live until the call completes. */
void               af_cloud_device_sign_in_wait_async   (AfCloudClient       *client,
                                                         AfCloudDeviceCode   *code,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean           af_cloud_device_sign_in_wait_finish  (AfCloudClient       *client,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
