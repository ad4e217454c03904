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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/format/duration-compact", test_duration_compact);
  g_test_add_func ("/af/format/duration-spoken", test_duration_spoken);
  g_test_add_func ("/af/format/duration-negative", test_duration_negative);

  return g_test_run ();
}
