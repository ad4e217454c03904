/* test-printer-list.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs through tests/headless-run.sh --keyring: a private session bus with an
 * unlocked gnome-keyring, and HOME and XDG_CONFIG_HOME in a throwaway folder.
 * Outside it every test skips, so the user's own keyring and printers.ini are
 * never touched.
 */

#define G_LOG_DOMAIN "test-printer-list"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "af-discovery.h"
#include "af-lan-error.h"
#include "af-printer-list.h"
#include "af-secrets.h"
#include "af-test-printer.h"
#include "af-test-util.h"

#define SERIAL      "01S00A000000042"
#define ACCESS_CODE "51739264"
#define FINGERPRINT "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define WAIT_UNTIL(cond, ms) \
  G_STMT_START { \
    gint64 wait_end_ = g_get_monotonic_time () + (gint64) (ms) * G_TIME_SPAN_MILLISECOND; \
    while (!(cond) && g_get_monotonic_time () < wait_end_) \
      { \
        if (!g_main_context_iteration (NULL, FALSE)) \
          g_usleep (2000); \
      } \
  } G_STMT_END

static gboolean
in_throwaway_home (void)
{
  if (g_getenv ("_HEADLESS_TMP") != NULL && g_getenv ("XDG_CONFIG_HOME") != NULL)
    return TRUE;

  g_test_skip ("Run through tests/headless-run.sh --keyring");
  return FALSE;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  WAIT_UNTIL (*result != NULL, 20000);
  g_assert_nonnull (*result);

  return *result;
}

static char *
printers_ini (void)
{
  return g_build_filename (g_get_user_config_dir (), "atomform-connect", "printers.ini", NULL);
}

static AfPrinter *
add_printer (AfPrinterList  *list,
             AfPrinter      *entry,
             const char     *code,
             GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  af_printer_list_add_async (list, entry, code, NULL, result_cb, &result);
  return af_printer_list_add_finish (list, wait_result (&result), error);
}

static gboolean
remove_printer (AfPrinterList  *list,
                const char     *serial,
                GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  af_printer_list_remove_async (list, serial, NULL, result_cb, &result);
  return af_printer_list_remove_finish (list, wait_result (&result), error);
}

/* A throwaway folder for a list of its own; *path is its printers.ini. */
static char *
make_list_dir (char **path)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("af-printer-list-XXXXXX", &error);

  g_assert_no_error (error);
  *path = g_build_filename (dir, "printers.ini", NULL);
  return dir;
}

static AfPrinter *
manual_entry (void)
{
  AfPrinter *entry = af_printer_new (SERIAL);

  af_printer_set_host (entry, "10.20.30.42");
  af_printer_set_name (entry, "Garage P1S");
  af_printer_set_model (entry, "C12");
  af_printer_set_mqtt_port (entry, 18883);
  af_printer_set_ftps_port (entry, 1990);
  af_printer_set_ca_file (entry, "/etc/atomform/printer-ca.pem");
  af_printer_set_fingerprint (entry, FINGERPRINT);

  return entry;
}

/* memmem() needs _GNU_SOURCE; files may hold NUL bytes, so no strstr(). */
static gboolean
contains_bytes (const char *haystack,
                gsize       length,
                const char *needle)
{
  gsize needle_length = strlen (needle);

  for (gsize i = 0; i + needle_length <= length; i++)
    {
      if (memcmp (haystack + i, needle, needle_length) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Every regular file under dir, read whole, must not contain needle. */
static void
assert_not_in_files (const char *dir,
                     const char *needle,
                     guint      *n_files)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_not_in_files (path, needle, n_files);
          continue;
        }
      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;

      (*n_files)++;
      if (contains_bytes (contents, length, needle))
        g_error ("The access code is in %s", path);
    }
}

/* secret-tool, from libsecret-tools: an independent look into the keyring. */
static char *
secret_tool_lookup (const char *serial,
                    gboolean   *found)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  int status = 0;
  const char *argv[] = { "secret-tool", "lookup", "serial", serial, NULL };

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &output, NULL, &status, &error);
  g_assert_no_error (error);
  *found = g_spawn_check_wait_status (status, NULL);

  return g_strchomp (g_steal_pointer (&output));
}

static void
assert_ini_group (const char *path)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *value = NULL;

  g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_key_file_has_group (keyfile, SERIAL));

#define ASSERT_KEY(key, expected) \
  value = g_key_file_get_string (keyfile, SERIAL, key, &error); \
  g_assert_no_error (error); \
  g_assert_cmpstr (value, ==, expected); \
  g_clear_pointer (&value, g_free)

  ASSERT_KEY ("host", "10.20.30.42");
  ASSERT_KEY ("name", "Garage P1S");
  ASSERT_KEY ("model", "C12");
  ASSERT_KEY ("mqtt-port", "18883");
  ASSERT_KEY ("ftps-port", "1990");
  ASSERT_KEY ("ca-file", "/etc/atomform/printer-ca.pem");
  ASSERT_KEY ("fingerprint", FINGERPRINT);
#undef ASSERT_KEY

  /* Exactly those keys: no access code under any name. */
  keys = g_key_file_get_keys (keyfile, SERIAL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (keys), ==, 7);
}

static void
assert_same_printer (AfPrinter *printer)
{
  g_assert_nonnull (printer);
  g_assert_cmpstr (af_printer_get_serial (printer), ==, SERIAL);
  g_assert_cmpstr (af_printer_get_host (printer), ==, "10.20.30.42");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Garage P1S");
  g_assert_cmpstr (af_printer_get_model (printer), ==, "C12");
  g_assert_cmpuint (af_printer_get_mqtt_port (printer), ==, 18883);
  g_assert_cmpuint (af_printer_get_ftps_port (printer), ==, 1990);
  g_assert_cmpstr (af_printer_get_ca_file (printer), ==, "/etc/atomform/printer-ca.pem");
  g_assert_cmpstr (af_printer_get_fingerprint (printer), ==, FINGERPRINT);
  g_assert_cmpint (af_printer_get_sources (printer), ==, AF_PRINTER_SOURCE_MANUAL);
}

static void
test_manual_lifecycle (void)
{
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinterList) reloaded = NULL;
  g_autoptr(AfPrinter) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *path = printers_ini ();
  g_autoptr(AfSecret) code = NULL;
  g_autofree char *tool_code = NULL;
  AfPrinter *printer;
  GStatBuf st;
  guint n_files = 0;
  gboolean found;

  if (!in_throwaway_home ())
    return;

  list = af_printer_list_new (NULL);
  g_assert_true (af_printer_list_load (list, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  entry = manual_entry ();
  printer = add_printer (list, entry, ACCESS_CODE, &error);
  g_assert_no_error (error);
  assert_same_printer (printer);
  g_assert_true (af_printer_list_lookup (list, SERIAL) == printer);
  g_assert_true (af_printer_list_lookup (list, "garage p1s") == printer);
  g_assert_null (af_printer_list_lookup (list, "Kitchen"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);

  /* The file: the fields, readable by the user only. */
  assert_ini_group (path);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* The code is in no file under the throwaway HOME (the keyring's own
   * file is encrypted).
   */
  assert_not_in_files (g_getenv ("HOME"), ACCESS_CODE, &n_files);
  g_assert_cmpuint (n_files, >, 0);

  /* …but in the keyring: through libsecret, sync and async, and secret-tool. */
  code = af_secrets_lookup_access_code (SERIAL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_secret_get (code), ==, ACCESS_CODE);
  g_clear_pointer (&code, af_secret_free);
  af_secrets_lookup_access_code_async (SERIAL, NULL, result_cb, &result);
  code = af_secrets_lookup_access_code_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_secret_get (code), ==, ACCESS_CODE);
  tool_code = secret_tool_lookup (SERIAL, &found);
  g_assert_true (found);
  g_assert_cmpstr (tool_code, ==, ACCESS_CODE);
  g_clear_pointer (&tool_code, g_free);

  /* Reload from disk: the same printer. */
  reloaded = af_printer_list_new (NULL);
  g_assert_true (af_printer_list_load (reloaded, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 1);
  assert_same_printer (af_printer_list_lookup (reloaded, SERIAL));
  g_assert_finalize_object (g_steal_pointer (&reloaded));

  /* Remove: the group and the secret go. */
  g_assert_true (remove_printer (list, SERIAL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  {
    g_autoptr(GKeyFile) keyfile = g_key_file_new ();

    g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error);
    g_assert_no_error (error);
    g_assert_false (g_key_file_has_group (keyfile, SERIAL));
  }
  g_clear_pointer (&code, af_secret_free);
  code = af_secrets_lookup_access_code (SERIAL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (code);
  tool_code = secret_tool_lookup (SERIAL, &found);
  g_assert_false (found && *tool_code != '\0');

  /* Removing it again: nothing to remove. */
  g_assert_false (remove_printer (list, SERIAL, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_FOUND);

  g_assert_finalize_object (g_steal_pointer (&entry));
  g_assert_finalize_object (g_steal_pointer (&list));
}

static void
count_notify_cb (guint *count)
{
  (*count)++;
}

/* A printer bound to the account and saved on the LAN (same serial) is one
 * object with both routes; a bound-only one comes and goes with the
 * account and is never written to printers.ini.
 */
static void
test_cloud_routes (void)
{
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinterList) reloaded = NULL;
  g_autoptr(AfPrinter) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = printers_ini ();
  g_autofree char *ini = NULL;
  const char *cloud_serial = "01P00C000000042";
  AfPrinter *printer;
  AfPrinter *bound;
  guint notified = 0;

  if (!in_throwaway_home ())
    return;

  list = af_printer_list_new (NULL);
  g_assert_true (af_printer_list_load (list, &error));
  g_assert_no_error (error);
  entry = manual_entry ();
  printer = add_printer (list, entry, ACCESS_CODE, &error);
  g_assert_no_error (error);
  g_assert_true (af_printer_get_lan_reachable (printer));
  g_assert_false (af_printer_get_cloud_reachable (printer));
  g_signal_connect_swapped (printer, "notify::cloud-reachable", G_CALLBACK (count_notify_cb),
                            &notified);

  /* Saved and bound: the same object, both routes, the user's name kept. */
  bound = af_printer_list_add_cloud (list, SERIAL, "Account name", "C12");
  g_assert_true (bound == printer);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_true (af_printer_get_lan_reachable (printer));
  g_assert_true (af_printer_get_cloud_reachable (printer));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Garage P1S");

  /* Bound only: a printer of its own, with the account's name. */
  bound = af_printer_list_add_cloud (list, cloud_serial, "Studio X1C", "BL-P001");
  g_assert_true (bound != printer);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_false (af_printer_get_lan_reachable (bound));
  g_assert_true (af_printer_get_cloud_reachable (bound));
  g_assert_true (af_printer_list_lookup (list, "studio x1c") == bound);

  /* Saving writes the saved printer only. */
  g_assert_true (af_printer_list_save (list, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &ini, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (ini, cloud_serial));
  g_assert_nonnull (strstr (ini, SERIAL));
  reloaded = af_printer_list_new (NULL);
  g_assert_true (af_printer_list_load (reloaded, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reloaded)), ==, 1);
  g_assert_false (af_printer_get_cloud_reachable (af_printer_list_lookup (reloaded, SERIAL)));
  g_assert_finalize_object (g_steal_pointer (&reloaded));

  /* Signed out: the saved printer loses the cloud route, the other leaves. */
  af_printer_list_remove_cloud (list, SERIAL);
  af_printer_list_remove_cloud (list, cloud_serial);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_true (af_printer_get_lan_reachable (printer));
  g_assert_false (af_printer_get_cloud_reachable (printer));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_null (af_printer_list_lookup (list, cloud_serial));

  g_assert_true (remove_printer (list, SERIAL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&entry));
  g_assert_finalize_object (g_steal_pointer (&list));
}

static void
test_update_keeps_code (void)
{
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinter) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfSecret) code = NULL;
  AfPrinter *printer;
  AfPrinter *again;

  if (!in_throwaway_home ())
    return;

  list = af_printer_list_new (NULL);
  entry = manual_entry ();
  printer = add_printer (list, entry, ACCESS_CODE, &error);
  g_assert_no_error (error);

  /* An update without a code keeps the stored one and the same object. */
  af_printer_set_host (entry, "10.20.30.43");
  af_printer_set_fingerprint (entry, NULL);
  again = add_printer (list, entry, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (again == printer);
  g_assert_cmpstr (af_printer_get_host (printer), ==, "10.20.30.43");
  g_assert_null (af_printer_get_fingerprint (printer));
  code = af_secrets_lookup_access_code (SERIAL, NULL, &error);
  g_assert_cmpstr (af_secret_get (code), ==, ACCESS_CODE);

  g_assert_true (remove_printer (list, SERIAL, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&entry));
  g_assert_finalize_object (g_steal_pointer (&list));
}

static void
test_invalid_entries (void)
{
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinter) bad_serial = af_printer_new ("../printers");
  g_autoptr(AfPrinter) no_host = af_printer_new ("01S00A000000043");
  g_autoptr(GError) error = NULL;
  g_autoptr(AfSecret) code = NULL;

  if (!in_throwaway_home ())
    return;

  list = af_printer_list_new (NULL);
  af_printer_set_host (bad_serial, "10.0.0.1");
  g_assert_null (add_printer (list, bad_serial, ACCESS_CODE, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_null (add_printer (list, no_host, ACCESS_CODE, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED);
  g_clear_error (&error);

  /* Nothing reached the keyring or the list. */
  code = af_secrets_lookup_access_code ("01S00A000000043", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (code);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&bad_serial));
  g_assert_finalize_object (g_steal_pointer (&no_host));
  g_assert_finalize_object (g_steal_pointer (&list));
}

/* Groups a newer version might add, and comments, survive our saves; groups
 * that are no serial are skipped on load.
 */
static void
test_foreign_content (void)
{
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = make_list_dir (&path);
  g_autofree char *contents = NULL;

  g_file_set_contents (path,
                       "[01S00A000000044]\nhost=10.0.0.44\nfuture-key=kept\n"
                       "mqtt-port=99999\n\n[not a serial]\nhost=x\n",
                       -1, &error);
  g_assert_no_error (error);

  list = af_printer_list_new (dir);
  g_assert_true (af_printer_list_load (list, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  /* An out-of-range port falls back to the printers' own. */
  g_assert_cmpuint (af_printer_get_mqtt_port (af_printer_list_lookup (list, "01S00A000000044")),
                    ==, AF_PRINTER_DEFAULT_MQTT_PORT);

  g_assert_true (af_printer_list_save (list, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "future-key=kept"));
  g_assert_null (strstr (contents, "not a serial"));

  /* A broken file is an error, and is not overwritten. */
  g_file_set_contents (path, "[broken\nhost", -1, &error);
  g_assert_no_error (error);
  g_clear_object (&list);
  list = af_printer_list_new (dir);
  g_assert_false (af_printer_list_save (list, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED);
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (path, &contents, NULL, NULL);
  g_assert_cmpstr (contents, ==, "[broken\nhost");

  af_test_remove_tree (dir);
  g_assert_finalize_object (g_steal_pointer (&list));
}

/* --- Discovery ---------------------------------------------------------- */

/* Sends one SSDP datagram to the discovery's port on loopback. */
static void
send_datagram (guint       port,
               const char *text)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) destination = g_inet_socket_address_new (inet, port);
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send_to (socket, destination, text, strlen (text), NULL, &error),
                   ==, (gssize) strlen (text));
  g_assert_no_error (error);
}

static void
send_notice (guint       port,
             const char *serial,
             const char *name,
             guint       max_age)
{
  g_autofree char *text = g_strdup_printf ("NOTIFY * HTTP/1.1\r\n"
                                           "Location: 192.168.1.77\r\n"
                                           "USN: %s\r\n"
                                           "Cache-Control: max-age=%u\r\n"
                                           "DevModel.bambu.com: N1\r\n"
                                           "DevName.bambu.com: %s\r\n"
                                           "DevConnect.bambu.com: lan\r\n"
                                           "DevBind.bambu.com: occupied\r\n"
                                           "DevVersion.bambu.com: 01.05.00.00\r\n"
                                           "\r\n",
                                           serial, max_age, name);

  send_datagram (port, text);
}

static void
test_discovery_merge (void)
{
  g_autoptr(AfDiscovery) discovery = af_discovery_new (0);
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinter) entry = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *model;
  AfPrinter *printer;
  AfPrinter *passer_by;
  guint port;

  if (!in_throwaway_home ())
    return;

  g_assert_true (af_discovery_start (discovery, &error));
  g_assert_no_error (error);
  port = af_discovery_get_port (discovery);

  list = af_printer_list_new (NULL);
  model = G_LIST_MODEL (list);
  g_assert_true (af_printer_list_load (list, &error));
  af_printer_list_set_discovery (list, discovery);

  /* Two printers appear, each with a short max-age. */
  send_notice (port, SERIAL, "Mini", 2);
  send_notice (port, "01S00A0000000PB", "Passer-by", 2);
  WAIT_UNTIL (g_list_model_get_n_items (model) == 2, 5000);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  printer = af_printer_list_lookup (list, SERIAL);
  passer_by = af_printer_list_lookup (list, "01S00A0000000PB");
  g_assert_nonnull (printer);
  g_assert_nonnull (passer_by);
  g_assert_cmpint (af_printer_get_sources (printer), ==, AF_PRINTER_SOURCE_DISCOVERED);
  g_assert_cmpstr (af_printer_get_host (printer), ==, "192.168.1.77");
  g_assert_cmpstr (af_printer_get_model (printer), ==, "N1");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Mini");
  g_assert_cmpstr (af_printer_get_firmware (printer), ==, "01.05.00.00");
  g_assert_true (af_printer_get_lan_only (printer));
  g_assert_true (af_printer_get_bound (printer));

  /* The user adds the first one too: one object, both sources; their own
   * name wins over the printer's. (At the address discovery reports: a
   * notice never moves a saved printer elsewhere untested, see
   * test_notice_moves_saved_printer().)
   */
  entry = manual_entry ();
  af_printer_set_host (entry, "192.168.1.77");
  g_assert_true (add_printer (list, entry, ACCESS_CODE, &error) == printer);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_cmpint (af_printer_get_sources (printer), ==,
                   AF_PRINTER_SOURCE_DISCOVERED | AF_PRINTER_SOURCE_MANUAL);
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Garage P1S");
  g_assert_cmpuint (af_printer_get_mqtt_port (printer), ==, 18883);

  /* A later notice updates the discovered fields in place. */
  send_notice (port, SERIAL, "Mini renamed", 2);
  send_notice (port, "01S00A0000000PB", "Passer-by renamed", 2);
  WAIT_UNTIL (g_strcmp0 (af_printer_get_name (passer_by), "Passer-by renamed") == 0, 5000);
  g_assert_cmpstr (af_printer_get_name (passer_by), ==, "Passer-by renamed");
  g_assert_cmpstr (af_printer_get_name (printer), ==, "Garage P1S");
  g_assert_cmpstr (af_printer_get_host (printer), ==, "192.168.1.77");

  /* Expiry: the discovered-only printer leaves; the added one stays. */
  g_object_ref (passer_by);
  WAIT_UNTIL (g_list_model_get_n_items (model) == 1, 5000);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_true (af_printer_list_lookup (list, SERIAL) == printer);
  g_assert_cmpint (af_printer_get_sources (printer), ==, AF_PRINTER_SOURCE_MANUAL);
  g_assert_cmpint (af_printer_get_sources (passer_by), ==, 0);
  g_assert_finalize_object (passer_by);

  /* Seen again later: the same object gets the flag back. */
  send_notice (port, SERIAL, "Mini", 60);
  WAIT_UNTIL (af_printer_get_sources (printer) & AF_PRINTER_SOURCE_DISCOVERED, 5000);
  g_assert_cmpint (af_printer_get_sources (printer), ==,
                   AF_PRINTER_SOURCE_DISCOVERED | AF_PRINTER_SOURCE_MANUAL);

  /* Removing it while discovery sees it: it stays, as a discovered one. */
  g_object_ref (printer);
  g_assert_true (remove_printer (list, SERIAL, &error));
  g_assert_no_error (error);
  g_assert_true (af_printer_list_lookup (list, SERIAL) == printer);
  g_assert_cmpint (af_printer_get_sources (printer), ==, AF_PRINTER_SOURCE_DISCOVERED);

  /* Unfollowing the discovery drops what only it knew. */
  af_printer_list_set_discovery (list, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_finalize_object (printer);

  g_assert_finalize_object (g_steal_pointer (&entry));
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&discovery));
}

/* --- Two writers --------------------------------------------------------- */

static AfPrinter *
entry_for (const char *serial,
           const char *name)
{
  AfPrinter *entry = af_printer_new (serial);

  af_printer_set_host (entry, "10.20.30.40");
  af_printer_set_name (entry, name);
  af_printer_set_fingerprint (entry, FINGERPRINT);
  return entry;
}

/* The groups of the file at path, as a fresh reader (the other process)
 * sees them.
 */
static char **
groups_on_disk (const char *path)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  return g_key_file_get_groups (keyfile, NULL);
}

static void
add_no_code (AfPrinterList *list,
             const char    *serial,
             const char    *name)
{
  g_autoptr(AfPrinter) entry = entry_for (serial, name);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (add_printer (list, entry, NULL, &error));
  g_assert_no_error (error);
}

/* The window and the command line each hold a list loaded from the same
 * file; each adds a printer, then one removes its own: nothing is lost and
 * the removal sticks, and each list follows the other's changes.
 */
static void
test_two_writers (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(AfPrinterList) window = NULL;
  g_autoptr(AfPrinterList) cli = NULL;
  g_autoptr(AfPrinterList) fresh = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!in_throwaway_home ())
    return;

  dir = make_list_dir (&path);
  window = af_printer_list_new (dir);
  cli = af_printer_list_new (dir);
  g_assert_true (af_printer_list_load (window, &error));
  g_assert_true (af_printer_list_load (cli, &error));

  add_no_code (window, "01S00A000000101", "Window's");
  add_no_code (cli, "01S00A000000102", "Command line's");

  groups = groups_on_disk (path);
  g_assert_cmpuint (g_strv_length (groups), ==, 2);
  g_assert_true (g_strv_contains ((const char *const *) groups, "01S00A000000101"));
  g_assert_true (g_strv_contains ((const char *const *) groups, "01S00A000000102"));
  /* The command line's list took the window's printer in as it saved. */
  g_assert_nonnull (af_printer_list_lookup (cli, "01S00A000000101"));
  g_assert_cmpstr (af_printer_get_name (af_printer_list_lookup (cli, "01S00A000000101")), ==,
                   "Window's");

  /* The window removes its printer; the command line then renames its own. */
  g_assert_true (remove_printer (window, "01S00A000000101", &error));
  g_assert_no_error (error);
  af_printer_set_name (af_printer_list_lookup (cli, "01S00A000000102"), "Renamed");
  g_assert_true (af_printer_list_save (cli, &error));
  g_assert_no_error (error);

  g_clear_pointer (&groups, g_strfreev);
  groups = groups_on_disk (path);
  g_assert_cmpuint (g_strv_length (groups), ==, 1);
  g_assert_cmpstr (groups[0], ==, "01S00A000000102");
  g_assert_null (af_printer_list_lookup (cli, "01S00A000000101"));

  /* The window's next save keeps the rename it did not make. */
  add_no_code (window, "01S00A000000103", "Third");
  fresh = af_printer_list_new (dir);
  g_assert_true (af_printer_list_load (fresh, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fresh)), ==, 2);
  g_assert_cmpstr (af_printer_get_name (af_printer_list_lookup (fresh, "01S00A000000102")), ==,
                   "Renamed");
  g_assert_nonnull (af_printer_list_lookup (fresh, "01S00A000000103"));

  g_assert_finalize_object (g_steal_pointer (&fresh));
  g_assert_finalize_object (g_steal_pointer (&cli));
  g_assert_finalize_object (g_steal_pointer (&window));
  af_test_remove_tree (dir);
}

#define WRITER_ADDS 25

/* One of the processes of test_concurrent_processes(): loads once, then
 * adds its printers one save at a time, as a long-lived window would.
 */
static int
run_writer (const char *dir,
            const char *first_digit)
{
  g_autoptr(AfPrinterList) list = af_printer_list_new (dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (af_printer_list_load (list, &error));
  for (guint i = 0; i < WRITER_ADDS; i++)
    {
      g_autofree char *serial = g_strdup_printf ("01S00A0000%s%04u", first_digit, i);

      add_no_code (list, serial, first_digit);
    }
  return 0;
}

static void
test_concurrent_processes (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *self_path = NULL;
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!in_throwaway_home ())
    return;

  dir = make_list_dir (&path);
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  first = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                            self_path, "--writer", dir, "1", NULL);
  g_assert_no_error (error);
  second = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                             self_path, "--writer", dir, "2", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (first, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (second, NULL, &error));
  g_assert_no_error (error);

  groups = groups_on_disk (path);
  g_assert_cmpuint (g_strv_length (groups), ==, 2 * WRITER_ADDS);
  for (guint i = 0; i < WRITER_ADDS; i++)
    {
      g_autofree char *one = g_strdup_printf ("01S00A00001%04u", i);
      g_autofree char *two = g_strdup_printf ("01S00A00002%04u", i);

      g_assert_true (g_strv_contains ((const char *const *) groups, one));
      g_assert_true (g_strv_contains ((const char *const *) groups, two));
    }

  af_test_remove_tree (dir);
}

/* --- Discovery notices and saved printers --------------------------------- */

typedef struct
{
  guint     count;
  char     *host;
  gboolean  adopted;
} Checked;

static void
address_checked_cb (AfPrinterList *list,
                    AfPrinter     *printer,
                    const char    *host,
                    gboolean       adopted,
                    Checked       *checked)
{
  checked->count++;
  g_free (checked->host);
  checked->host = g_strdup (host);
  checked->adopted = adopted;
}

static void
send_location_notice (guint       port,
                      const char *serial,
                      const char *location)
{
  g_autofree char *text = g_strdup_printf ("NOTIFY * HTTP/1.1\r\n"
                                           "Location: %s\r\n"
                                           "NTS: ssdp:alive\r\n"
                                           "USN: %s\r\n"
                                           "Cache-Control: max-age=60\r\n"
                                           "DevModel.bambu.com: C12\r\n"
                                           "DevName.bambu.com: Notice\r\n"
                                           "DevConnect.bambu.com: lan\r\n\r\n",
                                           location, serial);

  send_datagram (port, text);
}

/* The discovery's own item for serial now says host: the list has seen it. */
static gboolean
discovery_says (AfDiscovery *discovery,
                const char  *serial,
                const char  *host)
{
  GListModel *model = af_discovery_get_printers (discovery);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (model, i);

      if (g_strcmp0 (af_printer_get_serial (printer), serial) == 0)
        return g_strcmp0 (af_printer_get_host (printer), host) == 0;
    }
  return FALSE;
}

static char *
host_on_disk (const char *path,
              const char *serial)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  g_assert_true (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL));
  return g_key_file_get_string (keyfile, serial, "host", NULL);
}

static gboolean
broker_saw_login (AfTestPrinter *vp)
{
  g_autofree char *dir = g_path_get_dirname (af_test_printer_get_ca_file (vp));
  g_autofree char *log_path = g_build_filename (dir, "mosquitto.log", NULL);
  g_autofree char *log = NULL;

  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  return strstr (log, "u'bblp'") != NULL;
}

/* A saved printer at 127.0.0.1 is the virtual printer that really runs on
 * 127.0.0.2. Notices naming a public address, or loopback while the list
 * does not allow it, change nothing and try nothing; one naming 127.0.0.3,
 * where a printer with the same serial but another certificate answers, is
 * tried and refused; one naming 127.0.0.2 is tried, adopted and saved.
 */
static void
test_notice_moves_saved_printer (void)
{
  g_autoptr(AfTestPrinter) real = NULL;
  g_autoptr(AfTestPrinter) impostor = NULL;
  g_autoptr(AfDiscovery) discovery = NULL;
  g_autoptr(AfPrinterList) list = NULL;
  g_autoptr(AfPrinter) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *on_disk = NULL;
  const char *serial;
  AfPrinter *saved;
  Checked checked = { 0 };
  guint port;

  if (!in_throwaway_home ())
    return;

  {
    const char *real_args[] = { "--host", "127.0.0.2", NULL };

    real = af_test_printer_start (real_args, &error);
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
      {
        g_test_skip ("The virtual printer (AF_VIRTUAL_PRINTER) is not there");
        return;
      }
    g_assert_no_error (error);
  }
  serial = af_test_printer_get_serial (real);
  port_text = g_strdup_printf ("%u", af_test_printer_get_mqtt_port (real));
  {
    const char *impostor_args[] = { "--host", "127.0.0.3", "--serial", serial,
                                    "--mqtt-port", port_text, NULL };

    impostor = af_test_printer_start (impostor_args, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpstr (af_test_printer_get_fingerprint (real), !=,
                   af_test_printer_get_fingerprint (impostor));

  dir = make_list_dir (&path);
  list = af_printer_list_new (dir);
  g_assert_true (af_printer_list_load (list, &error));
  entry = af_printer_new (serial);
  af_printer_set_host (entry, "127.0.0.1");
  af_printer_set_mqtt_port (entry, af_test_printer_get_mqtt_port (real));
  af_printer_set_fingerprint (entry, af_test_printer_get_fingerprint (real));
  saved = add_printer (list, entry, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (list, "address-checked", G_CALLBACK (address_checked_cb), &checked);

  discovery = af_discovery_new (0);
  g_assert_true (af_discovery_start (discovery, &error));
  g_assert_no_error (error);
  port = af_discovery_get_port (discovery);
  af_printer_list_set_discovery (list, discovery);
  g_assert_false (af_printer_list_get_allow_loopback (list));

  /* Loopback, not allowed: ignored, though the printer there would verify. */
  send_location_notice (port, serial, "127.0.0.2");
  WAIT_UNTIL (discovery_says (discovery, serial, "127.0.0.2"), 5000);
  g_assert_true (discovery_says (discovery, serial, "127.0.0.2"));
  WAIT_UNTIL (checked.count > 0, 1500);
  g_assert_cmpuint (checked.count, ==, 0);
  g_assert_cmpstr (af_printer_get_host (saved), ==, "127.0.0.1");

  /* A public address: ignored even with loopback allowed. */
  af_printer_list_set_allow_loopback (list, TRUE);
  send_location_notice (port, serial, "203.0.113.7");
  WAIT_UNTIL (discovery_says (discovery, serial, "203.0.113.7"), 5000);
  g_assert_true (discovery_says (discovery, serial, "203.0.113.7"));
  WAIT_UNTIL (checked.count > 0, 1000);
  g_assert_cmpuint (checked.count, ==, 0);
  g_assert_cmpstr (af_printer_get_host (saved), ==, "127.0.0.1");

  /* Same serial, other certificate: tried, refused, no login sent. */
  send_location_notice (port, serial, "127.0.0.3");
  WAIT_UNTIL (checked.count > 0, 15000);
  g_assert_cmpuint (checked.count, ==, 1);
  g_assert_cmpstr (checked.host, ==, "127.0.0.3");
  g_assert_false (checked.adopted);
  g_assert_cmpstr (af_printer_get_host (saved), ==, "127.0.0.1");
  on_disk = host_on_disk (path, serial);
  g_assert_cmpstr (on_disk, ==, "127.0.0.1");
  g_assert_false (broker_saw_login (impostor));

  /* The printer itself at 127.0.0.2: verified, adopted, saved. */
  send_location_notice (port, serial, "127.0.0.2");
  WAIT_UNTIL (checked.count > 1, 15000);
  g_assert_cmpuint (checked.count, ==, 2);
  g_assert_cmpstr (checked.host, ==, "127.0.0.2");
  g_assert_true (checked.adopted);
  g_assert_cmpstr (af_printer_get_host (saved), ==, "127.0.0.2");
  g_clear_pointer (&on_disk, g_free);
  on_disk = host_on_disk (path, serial);
  g_assert_cmpstr (on_disk, ==, "127.0.0.2");
  g_assert_false (broker_saw_login (real));

  af_printer_list_set_discovery (list, NULL);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&discovery));
  g_free (checked.host);
  af_test_remove_tree (dir);
}

/* --- Keyring errors ----------------------------------------------------- */

static void
test_secrets_roundtrip_async (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfSecret) code = NULL;

  if (!in_throwaway_home ())
    return;

  af_secrets_store_access_code_async ("01S00A000000045", "Custom label", "00001111", NULL,
                                      result_cb, &result);
  g_assert_true (af_secrets_store_access_code_finish (wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  code = af_secrets_lookup_access_code ("01S00A000000045", NULL, &error);
  g_assert_cmpstr (af_secret_get (code), ==, "00001111");

  /* Storing again replaces the code. */
  g_assert_true (af_secrets_store_access_code ("01S00A000000045", NULL, "22223333", NULL,
                                               &error));
  g_clear_pointer (&code, af_secret_free);
  code = af_secrets_lookup_access_code ("01S00A000000045", NULL, &error);
  g_assert_cmpstr (af_secret_get (code), ==, "22223333");

  af_secrets_clear_access_code_async ("01S00A000000045", NULL, result_cb, &result);
  g_assert_true (af_secrets_clear_access_code_finish (wait_result (&result), &error));
  g_assert_no_error (error);
  /* Clearing what is not there is no error. */
  g_assert_true (af_secrets_clear_access_code ("01S00A000000045", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&code, af_secret_free);
  code = af_secrets_lookup_access_code ("01S00A000000045", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (code);
}

static void
test_keyring_unreachable (void)
{
  if (!in_throwaway_home ())
    return;

  if (g_test_subprocess ())
    {
      g_autoptr(AfPrinterList) list = NULL;
      g_autoptr(AfPrinter) entry = manual_entry ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *dir = make_list_dir (&path);
      g_autoptr(AfSecret) code = NULL;

      /* A fresh process has not connected yet: point it at no bus at all. */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/af-test-bus", TRUE);

      code = af_secrets_lookup_access_code (SERIAL, NULL, &error);
      g_assert_null (code);
      g_assert_error (error, AF_SECRETS_ERROR, AF_SECRETS_ERROR_UNAVAILABLE);
      g_assert_nonnull (strstr (error->message, "Could not reach the keyring"));
      g_clear_error (&error);

      /* Adding fails the same way, and writes nothing. */
      list = af_printer_list_new (dir);
      g_assert_null (add_printer (list, entry, ACCESS_CODE, &error));
      g_assert_error (error, AF_SECRETS_ERROR, AF_SECRETS_ERROR_UNAVAILABLE);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* The code never reaches a log. */
  g_test_trap_assert_stdout_unmatched ("*" ACCESS_CODE "*");
  g_test_trap_assert_stderr_unmatched ("*" ACCESS_CODE "*");
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_strcmp0 (argv[1], "--writer") == 0)
    return run_writer (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/af/printer-list/manual-lifecycle", test_manual_lifecycle);
  g_test_add_func ("/af/printer-list/two-writers", test_two_writers);
  g_test_add_func ("/af/printer-list/concurrent-processes", test_concurrent_processes);
  g_test_add_func ("/af/printer-list/notice-moves-saved-printer",
                   test_notice_moves_saved_printer);
  g_test_add_func ("/af/printer-list/update-keeps-code", test_update_keeps_code);
  g_test_add_func ("/af/printer-list/cloud-routes", test_cloud_routes);
  g_test_add_func ("/af/printer-list/invalid-entries", test_invalid_entries);
  g_test_add_func ("/af/printer-list/foreign-content", test_foreign_content);
  g_test_add_func ("/af/printer-list/discovery-merge", test_discovery_merge);
  g_test_add_func ("/af/secrets/roundtrip-async", test_secrets_roundtrip_async);
  g_test_add_func ("/af/secrets/keyring-unreachable", test_keyring_unreachable);

  return g_test_run ();
}
