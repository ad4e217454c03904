/* af-tls.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How a printer's certificate is trusted, shared by MQTT (libmosquitto with
 * our own SSL_CTX) and FTPS (libcurl's CURLOPT_SSL_CTX_FUNCTION), so the
 * access code is never sent before this check passes:
 *
 *  - with a pinned fingerprint: the leaf's SHA-256 must equal it, else
 *    AF_LAN_ERROR_CERT_CHANGED (the message shows both fingerprints);
 *  - else with a CA bundle: the chain must verify against it and the leaf's
 *    leaf must carry exactly one CN, without a NUL, byte for byte equal to
 *    the serial (same length), else AF_LAN_ERROR_CERT_INVALID;
 *  - else: AF_LAN_ERROR_CERT_UNKNOWN carrying the seen fingerprint, so the
 *    window can ask and the command line can require --trust-fingerprint.
 */
typedef struct _AfTlsPolicy AfTlsPolicy;

AfTlsPolicy *af_tls_policy_new            (const char   *serial,
                                           const char   *ca_file,
                                           const char   *pinned_fingerprint) G_GNUC_WARN_UNUSED_RESULT;
/* A cloud host's policy (web PKI): the chain must verify against the
 * system's trust store plus ca_file (may be NULL), and the certificate must
 * name host (a DNS name or an IP address), else AF_LAN_ERROR_CERT_INVALID.
 * TLS 1.2 or newer.
 */
AfTlsPolicy *af_tls_policy_new_for_host   (const char   *host,
                                           const char   *ca_file) G_GNUC_WARN_UNUSED_RESULT;
void         af_tls_policy_free           (AfTlsPolicy  *policy);
/* Installs the policy on an OpenSSL SSL_CTX (passed as gpointer to keep
 * OpenSSL out of this header), with TLS 1.2 as the highest version.
 */
gboolean     af_tls_policy_apply          (AfTlsPolicy  *policy,
                                           gpointer      ssl_ctx,
                                           GError      **error);
/* After a failed handshake: the reason, as an AF_LAN_ERROR. */
gboolean     af_tls_policy_take_error     (AfTlsPolicy  *policy,
                                           GError      **error);
/* The SHA-256 fingerprint of the leaf the last handshake saw, or NULL. */
const char  *af_tls_policy_get_seen_fingerprint (AfTlsPolicy *policy);

/* Connects to host:port, completes a TLS handshake without trusting
 * anything, and returns the leaf certificate's SHA-256 fingerprint
 * (lower-case hex, no colons). For the first-contact prompt. Blocking.
 */
char        *af_tls_probe_fingerprint     (const char   *host,
                                           guint         port,
                                           GCancellable *cancellable,
                                           GError      **error) G_GNUC_WARN_UNUSED_RESULT;
/* Connects to host:port and completes a TLS handshake under policy (pin, or
 * CA + serial), then closes without writing anything: whether the printer
 * at that address is the one the policy describes. For checking an address
 * discovery reports before adopting it. Blocking.
 */
gboolean     af_tls_verify_identity       (const char   *host,
                                           guint         port,
                                           AfTlsPolicy  *policy,
                                           GCancellable *cancellable,
                                           GError      **error);
/* "ab:cd:…" grouping for display. */
char        *af_tls_format_fingerprint    (const char   *fingerprint) G_GNUC_WARN_UNUSED_RESULT;
/* Accepts "AB:CD…", "abcd…" with or without colons; NULL if not 64 hex digits. */
char        *af_tls_normalize_fingerprint (const char   *text) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfTlsPolicy, af_tls_policy_free)

G_END_DECLS
