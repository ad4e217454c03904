/* af-window-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-cloud.h"
#include "af-file-view.h"
#include "af-handoff.h"
#include "af-history-view.h"
#include "af-lan.h"
#include "af-print.h"
#include "af-settings.h"
#include "af-printers-view.h"
#include "af-privacy-view.h"
#include "af-recent-menu.h"
#include "af-send-panel.h"
#include "af-window.h"

G_BEGIN_DECLS

struct _AfWindow
{
  AdwApplicationWindow  parent_instance;

  AdwViewSwitcherTitle *switcher_title;
  AdwSplitButton       *open_button;
  GtkToggleButton      *send_toggle;
  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *view_stack;
  AdwFlap              *flap;
  AfSendPanel          *send_panel;
  GtkStack             *stack;
  GtkSpinner           *spinner;
  GtkLabel             *loading_label;
  AfFileView           *file_view;
  AfPrintersView       *printers_view;
  AfHistoryView        *history_view;
  GMenu                *account_section;
  AfPrivacyView        *privacy_view;

  /* The application's printers, shared with its other windows. */
  AfPrinterRegistry     *printer_registry;

  AfSettings           *settings;
  AfRecentMenu         *recent_menu;
  GtkFileChooserNative *chooser;
  /* Owned per load: cancelled by the next open and by closing the window. */
  GCancellable         *cancellable;
  GFile                *loading_file;
  /* Keeps the slicer's copy shown from being pruned or cleared. */
  AfHandoffHold        *handoff_hold;

  /* The browser sign-in in progress, its prompt, and the account's work
   * (sign-in, sign-out, reading the account), cancelled on close.
   */
  AfCloudBrowserSignIn *sign_in;
  AdwMessageDialog     *sign_in_dialog;
  GCancellable         *account_cancellable;

  /* The application's privacy mechanism, shared with its other windows. */
  AfPrivacy            *privacy;
};

/* af-window-actions.c: opening files by chooser, recent menu and drag and drop;
 * adding printers and showing the send panel.
 */
void _af_window_class_actions_init (AfWindowClass *klass);
void _af_window_actions_init       (AfWindow      *self);
void _af_window_update_send_toggle (AfWindow      *self);

/* af-window-account.c: signing in and out of the AtomForm account, the
 * account in the primary menu, and the cloud printers and history that
 * follow it.
 */
void _af_window_class_account_init (AfWindowClass *klass);
void _af_window_account_start      (AfWindow      *self);
void _af_window_account_dispose    (AfWindow      *self);
/* af-window-privacy.c: the Privacy view and deleting history through the
 * privacy outbox.
 */
void _af_window_class_privacy_init (AfWindowClass *klass);
void _af_window_privacy_init       (AfWindow      *self);

G_END_DECLS
