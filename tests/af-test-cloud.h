/* af-test-cloud.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "af-cloud-client.h"
#include "af-test-printer.h"

G_BEGIN_DECLS

/* The reference cloud (tests/cloud/af-reference-cloud.py, found through
 * AF_REFERENCE_CLOUD) as a child process for C tests: its admin endpoint
 * (accounts, printers, fault switches, counters; docs/reference-cloud.md),
 * a device-flow sign-in played as the user would (the tokens go to the real
 * keyring: run under tests/headless-run.sh --keyring), and bound virtual
 * printers in cloud mode (AF_VIRTUAL_PRINTER). Stopped by its PID.
 */
typedef struct _AfTestCloud AfTestCloud;

#define AF_TEST_CLOUD_PASSWORD "correct horse battery"

AfTestCloud   *af_test_cloud_start          (GError      **error);
const char    *af_test_cloud_get_base_url   (AfTestCloud  *self);
const char    *af_test_cloud_get_ca_file    (AfTestCloud  *self);
guint          af_test_cloud_get_mqtt_port  (AfTestCloud  *self);
/* An admin call; body is JSON text or NULL. The answer's object (a new
 * reference), or NULL for an empty answer or a failure (then error is set).
 */
JsonObject    *af_test_cloud_admin          (AfTestCloud  *self,
                                             const char   *method,
                                             const char   *path,
                                             const char   *body,
                                             GError      **error);
/* Arms a fault switch: spec is the JSON body of POST /admin/faults. */
void           af_test_cloud_fault          (AfTestCloud  *self,
                                             const char   *spec);
void           af_test_cloud_clear_faults   (AfTestCloud  *self);
/* GET /admin/counters. */
JsonObject    *af_test_cloud_counters       (AfTestCloud  *self);
/* Requests counted for a route template ("GET /v1/account"). */
gint64         af_test_cloud_route_count    (AfTestCloud  *self,
                                             const char   *route);
/* A new account with AF_TEST_CLOUD_PASSWORD; its id, and its e-mail in *email. */
char          *af_test_cloud_create_account (AfTestCloud  *self,
                                             char        **email);
/* A client of this cloud signed in to the account by the device flow (the
 * test approves the code as the user would), retrying after a few ms.
 */
AfCloudClient *af_test_cloud_sign_in        (AfTestCloud  *self,
                                             const char   *email);
/* Binds a new serial to account_id and starts a virtual printer in cloud
 * mode as that device; returns when the cloud sees it online. The printer's
 * cloud id goes to *printer_id.
 */
AfTestPrinter *af_test_cloud_bind_printer   (AfTestCloud    *self,
                                             AfCloudClient  *client,
                                             const char     *account_id,
                                             const char     *name,
                                             char          **printer_id);
void           af_test_cloud_free           (AfTestCloud  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AfTestCloud, af_test_cloud_free)

G_END_DECLS
