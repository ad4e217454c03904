/* af-network-policy.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-network-policy"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-local-store.h"
#include "af-network-policy.h"
#include "af-privacy-error.h"
#include "af-privacy-private.h"

static gint lan_only;   /* atomic: worker threads read it */

static const char *const purpose_names[] = {
  "cloud-api", "cloud-upload", "cloud-broker", "lan-mqtt", "lan-ftps",
};

const char *
af_network_purpose_to_string (AfNetworkPurpose purpose)
{
  g_return_val_if_fail ((guint) purpose < G_N_ELEMENTS (purpose_names), NULL);
  return purpose_names[purpose];
}

int
af_network_purpose_from_string (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (purpose_names); i++)
    if (g_str_equal (name, purpose_names[i]))
      return (int) i;
  return -1;
}

const char *
af_network_purpose_describe (AfNetworkPurpose purpose)
{
  switch (purpose)
    {
    case AF_NETWORK_PURPOSE_CLOUD_API: return _("AtomForm cloud (account and privacy)");
    case AF_NETWORK_PURPOSE_CLOUD_UPLOAD: return _("AtomForm cloud (file upload)");
    case AF_NETWORK_PURPOSE_CLOUD_BROKER: return _("AtomForm cloud (printer messages)");
    case AF_NETWORK_PURPOSE_LAN_MQTT: return _("Printer on your network (status and commands)");
    case AF_NETWORK_PURPOSE_LAN_FTPS: return _("Printer on your network (file transfer)");
    default: return "";
    }
}

gboolean
af_network_purpose_is_cloud (AfNetworkPurpose purpose)
{
  return purpose == AF_NETWORK_PURPOSE_CLOUD_API
         || purpose == AF_NETWORK_PURPOSE_CLOUD_UPLOAD
         || purpose == AF_NETWORK_PURPOSE_CLOUD_BROKER;
}

void
af_network_policy_set_lan_only (gboolean value)
{
  if (g_atomic_int_get (&lan_only) != !!value)
    g_debug ("LAN-only mode %s", value ? "on" : "off");
  g_atomic_int_set (&lan_only, !!value);
}

gboolean
af_network_policy_get_lan_only (void)
{
  return g_atomic_int_get (&lan_only) != 0;
}

gboolean
af_network_policy_check_cloud (GError **error)
{
  if (!af_network_policy_get_lan_only ())
    return TRUE;
  g_propagate_error (error, af_privacy_error_new_lan_only ());
  return FALSE;
}

void
af_network_activity_record (const char      *host,
                            guint            port,
                            AfNetworkPurpose purpose,
                            guint64          bytes_sent,
                            guint64          bytes_received,
                            gboolean         succeeded)
{
  g_autoptr(AfLocalStore) store = af_local_store_dup_default ();
  g_autoptr(GError) error = NULL;

  if (store == NULL || host == NULL)
    return;
  if (!af_local_store_record_activity (store, host, port, purpose, bytes_sent, bytes_received,
                                       succeeded, &error))
    g_debug ("Activity not recorded: %s", error->message);
}
