/* test-tls.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-tls"

#include "config.h"

#include <string.h>

#include "af-core.h"
#include "af-test-util.h"

/*
 * The common-name rule of AfTlsPolicy (af-tls.h) against certificates made
 * here, at test time, by openssl and (for a CN holding a NUL, which openssl's
 * -subj cannot write) Debian's python3-cryptography, all signed by one CA the
 * printer is configured with. Each is served by a real `openssl s_server` on
 * loopback, and the printer connects through the real MQTT session. s_server
 * prints what the client sends, so the tests see whether the MQTT CONNECT,
 * which carries the access code, ever left: with a valid certificate it does
 * (the control), with a hostile one it must not.
 */

#define SERIAL "01S00A000000042"
#define ACCESS_CODE "97531864"

static char *dir;

static gboolean
run (const char *const *argv,
     const char        *stdin_text)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE
                                     | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                     | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, stdin_text, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return g_subprocess_get_successful (process);
}

static char *
path_in_dir (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* A leaf for subject, signed by the test CA, as <name>.crt and <name>.key. */
static void
make_openssl_leaf (const char *name,
                   const char *subject)
{
  g_autofree char *key = g_strconcat (dir, "/", name, ".key", NULL);
  g_autofree char *csr = g_strconcat (dir, "/", name, ".csr", NULL);
  g_autofree char *crt = g_strconcat (dir, "/", name, ".crt", NULL);
  g_autofree char *ca = path_in_dir ("ca.crt");
  g_autofree char *ca_key = path_in_dir ("ca.key");
  const char *req[] = { "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
                        "-keyout", key, "-out", csr, NULL };
  const char *sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                         "-CAcreateserial", "-days", "2", "-out", crt, NULL };

  g_assert_true (run (req, NULL));
  g_assert_true (run (sign, NULL));
}

/* The same, with a CN python3-cryptography writes byte for byte. */
static const char nul_leaf_script[] =
  "import datetime, sys\n"
  "from cryptography import x509\n"
  "from cryptography.hazmat.primitives import hashes, serialization\n"
  "from cryptography.hazmat.primitives.asymmetric import rsa\n"
  "from cryptography.x509.oid import NameOID\n"
  "d, name, cn = sys.argv[1], sys.argv[2], sys.argv[3].replace('\\\\0', '\\0')\n"
  "ca = x509.load_pem_x509_certificate(open(d + '/ca.crt', 'rb').read())\n"
  "ca_key = serialization.load_pem_private_key(open(d + '/ca.key', 'rb').read(), None)\n"
  "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
  "now = datetime.datetime.utcnow()\n"
  "cert = (x509.CertificateBuilder()\n"
  "        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))\n"
  "        .issuer_name(ca.subject).public_key(key.public_key())\n"
  "        .serial_number(x509.random_serial_number())\n"
  "        .not_valid_before(now - datetime.timedelta(days=1))\n"
  "        .not_valid_after(now + datetime.timedelta(days=2))\n"
  "        .sign(ca_key, hashes.SHA256()))\n"
  "open(d + '/' + name + '.crt', 'wb').write(cert.public_bytes(serialization.Encoding.PEM))\n"
  "open(d + '/' + name + '.key', 'wb').write(key.private_bytes(\n"
  "    serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,\n"
  "    serialization.NoEncryption()))\n";

static void
make_python_leaf (const char *name,
                  const char *common_name)
{
  const char *argv[] = { "/usr/bin/python3", "-c", nul_leaf_script, dir, name, common_name,
                         NULL };

  g_assert_true (run (argv, NULL));
}

static void
make_certificates (void)
{
  g_autofree char *ca = path_in_dir ("ca.crt");
  g_autofree char *ca_key = path_in_dir ("ca.key");
  const char *req[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=AF Test CA", "-keyout", ca_key, "-out", ca, NULL };

  g_assert_true (run (req, NULL));
  make_openssl_leaf ("good", "/CN=" SERIAL);
  /* OpenSSL's own lookup finds the first CN; other stacks take the last. */
  make_openssl_leaf ("two-cn", "/CN=" SERIAL "/CN=01S00A000000099");
  make_openssl_leaf ("two-cn-other-first", "/O=AtomForm/CN=01S00A000000099/CN=" SERIAL);
  make_python_leaf ("nul-cn", SERIAL "\\0.evil.example");
  make_python_leaf ("longer-cn", SERIAL "0");
  make_openssl_leaf ("no-cn", "/O=AtomForm/OU=" SERIAL);
}

/* --- the server ---------------------------------------------------------- */

typedef struct
{
  GSubprocess  *process;
  GInputStream *out;
  GByteArray   *seen;
  gboolean      eof;
  guint         port;
} Server;

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Server *server = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      server->eof = TRUE;
      return;
    }
  g_byte_array_append (server->seen, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (server->out, 4096, G_PRIORITY_DEFAULT, NULL, read_cb, server);
}

static gboolean
server_saw (Server     *server,
            const char *needle)
{
  gsize length = strlen (needle);

  /* The output holds binary MQTT frames, NULs included. */
  for (gsize i = 0; i + length <= server->seen->len; i++)
    if (memcmp (server->seen->data + i, needle, length) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until the server's output holds needle or seconds pass. */
static gboolean
wait_for_output (Server     *server,
                 const char *needle,
                 guint       seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_cb, &timed_out);

  while (!server_saw (server, needle) && !timed_out && !server->eof)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return server_saw (server, needle);
}

static void
server_start (Server     *server,
              const char *name)
{
  g_autofree char *cert = g_strconcat (dir, "/", name, ".crt", NULL);
  g_autofree char *key = g_strconcat (dir, "/", name, ".key", NULL);
  g_autofree char *accept = NULL;
  g_autoptr(GError) error = NULL;

  server->port = af_test_free_port ();
  accept = g_strdup_printf ("127.0.0.1:%u", server->port);
  /* stdin stays open (a pipe we never close), so s_server keeps the
   * connection; it echoes what the client sends to stdout.
   */
  server->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                      | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                      | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                                      "openssl", "s_server", "-accept", accept,
                                      "-cert", cert, "-key", key, "-naccept", "1", NULL);
  g_assert_no_error (error);
  server->out = g_object_ref (g_subprocess_get_stdout_pipe (server->process));
  server->seen = g_byte_array_new ();
  g_input_stream_read_bytes_async (server->out, 4096, G_PRIORITY_DEFAULT, NULL, read_cb, server);
  g_assert_true (wait_for_output (server, "ACCEPT", 15));
}

static void
server_stop (Server *server)
{
  g_subprocess_force_exit (server->process);
  g_assert_true (g_subprocess_wait (server->process, NULL, NULL));
  while (!server->eof)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&server->out);
  g_clear_object (&server->process);
  g_clear_pointer (&server->seen, g_byte_array_unref);
}

/* --- connecting ---------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Result;

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Result *out = user_data;

  out->ok = af_mqtt_session_connect_finish (AF_MQTT_SESSION (source), result, &out->error);
  out->done = TRUE;
}

/* Connects as the printer with the serial, trusting the test CA. Once the
 * server has seen the access code (or the session has ended) the attempt is
 * cancelled, so the control case does not wait for a CONNACK that never comes.
 */
static void
connect_to (Server  *server,
            Result  *result)
{
  g_autoptr(AfPrinter) printer = af_printer_new (SERIAL);
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *ca = path_in_dir ("ca.crt");
  gboolean timed_out = FALSE;
  guint id;

  af_printer_set_host (printer, "127.0.0.1");
  af_printer_set_mqtt_port (printer, server->port);
  af_printer_set_ca_file (printer, ca);
  session = af_mqtt_session_new (printer, ACCESS_CODE);

  memset (result, 0, sizeof *result);
  af_mqtt_session_connect_async (session, cancellable, connect_cb, result);
  id = g_timeout_add_seconds (30, timeout_cb, &timed_out);
  while (!result->done && !server_saw (server, ACCESS_CODE) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  while (!result->done)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  af_mqtt_session_disconnect (session);
}

/* --- tests --------------------------------------------------------------- */

/* The control: a leaf with CN = serial gets the login, which s_server shows. */
static void
test_good_cn (void)
{
  Server server = { 0 };
  Result result;

  server_start (&server, "good");
  connect_to (&server, &result);
  g_assert_true (server_saw (&server, "bblp"));
  g_assert_true (server_saw (&server, ACCESS_CODE));
  g_assert_false (g_error_matches (result.error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID));
  g_clear_error (&result.error);
  server_stop (&server);
}

static void
assert_refused (const char *name)
{
  Server server = { 0 };
  Result result;

  server_start (&server, name);
  connect_to (&server, &result);
  g_assert_true (result.done);
  g_assert_false (result.ok);
  g_assert_error (result.error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID);
  g_assert_null (strstr (result.error->message, ACCESS_CODE));
  g_assert_false (server_saw (&server, ACCESS_CODE));
  g_assert_false (server_saw (&server, "bblp"));
  g_clear_error (&result.error);
  server_stop (&server);
}

static void
test_two_cn (void)
{
  assert_refused ("two-cn");
}

static void
test_two_cn_other_first (void)
{
  assert_refused ("two-cn-other-first");
}

static void
test_nul_cn (void)
{
  assert_refused ("nul-cn");
}

/* One byte past the serial's length. */
static void
test_longer_cn (void)
{
  assert_refused ("longer-cn");
}

static void
test_no_cn (void)
{
  assert_refused ("no-cn");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  dir = g_dir_make_tmp ("af-test-tls-XXXXXX", NULL);
  g_assert_nonnull (dir);
  make_certificates ();

  g_test_add_func ("/af/lan/tls/cn-good", test_good_cn);
  g_test_add_func ("/af/lan/tls/cn-two", test_two_cn);
  g_test_add_func ("/af/lan/tls/cn-two-other-first", test_two_cn_other_first);
  g_test_add_func ("/af/lan/tls/cn-nul", test_nul_cn);
  g_test_add_func ("/af/lan/tls/cn-longer", test_longer_cn);
  g_test_add_func ("/af/lan/tls/cn-missing", test_no_cn);

  status = g_test_run ();
  af_test_remove_tree (dir);
  g_free (dir);
  return status;
}
