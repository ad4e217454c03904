/* af-cloud-tokens.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-cloud"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "af-cloud-tokens.h"

/* SECRET_SCHEMA_NONE keeps the schema name among the attributes, so only
 * our own items ever match.
 */
static const SecretSchema token_schema = {
  .name = "tech.atomform.Connect.Token",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { .name = "server", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = "account", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = "kind", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = "expires", .type = SECRET_SCHEMA_ATTRIBUTE_STRING },
    { .name = NULL, .type = 0 },
  },
};

AfCloudTokens *
af_cloud_tokens_copy (const AfCloudTokens *tokens)
{
  AfCloudTokens *copy;

  g_return_val_if_fail (tokens != NULL, NULL);

  copy = g_new0 (AfCloudTokens, 1);
  copy->account_id = g_strdup (tokens->account_id);
  copy->access_token = tokens->access_token ? af_secret_copy (tokens->access_token) : NULL;
  copy->refresh_token = tokens->refresh_token ? af_secret_copy (tokens->refresh_token) : NULL;
  copy->expires_at = tokens->expires_at;
  return copy;
}

void
af_cloud_tokens_free (AfCloudTokens *tokens)
{
  if (tokens == NULL)
    return;

  g_free (tokens->account_id);
  g_clear_pointer (&tokens->access_token, af_secret_free);
  g_clear_pointer (&tokens->refresh_token, af_secret_free);
  g_free (tokens);
}

/* libsecret's and D-Bus's messages never reach the user; ours say what to do. */
static void
propagate_mapped (GError **error,
                  GError  *local_error)
{
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
                         _("The keyring refused to save or read your AtomForm sign-in. "
                           "Check it with a password manager such as Passwords and Keys."));
  else
    g_set_error_literal (error, AF_SECRETS_ERROR, AF_SECRETS_ERROR_UNAVAILABLE,
                         _("Could not reach the keyring. Make sure a keyring such as "
                           "GNOME Keyring is running and unlocked, then try again."));
  g_error_free (local_error);
}

static gboolean
store_one (const char     *server,
           const char     *account,
           const char     *kind,
           const char     *expires,
           const AfSecret *token,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *label = NULL;
  GError *local_error = NULL;

  g_hash_table_insert (attributes, (gpointer)"server", (gpointer)server);
  g_hash_table_insert (attributes, (gpointer)"account", (gpointer)account);
  g_hash_table_insert (attributes, (gpointer)"kind", (gpointer)kind);
  if (expires != NULL)
    g_hash_table_insert (attributes, (gpointer)"expires", (gpointer)expires);

  /* Translators: the name of a keyring item, as the password manager shows
   * it; %s is the cloud's address, e.g. "https://api.atomform.tech"
   */
  label = g_strdup_printf (_("AtomForm Connect sign-in (%s)"), server);
  if (!secret_password_storev_sync (&token_schema, attributes, SECRET_COLLECTION_DEFAULT, label,
                                    af_secret_get (token), cancellable, &local_error))
    {
      propagate_mapped (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
af_cloud_tokens_store (const char          *server,
                       const AfCloudTokens *tokens,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_autofree char *expires = NULL;

  g_return_val_if_fail (server != NULL, FALSE);
  g_return_val_if_fail (tokens != NULL && tokens->account_id != NULL, FALSE);
  g_return_val_if_fail (tokens->access_token != NULL && tokens->refresh_token != NULL, FALSE);

  /* One session per server: a sign-in as someone else replaces it. */
  if (!af_cloud_tokens_clear (server, cancellable, error))
    return FALSE;

  expires = g_strdup_printf ("%" G_GINT64_FORMAT, tokens->expires_at);
  return store_one (server, tokens->account_id, "refresh", NULL, tokens->refresh_token,
                    cancellable, error) &&
         store_one (server, tokens->account_id, "access", expires, tokens->access_token,
                    cancellable, error);
}

/* The secret of the item of that kind, with its attributes. */
static AfSecret *
lookup_one (const char    *server,
            const char    *kind,
            GHashTable   **attributes_out,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GList *found;
  GError *local_error = NULL;
  AfSecret *secret = NULL;

  g_hash_table_insert (query, (gpointer)"server", (gpointer)server);
  g_hash_table_insert (query, (gpointer)"kind", (gpointer)kind);
  found = secret_password_searchv_sync (&token_schema, query,
                                        SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                                        cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_mapped (error, local_error);
      return NULL;
    }

  if (found != NULL)
    {
      SecretRetrievable *item = found->data;
      g_autoptr(SecretValue) value = NULL;

      value = secret_retrievable_retrieve_secret_sync (item, cancellable, &local_error);
      if (value == NULL && local_error != NULL)
        {
          g_list_free_full (found, g_object_unref);
          propagate_mapped (error, local_error);
          return NULL;
        }
      if (value != NULL && secret_value_get_text (value) != NULL)
        {
          secret = af_secret_new (secret_value_get_text (value));
          *attributes_out = secret_retrievable_get_attributes (item);
        }
    }
  g_list_free_full (found, g_object_unref);
  return secret;
}

AfCloudTokens *
af_cloud_tokens_load (const char    *server,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(AfCloudTokens) tokens = g_new0 (AfCloudTokens, 1);
  g_autoptr(GHashTable) refresh_attributes = NULL;
  g_autoptr(GHashTable) access_attributes = NULL;
  GError *local_error = NULL;
  const char *expires;

  g_return_val_if_fail (server != NULL, NULL);

  tokens->refresh_token = lookup_one (server, "refresh", &refresh_attributes, cancellable,
                                      &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (tokens->refresh_token == NULL)
    return NULL;
  tokens->account_id = g_strdup (g_hash_table_lookup (refresh_attributes, "account"));

  tokens->access_token = lookup_one (server, "access", &access_attributes, cancellable,
                                     &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (tokens->access_token != NULL &&
      g_strcmp0 (g_hash_table_lookup (access_attributes, "account"), tokens->account_id) != 0)
    g_clear_pointer (&tokens->access_token, af_secret_free);
  /* Without a readable expiry the access token counts as expired: the next
   * request refreshes it first.
   */
  expires = access_attributes != NULL ? g_hash_table_lookup (access_attributes, "expires") : NULL;
  if (tokens->access_token == NULL || expires == NULL ||
      !g_ascii_string_to_signed (expires, 10, 0, G_MAXINT64, &tokens->expires_at, NULL))
    tokens->expires_at = 0;

  if (tokens->account_id == NULL)
    return NULL;
  return g_steal_pointer (&tokens);
}

gboolean
af_cloud_tokens_clear (const char    *server,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GError *local_error = NULL;

  g_return_val_if_fail (server != NULL, FALSE);

  g_hash_table_insert (query, (gpointer)"server", (gpointer)server);
  /* FALSE without error: nothing matched, which is what we want. */
  if (!secret_password_clearv_sync (&token_schema, query, cancellable, &local_error) &&
      local_error != NULL)
    {
      propagate_mapped (error, local_error);
      return FALSE;
    }
  return TRUE;
}
