/* af-cloud-tokens.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-secrets.h"

G_BEGIN_DECLS

/* One signed-in session. The tokens live only in the keyring (libsecret
 * schema "tech.atomform.Connect.Token", attributes "server" = base URL,
 * "account" = account id, "kind" = "access" or "refresh", and on the
 * access item "expires" = its expiry in Unix seconds, which is not
 * secret) and in memory as AfSecrets. Nothing here logs a token.
 */
typedef struct
{
  char     *account_id;
  AfSecret *access_token;
  AfSecret *refresh_token;
  gint64    expires_at;     /* Unix seconds */
} AfCloudTokens;

AfCloudTokens *af_cloud_tokens_copy  (const AfCloudTokens *tokens) G_GNUC_WARN_UNUSED_RESULT;
void           af_cloud_tokens_free  (AfCloudTokens       *tokens);

/* Blocking (worker threads and the command line). Store replaces the
 * server's session; load returns NULL without error when there is none;
 * clear removes every token item of the server.
 */
gboolean       af_cloud_tokens_store (const char          *server,
                                      const AfCloudTokens *tokens,
                                      GCancellable        *cancellable,
                                      GError             **error);
AfCloudTokens *af_cloud_tokens_load  (const char          *server,
                                      GCancellable        *cancellable,
                                      GError             **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean       af_cloud_tokens_clear (const char          *server,
                                      GCancellable        *cancellable,
                                      GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfCloudTokens, af_cloud_tokens_free)

G_END_DECLS
