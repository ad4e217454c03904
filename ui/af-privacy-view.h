/* af-privacy-view.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "af-lan.h"
#include "af-print.h"
#include "af-privacy.h"

G_BEGIN_DECLS

#define AF_TYPE_PRIVACY_VIEW (af_privacy_view_get_type ())

G_DECLARE_FINAL_TYPE (AfPrivacyView, af_privacy_view, AF, PRIVACY_VIEW, AdwBin)

/* The Privacy view: what the AtomForm privacy policy promises, as switches,
 * consents, data-rights requests and what this computer keeps, all through
 * one AfPrivacy (the same mechanism as `atomform-connect privacy`).
 */
void       af_privacy_view_set_privacy  (AfPrivacyView     *self,
                                         AfPrivacy         *privacy);
AfPrivacy *af_privacy_view_get_privacy  (AfPrivacyView     *self);
/* The saved printers, whose access codes "Forget Access Codes" clears. */
void       af_privacy_view_set_registry (AfPrivacyView     *self,
                                         AfPrinterRegistry *registry);
/* Reads the cloud's state again (in the background). */
void       af_privacy_view_refresh      (AfPrivacyView     *self);
/* Cancels the view's work: for the window's close. */
void       af_privacy_view_cancel       (AfPrivacyView     *self);

G_END_DECLS
