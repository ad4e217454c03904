/* test-ftps-upload.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-ftps-upload"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pwd.h>
#include <glib/gstdio.h>

#include "af-core.h"

/*
 * The uploads go to a real vsftpd 3.0.3 started here (tests/recipes §6), the
 * same server the printers run: implicit TLS, require_ssl_reuse=YES, PASV
 * only. vsftpd needs root and a system user; the test creates the user
 * "bblp" only when it is absent and removes it again, and skips when not run
 * as root. The server runs in its own process group, so "killing the
 * server" also kills the session processes of an upload in flight.
 */

#define SERIAL "01S00A000000042"
#define ACCESS_CODE "13572468"
#define USER "bblp"
#define BIG_SIZE (50 * 1024 * 1024)
/* Sparse, so it costs no disk here; large enough that a report arrives well
 * before the end even on a fast loopback (reports come every 200 ms).
 */
#define HUGE_SIZE ((goffset) 512 * 1024 * 1024)

typedef struct
{
  char     *dir;
  char     *storage;
  char     *ca_file;
  char     *fingerprint;
  char     *conf;
  char     *log;
  char     *pam_service;
  guint     port;
  GPid      pid;
  gboolean  created_user;
} Server;

static Server server;
/* The final-reply wait upload_file_full() passes (0: the default). */
static guint final_reply_seconds;

/* Debug messages of the LAN layer, to prove what it tried. */
static GMutex log_mutex;
static GPtrArray *lan_messages;

/* --- helpers ------------------------------------------------------------ */

static const char *
corpus_dir (void)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return dir != NULL ? dir : AF_CORPUS_DIR;
}

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if (g_strcmp0 (domain, "af-lan") == 0 && message != NULL)
    {
      g_mutex_lock (&log_mutex);
      g_ptr_array_add (lan_messages, g_strdup (message));
      g_mutex_unlock (&log_mutex);
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
logged (const char *needle)
{
  gboolean found = FALSE;

  g_mutex_lock (&log_mutex);
  for (guint i = 0; i < lan_messages->len && !found; i++)
    found = strstr (g_ptr_array_index (lan_messages, i), needle) != NULL;
  g_mutex_unlock (&log_mutex);
  return found;
}

static void
clear_log (void)
{
  g_mutex_lock (&log_mutex);
  g_ptr_array_set_size (lan_messages, 0);
  g_mutex_unlock (&log_mutex);
}

static gboolean
run (const char *command_line,
     char      **output)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *errors = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (command_line, output, &errors, &status, &error))
    {
      g_test_message ("%s: %s", command_line, error->message);
      return FALSE;
    }
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
run_argv (const char * const *argv,
          const char         *input)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE
                                     | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                     | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  if (process == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (process, input, NULL, NULL, NULL, &error))
    return FALSE;
  return g_subprocess_get_successful (process);
}

static guint
free_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static gboolean
port_open (guint port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean open;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  open = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);
  return open;
}

static char *
storage_path (const char *name)
{
  return g_build_filename (server.storage, name, NULL);
}

static gboolean
storage_has (const char *name)
{
  g_autofree char *path = storage_path (name);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
read_server_log (void)
{
  char *text = NULL;

  if (!g_file_get_contents (server.log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* --- the server --------------------------------------------------------- */

static gboolean
make_certificates (void)
{
  g_autofree char *key = g_build_filename (server.dir, "ca.key", NULL);
  g_autofree char *ext = g_build_filename (server.dir, "server.ext", NULL);
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) hex = g_string_new (NULL);

  server.ca_file = g_build_filename (server.dir, "ca.crt", NULL);
  if (!g_file_set_contents (ext, "basicConstraints=CA:FALSE\n"
                                 "keyUsage=digitalSignature,keyEncipherment\n"
                                 "extendedKeyUsage=serverAuth\n", -1, NULL))
    return FALSE;

  cmd = g_strdup_printf ("sh -c 'cd %s && "
                         "openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj \"/CN=AF Test CA\" "
                         "-keyout ca.key -out ca.crt 2>/dev/null && "
                         "openssl req -newkey rsa:2048 -nodes -subj \"/CN=" SERIAL "\" "
                         "-keyout server.key -out server.csr 2>/dev/null && "
                         "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
                         "-CAcreateserial -days 30 -out server.crt -extfile server.ext 2>/dev/null'",
                         server.dir);
  if (!run (cmd, NULL))
    return FALSE;

  g_free (cmd);
  cmd = g_strdup_printf ("openssl x509 -in %s/server.crt -noout -fingerprint -sha256", server.dir);
  if (!run (cmd, &out))
    return FALSE;
  /* "sha256 Fingerprint=AB:CD:…" */
  parts = g_strsplit (g_strstrip (strchr (out, '=') + 1), ":", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    g_string_append (hex, parts[i]);
  server.fingerprint = g_ascii_strdown (hex->str, -1);
  (void) key;
  return strlen (server.fingerprint) == 64;
}

static gboolean
make_user (void)
{
  const char *useradd[] = { "useradd", "-M", "-d", server.storage, "-s", "/bin/bash", USER, NULL };
  const char *chpasswd[] = { "chpasswd", NULL };
  const char *chown_argv[] = { "chown", USER, server.storage, NULL };

  struct passwd *entry = getpwnam (USER);

  /* A run that was killed leaves its user behind, with a home in a
   * temporary folder that is gone: that user is ours to take over.
   */
  if (entry != NULL && g_str_has_prefix (entry->pw_dir, g_get_tmp_dir ()) &&
      strstr (entry->pw_dir, "/af-ftps-") != NULL &&
      !g_file_test (entry->pw_dir, G_FILE_TEST_EXISTS))
    {
      const char *usermod[] = { "usermod", "-d", server.storage, USER, NULL };

      if (!run_argv (usermod, NULL))
        return FALSE;
      server.created_user = TRUE;
    }
  else if (entry == NULL)
    {
      if (!run_argv (useradd, NULL))
        return FALSE;
      server.created_user = TRUE;
    }
  return run_argv (chpasswd, USER ":" ACCESS_CODE "\n") && run_argv (chown_argv, NULL);
}

/* PAM without pam_unix's delay after a failed login keeps the wrong-code
 * test fast.
 */
static gboolean
make_pam_service (void)
{
  g_autofree char *path = NULL;

  server.pam_service = g_strdup_printf ("af-test-ftps-%d", (int) getpid ());
  path = g_build_filename ("/etc/pam.d", server.pam_service, NULL);
  return g_file_set_contents (path, "auth required pam_unix.so nodelay\n"
                                    "account required pam_unix.so\n"
                                    "session required pam_permit.so\n", -1, NULL);
}

static gboolean
write_config (void)
{
  g_autofree char *text = NULL;

  server.conf = g_build_filename (server.dir, "vsftpd.conf", NULL);
  server.log = g_build_filename (server.dir, "vsftpd.log", NULL);
  text = g_strdup_printf ("listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\n"
                          "listen_port=%u\nbackground=NO\nanonymous_enable=NO\n"
                          "local_enable=YES\nwrite_enable=YES\nlocal_umask=022\n"
                          "local_root=%s\npam_service_name=%s\n"
                          "secure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\n"
                          "ssl_enable=YES\nimplicit_ssl=YES\n"
                          "rsa_cert_file=%s/server.crt\nrsa_private_key_file=%s/server.key\n"
                          "force_local_logins_ssl=YES\nforce_local_data_ssl=YES\n"
                          "require_ssl_reuse=YES\nssl_tlsv1=YES\nssl_sslv2=NO\nssl_sslv3=NO\n"
                          "ssl_ciphers=HIGH\nssl_request_cert=NO\n"
                          "pasv_enable=YES\npasv_address=127.0.0.1\nport_enable=NO\n"
                          "xferlog_enable=YES\nvsftpd_log_file=%s\ndual_log_enable=YES\n"
                          "log_ftp_protocol=YES\ndebug_ssl=YES\n",
                          server.port, server.storage, server.pam_service,
                          server.dir, server.dir, server.log);
  return g_file_set_contents (server.conf, text, -1, NULL);
}

/* Its own process group, so the whole server can be killed at once; and it
 * dies with the test, even when an assertion aborts it.
 */
static void
own_process_group (gpointer user_data)
{
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
start_vsftpd (void)
{
  const char *argv[] = { "/usr/sbin/vsftpd", server.conf, NULL };
  g_autoptr(GError) error = NULL;

  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                      | G_SPAWN_STDERR_TO_DEV_NULL,
                      own_process_group, NULL, &server.pid, &error))
    {
      g_test_message ("vsftpd: %s", error->message);
      return FALSE;
    }
  for (guint i = 0; i < 500; i++)
    {
      if (port_open (server.port))
        return TRUE;
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  return FALSE;
}

/* The parent of pid, from /proc/PID/stat ("pid (comm) state ppid …"). */
static GPid
parent_of (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return 0;
  return (GPid) g_ascii_strtoll (p + 4, NULL, 10);
}

/* vsftpd makes each session a session leader of its own, so a process
 * group does not hold them: walk /proc for every descendant of the listener.
 */
static void
kill_descendants (GPid root)
{
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  gboolean grew = TRUE;
  const char *name;

  g_array_append_val (pids, root);
  while (grew)
    {
      grew = FALSE;
      g_dir_rewind (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);
          GPid parent = parent_of (name);
          gboolean known = FALSE;
          gboolean parent_known = FALSE;

          if (pid <= 0)
            continue;
          for (guint i = 0; i < pids->len; i++)
            {
              known |= g_array_index (pids, GPid, i) == pid;
              parent_known |= g_array_index (pids, GPid, i) == parent;
            }
          if (!known && parent_known)
            {
              g_array_append_val (pids, pid);
              grew = TRUE;
            }
        }
    }
  for (guint i = pids->len; i > 1; i--)
    kill (g_array_index (pids, GPid, i - 1), SIGKILL);
}

/* Kills the listener and every session process, like a printer losing power. */
static void
kill_vsftpd (void)
{
  if (server.pid == 0)
    return;
  kill_descendants (server.pid);
  kill (-server.pid, SIGKILL);
  waitpid (server.pid, NULL, 0);
  g_spawn_close_pid (server.pid);
  server.pid = 0;
  for (guint i = 0; i < 200 && port_open (server.port); i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
}

static gboolean
server_setup (void)
{
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0 || !g_file_test ("/usr/sbin/vsftpd", G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;

  server.dir = g_dir_make_tmp ("af-ftps-XXXXXX", &error);
  g_assert_no_error (error);
  g_chmod (server.dir, 0755);
  server.storage = g_build_filename (server.dir, "storage", NULL);
  g_assert_cmpint (g_mkdir (server.storage, 0755), ==, 0);
  g_mkdir_with_parents ("/var/run/vsftpd/empty", 0755);
  server.port = free_port ();

  return make_certificates () && make_user () && make_pam_service () && write_config ()
         && start_vsftpd ();
}

static void
server_teardown (void)
{
  g_autofree char *pam_path = NULL;
  g_autofree char *cmd = NULL;

  kill_vsftpd ();
  if (server.created_user)
    run ("userdel " USER, NULL);
  if (server.pam_service != NULL)
    {
      pam_path = g_build_filename ("/etc/pam.d", server.pam_service, NULL);
      g_unlink (pam_path);
    }
  if (server.dir != NULL)
    {
      cmd = g_strdup_printf ("rm -rf %s", server.dir);
      run (cmd, NULL);
    }
}

/* A failed assertion aborts: still remove the user, PAM service and files. */
static void
abort_handler (int signum)
{
  signal (SIGABRT, SIG_DFL);
  server_teardown ();
  abort ();
}

/* --- uploading ---------------------------------------------------------- */

typedef enum
{
  ACTION_NONE,
  ACTION_CANCEL,
  ACTION_KILL,
} Action;

typedef struct
{
  GMainLoop        *loop;
  GCancellable     *cancellable;
  GError           *error;
  gboolean          done;
  gboolean          ok;
  Action            action;
  gboolean          acted;
  guint             n_progress;
  AfUploadProgress  last;
  gboolean          destroyed;
  gboolean          destroyed_before_done;
  GThread          *main_thread;
} Upload;

static void
progress_cb (const AfUploadProgress *progress,
             gpointer                user_data)
{
  Upload *upload = user_data;

  g_assert_true (g_thread_self () == upload->main_thread);
  g_assert_cmpuint (progress->sent, <=, progress->total);
  g_assert_cmpuint (progress->sent, >=, upload->last.sent);
  upload->n_progress++;
  upload->last = *progress;

  if (upload->action == ACTION_NONE || upload->acted || progress->sent == 0)
    return;
  /* Half-way, or at the first report with data in flight if the loopback is
   * faster than the reports.
   */
  if (progress->sent * 2 < progress->total && upload->n_progress < 3)
    return;
  g_assert_cmpuint (progress->sent, <, progress->total);
  upload->acted = TRUE;
  if (upload->action == ACTION_CANCEL)
    g_cancellable_cancel (upload->cancellable);
  else
    kill_vsftpd ();
}

static void
progress_destroy (gpointer user_data)
{
  Upload *upload = user_data;

  upload->destroyed = TRUE;
}

static void
upload_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Upload *upload = user_data;

  upload->ok = af_ftps_upload_finish (result, &upload->error);
  upload->done = TRUE;
  upload->destroyed_before_done = upload->destroyed;
  g_main_loop_quit (upload->loop);
}

static AfPrinter *
make_printer (const char *serial,
              const char *ca_file,
              const char *fingerprint)
{
  AfPrinter *printer = af_printer_new (serial);

  af_printer_set_host (printer, "127.0.0.1");
  af_printer_set_ftps_port (printer, server.port);
  af_printer_set_ca_file (printer, ca_file);
  af_printer_set_fingerprint (printer, fingerprint);
  return printer;
}

/* Uploads and waits until both the result and the progress destroy notify
 * have arrived.
 */
static void
upload_file_full (AfPrinter  *printer,
                  const char *code,
                  const char *path,
                  const char *name,
                  Action      action,
                  guint       stall_seconds,
                  Upload     *upload)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  memset (upload, 0, sizeof *upload);
  upload->loop = g_main_loop_new (NULL, FALSE);
  upload->cancellable = g_cancellable_new ();
  upload->action = action;
  upload->main_thread = g_thread_self ();

  af_ftps_upload_async (printer, code, file, name, stall_seconds, final_reply_seconds,
                        progress_cb, upload,
                        progress_destroy,
                        upload->cancellable, upload_done_cb, upload);
  g_main_loop_run (upload->loop);
  while (!upload->destroyed)
    g_main_context_iteration (NULL, TRUE);

  g_clear_pointer (&upload->loop, g_main_loop_unref);
  g_clear_object (&upload->cancellable);
}

static void
upload_file (AfPrinter  *printer,
             const char *code,
             const char *path,
             const char *name,
             Action      action,
             Upload     *upload)
{
  upload_file_full (printer, code, path, name, action, 10, upload);
}

static void
upload_clear (Upload *upload)
{
  g_clear_error (&upload->error);
}

static char *
make_big_file (void)
{
  g_autofree char *path = g_build_filename (server.dir, "big.gcode.3mf", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  FILE *out = fopen (path, "wb");
  guint32 block[16384];

  g_assert_nonnull (out);
  for (gsize written = 0; written < BIG_SIZE; written += sizeof block)
    {
      for (guint i = 0; i < G_N_ELEMENTS (block); i++)
        block[i] = g_rand_int (rand);
      g_assert_cmpuint (fwrite (block, 1, sizeof block, out), ==, sizeof block);
    }
  g_assert_cmpint (fclose (out), ==, 0);
  return g_steal_pointer (&path);
}

static char *
make_huge_file (void)
{
  g_autofree char *path = g_build_filename (server.dir, "huge.gcode.3mf", NULL);
  FILE *out = fopen (path, "wb");

  g_assert_nonnull (out);
  g_assert_cmpint (ftruncate (fileno (out), HUGE_SIZE), ==, 0);
  g_assert_cmpint (fclose (out), ==, 0);
  return g_steal_pointer (&path);
}

static void
assert_same_file (const char *local,
                  const char *name)
{
  g_autofree char *remote = storage_path (name);
  g_autofree char *cmd = g_strdup_printf ("cmp %s %s", local, remote);

  g_assert_true (run (cmd, NULL));
}

#define SKIP_WITHOUT_SERVER()                                                   \
  G_STMT_START {                                                                \
    if (server.pid == 0)                                                        \
      {                                                                         \
        g_test_skip ("needs root and vsftpd");                                  \
        return;                                                                 \
      }                                                                         \
  } G_STMT_END

/* --- tests -------------------------------------------------------------- */

static void
test_sanitize_name (void)
{
  static const struct
  {
    const char *in;
    const char *out;
  } cases[] = {
    { "My Part (v2).gcode.3mf", "My_Part_v2.gcode.3mf" },
    { "cube.gcode.3mf", "cube.gcode.3mf" },
    { "Cube.GCODE.3MF", "Cube.gcode.3mf" },
    { "Würfel groß.gcode.3mf", "Wurfel_gross.gcode.3mf" },
    { "../../etc/passwd.gcode.3mf", "etc_passwd.gcode.3mf" },
    { ".hidden.gcode.3mf", "hidden.gcode.3mf" },
    { "a/b\\c.gcode.3mf", "a_b_c.gcode.3mf" },
    { "箱体.gcode.3mf", "print.gcode.3mf" },
    { ".gcode.3mf", "print.gcode.3mf" },
    { "", "print" },
    { "rings v1.2-final_ok.gcode.3mf", "rings_v1.2-final_ok.gcode.3mf" },
    { "name; DELE x\r\n.gcode.3mf", "name_DELE_x.gcode.3mf" },
    { "plain.gcode", "plain.gcode" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = af_ftps_sanitize_name (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  /* Long names are cut, keeping the suffix. */
  {
    g_autofree char *stem = g_strnfill (300, 'x');
    g_autofree char *in = g_strconcat (stem, ".gcode.3mf", NULL);
    g_autofree char *out = af_ftps_sanitize_name (in);

    g_assert_cmpuint (strlen (out), <=, 130);
    g_assert_true (g_str_has_suffix (out, ".gcode.3mf"));
  }
}

static void
test_upload_archive (void)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-02.07-p1s.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *log_before = NULL;
  g_autofree char *log_after = NULL;
  GStatBuf st;
  Upload upload;

  SKIP_WITHOUT_SERVER ();
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  log_before = read_server_log ();

  printer = make_printer (SERIAL, NULL, server.fingerprint);
  upload_file (printer, ACCESS_CODE, path, "p1s.gcode.3mf", ACTION_NONE, &upload);
  g_assert_no_error (upload.error);
  g_assert_true (upload.ok);
  assert_same_file (path, "p1s.gcode.3mf");

  g_assert_cmpuint (upload.n_progress, >=, 1);
  g_assert_cmpuint (upload.last.sent, ==, st.st_size);
  g_assert_cmpuint (upload.last.total, ==, st.st_size);
  g_assert_cmpint (upload.last.eta_seconds, ==, 0);
  g_assert_false (upload.destroyed_before_done);

  /* TLS 1.2 at most, and vsftpd's require_ssl_reuse was satisfied. */
  log_after = read_server_log ();
  g_assert_cmpuint (count (log_after, "TLSv1.3"), ==, count (log_before, "TLSv1.3"));
  g_assert_cmpuint (count (log_after, "TLSv1.2"), >, count (log_before, "TLSv1.2"));
  g_assert_cmpuint (count (log_after, "reused"), >, count (log_before, "reused"));
  g_assert_cmpuint (count (log_after, "EPSV"), ==, 0);
  upload_clear (&upload);

  g_assert_finalize_object (g_steal_pointer (&printer));
}

static void
test_upload_ca (void)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = make_printer (SERIAL, server.ca_file, NULL);
  Upload upload;

  SKIP_WITHOUT_SERVER ();
  upload_file (printer, ACCESS_CODE, path, "rings.gcode.3mf", ACTION_NONE, &upload);
  g_assert_no_error (upload.error);
  assert_same_file (path, "rings.gcode.3mf");
  upload_clear (&upload);
}

static void
assert_refused (AfPrinter  *printer,
                const char *code,
                GQuark      domain,
                int         error_code,
                gboolean    login_attempted)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autofree char *log_before = read_server_log ();
  g_autofree char *log_after = NULL;
  Upload upload;

  upload_file (printer, code, path, "refused.gcode.3mf", ACTION_NONE, &upload);
  g_assert_error (upload.error, domain, error_code);
  g_assert_false (upload.ok);
  g_assert_false (storage_has ("refused.gcode.3mf"));
  /* No message may carry the access code. */
  g_assert_null (strstr (upload.error->message, code));

  /* A refused certificate fails inside the handshake: the server never saw
   * a login, so the access code was never sent.
   */
  log_after = read_server_log ();
  if (login_attempted)
    g_assert_cmpuint (count (log_after, "USER " USER), >, count (log_before, "USER " USER));
  else
    g_assert_cmpuint (count (log_after, "USER " USER), ==, count (log_before, "USER " USER));
  upload_clear (&upload);
}

static void
test_wrong_code (void)
{
  g_autoptr(AfPrinter) printer = make_printer (SERIAL, NULL, server.fingerprint);

  SKIP_WITHOUT_SERVER ();
  assert_refused (printer, "00000000", AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED, TRUE);
}

static void
test_cert_unknown (void)
{
  g_autoptr(AfPrinter) printer = make_printer (SERIAL, NULL, NULL);

  SKIP_WITHOUT_SERVER ();
  assert_refused (printer, ACCESS_CODE, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN, FALSE);
}

static void
test_cert_changed (void)
{
  g_autofree char *pin = g_strnfill (64, 'a');
  g_autoptr(AfPrinter) printer = make_printer (SERIAL, NULL, pin);

  SKIP_WITHOUT_SERVER ();
  assert_refused (printer, ACCESS_CODE, AF_LAN_ERROR, AF_LAN_ERROR_CERT_CHANGED, FALSE);
}

static void
test_cert_wrong_serial (void)
{
  g_autoptr(AfPrinter) printer = make_printer ("01S00A000000099", server.ca_file, NULL);

  SKIP_WITHOUT_SERVER ();
  assert_refused (printer, ACCESS_CODE, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID, FALSE);
}

static void
test_unreachable (void)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = make_printer (SERIAL, NULL, "ab");
  Upload upload;

  af_printer_set_ftps_port (printer, free_port ());
  upload_file (printer, ACCESS_CODE, path, "x.gcode.3mf", ACTION_NONE, &upload);
  g_assert_error (upload.error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE);
  upload_clear (&upload);
}

static void
test_big_and_cancel (void)
{
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *big = NULL;
  Upload upload;

  SKIP_WITHOUT_SERVER ();
  big = make_big_file ();
  printer = make_printer (SERIAL, NULL, server.fingerprint);

  /* Streams 50 MB; the worker never holds the file. */
  upload_file (printer, ACCESS_CODE, big, "big.gcode.3mf", ACTION_NONE, &upload);
  g_assert_no_error (upload.error);
  assert_same_file (big, "big.gcode.3mf");
  g_assert_cmpuint (upload.last.sent, ==, BIG_SIZE);
  g_assert_cmpuint (upload.n_progress, >=, 2);
  g_assert_cmpfloat (upload.last.bytes_per_second, >, 0);
  upload_clear (&upload);
  g_unlink (big);
  g_free (big);

  /* Cancelled half-way: G_IO_ERROR_CANCELLED, and nothing stays behind. */
  big = make_huge_file ();
  clear_log ();
  upload_file (printer, ACCESS_CODE, big, "cancelled.gcode.3mf", ACTION_CANCEL, &upload);
  g_assert_true (upload.acted);
  g_assert_error (upload.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (storage_has ("cancelled.gcode.3mf"));
  g_assert_true (logged ("Removing the partial upload"));
  upload_clear (&upload);

  g_unlink (big);
}

static void
test_server_killed (void)
{
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *big = NULL;
  Upload upload;

  SKIP_WITHOUT_SERVER ();
  big = make_huge_file ();
  printer = make_printer (SERIAL, NULL, server.fingerprint);

  clear_log ();
  upload_file (printer, ACCESS_CODE, big, "killed.gcode.3mf", ACTION_KILL, &upload);
  g_assert_true (upload.acted);
  g_assert_nonnull (upload.error);
  g_assert_true (g_error_matches (upload.error, AF_LAN_ERROR, AF_LAN_ERROR_UPLOAD_FAILED)
                 || g_error_matches (upload.error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE));
  /* The server was gone, so the clean-up could only be attempted. */
  g_assert_true (logged ("Removing the partial upload"));
  upload_clear (&upload);

  /* Back up: the partial file is still there (nobody could delete it), and
   * a new upload of the same name replaces it completely.
   */
  g_assert_true (start_vsftpd ());
  g_assert_true (storage_has ("killed.gcode.3mf"));
  g_unlink (big);
  g_free (big);
  big = make_big_file ();
  upload_file (printer, ACCESS_CODE, big, "killed.gcode.3mf", ACTION_NONE, &upload);
  g_assert_no_error (upload.error);
  assert_same_file (big, "killed.gcode.3mf");
  upload_clear (&upload);

  g_unlink (big);
}

/* --- the printers' 426 quirk, with pyftpdlib ------------------------------ */

/* The virtual printer's implicit-TLS pyftpdlib server, answering 426 where
 * it would say 226 (as the printers' vsftpd does after some complete
 * uploads); with "short" its SIZE also claims one byte; with "stall" it
 * says nothing for 6 s after the last byte instead.
 */
static const char quirk_script[] =
  "import os, sys, time\n"
  "sys.path.insert(0, os.path.join(os.environ['AF_TESTS_SRCDIR'], 'virtual-printer'))\n"
  "import vp_pyftpd\n"
  "mode = sys.argv[6]\n"
  "class Quirky(vp_pyftpd.ImplicitTLSHandler):\n"
  "    def respond(self, resp, *args, **kwargs):\n"
  "        if resp.startswith('226') and mode == 'stall':\n"
  "            time.sleep(6)\n"
  "        elif resp.startswith('226'):\n"
  "            resp = '426 Failure reading network stream.'\n"
  "        return super().respond(resp, *args, **kwargs)\n"
  "    def ftp_SIZE(self, path):\n"
  "        if mode == 'short':\n"
  "            return self.respond('213 1')\n"
  "        return super().ftp_SIZE(path)\n"
  "vp_pyftpd.ImplicitTLSHandler = Quirky\n"
  "vp_pyftpd.main(*sys.argv[1:6])\n";

static GPid
start_quirky (const char *mode,
              guint      *port,
              char      **root)
{
  g_autofree char *script = g_build_filename (server.dir, "quirky.py", NULL);
  g_autofree char *pem = g_build_filename (server.dir, "server.pem", NULL);
  g_autofree char *cmd = g_strdup_printf ("sh -c 'cat %s/server.crt %s/server.key > %s'",
                                          server.dir, server.dir, pem);
  g_autofree char *port_text = NULL;
  g_autofree char *range = NULL;
  g_auto(GStrv) env = g_get_environ ();
  guint pasv = free_port ();
  GPid pid = 0;
  const char *argv[9];

  *port = free_port ();
  port_text = g_strdup_printf ("%u", *port);
  range = g_strdup_printf ("%u-%u", pasv, pasv);
  *root = g_build_filename (server.dir, mode, NULL);
  g_assert_cmpint (g_mkdir_with_parents (*root, 0755), ==, 0);
  g_assert_true (g_file_set_contents (script, quirk_script, -1, NULL));
  g_assert_true (run (cmd, NULL));
  env = g_environ_setenv (env, "VP_ACCESS_CODE", ACCESS_CODE, TRUE);

  argv[0] = "/usr/bin/python3";
  argv[1] = script;
  argv[2] = "127.0.0.1";
  argv[3] = port_text;
  argv[4] = pem;
  argv[5] = *root;
  argv[6] = range;
  argv[7] = mode;
  argv[8] = NULL;
  g_assert_true (g_spawn_async (NULL, (char **) argv, env,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                own_process_group, NULL, &pid, NULL));
  for (guint i = 0; i < 500 && !port_open (*port); i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (port_open (*port));
  return pid;
}

static void
stop_quirky (GPid pid)
{
  kill (pid, SIGTERM);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
}

static void
test_426 (gconstpointer data)
{
  const char *mode = data;
  gboolean complete = g_str_equal (mode, "complete");
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-02.07-p1s.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *root = NULL;
  g_autofree char *remote = NULL;
  GPid pid;
  Upload upload;
  guint port;

  if (server.fingerprint == NULL || g_getenv ("AF_TESTS_SRCDIR") == NULL)
    {
      g_test_skip ("needs the test certificates and AF_TESTS_SRCDIR");
      return;
    }
  pid = start_quirky (mode, &port, &root);
  printer = make_printer (SERIAL, NULL, server.fingerprint);
  af_printer_set_ftps_port (printer, port);

  clear_log ();
  upload_file (printer, ACCESS_CODE, path, "quirk.gcode.3mf", ACTION_NONE, &upload);
  remote = g_build_filename (root, "quirk.gcode.3mf", NULL);
  g_assert_true (logged ("FTP 426"));
  g_assert_true (logged ("Remote size of the upload"));
  if (complete)
    {
      /* 426, but the whole file is there: a success. */
      g_assert_no_error (upload.error);
      g_assert_true (upload.ok);
      g_assert_true (g_file_test (remote, G_FILE_TEST_EXISTS));
    }
  else
    {
      /* 426 and the wrong size: a failure, and the partial file is deleted. */
      g_assert_error (upload.error, AF_LAN_ERROR, AF_LAN_ERROR_UPLOAD_FAILED);
      g_assert_false (g_file_test (remote, G_FILE_TEST_EXISTS));
    }
  upload_clear (&upload);
  stop_quirky (pid);
}

static void
test_stall (void)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = NULL;
  g_autofree char *root = NULL;
  gint64 start;
  GPid pid;
  Upload upload;
  guint port;

  if (server.fingerprint == NULL || g_getenv ("AF_TESTS_SRCDIR") == NULL)
    {
      g_test_skip ("needs the test certificates and AF_TESTS_SRCDIR");
      return;
    }
  pid = start_quirky ("stall", &port, &root);
  printer = make_printer (SERIAL, NULL, server.fingerprint);
  af_printer_set_ftps_port (printer, port);

  /* The server is silent for 6 s after the last byte: past the 2 s stall
   * timeout, but the final reply has a wait of its own (item 7 of issue 6),
   * so the upload ends with the 226 itself.
   */
  start = g_get_monotonic_time ();
  clear_log ();
  upload_file_full (printer, ACCESS_CODE, path, "stall.gcode.3mf", ACTION_NONE, 2, &upload);
  g_assert_no_error (upload.error);
  g_assert_true (upload.ok);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 6 * G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  g_assert_false (logged ("Remote size of the upload"));
  upload_clear (&upload);
  stop_quirky (pid);
}

/* --- a late final reply ---------------------------------------------------
 *
 * tests/virtual-printer/vp_ftps_proxy.py in front of the real vsftpd: it
 * passes everything through but holds each 226 for a while, as H2D
 * printers do; vsftpd still does the storing.
 */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  guint             port;
} Proxy;

static Proxy *
proxy_start (const char *delay)
{
  g_autofree char *script = g_build_filename (g_getenv ("AF_TESTS_SRCDIR"), "virtual-printer",
                                              "vp_ftps_proxy.py", NULL);
  g_autofree char *pem = g_build_filename (server.dir, "server.pem", NULL);
  g_autofree char *cmd = g_strdup_printf ("sh -c 'cat %s/server.crt %s/server.key > %s'",
                                          server.dir, server.dir, pem);
  g_autofree char *upstream = g_strdup_printf ("%u", server.port);
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  Proxy *proxy = g_new0 (Proxy, 1);

  g_assert_true (run (cmd, NULL));
  proxy->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3",
                                     script, "127.0.0.1", upstream, pem, delay, NULL);
  g_assert_no_error (error);
  proxy->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proxy->process));
  line = g_data_input_stream_read_line_utf8 (proxy->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "{\"port\": "));
  proxy->port = (guint) g_ascii_strtoull (line + strlen ("{\"port\": "), NULL, 10);
  g_assert_cmpuint (proxy->port, >, 0);
  return proxy;
}

/* How many 226 replies it held. */
static guint
proxy_stop (Proxy *proxy)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;
  guint held;

  g_subprocess_send_signal (proxy->process, SIGTERM);
  g_subprocess_wait (proxy->process, NULL, &error);
  g_assert_no_error (error);
  rest = g_data_input_stream_read_upto (proxy->out, "", 0, NULL, NULL, NULL);
  held = rest != NULL ? count (rest, "held-226") : 0;
  g_clear_object (&proxy->out);
  g_clear_object (&proxy->process);
  g_free (proxy);
  return held;
}

/* The 226 comes 4 s after the last byte: later than the 2 s stall timeout,
 * within the final reply's own wait. The upload succeeds on the 226 itself.
 */
static void
test_late_226_waited (void)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = NULL;
  Proxy *proxy;
  gint64 start;
  Upload upload;

  SKIP_WITHOUT_SERVER ();
  proxy = proxy_start ("4");
  printer = make_printer (SERIAL, NULL, server.fingerprint);
  af_printer_set_ftps_port (printer, proxy->port);

  clear_log ();
  final_reply_seconds = 20;
  start = g_get_monotonic_time ();
  upload_file_full (printer, ACCESS_CODE, path, "late.gcode.3mf", ACTION_NONE, 2, &upload);
  final_reply_seconds = 0;
  g_assert_no_error (upload.error);
  g_assert_true (upload.ok);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 4 * G_USEC_PER_SEC);
  /* Confirmed by the 226, not by a size check. */
  g_assert_false (logged ("Remote size of the upload"));
  assert_same_file (path, "late.gcode.3mf");
  upload_clear (&upload);
  g_assert_cmpuint (proxy_stop (proxy), ==, 1);
}

/* The 226 comes after the final reply's wait: handled like a 426, the
 * remote size decides, and the complete file stays.
 */
static void
test_late_226_size_check (void)
{
  g_autofree char *path = g_build_filename (corpus_dir (), "3mf",
                                            "bambustudio-01.09-cli-2-rings.gcode.3mf", NULL);
  g_autoptr(AfPrinter) printer = NULL;
  Proxy *proxy;
  Upload upload;

  SKIP_WITHOUT_SERVER ();
  proxy = proxy_start ("30");
  printer = make_printer (SERIAL, NULL, server.fingerprint);
  af_printer_set_ftps_port (printer, proxy->port);

  clear_log ();
  final_reply_seconds = 3;
  upload_file_full (printer, ACCESS_CODE, path, "later.gcode.3mf", ACTION_NONE, 2, &upload);
  final_reply_seconds = 0;
  g_assert_no_error (upload.error);
  g_assert_true (upload.ok);
  g_assert_true (logged ("Remote size of the upload"));
  assert_same_file (path, "later.gcode.3mf");
  upload_clear (&upload);
  proxy_stop (proxy);
}

/* The final reply's wait is long by default, for the print job too. */
static void
test_final_reply_default (void)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (AF_TYPE_PRINT_JOB);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass),
                                                    "final-reply-seconds");

  g_assert_cmpuint (AF_FTPS_DEFAULT_FINAL_REPLY_SECONDS, >=, 120);
  g_assert_nonnull (pspec);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->default_value, >=, 120);
  g_assert_cmpuint (G_PARAM_SPEC_UINT (pspec)->default_value, ==,
                    AF_FTPS_DEFAULT_FINAL_REPLY_SECONDS);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  lan_messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer, NULL, NULL);
  signal (SIGPIPE, SIG_IGN);

  signal (SIGABRT, abort_handler);
  if (!server_setup ())
    g_test_message ("no vsftpd server (needs root): the upload tests are skipped");

  g_test_add_func ("/af/ftps/sanitize-name", test_sanitize_name);
  g_test_add_func ("/af/ftps/unreachable", test_unreachable);
  g_test_add_func ("/af/ftps/upload-archive-pinned", test_upload_archive);
  g_test_add_func ("/af/ftps/upload-ca", test_upload_ca);
  g_test_add_func ("/af/ftps/wrong-code", test_wrong_code);
  g_test_add_func ("/af/ftps/cert-unknown", test_cert_unknown);
  g_test_add_func ("/af/ftps/cert-changed", test_cert_changed);
  g_test_add_func ("/af/ftps/cert-wrong-serial", test_cert_wrong_serial);
  g_test_add_func ("/af/ftps/big-and-cancel", test_big_and_cancel);
  g_test_add_func ("/af/ftps/server-killed", test_server_killed);
  g_test_add_data_func ("/af/ftps/426-complete", "complete", test_426);
  g_test_add_data_func ("/af/ftps/426-short", "short", test_426);
  g_test_add_func ("/af/ftps/stall", test_stall);
  g_test_add_func ("/af/ftps/late-226-waited", test_late_226_waited);
  g_test_add_func ("/af/ftps/late-226-size-check", test_late_226_size_check);
  g_test_add_func ("/af/ftps/final-reply-default", test_final_reply_default);

  status = g_test_run ();
  server_teardown ();
  g_ptr_array_unref (lan_messages);
  return status;
}
