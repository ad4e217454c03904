/* af-json.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-json"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-json.h"

G_DEFINE_QUARK (af-json-error-quark, af_json_error)

/* The length of @data up to AF_JSON_MAX_LENGTH + 1: never reads further. */
static gsize
bounded_length (const char *data,
                gssize      length)
{
  if (length >= 0)
    return (gsize)length;

  return strnlen (data, AF_JSON_MAX_LENGTH + 1);
}

/**
 * af_json_check_limits:
 * @data: JSON text, not necessarily valid
 * @length: its length in bytes, or -1 when it ends with a NUL
 *
 * Checks that @data is at most %AF_JSON_MAX_LENGTH bytes and nests arrays
 * and objects at most %AF_JSON_MAX_DEPTH deep. Brackets inside string
 * literals do not count. One pass over the bytes, no allocation; whatever
 * else is wrong with the text is left for the parser to say.
 *
 * Returns: %TRUE when json-glib may be given @data
 */
gboolean
af_json_check_limits (const char  *data,
                      gssize       length,
                      GError     **error)
{
  gsize size;
  gboolean in_string = FALSE;
  guint depth = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  size = data != NULL ? bounded_length (data, length) : 0;
  if (size > AF_JSON_MAX_LENGTH)
    {
      g_set_error (error, AF_JSON_ERROR, AF_JSON_ERROR_TOO_LONG,
                   _("The JSON text is longer than %d bytes."), AF_JSON_MAX_LENGTH);
      return FALSE;
    }

  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '[' || c == '{') && ++depth > AF_JSON_MAX_DEPTH)
        {
          g_set_error (error, AF_JSON_ERROR, AF_JSON_ERROR_TOO_DEEP,
                       _("The JSON text nests more than %d levels deep."), AF_JSON_MAX_DEPTH);
          return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }

  return TRUE;
}

/**
 * af_json_load_untrusted:
 *
 * json_parser_load_from_data() behind af_json_check_limits(): the one way
 * JSON from a file or the network reaches json-glib.
 *
 * Returns: %TRUE when @parser holds the parsed text
 */
gboolean
af_json_load_untrusted (JsonParser  *parser,
                        const char  *data,
                        gssize       length,
                        GError     **error)
{
  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);

  if (!af_json_check_limits (data, length, error))
    return FALSE;

  return json_parser_load_from_data (parser, data != NULL ? data : "", length, error);
}

JsonObject *
af_json_get_root_object (JsonParser *parser)
{
  JsonNode *root;

  g_return_val_if_fail (JSON_IS_PARSER (parser), NULL);

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_node_get_object (root);
}

/* The shortest text of conversion ("g" or "f") that reads back as value. */
static gboolean
format_round_trip (char       *buffer,
                   gsize       size,
                   char        conversion,
                   double      value)
{
  for (int precision = conversion == 'g' ? 1 : 0; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%d%c", precision, conversion);
      g_ascii_formatd (buffer, size, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        return TRUE;
    }

  return FALSE;
}

static void
append_shortest (GString    *out,
                 const char *token,
                 gsize       length)
{
  g_autofree char *copy = g_strndup (token, length);
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double value = g_ascii_strtod (copy, NULL);
  double magnitude;

  /* "-0" would read back as the integer 0 and print as "0". */
  if (value == 0)
    value = 0;
  magnitude = fabs (value);

  /* %g switches to exponents as soon as they are shorter ("2.2e+02" for
   * 220); people read plain decimals better in the range measurements take.
   */
  if ((magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e15)) &&
      format_round_trip (buffer, sizeof buffer, 'f', value))
    g_string_append (out, buffer);
  else if (format_round_trip (buffer, sizeof buffer, 'g', value))
    g_string_append (out, buffer);
  else
    g_string_append (out, copy);
}

/* Copies a string literal, escapes included; returns the position after it.
 * json-glib escapes C0 controls but writes DEL and C1 (U+0080–U+009F) raw;
 * they are escaped too, so JSON printed on a terminal cannot drive it.
 */
static const char *
copy_string (GString    *out,
             const char *p)
{
  g_string_append_c (out, *p++);

  while (*p != '\0' && *p != '"')
    {
      guchar c = (guchar)*p;

      if (c == '\\' && p[1] != '\0')
        {
          g_string_append_len (out, p, 2);
          p += 2;
        }
      else if (c == 0x7f)
        {
          g_string_append (out, "\\u007f");
          p++;
        }
      else if (c == 0xc2 && (guchar)p[1] >= 0x80 && (guchar)p[1] <= 0x9f)
        {
          g_string_append_printf (out, "\\u%04x", (guchar)p[1]);
          p += 2;
        }
      else
        g_string_append_c (out, *p++);
    }
  if (*p == '"')
    g_string_append_c (out, *p++);

  return p;
}

char *
af_json_to_data (JsonNode *root,
                 gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *data = NULL;
  GString *out;
  const char *p;

  g_return_val_if_fail (root != NULL, NULL);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, pretty);
  data = json_generator_to_data (generator, NULL);
  out = g_string_sized_new (strlen (data));

  for (p = data; *p != '\0';)
    {
      gsize length;

      if (*p == '"')
        {
          p = copy_string (out, p);
          continue;
        }
      /* Outside strings, only numbers start with '-' or a digit; true,
       * false and null never do.
       */
      if (*p != '-' && !g_ascii_isdigit (*p))
        {
          g_string_append_c (out, *p++);
          continue;
        }
      length = strspn (p, "-+0123456789.eE");
      if (memchr (p, '.', length) != NULL || memchr (p, 'e', length) != NULL ||
          memchr (p, 'E', length) != NULL)
        append_shortest (out, p, length);
      else
        g_string_append_len (out, p, length);
      p += length;
    }

  return g_string_free (out, FALSE);
}
