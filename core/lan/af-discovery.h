/* af-discovery.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "af-printer.h"

G_BEGIN_DECLS

/* The UDP port printers send their SSDP NOTIFY to. */
#define AF_DISCOVERY_DEFAULT_PORT 2021

/* Listens for the printers' SSDP NOTIFY datagrams on the thread-default main
 * context of af_discovery_start()'s caller. Binds with SO_REUSEADDR,
 * SO_REUSEPORT and SO_BROADCAST so it coexists with a slicer on the same
 * port. Printers appear in the model (AfPrinter items with the DISCOVERED
 * source) on their first notice, are updated by later ones and disappear
 * when max-age passes without one.
 */
#define AF_TYPE_DISCOVERY (af_discovery_get_type ())

G_DECLARE_FINAL_TYPE (AfDiscovery, af_discovery, AF, DISCOVERY, GObject)

AfDiscovery *af_discovery_new       (guint         port) G_GNUC_WARN_UNUSED_RESULT;
gboolean     af_discovery_start     (AfDiscovery  *self,
                                     GError      **error);
void         af_discovery_stop      (AfDiscovery  *self);
/* The port actually bound (useful when created with port 0). */
guint        af_discovery_get_port  (AfDiscovery  *self);
/* AfPrinter items. */
GListModel  *af_discovery_get_printers (AfDiscovery *self);
/* Parses one datagram; FALSE when it is not a printer's notice. For tests
 * and fuzzing: fills serial/host/name/model/… of a new AfPrinter.
 */
AfPrinter   *af_discovery_parse_notify (const char  *datagram,
                                        gsize        length,
                                        const char  *source_address,
                                        guint       *max_age_seconds) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
