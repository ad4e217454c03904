/* af-lan-transport.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-mqtt-session.h"
#include "af-transport.h"

G_BEGIN_DECLS

/* The LAN route: MQTT (AfMqttSession) for connect, start and commands,
 * implicit FTPS (af-ftps-upload.h) for the file. It keeps the access code
 * as an AfSecret, wiped when the transport goes.
 */
#define AF_TYPE_LAN_TRANSPORT (af_lan_transport_get_type ())

G_DECLARE_FINAL_TYPE (AfLanTransport, af_lan_transport, AF, LAN_TRANSPORT, AfTransport)

AfTransport   *af_lan_transport_new         (AfMqttSession  *session,
                                             const char     *access_code) G_GNUC_WARN_UNUSED_RESULT;
AfMqttSession *af_lan_transport_get_session (AfLanTransport *self);

G_END_DECLS
