/* af-cloud-error.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AF_CLOUD_ERROR (af_cloud_error_quark ())

/* Failures of the cloud route, each with a translated message that says
 * what to do (docs/cloud-api.md, "Errors"). A cancelled call ends in
 * G_IO_ERROR_CANCELLED instead.
 */
typedef enum
{
  AF_CLOUD_ERROR_FAILED,            /* a refused request of no more precise kind (4xx) */
  AF_CLOUD_ERROR_NETWORK,           /* the cloud could not be reached */
  AF_CLOUD_ERROR_TLS,               /* its certificate could not be verified */
  AF_CLOUD_ERROR_VERSION,           /* the cloud speaks an API major other than 1 */
  AF_CLOUD_ERROR_BAD_RESPONSE,      /* an answer past the limits, or not what the contract says */
  AF_CLOUD_ERROR_NOT_SIGNED_IN,     /* no session in the keyring */
  AF_CLOUD_ERROR_SIGNED_OUT,        /* the session ended (refresh refused, second 401) */
  AF_CLOUD_ERROR_SIGN_IN_FAILED,    /* wrong state, invalid grant, refused code */
  AF_CLOUD_ERROR_ACCESS_DENIED,     /* the user refused the sign-in */
  AF_CLOUD_ERROR_EXPIRED,           /* a device code or sign-in expired */
  AF_CLOUD_ERROR_PENDING,           /* device flow: the user has not answered yet */
  AF_CLOUD_ERROR_SLOW_DOWN,         /* device flow: poll less often */
  AF_CLOUD_ERROR_PRINTER_NOT_BOUND, /* 403 printer-not-bound */
  AF_CLOUD_ERROR_NOT_FOUND,         /* 404 */
  AF_CLOUD_ERROR_PRINTER_BUSY,      /* 409 printer-busy */
  AF_CLOUD_ERROR_PRINTER_OFFLINE,   /* 409 printer-offline */
  AF_CLOUD_ERROR_INVALID_STATE,     /* 409 invalid-job-state */
  AF_CLOUD_ERROR_UPLOAD_INCOMPLETE, /* 409 upload-incomplete */
  AF_CLOUD_ERROR_OFFSET_MISMATCH,   /* 409 upload-offset-mismatch */
  AF_CLOUD_ERROR_CONFLICT,          /* any other 409 */
  AF_CLOUD_ERROR_GONE,              /* 410 upload-expired, file-expired */
  AF_CLOUD_ERROR_REJECTED,          /* 422 validation-failed */
  AF_CLOUD_ERROR_TOO_LARGE,         /* 413 */
  AF_CLOUD_ERROR_CHECKSUM,          /* 460 checksum-mismatch */
  AF_CLOUD_ERROR_RATE_LIMITED,      /* 429 past the retries or a Retry-After too long */
  AF_CLOUD_ERROR_SERVER,            /* 500, 502, 504 past the retries */
  AF_CLOUD_ERROR_UNAVAILABLE,       /* 503: a service is down */
  AF_CLOUD_ERROR_BUG,               /* 400/415/428 and reused keys: a bug on our side */
  AF_CLOUD_ERROR_NOT_SENT,          /* the job could not be created; nothing prints */
  AF_CLOUD_ERROR_INVALID_CURSOR,    /* 400 invalid-cursor: reload from the first page */
  AF_CLOUD_ERROR_CHANGED_ELSEWHERE, /* 412 precondition-failed: reload, then change again */
} AfCloudError;

GQuark af_cloud_error_quark (void);

/* Whether error is one the engine retries (network failure, 429, 5xx,
 * 409 idempotency-in-progress), before it gives up with it.
 */
gboolean af_cloud_error_is_transient (const GError *error);

/* Maps an answer that is not 2xx to an AF_CLOUD_ERROR. body is its
 * application/problem+json (or NULL/other: then by status alone), at most
 * AF_CLOUD_MAX_RESPONSE_BYTES. retry_after_seconds is -1 when the answer
 * had none. Pure, so it is unit-tested on its own (tests/test-cloud.c).
 * problem_type, when not NULL, receives the problem's short name
 * ("printer-busy"), or the OAuth "error" for the oauth type.
 */
GError *af_cloud_error_from_response (guint        status,
                                      const char  *content_type,
                                      const char  *body,
                                      gsize        body_length,
                                      gint64       retry_after_seconds,
                                      char       **problem_type) G_GNUC_WARN_UNUSED_RESULT;

/* "AtomForm's upload service" for "uploads", and so on; NULL for an
 * unknown service.
 */
const char *af_cloud_service_describe (const char *service);

G_END_DECLS
