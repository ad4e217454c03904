/* af-stack.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Shows the page called name and takes the other pages out of the
 * accessibility tree.
 */
void af_stack_show_page (GtkStack   *stack,
                         const char *name);

G_END_DECLS
