/* af-certificate-dialog.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define AF_TYPE_CERTIFICATE_DIALOG (af_certificate_dialog_get_type ())

G_DECLARE_FINAL_TYPE (AfCertificateDialog, af_certificate_dialog, AF, CERTIFICATE_DIALOG,
                      AdwMessageDialog)

/* First contact: shows the certificate's fingerprint and asks whether to
 * trust it. Completes TRUE when the user trusts it, FALSE when not (or the
 * cancellable fired, which also closes the dialog).
 */
void     af_certificate_dialog_ask_async  (GtkWindow           *parent,
                                           const char          *printer_name,
                                           const char          *fingerprint,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean af_certificate_dialog_ask_finish (GAsyncResult        *result);
/* The pinned certificate changed: shows both fingerprints and refuses. */
void     af_certificate_dialog_show_changed (GtkWindow         *parent,
                                             const char        *printer_name,
                                             const char        *pinned,
                                             const char        *seen);

G_END_DECLS
