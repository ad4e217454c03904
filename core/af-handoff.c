/* af-handoff.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-handoff"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "af-handoff.h"

struct _AfHandoffRequest
{
  char *path;
  char *name;
};

struct _AfHandoffHold
{
  int fd;
};

#define MAX_COPY_AGE_SECONDS ((gint64) AF_HANDOFF_COPY_MAX_AGE_DAYS * 24 * 60 * 60)
/* g_mkdtemp()'s "XXXXXX": the folders that hold our copies. */
#define COPY_DIR_NAME_LENGTH 6
#define COPY_BUFFER_SIZE     (256 * 1024)
/* "1.0.0" and room to spare; a longer version is no version of ours. */
#define MAX_VERSION_LENGTH   32

G_DEFINE_QUARK (af-handoff-error-quark, af_handoff_error)

void
af_handoff_request_free (AfHandoffRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->path);
  g_free (request->name);
  g_free (request);
}

const char *
af_handoff_request_get_path (AfHandoffRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->path;
}

const char *
af_handoff_request_get_name (AfHandoffRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->name;
}

gboolean
af_handoff_is_url (const char *text)
{
  gsize len = strlen (AF_HANDOFF_URL_SCHEME);

  g_return_val_if_fail (text != NULL, FALSE);

  return g_ascii_strncasecmp (text, AF_HANDOFF_URL_SCHEME, len) == 0 && text[len] == ':';
}

static gboolean
set_url_error (GError     **error,
               const char  *message)
{
  g_set_error_literal (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL, message);
  return FALSE;
}

/* RFC 3986's query characters. Everything else (a space, '#', a byte
 * outside ASCII) must reach us percent-encoded, as encodeURIComponent and
 * every slicer's URL encoder write it.
 */
static gboolean
is_query_char (guchar c)
{
  return g_ascii_isalnum (c) || strchr ("-._~!$&'()*+,;=:@/?%", c) != NULL;
}

/* Decodes %XX escapes exactly once; '+' is a plus sign, not a space. */
static char *
decode_value (const char  *value,
              gsize        length,
              gsize        max_length,
              const char  *what,
              GError     **error)
{
  g_autoptr(GString) decoded = g_string_sized_new (MIN (length, max_length) + 1);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = value[i];

      if (c == '%')
        {
          if (i + 2 >= length || !g_ascii_isxdigit (value[i + 1]) ||
              !g_ascii_isxdigit (value[i + 2]))
            {
              set_url_error (error, _("The link has a broken percent-encoding: “%” must be "
                                      "followed by two hexadecimal digits."));
              return NULL;
            }
          c = g_ascii_xdigit_value (value[i + 1]) << 4 | g_ascii_xdigit_value (value[i + 2]);
          i += 2;
          if (c == '\0')
            {
              g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL,
                           /* Translators: %s is "path" or "name", a parameter of the link */
                           _("The link’s %s contains a NUL byte (%%00)."), what);
              return NULL;
            }
        }

      if (decoded->len == max_length)
        {
          g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL,
                       /* Translators: %s is "path" or "name", %d a number of bytes */
                       _("The link’s %s is longer than %d bytes."), what, (int)max_length);
          return NULL;
        }
      g_string_append_c (decoded, c);
    }

  return g_string_free (g_steal_pointer (&decoded), FALSE);
}

/* The path must be the file itself: absolute, with no "." or ".." and no
 * empty components, so what the link shows is exactly what is read.
 */
static gboolean
check_path (const char  *path,
            GError     **error)
{
  g_auto(GStrv) parts = NULL;
  gboolean plain;

  if (path[0] != '/')
    return set_url_error (error, _("The file in the link must be given by its absolute path, "
                                   "beginning with “/”."));

  /* g_strsplit() gives no component at all for "/", which is no file either. */
  plain = !g_str_has_suffix (path, "/");
  parts = g_strsplit (path + 1, "/", -1);
  for (guint i = 0; plain && parts[i] != NULL; i++)
    plain = parts[i][0] != '\0' && !g_str_equal (parts[i], ".") && !g_str_equal (parts[i], "..");

  if (!plain)
    return set_url_error (error, _("The file’s path in the link contains “.”, “..” or an "
                                   "empty folder name; the slicer must give its plain "
                                   "absolute path."));

  return TRUE;
}

static gboolean
check_version (const char  *version,
               GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (version, ".", -1);
  guint n = g_strv_length (parts);

  for (guint i = 0; i < n; i++)
    {
      if (parts[i][0] == '\0' || strspn (parts[i], "0123456789") != strlen (parts[i]) ||
          strlen (parts[i]) > 9)
        n = 0;
    }

  if (n >= 1 && n <= 3 && g_str_equal (parts[0], "1"))
    return TRUE;

  g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL,
               /* Translators: %s is the version the link gives, e.g. "2.0.0" */
               _("The link is for version “%s” of the import-file format; this app reads "
                 "version 1. Update AtomForm Connect."),
               g_utf8_validate (version, -1, NULL) ? version : "?");
  return FALSE;
}

static gboolean
key_is (const char *param,
        gsize       key_length,
        const char *key)
{
  return key_length == strlen (key) && memcmp (param, key, key_length) == 0;
}

/* Stores one parameter; a known one given twice is refused, unknown ones
 * are left for later versions of the format.
 */
static gboolean
take_param (AfHandoffRequest  *request,
            char             **version,
            const char        *param,
            gsize              length,
            GError           **error)
{
  const char *equals = memchr (param, '=', length);
  gsize key_length;
  const char *value;
  gsize value_length;
  char **slot;
  const char *what;
  gsize max_length;

  if (equals == NULL || equals == param)
    return set_url_error (error, _("The link has an empty or malformed parameter; each must "
                                   "read “key=value”."));

  key_length = equals - param;
  value = equals + 1;
  value_length = length - key_length - 1;

  if (key_is (param, key_length, "path"))
    {
      slot = &request->path;
      what = "path";
      max_length = AF_HANDOFF_PATH_MAX_LENGTH;
    }
  else if (key_is (param, key_length, "name"))
    {
      slot = &request->name;
      what = "name";
      max_length = AF_HANDOFF_NAME_MAX_LENGTH;
    }
  else if (key_is (param, key_length, "version"))
    {
      slot = version;
      what = "version";
      max_length = MAX_VERSION_LENGTH;
    }
  else
    {
      return TRUE;
    }

  if (*slot != NULL)
    {
      g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL,
                   /* Translators: %s is "path", "name" or "version", a parameter of the link */
                   _("The link gives its %s twice."), what);
      return FALSE;
    }

  *slot = decode_value (value, value_length, max_length, what, error);
  return *slot != NULL;
}

/* "atomform-connect://import-file?" or ".../import-file/?"; returns the query. */
static const char *
skip_prefix (const char  *url,
             GError     **error)
{
  static const char * const prefixes[] = { "://import-file?", "://import-file/?" };
  const char *rest = url + strlen (AF_HANDOFF_URL_SCHEME);

  for (guint i = 0; i < G_N_ELEMENTS (prefixes) && af_handoff_is_url (url); i++)
    {
      if (g_ascii_strncasecmp (rest, prefixes[i], strlen (prefixes[i])) == 0)
        return rest + strlen (prefixes[i]);
    }

  set_url_error (error, _("This is not an AtomForm Connect import link: it must begin with "
                          "“atomform-connect://import-file?”."));
  return NULL;
}

static gboolean
parse_query (AfHandoffRequest  *request,
             const char        *query,
             GError           **error)
{
  g_autofree char *version = NULL;
  const char *param = query;
  guint n_params = 0;

  for (const char *p = query; *p != '\0'; p++)
    {
      if (!is_query_char (*p))
        return set_url_error (error, _("The link contains a space, “#” or another character that "
                                       "must be percent-encoded; the slicer that made it does not "
                                       "follow the import-file format."));
    }

  while (TRUE)
    {
      const char *end = strchr (param, '&');

      if (end == NULL)
        end = param + strlen (param);

      if (++n_params > AF_HANDOFF_URL_MAX_PARAMS)
        {
          g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL,
                       _("The link has more than %d parameters."), AF_HANDOFF_URL_MAX_PARAMS);
          return FALSE;
        }
      if (!take_param (request, &version, param, end - param, error))
        return FALSE;
      if (*end == '\0')
        break;
      param = end + 1;
    }

  if (request->path == NULL)
    return set_url_error (error, _("The link does not say which file to open: its “path” is "
                                   "missing."));
  if (version != NULL && !check_version (version, error))
    return FALSE;
  if (request->name != NULL && !g_utf8_validate (request->name, -1, NULL))
    return set_url_error (error, _("The job name in the link is not valid UTF-8 text."));

  return check_path (request->path, error);
}

/**
 * af_handoff_request_parse:
 * @url: an atomform-connect://import-file URL
 * @error: return location for an %AF_HANDOFF_ERROR_INVALID_URL
 *
 * Parses the URL slicers build for a connector app:
 * `atomform-connect://import-file?path=<absolute path>&name=<name>&version=1.0.0`,
 * each value percent-encoded the way encodeURIComponent() does it. Every
 * value is decoded exactly once and '+' stays a plus sign. The parser is
 * strict: at most %AF_HANDOFF_URL_MAX_LENGTH bytes and
 * %AF_HANDOFF_URL_MAX_PARAMS parameters (both checked first), only RFC 3986
 * query characters, no fragment, no empty or repeated parameter, a path of
 * at most %AF_HANDOFF_PATH_MAX_LENGTH bytes that is absolute and plain (no
 * "." or ".." components), a name of valid UTF-8 of at most
 * %AF_HANDOFF_NAME_MAX_LENGTH bytes, and a version of major 1 if given.
 *
 * Returns: (transfer full): the request, or %NULL with @error set
 */
AfHandoffRequest *
af_handoff_request_parse (const char  *url,
                          GError     **error)
{
  g_autoptr(AfHandoffRequest) request = NULL;
  const char *query;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (strnlen (url, AF_HANDOFF_URL_MAX_LENGTH + 1) > AF_HANDOFF_URL_MAX_LENGTH)
    {
      g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_INVALID_URL,
                   _("The link is longer than %d characters; export the file to a shorter path "
                     "and send it again."), AF_HANDOFF_URL_MAX_LENGTH);
      return NULL;
    }

  if ((query = skip_prefix (url, error)) == NULL)
    return NULL;

  request = g_new0 (AfHandoffRequest, 1);
  if (!parse_query (request, query, error))
    return NULL;

  return g_steal_pointer (&request);
}

static gboolean
set_file_error (GError     **error,
                const char  *path,
                int          saved_errno)
{
  g_autofree char *display = g_filename_display_name (path);

  if (saved_errno == ENOENT || saved_errno == ENOTDIR)
    g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_FOUND,
                 _("“%s” does not exist. If the slicer removed it, export it again."), display);
  else if (saved_errno == EISDIR)
    g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_REGULAR,
                 _("“%s” is a folder; give a .gcode, .bgcode or .gcode.3mf file."), display);
  else
    g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_FAILED,
                 _("Cannot read “%s”: %s"), display, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
check_stat (const char   *path,
            struct stat  *st,
            GError      **error)
{
  g_autofree char *display = NULL;

  if (S_ISREG (st->st_mode))
    return TRUE;
  if (S_ISDIR (st->st_mode))
    return set_file_error (error, path, EISDIR);

  display = g_filename_display_name (path);
  g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_NOT_REGULAR,
               _("“%s” is not a regular file; give a .gcode, .bgcode or .gcode.3mf file."),
               display);
  return FALSE;
}

gboolean
af_handoff_check_file (const char  *path,
                       GError     **error)
{
  struct stat st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (stat (path, &st) != 0)
    return set_file_error (error, path, errno);

  return check_stat (path, &st, error);
}

GFile *
af_handoff_resolve_url (const char  *url,
                        GError     **error)
{
  g_autoptr(AfHandoffRequest) request = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  if ((request = af_handoff_request_parse (url, error)) == NULL ||
      !af_handoff_check_file (request->path, error))
    return NULL;

  return g_file_new_for_path (request->path);
}

char *
af_handoff_get_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "atomform-connect", "from-slicer", NULL);
}

static gboolean
is_good_name (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '.' || strlen (name) > 255 ||
      !g_utf8_validate (name, -1, NULL))
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '/' || g_ascii_iscntrl (*p))
        return FALSE;
    }

  return TRUE;
}

/* What the copy is called: the last component of the slicer's output name,
 * else the file's own name without PrusaSlicer's ".pp" and leading dots
 * (its upload copies are called ".PrusaSlicer.upload.XXXX").
 */
static char *
copy_name (const char *output_name,
           const char *path)
{
  g_autofree char *own = g_path_get_basename (path);
  const char *name;

  if (output_name != NULL)
    {
      const char *slash = strrchr (output_name, '/');

      name = slash != NULL ? slash + 1 : output_name;
      if (is_good_name (name))
        return g_strdup (name);
    }

  if (g_str_has_suffix (own, ".pp"))
    own[strlen (own) - 3] = '\0';
  for (name = own; *name == '.'; name++)
    ;

  return g_strdup (is_good_name (name) ? name : "print.gcode");
}

static gboolean
set_too_large (GError     **error,
               const char  *path,
               goffset      max_size)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *size = g_format_size (max_size);

  g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_TOO_LARGE,
               /* Translators: %s is a file, the second %s a size such as "1.1 GB" */
               _("“%s” is larger than %s, which printers refuse."), display, size);
  return FALSE;
}

static gboolean
set_write_error (GError     **error,
                 const char  *dir,
                 int          saved_errno)
{
  g_autofree char *display = g_filename_display_name (dir);

  g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_FAILED,
               _("Could not copy the slicer’s file to “%s”: %s"), display,
               g_strerror (saved_errno));
  return FALSE;
}

/* Copies to EOF, refusing a file that grew past max_size meanwhile. */
static gboolean
copy_fd (int          in_fd,
         int          out_fd,
         const char  *path,
         const char  *dir,
         goffset      max_size,
         GError     **error)
{
  g_autofree char *buffer = g_malloc (COPY_BUFFER_SIZE);
  goffset total = 0;

  while (TRUE)
    {
      gssize n = read (in_fd, buffer, COPY_BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_file_error (error, path, errno);
      if (n == 0)
        break;
      if ((total += n) > max_size)
        return set_too_large (error, path, max_size);

      for (gssize done = 0; done < n;)
        {
          gssize written = write (out_fd, buffer + done, n - done);

          if (written < 0 && errno == EINTR)
            continue;
          if (written < 0)
            return set_write_error (error, dir, errno);
          done += written;
        }
    }

  if (fsync (out_fd) != 0)
    return set_write_error (error, dir, errno);

  return TRUE;
}

typedef struct
{
  char   *path;
  gint64  mtime;
} CopyDir;

static void
copy_dir_clear (gpointer data)
{
  g_free (((CopyDir *) data)->path);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  gint64 ma = ((const CopyDir *) a)->mtime;
  gint64 mb = ((const CopyDir *) b)->mtime;

  return ma < mb ? 1 : ma > mb ? -1 : 0;
}

/* The folders of copies under cache_dir, newest first: only real folders
 * named as g_mkdtemp() names ours; never the one to keep.
 */
static GArray *
list_copy_dirs (const char *cache_dir,
                const char *keep)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (CopyDir));
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *entry;

  g_array_set_clear_func (found, copy_dir_clear);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      CopyDir copy = { g_build_filename (cache_dir, entry, NULL), 0 };
      struct stat st;

      if (strlen (entry) != COPY_DIR_NAME_LENGTH || g_strcmp0 (copy.path, keep) == 0 ||
          lstat (copy.path, &st) != 0 || !S_ISDIR (st.st_mode))
        {
          g_free (copy.path);
          continue;
        }
      copy.mtime = st.st_mtime;
      g_array_append_val (found, copy);
    }
  g_array_sort (found, compare_newest_first);
  return found;
}

static gboolean
set_remove_error (GError     **error,
                  const char  *path,
                  int          saved_errno)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, AF_HANDOFF_ERROR, AF_HANDOFF_ERROR_FAILED,
               /* Translators: %s is a copy of a slicer's file, the second %s why */
               _("Could not delete the copy “%s”: %s. Delete it yourself, or check the "
                 "folder’s permissions."), display, g_strerror (saved_errno));
  return FALSE;
}

/* Removes a folder of copies and the files in it, unless a window holds
 * it (af_handoff_hold_copy()): the exclusive lock is refused then, and it
 * stays. Anything but a regular file in it keeps the folder too.
 */
static gboolean
remove_copy_dir (const char  *path,
                 GError     **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  g_autoptr(GDir) dir = NULL;
  const char *file;
  gboolean ok = TRUE;

  if (fd < 0)
    return errno == ENOENT ? TRUE : set_remove_error (error, path, errno);
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      g_debug ("A window has the copy in %s open; it stays", path);
      close (fd);
      return TRUE;
    }
  dir = g_dir_open (path, 0, NULL);
  while (ok && dir != NULL && (file = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, file, NULL);
      struct stat st;

      if (lstat (child, &st) == 0 && S_ISREG (st.st_mode) && g_unlink (child) != 0 &&
          errno != ENOENT)
        ok = set_remove_error (error, child, errno);
    }
  if (ok && g_rmdir (path) != 0 && errno != ENOENT && errno != ENOTEMPTY)
    ok = set_remove_error (error, path, errno);
  close (fd);
  return ok;
}

/* After a new copy (keep): the rule in af-handoff.h. Failures are only
 * logged: the new copy is made, and the next one tries again.
 */
static void
prune_old_copies (const char *cache_dir,
                  const char *keep)
{
  g_autoptr(GArray) copies = list_copy_dirs (cache_dir, keep);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < copies->len; i++)
    {
      const CopyDir *copy = &g_array_index (copies, CopyDir, i);
      g_autoptr(GError) error = NULL;

      if (i + 1 < AF_HANDOFF_MAX_COPIES && now - copy->mtime < MAX_COPY_AGE_SECONDS)
        continue;
      if (!remove_copy_dir (copy->path, &error))
        g_debug ("Could not remove an old copy: %s", error->message);
    }
}

gboolean
af_handoff_clear_copies (const char  *cache_dir,
                         GError     **error)
{
  g_autoptr(GArray) copies = NULL;

  g_return_val_if_fail (cache_dir != NULL, FALSE);

  copies = list_copy_dirs (cache_dir, NULL);
  for (guint i = 0; i < copies->len; i++)
    {
      if (!remove_copy_dir (g_array_index (copies, CopyDir, i).path, error))
        return FALSE;
    }
  return TRUE;
}

AfHandoffHold *
af_handoff_hold_copy (const char *path,
                      const char *cache_dir)
{
  g_autofree char *folder = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *name = NULL;
  AfHandoffHold *hold;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cache_dir != NULL, NULL);

  folder = g_path_get_dirname (path);
  parent = g_path_get_dirname (folder);
  name = g_path_get_basename (folder);
  if (strlen (name) != COPY_DIR_NAME_LENGTH || !g_str_equal (parent, cache_dir))
    return NULL;
  fd = open (folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  if (flock (fd, LOCK_SH | LOCK_NB) != 0)
    {
      close (fd);
      return NULL;
    }
  hold = g_new (AfHandoffHold, 1);
  hold->fd = fd;
  return hold;
}

void
af_handoff_hold_free (AfHandoffHold *hold)
{
  if (hold == NULL)
    return;
  close (hold->fd);
  g_free (hold);
}

/* Opens without blocking on a FIFO, so that its type can be checked. */
static int
open_source (const char  *path,
             goffset      max_size,
             GError     **error)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

  if (fd < 0)
    {
      set_file_error (error, path, errno);
      return -1;
    }

  if (fstat (fd, &st) != 0)
    set_file_error (error, path, errno);
  else if (!check_stat (path, &st, error))
    ;
  else if (st.st_size > max_size)
    set_too_large (error, path, max_size);
  else
    return fd;

  close (fd);
  return -1;
}

char *
af_handoff_copy_file_full (const char  *path,
                           const char  *output_name,
                           const char  *cache_dir,
                           goffset      max_size,
                           GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *name = NULL;
  int in_fd, out_fd;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cache_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((in_fd = open_source (path, max_size, error)) < 0)
    return NULL;

  dir = g_build_filename (cache_dir, "XXXXXX", NULL);
  if (g_mkdir_with_parents (cache_dir, 0700) != 0 || g_mkdtemp_full (dir, 0700) == NULL)
    {
      set_write_error (error, cache_dir, errno);
      close (in_fd);
      return NULL;
    }

  /* A dot file under another name until complete, so nothing sees half a copy. */
  partial = g_build_filename (dir, ".partial.XXXXXX", NULL);
  name = copy_name (output_name, path);
  dest = g_build_filename (dir, name, NULL);
  out_fd = g_mkstemp_full (partial, O_WRONLY | O_CLOEXEC, 0600);
  ok = out_fd >= 0 ? copy_fd (in_fd, out_fd, path, dir, max_size, error)
                   : set_write_error (error, dir, errno);
  close (in_fd);
  if (out_fd >= 0 && close (out_fd) != 0 && ok)
    ok = set_write_error (error, dir, errno);
  if (ok && g_rename (partial, dest) != 0)
    ok = set_write_error (error, dir, errno);

  if (!ok)
    {
      g_unlink (partial);
      g_rmdir (dir);
      return NULL;
    }

  prune_old_copies (cache_dir, dir);
  return g_steal_pointer (&dest);
}

char *
af_handoff_copy_from_slicer (const char  *path,
                             const char  *output_name,
                             const char  *cache_dir,
                             GError     **error)
{
  return af_handoff_copy_file_full (path, output_name, cache_dir, AF_HANDOFF_MAX_FILE_SIZE,
                                    error);
}
