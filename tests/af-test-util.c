/* af-test-util.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-test-util"

#include "config.h"

#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "af-archive.h"
#include "af-gcode-reader.h"
#include "af-test-util.h"

const char *
af_test_corpus_dir (void)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return dir != NULL ? dir : AF_CORPUS_DIR;
}

AfGcodeInfo *
af_test_corpus_info (const char *kind,
                          const char *name)
{
  g_autofree char *path = g_build_filename (af_test_corpus_dir (), kind, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfArchive) archive = NULL;
  AfGcodeInfo *info;

  if (g_strcmp0 (kind, "3mf") != 0)
    {
      info = af_gcode_read_file (file, NULL, &error);
      g_assert_no_error (error);
      return info;
    }
  archive = af_archive_open (file, NULL, &error);
  g_assert_no_error (error);
  info = af_archive_get_plate_info (archive, 1, &error);
  g_assert_no_error (error);
  return info;
}

char *
af_test_corpus_report (const char *report)
{
  g_autofree char *path = g_build_filename (af_test_corpus_dir (), "mqtt", report, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *message;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  message = json_object_get_member (json_node_get_object (json_parser_get_root (parser)),
                                    "pushall");
  g_assert_nonnull (message);
  return json_to_string (message, FALSE);
}

AfGcodeInfo *
af_test_read_gcode (const char  *path,
                    GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return af_gcode_read_file (file, NULL, error);
}

char *
af_test_write_file (const char *dir,
                    const char *name,
                    const void *data,
                    gsize       size)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
  return path;
}

void
af_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        af_test_remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

int
af_test_listen_loopback (guint *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

  g_assert_cmpint (fd, >=, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 4), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  *port = ntohs (addr.sin_port);
  return fd;
}

guint
af_test_free_port (void)
{
  guint port = 0;

  close (af_test_listen_loopback (&port));
  return port;
}
