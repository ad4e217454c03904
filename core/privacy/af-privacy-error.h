/* af-privacy-error.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AF_PRIVACY_ERROR (af_privacy_error_quark ())

/* Failures of core/privacy, each with a translated message that says what
 * to do. Errors of the cloud itself stay AF_CLOUD_ERROR; LAN-only mode
 * refusing a cloud connection is AF_PRIVACY_ERROR_LAN_ONLY wherever it
 * comes from (the cloud client's request path or the printer registry).
 */
typedef enum
{
  AF_PRIVACY_ERROR_FAILED,        /* anything of no more precise kind */
  AF_PRIVACY_ERROR_STORE,         /* the local store (SQLite) could not be read or written */
  AF_PRIVACY_ERROR_INVALID,       /* a bad argument from the user (unknown purpose, type, id) */
  AF_PRIVACY_ERROR_LAN_ONLY,      /* LAN-only mode is on: no cloud host is contacted */
  AF_PRIVACY_ERROR_LIMIT,         /* a documented limit was reached (outbox full, details too long) */
  AF_PRIVACY_ERROR_NOT_FOUND,     /* no such request or local entry */
  AF_PRIVACY_ERROR_NO_RESULT,     /* the request has no downloadable copy (yet) */
} AfPrivacyError;

GQuark  af_privacy_error_quark (void);

/* The one message of LAN-only mode, translated. */
GError *af_privacy_error_new_lan_only (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
