/* test-handoff.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "af-core.h"
#include "af-test-util.h"

/* The awkward path every hand-off route must carry through unchanged. */
#define AWKWARD_NAME "Cube & 100% + more ü.gcode"

/* JavaScript's encodeURIComponent, written out here so the test does not
 * trust any URL code it is testing.
 */
static char *
encode_component (const char *value)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *)value; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("-_.!~*'()", *p) != NULL)
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }

  return g_string_free (out, FALSE);
}

static char *
make_url (const char *path,
          const char *name)
{
  g_autofree char *enc_path = encode_component (path);
  g_autofree char *enc_name = encode_component (name);

  return g_strdup_printf ("atomform-connect://import-file?path=%s&name=%s&version=1.0.0",
                          enc_path, enc_name);
}

static AfHandoffRequest *
parse_ok (const char *url)
{
  g_autoptr(GError) error = NULL;
  AfHandoffRequest *request = af_handoff_request_parse (url, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
assert_refused (const char *url,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AfHandoffRequest) request = af_handoff_request_parse (url, &error);

  if (request != NULL)
    g_error ("accepted %s", url);
  g_assert_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL);
  if (strstr (error->message, message_part) == NULL)
    g_error ("refusing %.80s said “%s”, expected it to mention “%s”", url, error->message,
             message_part);
}

static void
test_url_basic (void)
{
  /* The example of OrcaSlicer issue #10120, with our scheme. */
  g_autoptr(AfHandoffRequest) request =
    parse_ok ("atomform-connect://import-file?path=%2Ftmp%2Fcube.gcode.3mf&name=Cube&version=1.0.0");

  g_assert_cmpstr (af_handoff_request_get_path (request), ==, "/tmp/cube.gcode.3mf");
  g_assert_cmpstr (af_handoff_request_get_name (request), ==, "Cube");
}

static void
test_url_awkward (void)
{
  const char *path = "/home/u/Prints & Co/50% + 5 ü/" AWKWARD_NAME;
  g_autofree char *url = make_url (path, "Würfel & Co + 5%");
  g_autoptr(AfHandoffRequest) request = parse_ok (url);
  g_autoptr(AfHandoffRequest) plus = NULL;
  g_autoptr(AfHandoffRequest) once = NULL;
  g_autoptr(AfHandoffRequest) cased = NULL;

  g_assert_nonnull (strstr (url, "%26"));
  g_assert_cmpstr (af_handoff_request_get_path (request), ==, path);
  g_assert_cmpstr (af_handoff_request_get_name (request), ==, "Würfel & Co + 5%");

  /* A '+' is a plus sign, not a space (that is form encoding, not a URL's). */
  plus = parse_ok ("atomform-connect://import-file?path=/tmp/a+b.gcode");
  g_assert_cmpstr (af_handoff_request_get_path (plus), ==, "/tmp/a+b.gcode");
  g_assert_null (af_handoff_request_get_name (plus));

  /* Decoded once: "%2525" is "%25" in the file's name, not "%". */
  once = parse_ok ("atomform-connect://import-file?path=%2Ftmp%2F100%2525.gcode&name=a%2526b");
  g_assert_cmpstr (af_handoff_request_get_path (once), ==, "/tmp/100%25.gcode");
  g_assert_cmpstr (af_handoff_request_get_name (once), ==, "a%26b");

  /* Scheme and host in any case, lower-case hex, a slash before the query. */
  cased = parse_ok ("ATOMFORM-CONNECT://Import-File/?path=%2ftmp%2f%c3%bc.gcode&version=1");
  g_assert_cmpstr (af_handoff_request_get_path (cased), ==, "/tmp/ü.gcode");
}

static void
test_url_refused (void)
{
  static const struct { const char *url; const char *says; } cases[] = {
    { "bambu-connect://import-file?path=%2Ftmp%2Fa.gcode", "must begin with" },
    { "atomform-connect://open?path=%2Ftmp%2Fa.gcode", "must begin with" },
    { "atomform-connect:import-file?path=%2Ftmp%2Fa.gcode", "must begin with" },
    { "atomform-connect://import-file", "must begin with" },
    { "atomform-connectx://import-file?path=/a", "must begin with" },
    { "atomform-connect://import-file?", "malformed parameter" },
    { "atomform-connect://import-file?path=/tmp/a b.gcode", "percent-encoded" },
    { "atomform-connect://import-file?path=/tmp/a.gcode#x", "percent-encoded" },
    { "atomform-connect://import-file?path=/tmp/\xc3\xbc.gcode", "percent-encoded" },
    { "atomform-connect://import-file?path=/tmp/a\".gcode", "percent-encoded" },
    { "atomform-connect://import-file?path=%2Ftmp%2Fa%2", "broken percent-encoding" },
    { "atomform-connect://import-file?path=%2Ftmp%2Fa%", "broken percent-encoding" },
    { "atomform-connect://import-file?path=%2Ftmp%2F%zz", "broken percent-encoding" },
    { "atomform-connect://import-file?path=%2Ftmp%2Fa%00.gcode", "NUL" },
    { "atomform-connect://import-file?path=tmp%2Fa.gcode", "absolute path" },
    { "atomform-connect://import-file?path=", "absolute path" },
    { "atomform-connect://import-file?path=%2Ftmp%2F..%2Fetc%2Fpasswd", "“..”" },
    { "atomform-connect://import-file?path=%2Ftmp%2F.%2Fa.gcode", "“..”" },
    { "atomform-connect://import-file?path=%2Ftmp%2F%2Fa.gcode", "“..”" },
    { "atomform-connect://import-file?path=%2Ftmp%2F", "“..”" },
    { "atomform-connect://import-file?path=%2F", "“..”" },
    { "atomform-connect://import-file?path=%2F&name=found-by-fuzz-handoff", "“..”" },
    { "atomform-connect://import-file?name=Cube&version=1.0.0", "“path” is missing" },
    { "atomform-connect://import-file?path=%2Fa&path=%2Fb", "path twice" },
    { "atomform-connect://import-file?path=%2Fa&name=x&name=y", "name twice" },
    { "atomform-connect://import-file?path=%2Fa&&name=x", "malformed parameter" },
    { "atomform-connect://import-file?path=%2Fa&", "malformed parameter" },
    { "atomform-connect://import-file?path=%2Fa&=x", "malformed parameter" },
    { "atomform-connect://import-file?path", "malformed parameter" },
    { "atomform-connect://import-file?path=%2Fa&version=2.0.0", "version “2.0.0”" },
    { "atomform-connect://import-file?path=%2Fa&version=1.0.0.0", "version “1.0.0.0”" },
    { "atomform-connect://import-file?path=%2Fa&version=1.x", "version “1.x”" },
    { "atomform-connect://import-file?path=%2Fa&version=", "version “”" },
    { "atomform-connect://import-file?path=%2Fa&name=%FF", "UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i].url, cases[i].says);
}

/* A URL of exactly length bytes naming /tmp/x.gcode, padded with an
 * unknown parameter (which the parser ignores).
 */
static char *
url_of_length (gsize length)
{
  GString *url = g_string_new ("atomform-connect://import-file?path=%2Ftmp%2Fx.gcode&pad=");

  g_assert_cmpuint (url->len, <, length);
  while (url->len < length)
    g_string_append_c (url, 'a');

  return g_string_free (url, FALSE);
}

static void
test_url_limits (void)
{
  g_autofree char *at = url_of_length (AF_HANDOFF_URL_MAX_LENGTH);
  g_autofree char *past = url_of_length (AF_HANDOFF_URL_MAX_LENGTH + 1);
  g_autoptr(GString) params = g_string_new ("atomform-connect://import-file?path=%2Fa.gcode");
  g_autoptr(GString) long_path = g_string_new ("/");
  g_autoptr(GString) long_name = g_string_new (NULL);
  g_autofree char *url = NULL;
  g_autofree char *says = NULL;
  g_autoptr(AfHandoffRequest) request = NULL;

  g_clear_pointer (&request, af_handoff_request_free);
  request = parse_ok (at);
  g_assert_cmpstr (af_handoff_request_get_path (request), ==, "/tmp/x.gcode");
  says = g_strdup_printf ("longer than %d characters", AF_HANDOFF_URL_MAX_LENGTH);
  assert_refused (past, says);

  /* Parameters: the path and MAX - 1 others pass; one more does not. */
  for (int i = 1; i < AF_HANDOFF_URL_MAX_PARAMS; i++)
    g_string_append_printf (params, "&x%d=%d", i, i);
  g_clear_pointer (&request, af_handoff_request_free);
  request = parse_ok (params->str);
  g_string_append (params, "&one=more");
  g_clear_pointer (&says, g_free);
  says = g_strdup_printf ("more than %d parameters", AF_HANDOFF_URL_MAX_PARAMS);
  assert_refused (params->str, says);

  /* The decoded path: AF_HANDOFF_PATH_MAX_LENGTH bytes, every one encoded. */
  while (long_path->len < AF_HANDOFF_PATH_MAX_LENGTH)
    g_string_append_c (long_path, long_path->len % 200 == 0 ? '/' : 'p');
  url = make_url (long_path->str, "n");
  g_assert_cmpuint (strlen (url), <=, AF_HANDOFF_URL_MAX_LENGTH);
  g_clear_pointer (&request, af_handoff_request_free);
  request = parse_ok (url);
  g_assert_cmpuint (strlen (af_handoff_request_get_path (request)), ==,
                    AF_HANDOFF_PATH_MAX_LENGTH);
  g_string_append_c (long_path, 'p');
  g_clear_pointer (&url, g_free);
  url = make_url (long_path->str, "n");
  g_clear_pointer (&says, g_free);
  says = g_strdup_printf ("path is longer than %d bytes", AF_HANDOFF_PATH_MAX_LENGTH);
  assert_refused (url, says);

  /* The name: AF_HANDOFF_NAME_MAX_LENGTH bytes of "ü" (two bytes each) and "a". */
  while (long_name->len + 2 <= AF_HANDOFF_NAME_MAX_LENGTH)
    g_string_append (long_name, "ü");
  while (long_name->len < AF_HANDOFF_NAME_MAX_LENGTH)
    g_string_append_c (long_name, 'a');
  g_clear_pointer (&url, g_free);
  url = make_url ("/a.gcode", long_name->str);
  g_clear_pointer (&request, af_handoff_request_free);
  request = parse_ok (url);
  g_assert_cmpstr (af_handoff_request_get_name (request), ==, long_name->str);
  g_string_append_c (long_name, 'a');
  g_clear_pointer (&url, g_free);
  url = make_url ("/a.gcode", long_name->str);
  g_clear_pointer (&says, g_free);
  says = g_strdup_printf ("name is longer than %d bytes", AF_HANDOFF_NAME_MAX_LENGTH);
  assert_refused (url, says);
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("af-handoff-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_check_file (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *file = af_test_write_file (dir, AWKWARD_NAME, "G28\n", 4);
  g_autofree char *missing = g_build_filename (dir, "gone.gcode", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.gcode", NULL);
  g_autofree char *link = g_build_filename (dir, "link.gcode", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GFile) resolved = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (af_handoff_check_file (file, &error));
  g_assert_no_error (error);
  g_assert_cmpint (symlink (file, link), ==, 0);
  g_assert_true (af_handoff_check_file (link, &error));
  g_assert_no_error (error);

  g_assert_false (af_handoff_check_file (missing, &error));
  g_assert_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "gone.gcode” does not exist"));
  g_clear_error (&error);

  g_assert_false (af_handoff_check_file (dir, &error));
  g_assert_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_REGULAR);
  g_assert_nonnull (strstr (error->message, "is a folder"));
  g_clear_error (&error);

  /* A FIFO is refused at once; reading it would block until a writer came. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_false (af_handoff_check_file (fifo, &error));
  g_assert_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_REGULAR);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);

  /* The URL route: parse and check, and the file is exactly the one named. */
  url = make_url (file, "Cube");
  resolved = af_handoff_resolve_url (url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_file_peek_path (resolved), ==, file);
  g_clear_pointer (&url, g_free);
  url = make_url (missing, "Cube");
  g_assert_null (af_handoff_resolve_url (url, &error));
  g_assert_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_FOUND);

  af_test_remove_tree (dir);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *)a, *(char * const *)b);
}

/* The names of the entries of dir, sorted, joined by ",". */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **)names->pdata);
}

static void
test_copy (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *source_path = g_build_filename (af_test_corpus_dir (), "gcode",
                                                   "prusaslicer-2.9.3-thumbnails.gcode", NULL);
  g_autofree char *source_data = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *copy_data = NULL;
  g_autofree char *copy_dir = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  struct stat before_st, after_st, copy_st;
  gsize source_size, copy_size;

  g_assert_true (g_file_get_contents (source_path, &source_data, &source_size, NULL));
  /* The slicer's upload copy: hidden, no extension, read-only for us. */
  temp = af_test_write_file (dir, ".PrusaSlicer.upload.1a2b-3c4d", source_data, source_size);
  g_assert_cmpint (chmod (temp, 0444), ==, 0);
  g_assert_cmpint (stat (temp, &before_st), ==, 0);

  copy = af_handoff_copy_from_slicer (temp, "prints/" AWKWARD_NAME, cache, &error);
  g_assert_no_error (error);
  g_assert_nonnull (copy);

  /* In a folder of its own, under the slicer's output name, nothing else left. */
  copy_dir = g_path_get_dirname (copy);
  g_assert_true (g_str_has_prefix (copy, cache));
  g_assert_cmpuint (strlen (copy_dir), ==, strlen (cache) + 7);
  listing = list_dir (copy_dir);
  g_assert_cmpstr (listing, ==, AWKWARD_NAME);
  g_assert_cmpint (stat (copy, &copy_st), ==, 0);
  g_assert_cmpint (copy_st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (stat (copy_dir, &copy_st), ==, 0);
  g_assert_cmpint (copy_st.st_mode & 0777, ==, 0700);

  g_assert_true (g_file_get_contents (copy, &copy_data, &copy_size, NULL));
  g_assert_cmpmem (copy_data, copy_size, source_data, source_size);

  /* The slicer's file is untouched: same bytes, same change time. */
  g_assert_cmpint (stat (temp, &after_st), ==, 0);
  g_assert_cmpint (after_st.st_mtim.tv_nsec, ==, before_st.st_mtim.tv_nsec);
  g_assert_cmpint (after_st.st_mtime, ==, before_st.st_mtime);
  g_assert_cmpint (after_st.st_ctime, ==, before_st.st_ctime);
  g_assert_cmpint (after_st.st_size, ==, before_st.st_size);

  /* The slicer may delete its file right away: the copy stays. */
  g_assert_cmpint (g_unlink (temp), ==, 0);
  g_assert_true (g_file_test (copy, G_FILE_TEST_IS_REGULAR));

  after = list_dir (dir);
  g_assert_cmpstr (after, ==, "cache");
  af_test_remove_tree (dir);
}

static void
test_copy_names (void)
{
  static const struct { const char *output_name; const char *file; const char *expected; } cases[] = {
    { "/run/media/u/SD/Cube.gcode", "Cube.gcode.pp", "Cube.gcode" },
    { NULL, "Cube.gcode.pp", "Cube.gcode" },
    { NULL, ".PrusaSlicer.upload.0001", "PrusaSlicer.upload.0001" },
    { "", "Ring.bgcode", "Ring.bgcode" },
    { "folder/", "Ring.bgcode", "Ring.bgcode" },
    { "../..", "Ring.bgcode", "Ring.bgcode" },
    { "a\nb.gcode", "Ring.bgcode", "Ring.bgcode" },
    { "bad\xff.gcode", "Ring.bgcode", "Ring.bgcode" },
    { NULL, "...pp", "print.gcode" },
  };
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *source = af_test_write_file (dir, cases[i].file, "G28\n", 4);
      g_autofree char *copy = NULL;
      g_autofree char *name = NULL;
      g_autoptr(GError) error = NULL;

      copy = af_handoff_copy_from_slicer (source, cases[i].output_name, cache, &error);
      g_assert_no_error (error);
      name = g_path_get_basename (copy);
      g_assert_cmpstr (name, ==, cases[i].expected);
      g_unlink (source);
    }

  af_test_remove_tree (dir);
}

static void
assert_copy_refused (const char *source,
                     const char *cache,
                     goffset     max_size,
                     int         code,
                     const char *says)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *left = NULL;

  copy = af_handoff_copy_file_full (source, "x.gcode", cache, max_size, &error);
  g_assert_null (copy);
  g_assert_error (error, AF_HANDOFF_ERROR, code);
  if (strstr (error->message, says) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, says);

  /* Nothing half made stays behind. */
  left = list_dir (cache);
  g_assert_cmpstr (left, ==, "");
}

static void
test_copy_refused (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *data = g_malloc0 (1001);
  g_autofree char *at = af_test_write_file (dir, "at.gcode", data, 1000);
  g_autofree char *past = af_test_write_file (dir, "past.gcode", data, 1001);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.gcode", NULL);
  g_autofree char *huge = g_build_filename (dir, "huge.gcode", NULL);
  g_autofree char *copy = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started;
  int fd;

  g_assert_cmpint (g_mkdir (cache, 0700), ==, 0);

  /* At the size limit it is copied, one byte past it is not. */
  copy = af_handoff_copy_file_full (at, NULL, cache, 1000, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (copy, G_FILE_TEST_IS_REGULAR));
  g_unlink (copy);
  g_clear_pointer (&copy, g_free);
  af_test_remove_tree (cache);
  g_assert_cmpint (g_mkdir (cache, 0700), ==, 0);

  assert_copy_refused (past, cache, 1000, AF_HANDOFF_ERROR_TOO_LARGE, "is larger than");
  assert_copy_refused (missing, cache, 1000, AF_HANDOFF_ERROR_NOT_FOUND, "does not exist");
  assert_copy_refused (dir, cache, 1000, AF_HANDOFF_ERROR_NOT_REGULAR, "is a folder");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_copy_refused (fifo, cache, 1000, AF_HANDOFF_ERROR_NOT_REGULAR, "not a regular file");

  /* The real limit, on a sparse file: refused before a byte is read. */
  fd = open (huge, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, AF_HANDOFF_MAX_FILE_SIZE + 1), ==, 0);
  close (fd);
  started = g_get_monotonic_time ();
  copy = af_handoff_copy_from_slicer (huge, NULL, cache, &error);
  g_assert_null (copy);
  g_assert_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_TOO_LARGE);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_clear_error (&error);

  af_test_remove_tree (dir);
}

static void
set_age (const char *path,
         gint64      seconds)
{
  struct timeval times[2];

  gettimeofday (&times[0], NULL);
  times[0].tv_sec -= seconds;
  times[1] = times[0];
  g_assert_cmpint (utimes (path, times), ==, 0);
}

static void
test_copy_prunes (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *old = g_build_filename (cache, "aaaaaa", NULL);
  g_autofree char *recent = g_build_filename (cache, "bbbbbb", NULL);
  g_autofree char *other = g_build_filename (cache, "not-ours", NULL);
  g_autofree char *source = af_test_write_file (dir, "new.gcode", "G28\n", 4);
  g_autofree char *copy = NULL;
  g_autofree char *copy_parent = NULL;
  g_autofree char *copy_dir = NULL;
  g_autofree char *left = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  for (const char *d = old; d != NULL; d = d == old ? recent : d == recent ? other : NULL)
    {
      g_autofree char *file = NULL;

      g_assert_cmpint (g_mkdir_with_parents (d, 0700), ==, 0);
      file = af_test_write_file (d, "x.gcode", "G28\n", 4);
    }
  set_age (old, 8 * 24 * 3600);
  set_age (other, 8 * 24 * 3600);
  set_age (recent, 6 * 24 * 3600);

  copy = af_handoff_copy_from_slicer (source, NULL, cache, &error);
  g_assert_no_error (error);
  copy_parent = g_path_get_dirname (copy);
  copy_dir = g_path_get_basename (copy_parent);
  left = list_dir (cache);
  expected = strcmp (copy_dir, "bbbbbb") < 0
             ? g_strdup_printf ("%s,bbbbbb,not-ours", copy_dir)
             : g_strdup_printf ("bbbbbb,%s,not-ours", copy_dir);
  g_assert_cmpstr (left, ==, expected);

  af_test_remove_tree (dir);
}

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) handle = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

/* At most AF_HANDOFF_MAX_COPIES: past it the oldest go, however recent. */
static void
test_copy_keeps_newest (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *source = af_test_write_file (dir, "new.gcode", "G28\n", 4);
  g_autofree char *oldest = g_strdup_printf ("%s/old%03u", cache, AF_HANDOFF_MAX_COPIES - 2);
  g_autofree char *next = g_strdup_printf ("%s/old%03u", cache, AF_HANDOFF_MAX_COPIES - 3);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GError) error = NULL;

  /* AF_HANDOFF_MAX_COPIES - 1 copies, a minute apart, the oldest last. */
  for (guint i = 0; i + 1 < AF_HANDOFF_MAX_COPIES; i++)
    {
      g_autofree char *name = g_strdup_printf ("old%03u", i);
      g_autofree char *sub = g_build_filename (cache, name, NULL);
      g_autofree char *file = NULL;

      g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
      file = af_test_write_file (sub, "x.gcode", "G28\n", 4);
      set_age (sub, 60 * (i + 1));
    }

  /* At the limit with the new one: all stay. */
  first = af_handoff_copy_from_slicer (source, NULL, cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (cache), ==, AF_HANDOFF_MAX_COPIES);
  g_assert_true (g_file_test (oldest, G_FILE_TEST_IS_DIR));

  /* One past it: the oldest goes, the others and the first copy stay. */
  second = af_handoff_copy_from_slicer (source, NULL, cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (cache), ==, AF_HANDOFF_MAX_COPIES);
  g_assert_false (g_file_test (oldest, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (next, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (first, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));

  af_test_remove_tree (dir);
}

/* Clearing removes every copy but one a window holds, and nothing else. */
static void
test_copy_clear_and_hold (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *other = g_build_filename (cache, "not-ours", NULL);
  g_autofree char *source = af_test_write_file (dir, "new.gcode", "G28\n", 4);
  g_autofree char *first = af_handoff_copy_from_slicer (source, "First.gcode", cache, NULL);
  g_autofree char *second = af_handoff_copy_from_slicer (source, "Second.gcode", cache, NULL);
  g_autofree char *stray = NULL;
  g_autoptr(AfHandoffHold) hold = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (other, 0700), ==, 0);
  stray = af_test_write_file (other, "keep.txt", "x", 1);
  g_assert_null (af_handoff_hold_copy (source, cache));
  hold = af_handoff_hold_copy (second, cache);
  g_assert_nonnull (hold);

  g_assert_true (af_handoff_clear_copies (cache, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (first, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (stray, G_FILE_TEST_IS_REGULAR));

  /* Released, it goes with the next clearing. */
  g_clear_pointer (&hold, af_handoff_hold_free);
  g_assert_true (af_handoff_clear_copies (cache, &error));
  g_assert_false (g_file_test (second, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (stray, G_FILE_TEST_IS_REGULAR));
  /* No folder at all is nothing to clear. */
  g_assert_true (af_handoff_clear_copies (dir, &error));
  g_assert_no_error (error);

  af_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  af_core_init ();

  g_test_add_func ("/af/handoff/url/basic", test_url_basic);
  g_test_add_func ("/af/handoff/url/awkward", test_url_awkward);
  g_test_add_func ("/af/handoff/url/refused", test_url_refused);
  g_test_add_func ("/af/handoff/url/limits", test_url_limits);
  g_test_add_func ("/af/handoff/check-file", test_check_file);
  g_test_add_func ("/af/handoff/copy/basic", test_copy);
  g_test_add_func ("/af/handoff/copy/names", test_copy_names);
  g_test_add_func ("/af/handoff/copy/refused", test_copy_refused);
  g_test_add_func ("/af/handoff/copy/prunes", test_copy_prunes);
  g_test_add_func ("/af/handoff/copy/keeps-newest", test_copy_keeps_newest);
  g_test_add_func ("/af/handoff/copy/clear-and-hold", test_copy_clear_and_hold);

  return g_test_run ();
}
