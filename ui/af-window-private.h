/* af-window-private.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "af-file-view.h"
#include "af-recent-menu.h"
#include "af-window.h"

G_BEGIN_DECLS

struct _AfWindow
{
  AdwApplicationWindow  parent_instance;

  AdwWindowTitle       *window_title;
  AdwSplitButton       *open_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkSpinner           *spinner;
  GtkLabel             *loading_label;
  AfFileView           *file_view;

  GSettings            *settings;
  AfRecentMenu         *recent_menu;
  GtkFileChooserNative *chooser;
  /* Owned per load: cancelled by the next open and by closing the window. */
  GCancellable         *cancellable;
  GFile                *loading_file;
};

/* af-window-actions.c: opening files by chooser, recent menu and drag and drop. */
void _af_window_class_actions_init (AfWindowClass *klass);
void _af_window_actions_init       (AfWindow      *self);

G_END_DECLS
