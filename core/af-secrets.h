/* af-secrets.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Access codes live only in the system keyring (libsecret), schema
 * "tech.atomform.Connect.AccessCode" with the attribute "serial". Nothing
 * here logs or stores a code anywhere else.
 */
void      af_secrets_store_access_code_async  (const char          *serial,
                                               const char          *label,
                                               const char          *access_code,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  af_secrets_store_access_code_finish (GAsyncResult        *result,
                                               GError             **error);
void      af_secrets_lookup_access_code_async (const char          *serial,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* NULL with no error when the keyring holds no code for that serial. */
char     *af_secrets_lookup_access_code_finish (GAsyncResult       *result,
                                               GError             **error) G_GNUC_WARN_UNUSED_RESULT;
void      af_secrets_clear_access_code_async  (const char          *serial,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  af_secrets_clear_access_code_finish (GAsyncResult        *result,
                                               GError             **error);
/* Synchronous forms for the command line and worker threads. */
gboolean  af_secrets_store_access_code        (const char          *serial,
                                               const char          *label,
                                               const char          *access_code,
                                               GCancellable        *cancellable,
                                               GError             **error);
char     *af_secrets_lookup_access_code       (const char          *serial,
                                               GCancellable        *cancellable,
                                               GError             **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean  af_secrets_clear_access_code        (const char          *serial,
                                               GCancellable        *cancellable,
                                               GError             **error);

G_END_DECLS
