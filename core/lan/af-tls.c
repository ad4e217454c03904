/* af-tls.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "af-lan-error.h"
#include "af-tls.h"

#define FINGERPRINT_LENGTH 64
#define PROBE_TIMEOUT_SECONDS 10

struct _AfTlsPolicy
{
  char   *host;     /* web PKI mode (af_tls_policy_new_for_host()) */
  char   *serial;
  char   *ca_file;
  char   *pinned;
  /* Written by the verify callback on the connecting thread and read after
   * the handshake has returned, so they need no lock.
   */
  char   *seen;
  GError *error;
};

AfTlsPolicy *
af_tls_policy_new (const char *serial,
                   const char *ca_file,
                   const char *pinned_fingerprint)
{
  AfTlsPolicy *policy;

  g_return_val_if_fail (serial != NULL, NULL);

  policy = g_new0 (AfTlsPolicy, 1);
  policy->serial = g_strdup (serial);
  policy->ca_file = (ca_file != NULL && *ca_file != '\0') ? g_strdup (ca_file) : NULL;
  policy->pinned = af_tls_normalize_fingerprint (pinned_fingerprint);

  return policy;
}

AfTlsPolicy *
af_tls_policy_new_for_host (const char *host,
                            const char *ca_file)
{
  AfTlsPolicy *policy;

  g_return_val_if_fail (host != NULL, NULL);

  policy = g_new0 (AfTlsPolicy, 1);
  policy->host = g_strdup (host);
  policy->serial = g_strdup (host);
  policy->ca_file = (ca_file != NULL && *ca_file != '\0') ? g_strdup (ca_file) : NULL;
  return policy;
}

void
af_tls_policy_free (AfTlsPolicy *policy)
{
  if (policy == NULL)
    return;

  g_free (policy->host);
  g_free (policy->serial);
  g_free (policy->ca_file);
  g_free (policy->pinned);
  g_free (policy->seen);
  g_clear_error (&policy->error);
  g_free (policy);
}

static char *
leaf_fingerprint (X509 *leaf)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  GString *hex;

  if (X509_digest (leaf, EVP_sha256 (), digest, &length) != 1)
    return NULL;

  hex = g_string_sized_new (length * 2);
  for (unsigned int i = 0; i < length; i++)
    g_string_append_printf (hex, "%02x", digest[i]);

  return g_string_free (hex, FALSE);
}

/* The leaf's only common name. NULL when it has none, more than one (which
 * of them a client reads differs between libraries), or one holding a NUL:
 * "SERIAL\0.evil" would read as SERIAL once it is a C string.
 */
static char *
leaf_common_name (X509 *leaf)
{
  X509_NAME *subject = X509_get_subject_name (leaf);
  int index = X509_NAME_get_index_by_NID (subject, NID_commonName, -1);
  ASN1_STRING *data;
  unsigned char *utf8 = NULL;
  char *name = NULL;
  int length;

  if (index < 0 || X509_NAME_get_index_by_NID (subject, NID_commonName, index) >= 0)
    return NULL;

  data = X509_NAME_ENTRY_get_data (X509_NAME_get_entry (subject, index));
  length = ASN1_STRING_to_UTF8 (&utf8, data);
  if (length < 0)
    return NULL;

  if (memchr (utf8, '\0', length) == NULL)
    name = g_strndup ((const char *)utf8, length);
  OPENSSL_free (utf8);

  return name;
}

/* The last characters of a serial, for messages a user may paste anywhere. */
static const char *
serial_tail (const char *serial)
{
  gsize length = strlen (serial);

  return length > 4 ? serial + length - 4 : serial;
}

static int
check_pin (AfTlsPolicy *policy)
{
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;

  if (g_strcmp0 (policy->seen, policy->pinned) == 0)
    return 1;

  expected = af_tls_format_fingerprint (policy->pinned);
  got = af_tls_format_fingerprint (policy->seen);
  g_set_error (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_CHANGED,
               _("The printer’s certificate has changed. Expected fingerprint %s, but the "
                 "printer presented %s. If the printer was reset or replaced, trust the new "
                 "certificate; otherwise another device may be posing as it."),
               expected, got != NULL ? got : "?");
  return 0;
}

static int
check_chain (AfTlsPolicy    *policy,
             X509_STORE_CTX *store_ctx,
             X509           *leaf)
{
  g_autofree char *common_name = NULL;

  if (X509_verify_cert (store_ctx) != 1)
    {
      int code = X509_STORE_CTX_get_error (store_ctx);

      g_set_error (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                   _("The printer’s certificate was not issued by the configured certificate "
                     "authority (%s). Check the CA file, or trust the printer by its "
                     "fingerprint instead."),
                   X509_verify_cert_error_string (code));
      return 0;
    }

  common_name = leaf_common_name (leaf);
  if (common_name == NULL)
    {
      g_set_error_literal (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                           _("The printer’s certificate does not name exactly one printer. "
                             "Another device may be posing as the printer; check its address."));
      return 0;
    }
  if (strlen (common_name) != strlen (policy->serial)
      || strcmp (common_name, policy->serial) != 0)
    {
      g_set_error (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                   _("The printer’s certificate belongs to a different printer than the one "
                     "with the serial number ending in %s. Check the printer’s address."),
                   serial_tail (policy->serial));
      return 0;
    }

  return 1;
}

/* A cloud host: the chain against the system store (plus the extra CA
 * file), and the host name or IP address against the certificate.
 */
static int
check_host (AfTlsPolicy    *policy,
            X509_STORE_CTX *store_ctx)
{
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param (store_ctx);

  if (g_hostname_is_ip_address (policy->host))
    X509_VERIFY_PARAM_set1_ip_asc (param, policy->host);
  else
    X509_VERIFY_PARAM_set1_host (param, policy->host, 0);

  if (X509_verify_cert (store_ctx) == 1)
    return 1;

  g_set_error (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
               /* Translators: %s is a host name, then OpenSSL's reason */
               _("The certificate of %s could not be verified (%s), so nothing was sent. "
                 "Check the cloud address and certificate settings, and the computer’s date."),
               policy->host, X509_verify_cert_error_string (X509_STORE_CTX_get_error (store_ctx)));
  return 0;
}

/* Replaces OpenSSL's whole verification, so nothing else (and no hostname
 * check against the IP address) decides; runs inside the handshake, before
 * libmosquitto or libcurl writes a byte of the login.
 */
static int
verify_cb (X509_STORE_CTX *store_ctx,
           void           *data)
{
  AfTlsPolicy *policy = data;
  X509 *leaf = X509_STORE_CTX_get0_cert (store_ctx);
  g_autofree char *formatted = NULL;

  g_clear_pointer (&policy->seen, g_free);
  g_clear_error (&policy->error);

  if (leaf == NULL || (policy->seen = leaf_fingerprint (leaf)) == NULL)
    {
      g_set_error_literal (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                           _("The printer did not present a usable certificate."));
      return 0;
    }

  if (policy->host != NULL)
    return check_host (policy, store_ctx);
  if (policy->pinned != NULL)
    return check_pin (policy);
  if (policy->ca_file != NULL)
    return check_chain (policy, store_ctx, leaf);

  formatted = af_tls_format_fingerprint (policy->seen);
  g_set_error (&policy->error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN,
               _("This printer’s certificate is not trusted yet. Its fingerprint is %s; "
                 "trust it only if it matches the printer."),
               formatted);
  return 0;
}

gboolean
af_tls_policy_apply (AfTlsPolicy  *policy,
                     gpointer      ssl_ctx,
                     GError      **error)
{
  SSL_CTX *ctx = ssl_ctx;

  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (ssl_ctx != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  SSL_CTX_set_min_proto_version (ctx, TLS1_2_VERSION);
  if (policy->host != NULL)
    {
      /* The system store, plus the extra file; never less than verified. */
      SSL_CTX_set_default_verify_paths (ctx);
      if (policy->ca_file != NULL &&
          X509_STORE_load_file (SSL_CTX_get_cert_store (ctx), policy->ca_file) != 1)
        {
          ERR_clear_error ();
          g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                       _("Could not read the certificate authority file “%s”."),
                       policy->ca_file);
          return FALSE;
        }
      SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
      SSL_CTX_set_cert_verify_callback (ctx, verify_cb, policy);
      return TRUE;
    }
  SSL_CTX_set_max_proto_version (ctx, TLS1_2_VERSION);

  if (policy->pinned == NULL && policy->ca_file != NULL)
    {
      if (SSL_CTX_load_verify_locations (ctx, policy->ca_file, NULL) != 1)
        {
          ERR_clear_error ();
          g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                       _("Could not read the certificate authority file “%s”."),
                       policy->ca_file);
          return FALSE;
        }
      /* Printers often send only their leaf, and the per-model intermediate
       * may be the only certificate the user has: accept a chain that ends
       * at any certificate of the file.
       */
      X509_STORE_set_flags (SSL_CTX_get_cert_store (ctx), X509_V_FLAG_PARTIAL_CHAIN);
    }

  SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_cert_verify_callback (ctx, verify_cb, policy);

  return TRUE;
}

gboolean
af_tls_policy_take_error (AfTlsPolicy  *policy,
                          GError      **error)
{
  g_return_val_if_fail (policy != NULL, FALSE);

  if (policy->error == NULL)
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&policy->error));
  return FALSE;
}

const char *
af_tls_policy_get_seen_fingerprint (AfTlsPolicy *policy)
{
  g_return_val_if_fail (policy != NULL, NULL);

  return policy->seen;
}

static char *
probe_handshake (int            fd,
                 GError       **error)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());
  SSL *ssl = NULL;
  X509 *leaf = NULL;
  char *fingerprint = NULL;

  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  ssl = SSL_new (ctx);
  SSL_set_fd (ssl, fd);

  if (SSL_connect (ssl) == 1 && (leaf = SSL_get1_peer_certificate (ssl)) != NULL)
    fingerprint = leaf_fingerprint (leaf);

  if (fingerprint == NULL)
    g_set_error_literal (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                         _("The printer did not complete a secure connection. Check that the "
                           "address belongs to a printer in LAN mode."));

  ERR_clear_error ();
  X509_free (leaf);
  SSL_free (ssl);
  SSL_CTX_free (ctx);

  return fingerprint;
}

/* A blocking, time-bounded TCP connection for OpenSSL to drive; the
 * descriptor belongs to *connection.
 */
static int
connect_blocking (const char          *host,
                  guint                port,
                  GCancellable        *cancellable,
                  GSocketConnection  **connection,
                  GError             **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) local_error = NULL;
  struct timeval timeout = { .tv_sec = PROBE_TIMEOUT_SECONDS };
  int fd;

  g_socket_client_set_timeout (client, PROBE_TIMEOUT_SECONDS);
  *connection = g_socket_client_connect_to_host (client, host, port, cancellable, &local_error);
  if (*connection == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                     _("Could not reach the printer at %s: %s"), host, local_error->message);
      return -1;
    }

  /* GSocket keeps its descriptor non-blocking; OpenSSL drives it directly
   * here, so make it blocking with a bounded wait instead.
   */
  fd = g_socket_get_fd (g_socket_connection_get_socket (*connection));
  if (!g_unix_set_fd_nonblocking (fd, FALSE, NULL) ||
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0)
    {
      g_set_error_literal (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                           _("Could not prepare the connection to the printer."));
      return -1;
    }

  return fd;
}

char *
af_tls_probe_fingerprint (const char    *host,
                          guint          port,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(GSocketConnection) connection = NULL;
  int fd;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (port > 0 && port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = connect_blocking (host, port, cancellable, &connection, error);
  if (fd < 0)
    return NULL;

  return probe_handshake (fd, error);
}

gboolean
af_tls_verify_identity (const char    *host,
                        guint          port,
                        AfTlsPolicy   *policy,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GSocketConnection) connection = NULL;
  SSL_CTX *ctx = NULL;
  SSL *ssl = NULL;
  gboolean ok = FALSE;
  int fd;

  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (port > 0 && port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (policy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = connect_blocking (host, port, cancellable, &connection, error);
  if (fd < 0)
    return FALSE;

  ctx = SSL_CTX_new (TLS_client_method ());
  if (ctx == NULL || !af_tls_policy_apply (policy, ctx, error))
    goto out;

  ssl = SSL_new (ctx);
  SSL_set_fd (ssl, fd);
  g_clear_pointer (&policy->error, g_error_free);
  if (SSL_connect (ssl) == 1)
    {
      ok = TRUE;
      /* The handshake was all this was for: nothing is written. */
      SSL_shutdown (ssl);
    }
  else if (af_tls_policy_take_error (policy, error))
    {
      /* The verify callback did not run: the peer broke off before. */
      g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                   _("The printer at %s did not complete a secure connection."), host);
    }

out:
  ERR_clear_error ();
  SSL_free (ssl);
  SSL_CTX_free (ctx);
  return ok;
}

char *
af_tls_format_fingerprint (const char *fingerprint)
{
  g_autofree char *normal = af_tls_normalize_fingerprint (fingerprint);
  GString *out;

  if (normal == NULL)
    return g_strdup (fingerprint);

  out = g_string_sized_new (FINGERPRINT_LENGTH / 2 * 3);
  for (guint i = 0; i < FINGERPRINT_LENGTH; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_len (out, normal + i, 2);
    }

  return g_string_free (out, FALSE);
}

char *
af_tls_normalize_fingerprint (const char *text)
{
  GString *hex;

  if (text == NULL)
    return NULL;

  hex = g_string_sized_new (FINGERPRINT_LENGTH);
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p) || hex->len >= FINGERPRINT_LENGTH)
        {
          g_string_free (hex, TRUE);
          return NULL;
        }
      g_string_append_c (hex, g_ascii_tolower (*p));
    }

  if (hex->len != FINGERPRINT_LENGTH)
    {
      g_string_free (hex, TRUE);
      return NULL;
    }

  return g_string_free (hex, FALSE);
}
