/* af-text.h
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text from a file or the network, made safe to print on a terminal: a
 * name holding ESC[2J, BEL or a C1 control (U+009B is a CSI on its own)
 * must not clear the screen, ring the bell or retitle the window. Invalid
 * UTF-8 and every control character (C0, DEL, C1) become U+FFFD, so what
 * was there stays visible; with @multiline, "\n" and "\t" are kept.
 */
char *af_text_for_terminal (const char *text,
                            gboolean    multiline) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
