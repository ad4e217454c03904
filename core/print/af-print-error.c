/* af-print-error.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-print"

#include "config.h"

#include <gio/gio.h>

#include "af-archive.h"
#include "af-cloud-error.h"
#include "af-gcode-reader.h"
#include "af-lan-error.h"
#include "af-print-check.h"
#include "af-print-error.h"

G_DEFINE_QUARK (af-print-error-quark, af_print_error)

static AfPrintError
classify_lan (int code)
{
  switch ((AfLanError) code)
    {
    case AF_LAN_ERROR_UNREACHABLE:
    case AF_LAN_ERROR_NOT_FOUND:
      return AF_PRINT_ERROR_NOT_REACHABLE;
    case AF_LAN_ERROR_ACCESS_DENIED:
    case AF_LAN_ERROR_CERT_UNKNOWN:
    case AF_LAN_ERROR_CERT_CHANGED:
    case AF_LAN_ERROR_CERT_INVALID:
    case AF_LAN_ERROR_NOT_DEVELOPER_MODE:
      return AF_PRINT_ERROR_REJECTED;
    case AF_LAN_ERROR_BUSY:
      return AF_PRINT_ERROR_BUSY;
    case AF_LAN_ERROR_STALLED:
    case AF_LAN_ERROR_NO_RESPONSE:
      return AF_PRINT_ERROR_NO_RESPONSE;
    case AF_LAN_ERROR_PRINT_FAILED:
      return AF_PRINT_ERROR_PRINT_FAILED;
    case AF_LAN_ERROR_NEEDS_ATTENTION:
      return AF_PRINT_ERROR_NEEDS_ATTENTION;
    case AF_LAN_ERROR_FAILED:
    case AF_LAN_ERROR_UPLOAD_FAILED:
    case AF_LAN_ERROR_PROTOCOL:
    default:
      return AF_PRINT_ERROR_FAILED;
    }
}

static AfPrintError
classify_cloud (int code)
{
  switch ((AfCloudError) code)
    {
    case AF_CLOUD_ERROR_NETWORK:
    case AF_CLOUD_ERROR_PRINTER_OFFLINE:
    case AF_CLOUD_ERROR_PRINTER_NOT_BOUND:
    case AF_CLOUD_ERROR_NOT_FOUND:
    case AF_CLOUD_ERROR_UNAVAILABLE:
    case AF_CLOUD_ERROR_SERVER:
    case AF_CLOUD_ERROR_RATE_LIMITED:
      return AF_PRINT_ERROR_NOT_REACHABLE;
    case AF_CLOUD_ERROR_PRINTER_BUSY:
      return AF_PRINT_ERROR_BUSY;
    case AF_CLOUD_ERROR_TLS:
    case AF_CLOUD_ERROR_NOT_SIGNED_IN:
    case AF_CLOUD_ERROR_SIGNED_OUT:
    case AF_CLOUD_ERROR_REJECTED:
    case AF_CLOUD_ERROR_TOO_LARGE:
    case AF_CLOUD_ERROR_VERSION:
      return AF_PRINT_ERROR_REJECTED;
    default:
      return AF_PRINT_ERROR_FAILED;
    }
}

AfPrintError
af_print_error_classify (const GError *error)
{
  g_return_val_if_fail (error != NULL, AF_PRINT_ERROR_FAILED);

  if (error->domain == AF_PRINT_ERROR)
    return (AfPrintError) error->code;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return AF_PRINT_ERROR_CANCELLED;
  if (error->domain == AF_LAN_ERROR)
    return classify_lan (error->code);
  if (error->domain == AF_CLOUD_ERROR)
    return classify_cloud (error->code);
  if (g_error_matches (error, AF_PRINT_CHECK_ERROR, AF_PRINT_CHECK_ERROR_NO_STORAGE))
    return AF_PRINT_ERROR_STORAGE_MISSING;
  if (error->domain == AF_PRINT_CHECK_ERROR
      || error->domain == AF_ARCHIVE_ERROR
      || error->domain == AF_GCODE_ERROR)
    return AF_PRINT_ERROR_INCOMPATIBLE_FILE;
  return AF_PRINT_ERROR_FAILED;
}
