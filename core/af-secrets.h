/* af-secrets.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AF_SECRETS_ERROR (af_secrets_error_quark ())

/* Keyring failures, with translated messages that say what to do. A
 * cancelled call still ends in G_IO_ERROR_CANCELLED.
 */
typedef enum
{
  AF_SECRETS_ERROR_FAILED,       /* the keyring answered with an error */
  AF_SECRETS_ERROR_UNAVAILABLE,  /* no Secret Service on the session bus, or no session bus */
  AF_SECRETS_ERROR_LOCKED,       /* the keyring is locked and could not be unlocked */
} AfSecretsError;

GQuark    af_secrets_error_quark (void);

/* Access codes live only in the system keyring (libsecret), schema
 * "tech.atomform.Connect.AccessCode" with the attribute "serial". Nothing
 * here logs or stores a code anywhere else. A NULL label means
 * "AtomForm printer access code (…1234)" with the serial's last four characters.
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
