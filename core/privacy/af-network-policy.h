/* af-network-policy.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The process-wide network policy and the network activity log's entry
 * point, kept in one small module so the places that open connections
 * only call two functions:
 *
 *   - af_network_policy_check_cloud() before any connection to a cloud
 *     host. It is called by AfCloudClient's request path (every HTTPS
 *     request, token refreshes included) and by the printer registry for
 *     cloud transports (the cloud broker), not by the features above them,
 *     so no caller can forget it.
 *   - af_network_activity_record() after a connection ends (or fails), with
 *     the host, what it was for and the bytes each way. It writes to the
 *     default AfLocalStore (when one is open) and never records a file
 *     name, a token or a full serial: only host, port, purpose, time and
 *     byte counts.
 *
 * LAN-only mode is a GSettings key (lan-only); AfSettings mirrors it here
 * with af_network_policy_set_lan_only(), so core code never reads GSettings.
 */

typedef enum
{
  AF_NETWORK_PURPOSE_CLOUD_API,     /* HTTPS to the cloud's API (sign-in, printers, privacy…) */
  AF_NETWORK_PURPOSE_CLOUD_UPLOAD,  /* HTTPS upload of a print file to the cloud */
  AF_NETWORK_PURPOSE_CLOUD_BROKER,  /* MQTT over TLS to the cloud broker */
  AF_NETWORK_PURPOSE_LAN_MQTT,      /* MQTT over TLS to a printer on the LAN */
  AF_NETWORK_PURPOSE_LAN_FTPS,      /* implicit FTPS to a printer on the LAN */
} AfNetworkPurpose;

/* "cloud-api", "cloud-upload", "cloud-broker", "lan-mqtt", "lan-ftps" (the
 * JSON form), and back; -1 for an unknown name.
 */
const char *af_network_purpose_to_string   (AfNetworkPurpose purpose);
int         af_network_purpose_from_string (const char      *name);
/* Translated, for people: "AtomForm cloud", "Printer (MQTT)"… */
const char *af_network_purpose_describe    (AfNetworkPurpose purpose);
gboolean    af_network_purpose_is_cloud    (AfNetworkPurpose purpose);

void        af_network_policy_set_lan_only (gboolean          lan_only);
gboolean    af_network_policy_get_lan_only (void);

/* FALSE with AF_PRIVACY_ERROR_LAN_ONLY when LAN-only mode is on; TRUE
 * otherwise. Thread-safe (worker threads call it).
 */
gboolean    af_network_policy_check_cloud  (GError         **error);

/* Records one connection in the activity log of the default store (a
 * no-op when none is open). host is the name or address connected to;
 * succeeded is FALSE for a connection that failed. Thread-safe.
 */
void        af_network_activity_record     (const char      *host,
                                            guint            port,
                                            AfNetworkPurpose purpose,
                                            guint64          bytes_sent,
                                            guint64          bytes_received,
                                            gboolean         succeeded);

G_END_DECLS
