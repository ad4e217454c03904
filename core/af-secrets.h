/* af-secrets.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One copy of a secret held in memory: a printer's access code today, a
 * cloud token next. Every copy the app keeps is an AfSecret, so every copy
 * is wiped (explicit_bzero) when it is freed, through af_secret_free() and
 * g_autoptr(AfSecret) alone. The text is borrowed with af_secret_get() only
 * to hand it to the library that needs it (libmosquitto, libcurl,
 * libsecret). Nothing here logs it.
 */
typedef struct _AfSecret AfSecret;

AfSecret   *af_secret_new  (const char     *text) G_GNUC_WARN_UNUSED_RESULT;
AfSecret   *af_secret_copy (const AfSecret *secret) G_GNUC_WARN_UNUSED_RESULT;
const char *af_secret_get  (const AfSecret *secret);
void        af_secret_free (AfSecret       *secret);
/* For the few buffers that are not an AfSecret yet (a line read from a
 * terminal): wipes size bytes so the compiler cannot drop it.
 */
void        af_secret_wipe (gpointer        data,
                            gsize           size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfSecret, af_secret_free)

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
AfSecret *af_secrets_lookup_access_code_finish (GAsyncResult       *result,
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
AfSecret *af_secrets_lookup_access_code       (const char          *serial,
                                               GCancellable        *cancellable,
                                               GError             **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean  af_secrets_clear_access_code        (const char          *serial,
                                               GCancellable        *cancellable,
                                               GError             **error);

G_END_DECLS
