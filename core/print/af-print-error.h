/* af-print-error.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AF_PRINT_ERROR (af_print_error_quark ())

/* What went wrong with a print, whatever the route: callers that decide by
 * kind (show "needs attention", offer a retry, pick an exit status) ask
 * af_print_error_classify() instead of knowing each transport's domain.
 * Each transport keeps its own domain (AF_LAN_ERROR) for its own failures
 * and their messages.
 */
typedef enum
{
  AF_PRINT_ERROR_FAILED,
  AF_PRINT_ERROR_BUSY,              /* the printer is printing something else */
  AF_PRINT_ERROR_REJECTED,          /* credentials, certificate or the job refused */
  AF_PRINT_ERROR_NOT_REACHABLE,     /* no route to the printer, or no such printer */
  AF_PRINT_ERROR_CANCELLED,
  AF_PRINT_ERROR_STORAGE_MISSING,   /* no card or stick the printer can write */
  AF_PRINT_ERROR_INCOMPATIBLE_FILE, /* not printable here: unreadable, or for another machine */
  AF_PRINT_ERROR_NO_RESPONSE,       /* reachable, but stopped answering or moving data */
  AF_PRINT_ERROR_PRINT_FAILED,      /* the printer reported our print as failed */
  AF_PRINT_ERROR_NEEDS_ATTENTION,   /* our print stopped at a problem at the printer */
} AfPrintError;

GQuark       af_print_error_quark    (void);
/* The kind of any error a print job, a transport or the checks before
 * sending report; AF_PRINT_ERROR_FAILED for what has no better kind.
 */
AfPrintError af_print_error_classify (const GError *error);

G_END_DECLS
