/* af-stack.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-stack"

#include "config.h"

#include "af-stack.h"

/* GTK 4.8 keeps the pages a GtkStack hides in the accessibility tree, where a
 * screen reader would read, say, an empty state that is no longer on screen.
 * Marking them hidden takes them out, and the page shown back in.
 */
void
af_stack_show_page (GtkStack   *stack,
                    const char *name)
{
  GtkWidget *visible;

  g_return_if_fail (GTK_IS_STACK (stack));
  g_return_if_fail (name != NULL);

  gtk_stack_set_visible_child_name (stack, name);
  visible = gtk_stack_get_visible_child (stack);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (stack));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_accessible_update_state (GTK_ACCESSIBLE (child),
                                 GTK_ACCESSIBLE_STATE_HIDDEN, child != visible,
                                 -1);
}
