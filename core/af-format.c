/* af-format.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-format"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-format.h"

typedef struct
{
  int hours;
  int minutes;
  int seconds;
} AfDuration;

static AfDuration
split_duration (gint64 total)
{
  AfDuration d;

  /* Clamped so the hours fit an int: nobody prints for 245 000 years. */
  total = CLAMP (total, 0, (gint64)G_MAXINT);
  d.hours = (int)(total / 3600);
  d.minutes = (int)(total / 60 % 60);
  d.seconds = (int)(total % 60);

  return d;
}

/* Units with a zero count are left out, so "2 h" rather than "2 h 0 min 0 s";
 * a zero duration still reads "0 s".
 */
char *
af_format_duration (gint64 seconds)
{
  AfDuration d = split_duration (seconds);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (d.hours > 0)
    /* Translators: an abbreviated count of hours in a print time, e.g. "1 h" */
    g_ptr_array_add (parts, g_strdup_printf (_("%d h"), d.hours));
  if (d.minutes > 0)
    /* Translators: an abbreviated count of minutes in a print time, e.g. "32 min" */
    g_ptr_array_add (parts, g_strdup_printf (_("%d min"), d.minutes));
  if (d.seconds > 0 || parts->len == 0)
    /* Translators: an abbreviated count of seconds in a print time, e.g. "43 s" */
    g_ptr_array_add (parts, g_strdup_printf (_("%d s"), d.seconds));

  g_ptr_array_add (parts, NULL);

  /* Translators: the parts of a print time are joined with this, e.g. "1 h 32 min" */
  return g_strjoinv (C_("duration separator", " "), (char **)parts->pdata);
}

char *
af_format_duration_spoken (gint64 seconds)
{
  AfDuration d = split_duration (seconds);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (d.hours > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour", "%d hours",
                                                          d.hours),
                                             d.hours));
  if (d.minutes > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute",
                                                          "%d minutes", d.minutes),
                                             d.minutes));
  if (d.seconds > 0 || parts->len == 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second",
                                                          "%d seconds", d.seconds),
                                             d.seconds));

  g_ptr_array_add (parts, NULL);

  /* Translators: the parts of a spoken print time are joined with this,
   * e.g. "1 hour, 32 minutes"
   */
  return g_strjoinv (C_("duration separator", ", "), (char **)parts->pdata);
}

char *
af_format_slicer (AfGcodeInfo *info)
{
  const char *name;
  const char *version;

  g_return_val_if_fail (AF_IS_GCODE_INFO (info), NULL);

  name = af_gcode_info_get_slicer_name (info);
  version = af_gcode_info_get_slicer_version (info);

  if (name == NULL)
    return NULL;
  if (version == NULL)
    return g_strdup (name);

  /* Translators: a slicer and its version, e.g. "OrcaSlicer 2.3.0" */
  return g_strdup_printf (C_("slicer", "%s %s"), name, version);
}

char *
af_format_date_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return NULL;
  local = g_date_time_to_local (time);
  /* Translators: a date and time, e.g. "4 December 2026, 15:02", see strftime(3) */
  return g_date_time_format (local, _("%-d %B %Y, %H:%M"));
}

char *
af_format_date (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return NULL;
  local = g_date_time_to_local (time);
  /* Translators: a date, e.g. "4 March 2027", see strftime(3) */
  return g_date_time_format (local, _("%-d %B %Y"));
}

char *
af_format_rfc3339 (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return NULL;
  utc = g_date_time_to_utc (time);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}
