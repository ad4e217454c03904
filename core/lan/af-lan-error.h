/* af-lan-error.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AF_LAN_ERROR (af_lan_error_quark ())

/* Every failure of the LAN layer reaches callers as one of these, with a
 * translated message that says what to do. CURLcode and MOSQ_ERR_* values
 * are mapped here and never leave core/lan.
 */
typedef enum
{
  AF_LAN_ERROR_FAILED,
  AF_LAN_ERROR_UNREACHABLE,       /* no route, refused, timed out connecting */
  AF_LAN_ERROR_ACCESS_DENIED,     /* wrong access code (MQTT CONNACK 4/5, FTP 530) */
  AF_LAN_ERROR_CERT_UNKNOWN,      /* first contact: no CA match and no pin; ask the user */
  AF_LAN_ERROR_CERT_CHANGED,      /* pinned fingerprint differs: refused */
  AF_LAN_ERROR_CERT_INVALID,      /* chain or CN check failed against the configured CA */
  AF_LAN_ERROR_BUSY,              /* printer is printing (print_error 0x05004004) */
  AF_LAN_ERROR_NOT_DEVELOPER_MODE,/* "mqtt message verify failed": switch on Developer Mode */
  AF_LAN_ERROR_UPLOAD_FAILED,     /* FTPS transfer failed */
  AF_LAN_ERROR_STALLED,           /* no progress within the stall timeout */
  AF_LAN_ERROR_PRINT_FAILED,      /* the printer reported FAILED for our job */
  AF_LAN_ERROR_NO_RESPONSE,       /* connected but the printer stopped answering */
  AF_LAN_ERROR_PROTOCOL,          /* a report we cannot make sense of */
  AF_LAN_ERROR_NOT_FOUND,         /* no such printer */
  AF_LAN_ERROR_NEEDS_ATTENTION,   /* our job stopped at a problem (PAUSE with a fault) */
  AF_LAN_ERROR_SUBSCRIBE_REFUSED, /* SUBACK 0x80: the broker does not let us see the printer */
} AfLanError;

GQuark af_lan_error_quark (void);

G_END_DECLS
