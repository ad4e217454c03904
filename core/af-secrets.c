/* af-secrets.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-secrets"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "af-secrets.h"

G_DEFINE_QUARK (af-secrets-error-quark, af_secrets_error)

/* Designated initialisers: positional ones warn about the reserved fields.
 * SECRET_SCHEMA_NONE keeps the schema name among the attributes, so only
 * our own items ever match.
 */
static const SecretSchema access_code_schema = {
  .name = "tech.atomform.Connect.AccessCode",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { .name = "serial", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = NULL, .type = 0 },
  },
};

/* "…6789": serials are not secret, but full ones stay out of logs. */
static char *
dup_redacted (const char *serial)
{
  glong length = g_utf8_strlen (serial, -1);

  return g_strconcat ("…", g_utf8_offset_to_pointer (serial, MAX (length - 4, 0)), NULL);
}

static char *
dup_label (const char *serial,
           const char *label)
{
  g_autofree char *tail = NULL;

  if (label != NULL && *label != '\0')
    return g_strdup (label);

  tail = dup_redacted (serial);
  /* Translators: the name of a keyring item, as the password manager shows it;
   * %s is the end of the printer's serial number, such as "…6789".
   */
  return g_strdup_printf (_("AtomForm printer access code (%s)"), tail);
}

static gboolean
serial_is_valid (const char *serial)
{
  return serial != NULL && *serial != '\0' && g_utf8_validate (serial, -1, NULL);
}

/* Maps libsecret's and D-Bus's errors to ours; the messages of both never
 * carry a secret, so the original may go to the debug log.
 */
static void
propagate_mapped (GError **error,
                  GError  *local_error)
{
  g_assert (local_error != NULL);

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return;
    }

  g_debug ("Keyring: %s", local_error->message);

  if (g_error_matches (local_error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    g_set_error_literal (error, AF_SECRETS_ERROR, AF_SECRETS_ERROR_LOCKED,
                         _("The keyring is locked. Unlock it, then try again."));
  else if (local_error->domain == SECRET_ERROR)
    g_set_error_literal (error, AF_SECRETS_ERROR, AF_SECRETS_ERROR_FAILED,
                         _("The keyring refused to save or read the access code. "
                           "Check it with a password manager such as Passwords and Keys."));
  else
    g_set_error_literal (error, AF_SECRETS_ERROR, AF_SECRETS_ERROR_UNAVAILABLE,
                         _("Could not reach the keyring. Make sure a keyring such as "
                           "GNOME Keyring is running and unlocked, then try again."));

  g_error_free (local_error);
}

/* --- AfSecret ----------------------------------------------------------- */

struct _AfSecret
{
  gsize length;
  char  text[];
};

AfSecret *
af_secret_new (const char *text)
{
  AfSecret *secret;
  gsize length;

  g_return_val_if_fail (text != NULL, NULL);

  length = strlen (text);
  secret = g_malloc (sizeof *secret + length + 1);
  secret->length = length;
  memcpy (secret->text, text, length + 1);

  return secret;
}

AfSecret *
af_secret_copy (const AfSecret *secret)
{
  g_return_val_if_fail (secret != NULL, NULL);

  return af_secret_new (secret->text);
}

const char *
af_secret_get (const AfSecret *secret)
{
  g_return_val_if_fail (secret != NULL, NULL);

  return secret->text;
}

void
af_secret_wipe (gpointer data,
                gsize    size)
{
  if (data != NULL)
    explicit_bzero (data, size);
}

void
af_secret_free (AfSecret *secret)
{
  if (secret == NULL)
    return;

  af_secret_wipe (secret, sizeof *secret + secret->length + 1);
  g_free (secret);
}

/* --- Store -------------------------------------------------------------- */

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      GError *mapped = NULL;

      propagate_mapped (&mapped, error);
      g_task_return_error (task, mapped);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
af_secrets_store_access_code_async (const char          *serial,
                                    const char          *label,
                                    const char          *access_code,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *full_label = NULL;

  g_return_if_fail (serial_is_valid (serial));
  g_return_if_fail (access_code != NULL && *access_code != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_secrets_store_access_code_async);

  full_label = dup_label (serial, label);
  secret_password_store (&access_code_schema, SECRET_COLLECTION_DEFAULT, full_label,
                         access_code, cancellable, store_cb, g_steal_pointer (&task),
                         "serial", serial,
                         NULL);
}

gboolean
af_secrets_store_access_code_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        af_secrets_store_access_code_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
af_secrets_store_access_code (const char    *serial,
                              const char    *label,
                              const char    *access_code,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autofree char *full_label = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (serial_is_valid (serial), FALSE);
  g_return_val_if_fail (access_code != NULL && *access_code != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  full_label = dup_label (serial, label);
  if (!secret_password_store_sync (&access_code_schema, SECRET_COLLECTION_DEFAULT, full_label,
                                   access_code, cancellable, &local_error,
                                   "serial", serial,
                                   NULL))
    {
      propagate_mapped (error, local_error);
      return FALSE;
    }

  return TRUE;
}

/* --- Lookup ------------------------------------------------------------- */

/* libsecret hands out codes in its own (non-pageable) memory, which it
 * wipes; callers get an AfSecret.
 */
static AfSecret *
take_code (char *secret_code)
{
  AfSecret *copy;

  if (secret_code == NULL)
    return NULL;

  copy = af_secret_new (secret_code);
  secret_password_free (secret_code);

  return copy;
}

/* In a sandbox libsecret reads the app's keyring key from the Secret
 * portal, whose answer is a Response signal that it subscribes to only once
 * the method's reply has been dispatched. On a busy main loop (the window
 * starting up) the signal can arrive first and is lost, and the lookup never
 * ends: the window then showed saved printers as offline for good. The
 * synchronous call in a worker thread runs its own idle main context, which
 * dispatches the reply at once: the loss becomes rare, though not impossible
 * (libsecret releases after 0.20.5 subscribe before calling).
 */
static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *serial = task_data;
  GError *error = NULL;
  AfSecret *code;

  code = af_secrets_lookup_access_code (serial, cancellable, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, code, (GDestroyNotify) af_secret_free);
}

void
af_secrets_lookup_access_code_async (const char          *serial,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (serial_is_valid (serial));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_secrets_lookup_access_code_async);
  g_task_set_task_data (task, g_strdup (serial), g_free);
  g_task_run_in_thread (task, lookup_thread);
}

AfSecret *
af_secrets_lookup_access_code_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        af_secrets_lookup_access_code_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

AfSecret *
af_secrets_lookup_access_code (const char    *serial,
                               GCancellable  *cancellable,
                               GError       **error)
{
  GError *local_error = NULL;
  char *code;

  g_return_val_if_fail (serial_is_valid (serial), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  code = secret_password_lookup_sync (&access_code_schema, cancellable, &local_error,
                                      "serial", serial,
                                      NULL);
  if (local_error != NULL)
    {
      propagate_mapped (error, local_error);
      return NULL;
    }

  return take_code (code);
}

/* --- Clear -------------------------------------------------------------- */

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error only means there was nothing to remove. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      GError *mapped = NULL;

      propagate_mapped (&mapped, error);
      g_task_return_error (task, mapped);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
af_secrets_clear_access_code_async (const char          *serial,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (serial_is_valid (serial));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_secrets_clear_access_code_async);

  secret_password_clear (&access_code_schema, cancellable, clear_cb, g_steal_pointer (&task),
                         "serial", serial,
                         NULL);
}

gboolean
af_secrets_clear_access_code_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        af_secrets_clear_access_code_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
af_secrets_clear_access_code (const char    *serial,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (serial_is_valid (serial), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  secret_password_clear_sync (&access_code_schema, cancellable, &local_error,
                              "serial", serial,
                              NULL);
  if (local_error != NULL)
    {
      propagate_mapped (error, local_error);
      return FALSE;
    }

  return TRUE;
}
