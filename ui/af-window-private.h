/* af-window-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-file-view.h"
#include "af-lan.h"
#include "af-print.h"
#include "af-settings.h"
#include "af-printers-view.h"
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

  /* The application's printers, shared with its other windows. */
  AfPrinterRegistry     *printer_registry;

  AfSettings           *settings;
  AfRecentMenu         *recent_menu;
  GtkFileChooserNative *chooser;
  /* Owned per load: cancelled by the next open and by closing the window. */
  GCancellable         *cancellable;
  GFile                *loading_file;
};

/* af-window-actions.c: opening files by chooser, recent menu and drag and drop;
 * adding printers and showing the send panel.
 */
void _af_window_class_actions_init (AfWindowClass *klass);
void _af_window_actions_init       (AfWindow      *self);
void _af_window_update_send_toggle (AfWindow      *self);

G_END_DECLS
