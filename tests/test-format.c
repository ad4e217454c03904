/* test-format.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "af-format.h"

static void
check (char       *(*format) (gint64),
       gint64        seconds,
       const char   *expected)
{
  g_autofree char *text = format (seconds);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_duration_compact (void)
{
  check (af_format_duration, 5563, "1 h 32 min 43 s");
  check (af_format_duration, 9038, "2 h 30 min 38 s");
  check (af_format_duration, 7200, "2 h");
  check (af_format_duration, 3605, "1 h 5 s");
  check (af_format_duration, 59, "59 s");
  check (af_format_duration, 0, "0 s");
  /* A day-long print still counts in hours, as slicers show it. */
  check (af_format_duration, 93784, "26 h 3 min 4 s");
}

static void
test_duration_spoken (void)
{
  check (af_format_duration_spoken, 5563, "1 hour, 32 minutes, 43 seconds");
  check (af_format_duration_spoken, 3661, "1 hour, 1 minute, 1 second");
  check (af_format_duration_spoken, 120, "2 minutes");
  check (af_format_duration_spoken, 0, "0 seconds");
}

static void
test_duration_negative (void)
{
  /* -1 means "unknown" to the core; callers check, but nothing must underflow. */
  check (af_format_duration, -1, "0 s");
}

/* Both faces show a time the same way, in the local zone; JSON has UTC. */
static void
test_date_time (void)
{
  g_autoptr(GDateTime) local = g_date_time_new_local (2026, 12, 4, 15, 2, 30);
  g_autoptr(GTimeZone) east = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GDateTime) there = g_date_time_new (east, 2026, 12, 4, 1, 2, 3);
  g_autofree char *date_time = af_format_date_time (local);
  g_autofree char *date = af_format_date (local);
  g_autofree char *rfc3339 = af_format_rfc3339 (there);

  g_assert_cmpstr (date_time, ==, "4 December 2026, 15:02");
  g_assert_cmpstr (date, ==, "4 December 2026");
  g_assert_cmpstr (rfc3339, ==, "2026-12-03T23:02:03Z");
  g_assert_null (af_format_date_time (NULL));
  g_assert_null (af_format_date (NULL));
  g_assert_null (af_format_rfc3339 (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/format/duration-compact", test_duration_compact);
  g_test_add_func ("/af/format/duration-spoken", test_duration_spoken);
  g_test_add_func ("/af/format/duration-negative", test_duration_negative);
  g_test_add_func ("/af/format/date-time", test_date_time);

  return g_test_run ();
}
