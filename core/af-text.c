/* af-text.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-text"

#include "config.h"

#include <string.h>

#include "af-text.h"

static gboolean
is_control (gunichar c,
            gboolean multiline)
{
  if (multiline && (c == '\n' || c == '\t'))
    return FALSE;

  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

char *
af_text_for_terminal (const char *text,
                      gboolean    multiline)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_control (c, multiline))
        g_string_append_unichar (out, 0xfffd);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }

  return g_string_free (out, FALSE);
}
