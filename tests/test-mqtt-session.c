/* test-mqtt-session.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-mqtt-session"

#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "af-lan.h"
#include "af-test-printer.h"

/* Every test talks to a virtual printer (tests/virtual-printer, real
 * mosquitto + firmware simulator) through the real AfMqttSession. One
 * printer serves the tests that leave it as they found it; the ones that
 * restart its broker or silence it get their own.
 */

/* A mosquitto of our own (see "a broker of our own" below). */
typedef struct
{
  char  *dir;
  GPid   pid;
  guint  port;
} Broker;

static Broker *broker;
static AfTestPrinter *shared;
/* The printer a test started for itself, while it runs. */
static AfTestPrinter *own;

/* A failed assertion aborts the test; without this its printers (and their
 * mosquitto) would outlive it.
 */
static void
stop_printers_on_abort (int signal_number)
{
  if (own != NULL)
    af_test_printer_stop (own);
  if (shared != NULL)
    af_test_printer_stop (shared);
  if (broker != NULL)
    kill (broker->pid, SIGTERM);
  signal (signal_number, SIG_DFL);
  raise (signal_number);
}

static char *
corpus_path (const char *name)
{
  const char *dir = g_getenv ("AF_CORPUS_DIR");

  return g_build_filename (dir != NULL ? dir : AF_CORPUS_DIR, "mqtt", name, NULL);
}

static AfTestPrinter *
start_printer (const char *const *args)
{
  g_autoptr(GError) error = NULL;
  AfTestPrinter *printer = af_test_printer_start (args, &error);

  if (printer == NULL)
    g_error ("The virtual printer did not start: %s", error->message);
  return printer;
}

static AfTestPrinter *
get_shared (void)
{
  const char *args[] = { "--speed", "60", NULL };

  if (shared == NULL)
    shared = start_printer (args);
  return shared;
}

static AfPrinter *
printer_for (AfTestPrinter *vp,
             const char    *serial)
{
  AfPrinter *printer = af_printer_new (serial != NULL ? serial : af_test_printer_get_serial (vp));

  af_printer_set_host (printer, af_test_printer_get_host (vp));
  af_printer_set_mqtt_port (printer, af_test_printer_get_mqtt_port (vp));
  return printer;
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*slot);
  return *slot;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the main loop until check() holds; FALSE after timeout seconds. */
static gboolean
wait_for (gboolean (*check) (gpointer data),
          gpointer   data,
          guint      timeout)
{
  gint64 deadline = g_get_monotonic_time () + timeout * G_USEC_PER_SEC;
  guint wake = g_timeout_add (50, wake_cb, NULL);
  gboolean ok;

  while (!(ok = check (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

static gboolean
session_connect (AfMqttSession  *session,
                 GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  af_mqtt_session_connect_async (session, NULL, store_result_cb, &result);
  return af_mqtt_session_connect_finish (session, wait_result (&result), error);
}

static AfMqttSession *
connected_session (AfTestPrinter *vp)
{
  g_autoptr(AfPrinter) printer = printer_for (vp, NULL);
  g_autoptr(GError) error = NULL;
  AfMqttSession *session;

  af_printer_set_fingerprint (printer, af_test_printer_get_fingerprint (vp));
  session = af_mqtt_session_new (printer, af_test_printer_get_access_code (vp));
  g_assert_true (session_connect (session, &error));
  g_assert_no_error (error);
  return session;
}

static char *
state_dir_file (AfTestPrinter *vp,
                const char    *name)
{
  g_autofree char *dir = g_path_get_dirname (af_test_printer_get_ca_file (vp));

  return g_build_filename (dir, name, NULL);
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Whether the broker ever saw a CONNECT with our user name. */
static gboolean
broker_saw_login (AfTestPrinter *vp)
{
  g_autofree char *path = state_dir_file (vp, "mosquitto.log");
  g_autofree char *log = read_text (path);

  return strstr (log, "u'bblp'") != NULL;
}

/* The fingerprint as openssl and sha256sum see it, not as af-tls computes it. */
static char *
openssl_fingerprint (AfTestPrinter *vp)
{
  g_autofree char *cert = state_dir_file (vp, "server.crt");
  g_autofree char *command = g_strdup_printf ("sh -c 'openssl x509 -in %s -outform der | "
                                              "sha256sum'", cert);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;

  g_spawn_command_line_sync (command, &out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (out), >, 64);
  out[64] = '\0';
  return g_strdup (out);
}

static AfPrinterStatus *
status_of (AfMqttSession *session)
{
  return af_printer_get_status (af_mqtt_session_get_printer (session));
}

/* --- project_file (no server) --- */

static void
test_project_file (void)
{
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *print;
  JsonArray *mapping;
  JsonArray *mapping2;
  const char *names[] = {
    "sequence_id", "command", "param", "project_id", "profile_id", "task_id", "subtask_id",
    "subtask_name", "file", "url", "md5", "bed_type", "bed_leveling", "flow_cali",
    "vibration_cali", "layer_inspect", "timelapse", "use_ams", "ams_mapping", "ams_mapping2",
    "auto_bed_leveling", "cfg", "extrude_cali_flag", "nozzle_offset_cali",
  };
  const gint slots[][3] = { { 3, 0, 3 }, { -1, 255, 255 }, { 5, 1, 1 }, { -1, 255, 0 },
                            { 128, 128, 0 }, { -1, 254, 0 }, { -1, 255, 0 } };

  options->plate = 2;
  options->bed_type = g_strdup ("textured_plate");
  options->bed_leveling = AF_CALI_MODE_OFF;
  options->flow_cali = AF_CALI_MODE_ON;
  options->nozzle_offset_cali = AF_CALI_MODE_AUTO;
  options->vibration_cali = FALSE;
  options->layer_inspect = TRUE;
  options->timelapse = FALSE;
  options->use_ams = TRUE;
  g_assert_true (af_print_options_parse_ams_map (options, "1=3,3=5,4=ext,5=128,6=254,7=255",
                                                 &error));
  g_assert_no_error (error);

  json = af_mqtt_session_build_project_file ("cube.gcode.3mf", options, "20123");
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, 1);
  print = json_object_get_object_member (json_node_get_object (node), "print");
  g_assert_nonnull (print);

  members = json_object_get_members (print);
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_true (json_object_has_member (print, names[i]));

  g_assert_cmpstr (json_object_get_string_member (print, "sequence_id"), ==, "20123");
  g_assert_cmpstr (json_object_get_string_member (print, "command"), ==, "project_file");
  g_assert_cmpstr (json_object_get_string_member (print, "param"), ==,
                   "Metadata/plate_2.gcode");
  g_assert_cmpstr (json_object_get_string_member (print, "project_id"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (print, "profile_id"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (print, "task_id"), ==, "20123");
  g_assert_cmpstr (json_object_get_string_member (print, "subtask_id"), ==, "20123");
  g_assert_cmpstr (json_object_get_string_member (print, "subtask_name"), ==, "cube");
  g_assert_cmpstr (json_object_get_string_member (print, "file"), ==, "cube.gcode.3mf");
  g_assert_cmpstr (json_object_get_string_member (print, "url"), ==, "ftp://cube.gcode.3mf");
  g_assert_cmpstr (json_object_get_string_member (print, "md5"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (print, "bed_type"), ==, "textured_plate");
  g_assert_false (json_object_get_boolean_member (print, "bed_leveling"));
  g_assert_true (json_object_get_boolean_member (print, "flow_cali"));
  g_assert_false (json_object_get_boolean_member (print, "vibration_cali"));
  g_assert_true (json_object_get_boolean_member (print, "layer_inspect"));
  g_assert_false (json_object_get_boolean_member (print, "timelapse"));
  g_assert_true (json_object_get_boolean_member (print, "use_ams"));
  g_assert_cmpint (json_object_get_int_member (print, "auto_bed_leveling"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (print, "cfg"), ==, "0");
  g_assert_cmpint (json_object_get_int_member (print, "extrude_cali_flag"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (print, "nozzle_offset_cali"), ==, 2);
  /* The other spelling must not appear next to ours. */
  g_assert_null (strstr (json, "bed_levelling"));

  mapping = json_object_get_array_member (print, "ams_mapping");
  mapping2 = json_object_get_array_member (print, "ams_mapping2");
  g_assert_cmpuint (json_array_get_length (mapping), ==, G_N_ELEMENTS (slots));
  g_assert_cmpuint (json_array_get_length (mapping2), ==, G_N_ELEMENTS (slots));
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      JsonObject *entry = json_array_get_object_element (mapping2, i);

      g_assert_cmpint (json_array_get_int_element (mapping, i), ==, slots[i][0]);
      g_assert_cmpint (json_object_get_int_member (entry, "ams_id"), ==, slots[i][1]);
      g_assert_cmpint (json_object_get_int_member (entry, "slot_id"), ==, slots[i][2]);
      g_assert_cmpuint (json_object_get_size (entry), ==, 2);
    }
}

static void
test_project_file_defaults (void)
{
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autofree char *json = af_mqtt_session_build_project_file ("a b.3mf", options, "20001");
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *print = json_object_get_object_member (json_node_get_object (node), "print");

  g_assert_cmpstr (json_object_get_string_member (print, "param"), ==,
                   "Metadata/plate_1.gcode");
  g_assert_cmpstr (json_object_get_string_member (print, "subtask_name"), ==, "a b");
  g_assert_cmpstr (json_object_get_string_member (print, "bed_type"), ==, "auto");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (print, "ams_mapping")),
                    ==, 0);
}

/* --- trust --- */

static void
test_connect_ca (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfPrinter) printer = printer_for (vp, NULL);
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;
  AfPrinterStatus *status;
  g_autoptr(AfAmsTray) tray = NULL;

  af_printer_set_ca_file (printer, af_test_printer_get_ca_file (vp));
  session = af_mqtt_session_new (printer, af_test_printer_get_access_code (vp));
  g_assert_true (session_connect (session, &error));
  g_assert_no_error (error);

  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_CONNECTED);
  g_assert_null (af_printer_get_last_error (printer));
  status = af_printer_get_status (printer);
  g_assert_true (af_print_state_is_ready (af_printer_status_get_state (status)));
  g_assert_false (isnan (af_printer_status_get_nozzle_temperature (status)));
  /* docs/virtual-printer.md: one AMS with 4 trays (0: PLA FFFFFFFF) and vt_tray. */
  g_assert_cmpuint (g_list_model_get_n_items (af_printer_status_get_trays (status)), ==, 5);
  tray = g_list_model_get_item (af_printer_status_get_trays (status), 0);
  g_assert_cmpstr (af_ams_tray_get_material (tray), ==, "PLA");
  g_assert_cmpstr (af_ams_tray_get_color (tray), ==, "#FFFFFF");
  g_assert_true (af_printer_status_get_developer_mode (status));
  g_assert_true (broker_saw_login (vp));

  af_mqtt_session_disconnect (session);
  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_DISCONNECTED);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static gboolean
firmware_known (gpointer data)
{
  return af_printer_get_firmware (data) != NULL;
}

static void
test_pinned (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  AfPrinter *printer = af_mqtt_session_get_printer (session);

  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_CONNECTED);
  g_assert_true (wait_for (firmware_known, printer, 10));
  g_assert_cmpstr (af_printer_get_firmware (printer), ==, "01.08.02.00");
  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

/* A fresh printer, so that its broker log holds only this test's attempts. */
static void
test_cert_unknown_and_changed (void)
{
  g_autoptr(AfTestPrinter) vp = own = start_printer (NULL);
  g_autoptr(AfPrinter) printer = printer_for (vp, NULL);
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = openssl_fingerprint (vp);
  g_autofree char *shown = af_tls_format_fingerprint (expected);
  const char *wrong = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  g_autofree char *wrong_shown = af_tls_format_fingerprint (wrong);

  g_assert_cmpstr (expected, ==, af_test_printer_get_fingerprint (vp));

  session = af_mqtt_session_new (printer, af_test_printer_get_access_code (vp));
  g_assert_false (session_connect (session, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN);
  g_assert_cmpstr (af_mqtt_session_get_seen_fingerprint (session), ==, expected);
  g_assert_nonnull (strstr (error->message, shown));
  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_FAILED);
  g_assert_cmpstr (af_printer_get_last_error (printer), ==, error->message);
  g_clear_error (&error);

  af_printer_set_fingerprint (printer, wrong);
  g_assert_false (session_connect (session, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_CHANGED);
  g_assert_nonnull (strstr (error->message, shown));
  g_assert_nonnull (strstr (error->message, wrong_shown));
  g_assert_null (strstr (error->message, af_test_printer_get_access_code (vp)));
  g_clear_error (&error);

  /* Neither attempt got as far as CONNECT: the access code never left. */
  g_assert_false (broker_saw_login (vp));

  /* Trusting the fingerprint it saw is enough to get in. */
  af_printer_set_fingerprint (printer, af_mqtt_session_get_seen_fingerprint (session));
  g_assert_true (session_connect (session, &error));
  g_assert_no_error (error);
  g_assert_true (broker_saw_login (vp));
  af_mqtt_session_disconnect (session);
  own = NULL;
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_wrong_serial (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfPrinter) printer = printer_for (vp, "01S00A999999999");
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;

  af_printer_set_ca_file (printer, af_test_printer_get_ca_file (vp));
  session = af_mqtt_session_new (printer, af_test_printer_get_access_code (vp));
  g_assert_false (session_connect (session, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID);
  g_assert_null (strstr (error->message, "01S00A999999999"));
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_wrong_ca (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfPrinter) printer = printer_for (vp, NULL);
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("af-mqtt-XXXXXX", NULL);
  g_autofree char *key = g_build_filename (dir, "other.key", NULL);
  g_autofree char *cert = g_build_filename (dir, "other.crt", NULL);
  g_autofree char *command = g_strdup_printf ("openssl req -x509 -newkey rsa:2048 -nodes "
                                              "-days 1 -subj /CN=Other -keyout %s -out %s",
                                              key, cert);
  g_autofree char *noise = NULL;

  g_assert_true (g_spawn_command_line_sync (command, NULL, &noise, NULL, NULL));
  af_printer_set_ca_file (printer, cert);
  session = af_mqtt_session_new (printer, af_test_printer_get_access_code (vp));
  g_assert_false (session_connect (session, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID);
  g_assert_finalize_object (g_steal_pointer (&session));
  g_unlink (key);
  g_unlink (cert);
  g_rmdir (dir);
}

static void
test_access_denied (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfPrinter) printer = printer_for (vp, NULL);
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;

  af_printer_set_fingerprint (printer, af_test_printer_get_fingerprint (vp));
  session = af_mqtt_session_new (printer, "00000000");
  g_assert_false (session_connect (session, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED);
  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_FAILED);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_unreachable (void)
{
  g_autoptr(AfPrinter) printer = af_printer_new ("01S00A000000001");
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port;

  /* A port that was free a moment ago and is closed now refuses at once. */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  af_printer_set_host (printer, "127.0.0.1");
  af_printer_set_mqtt_port (printer, port);
  session = af_mqtt_session_new (printer, "12345678");
  g_assert_false (session_connect (session, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE);
  g_assert_null (strstr (error->message, "MOSQ"));
  g_assert_finalize_object (g_steal_pointer (&session));
}

/* The first-contact probe trusts nothing and reports the leaf's fingerprint. */
static void
test_probe (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = af_tls_probe_fingerprint (af_test_printer_get_host (vp),
                                                           af_test_printer_get_mqtt_port (vp),
                                                           NULL, &error);
  g_autofree char *expected = openssl_fingerprint (vp);

  g_assert_no_error (error);
  g_assert_cmpstr (fingerprint, ==, expected);
}

/* --- reports --- */

typedef struct
{
  AfMqttSession *session;
  const char    *job_name;
  AfPrintState   state;
  gint           percent;
  guint          n_trays;
} Want;

static gboolean
status_matches (gpointer data)
{
  Want *want = data;
  AfPrinterStatus *status = status_of (want->session);

  return af_printer_status_get_state (status) == want->state &&
         af_printer_status_get_percent (status) == want->percent &&
         g_strcmp0 (af_printer_status_get_job_name (status), want->job_name) == 0 &&
         g_list_model_get_n_items (af_printer_status_get_trays (status)) == want->n_trays;
}

static void
publish_corpus (AfTestPrinter *vp,
                const char    *name)
{
  g_autofree char *path = corpus_path (name);
  g_autofree char *line = g_strconcat ("publish ", path, NULL);

  g_assert_true (af_test_printer_control (vp, line));
}

/* Values read by hand from the corpus files (see test-printer-status.c). */
static void
test_corpus_through_broker (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  Want wants[] = {
    { session, "sensor_altanl\303\245s_v2_v3", AF_PRINT_STATE_FINISH, 100, 1 },
    { session, "", AF_PRINT_STATE_IDLE, 0, 5 },
    { session, "Rear Dry Pod AMS 2 PRO ", AF_PRINT_STATE_RUNNING, 64, 5 },
    { session, "Garden Hose Healer: Male fitting", AF_PRINT_STATE_FINISH, 100, 14 },
  };
  const char *files[] = { "MOCK-P1PNOAMS.json", "MOCK-A1.json", "MOCK-P2S.json",
                          "MOCK-X1CMULTIAMS.json" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      /* A fresh status each time: the reports come from different printers. */
      g_test_message ("publishing %s", files[i]);
      if (i > 0)
        {
          af_mqtt_session_disconnect (session);
          g_assert_finalize_object (g_steal_pointer (&session));
          session = connected_session (vp);
          wants[i].session = session;
        }
      publish_corpus (vp, files[i]);
      g_assert_true (wait_for (status_matches, &wants[i], 10));
    }

  g_assert_cmpfloat (af_printer_status_get_chamber_temperature (status_of (session)), ==, 25);
  g_assert_true (af_test_printer_control (vp, "idle"));
  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static guint count_requests (AfTestPrinter *vp,
                             const char    *command);

static gboolean
is_connected (gpointer data)
{
  return af_printer_get_connection (data) == AF_CONNECTION_CONNECTED;
}

static gboolean
is_not_connected (gpointer data)
{
  return af_printer_get_connection (data) != AF_CONNECTION_CONNECTED;
}

static void
test_reconnect (void)
{
  g_autoptr(AfTestPrinter) vp = own = start_printer (NULL);
  g_autoptr(AfMqttSession) session = connected_session (vp);
  AfPrinter *printer = af_mqtt_session_get_printer (session);
  Want want = { session, "Garden Hose Healer: Male fitting", AF_PRINT_STATE_FINISH, 100, 14 };

  gint64 connected_at = g_get_monotonic_time ();

  g_assert_true (af_test_printer_control (vp, "restart-broker"));
  g_assert_true (wait_for (is_not_connected, printer, 10));
  g_assert_nonnull (af_printer_get_last_error (printer));
  g_assert_true (wait_for (is_connected, printer, 20));
  g_assert_null (af_printer_get_last_error (printer));
  /* The new connection asked for pushall once, and not within 3 s of the
   * first one (the broker restart takes only about 2 s); its full report
   * is what completes the reconnection.
   */
  g_assert_cmpuint (count_requests (vp, "pushall"), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - connected_at, >=, 29 * G_USEC_PER_SEC / 10);

  /* Reports flow again on the new connection. */
  publish_corpus (vp, "MOCK-X1CMULTIAMS.json");
  g_assert_true (wait_for (status_matches, &want, 10));

  af_mqtt_session_disconnect (session);
  own = NULL;
  g_assert_finalize_object (g_steal_pointer (&session));
}

static guint
count_requests (AfTestPrinter *vp,
                const char    *command)
{
  g_autofree char *text = read_text (af_test_printer_get_requests_file (vp));
  g_autofree char *needle = g_strdup_printf ("\"command\":\"%s\"", command);
  guint count = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p++)
    count++;
  return count;
}

typedef struct
{
  AfTestPrinter *vp;
  guint          pushalls;
} PushallWait;

static gboolean
pushall_sent (gpointer data)
{
  PushallWait *wait = data;

  return count_requests (wait->vp, "pushall") > wait->pushalls;
}

static gboolean
start_sent (gpointer data)
{
  PushallWait *wait = data;

  return count_requests (wait->vp, "start") > wait->pushalls;
}

static void
test_watchdog (void)
{
  g_autoptr(AfTestPrinter) vp = own = start_printer (NULL);
  g_autoptr(AfMqttSession) session = connected_session (vp);
  AfPrinter *printer = af_mqtt_session_get_printer (session);
  PushallWait wait = { vp, 0 };
  guint starts;

  g_object_set (session, "watchdog-seconds", 2, NULL);
  wait.pushalls = count_requests (vp, "pushall");
  g_assert_cmpuint (wait.pushalls, >=, 1);

  starts = count_requests (vp, "start");
  g_assert_true (af_test_printer_control (vp, "silence on"));
  /* First pushing.start, as Bambu Studio's check_pushing sends it… */
  g_assert_true (wait_for (start_sent, &(PushallWait) { vp, starts }, 10));
  g_assert_cmpuint (count_requests (vp, "pushall"), ==, wait.pushalls);
  /* …then a pushall… */
  g_assert_true (wait_for (pushall_sent, &wait, 10));
  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_CONNECTED);
  /* …then, still silent, a new connection. */
  g_assert_true (wait_for (is_not_connected, printer, 10));
  g_assert_cmpstr (af_printer_get_last_error (printer), !=, NULL);

  g_assert_true (af_test_printer_control (vp, "silence off"));
  g_assert_true (wait_for (is_connected, printer, 30));

  af_mqtt_session_disconnect (session);
  own = NULL;
  g_assert_finalize_object (g_steal_pointer (&session));
}

/* --- a first connection to a printer with a stale session --- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  guint             port;
} StaleFront;

/* tests/virtual-printer/vp_stale_front.py in front of vp's broker: its first
 * connection gets a TLS handshake and then silence, later ones the broker.
 */
static StaleFront *
stale_front_start (AfTestPrinter *vp)
{
  g_autofree char *script = g_build_filename (g_getenv ("AF_TESTS_SRCDIR"), "virtual-printer",
                                              "vp_stale_front.py", NULL);
  g_autofree char *pem = state_dir_file (vp, "server.pem");
  g_autofree char *port = g_strdup_printf ("%u", af_test_printer_get_mqtt_port (vp));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ready = NULL;
  g_autofree char *line = NULL;
  StaleFront *front = g_new0 (StaleFront, 1);

  front->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3",
                                     script, af_test_printer_get_host (vp), port, pem, "1",
                                     NULL);
  g_assert_no_error (error);
  front->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (front->process));
  line = g_data_input_stream_read_line_utf8 (front->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  ready = json_from_string (line, &error);
  g_assert_no_error (error);
  front->port = (guint)json_object_get_int_member (json_node_get_object (ready), "port");
  return front;
}

/* How many connections it has taken, from its event lines. */
static guint
stale_front_stop (StaleFront *front)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;
  guint n = 0;

  g_subprocess_send_signal (front->process, SIGTERM);
  g_subprocess_wait (front->process, NULL, &error);
  g_assert_no_error (error);
  rest = g_data_input_stream_read_upto (front->out, "", 0, NULL, NULL, NULL);
  for (const char *p = rest; p != NULL && (p = strstr (p, "\"connection\"")) != NULL; p++)
    n++;
  g_clear_object (&front->out);
  g_clear_object (&front->process);
  g_free (front);
  return n;
}

static void
test_first_connect_retry (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfPrinter) printer = printer_for (vp, NULL);
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;
  StaleFront *front = stale_front_start (vp);
  gint64 started = g_get_monotonic_time ();
  guint retry = 0;

  af_printer_set_mqtt_port (printer, front->port);
  af_printer_set_fingerprint (printer, af_test_printer_get_fingerprint (vp));
  session = af_mqtt_session_new (printer, af_test_printer_get_access_code (vp));
  /* About a minute by default; a shorter window here keeps the test quick. */
  g_object_get (session, "first-connect-retry-seconds", &retry, NULL);
  g_assert_cmpuint (retry, >=, 55);
  g_assert_cmpuint (retry, <=, 90);
  g_object_set (session, "first-connect-retry-seconds", 30, NULL);

  /* The stale connection never gets a CONNACK; the next one goes through. */
  g_assert_true (session_connect (session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 9 * G_USEC_PER_SEC);
  g_assert_cmpint (af_printer_get_connection (printer), ==, AF_CONNECTION_CONNECTED);

  af_mqtt_session_disconnect (session);
  /* One stale connection, then the one that worked. */
  g_assert_cmpuint (stale_front_stop (front), ==, 2);
  g_assert_finalize_object (g_steal_pointer (&session));
}

/* One rule for "full report", in the session and the merge. */
static void
test_full_report_rule (void)
{
  const struct { const char *json; gboolean full; } cases[] = {
    { "{\"command\":\"push_status\",\"msg\":0}", TRUE },
    { "{\"command\":\"push_status\",\"msg\":1}", FALSE },
    { "{\"command\":\"push_status\"}", TRUE },
    { "{\"gcode_state\":\"IDLE\"}", TRUE },
    { "{\"command\":\"push_status\",\"msg\":\"zero\"}", FALSE },
    { "{\"command\":\"project_file\",\"msg\":0}", FALSE },
  };
  g_autoptr(AfPrinterStatus) status = af_printer_status_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i].json, &error);

      g_assert_no_error (error);
      g_assert_cmpint (af_printer_status_is_full_report (json_node_get_object (node)), ==,
                       cases[i].full);
    }

  /* A report without msg is full, so it drops the AMS unit it no longer lists. */
  g_assert_true (af_printer_status_merge (status,
    "{\"print\":{\"command\":\"push_status\",\"msg\":0,\"ams\":{\"ams\":["
    "{\"id\":\"0\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PLA\"}]},"
    "{\"id\":\"1\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PETG\"}]}]}}}", -1, &error));
  g_assert_cmpuint (g_list_model_get_n_items (af_printer_status_get_trays (status)), ==, 2);
  g_assert_true (af_printer_status_merge (status,
    "{\"print\":{\"command\":\"push_status\",\"ams\":{\"ams\":["
    "{\"id\":\"0\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PLA\"}]}]}}}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (af_printer_status_get_trays (status)), ==, 1);
  /* A delta (msg 1) only updates the units it names. */
  g_assert_true (af_printer_status_merge (status,
    "{\"print\":{\"command\":\"push_status\",\"msg\":1,\"ams\":{\"ams\":["
    "{\"id\":\"1\",\"tray\":[{\"id\":\"0\",\"tray_type\":\"PETG\"}]}]}}}", -1, &error));
  g_assert_cmpuint (g_list_model_get_n_items (af_printer_status_get_trays (status)), ==, 2);
}

/* --- printing --- */

/* A minimal printable archive with a G-code of `minutes` simulated minutes. */
static void
place_archive (AfTestPrinter *vp,
               const char    *name,
               guint          minutes)
{
  g_autofree char *path = g_build_filename (af_test_printer_get_storage_dir (vp), name, NULL);
  g_autoptr(GString) gcode = g_string_new ("; HEADER_BLOCK_START\n; total layer number: 4\n"
                                           "; HEADER_BLOCK_END\n");
  g_autofree char *script = NULL;
  const char *argv[] = { "/usr/bin/python3", "-c", NULL, path, NULL, NULL };
  g_autoptr(GError) error = NULL;
  gint status = 0;

  for (guint i = 0; i <= minutes; i++)
    g_string_append_printf (gcode, "M73 P%u R%u\nM991 S0 P%u\nG1 X1 Y1\n",
                            i * 100 / MAX (minutes, 1), minutes - i, i);
  script = g_strdup ("import sys, zipfile\n"
                     "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                     "    z.writestr('Metadata/plate_1.gcode', sys.argv[2])\n");
  argv[2] = script;
  argv[4] = gcode->str;
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static gboolean
start_print (AfMqttSession  *session,
             const char     *file,
             const char     *job_name,
             GError        **error)
{
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(GAsyncResult) result = NULL;

  options->job_name = g_strdup (job_name);
  af_mqtt_session_start_print_async (session, file, options, NULL, store_result_cb, &result);
  return af_mqtt_session_start_print_finish (session, wait_result (&result), error);
}

static gboolean
command (AfMqttSession   *session,
         AfPrintCommand   which,
         GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  af_mqtt_session_command_async (session, which, NULL, store_result_cb, &result);
  return af_mqtt_session_command_finish (session, wait_result (&result), error);
}

static gboolean
is_running (gpointer data)
{
  return af_printer_status_get_state (status_of (data)) == AF_PRINT_STATE_RUNNING;
}

static gboolean
is_finished (gpointer data)
{
  return af_printer_status_get_state (status_of (data)) == AF_PRINT_STATE_FINISH;
}

static void
test_print_to_finish (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;
  g_autofree char *requests = NULL;
  AfPrintState state;

  place_archive (vp, "short.gcode.3mf", 2);
  g_assert_true (start_print (session, "short.gcode.3mf", "short-job", &error));
  g_assert_no_error (error);
  state = af_printer_status_get_state (status_of (session));
  g_assert_true (state == AF_PRINT_STATE_PREPARE || state == AF_PRINT_STATE_RUNNING);
  g_assert_cmpstr (af_printer_status_get_job_name (status_of (session)), ==, "short-job");

  requests = read_text (af_test_printer_get_requests_file (vp));
  g_assert_nonnull (strstr (requests, "\"url\":\"ftp://short.gcode.3mf\""));
  g_assert_nonnull (strstr (requests, "\"bed_leveling\":true"));

  g_assert_true (wait_for (is_finished, session, 30));
  g_assert_cmpint (af_printer_status_get_percent (status_of (session)), ==, 100);

  /* A second job on the finished printer gets a new sequence id. */
  g_assert_true (start_print (session, "short.gcode.3mf", "short-again", &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (is_finished, session, 30));

  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_print_busy (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;
  guint before = count_requests (vp, "project_file");

  g_assert_true (af_test_printer_control (vp, "busy"));
  place_archive (vp, "busy.gcode.3mf", 1);
  g_assert_true (wait_for (is_running, session, 10));

  g_assert_false (start_print (session, "busy.gcode.3mf", "busy-job", &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_BUSY);
  /* Refused before anything was sent: the running job is never disturbed. */
  g_assert_cmpuint (count_requests (vp, "project_file"), ==, before);

  g_assert_true (af_test_printer_control (vp, "idle"));
  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static gboolean
developer_mode_off (gpointer data)
{
  return !af_printer_status_get_developer_mode (status_of (data));
}

static void
test_print_not_developer_mode (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;

  place_archive (vp, "secured.gcode.3mf", 1);
  g_assert_true (af_test_printer_control (vp, "verify-failed on"));
  g_assert_false (start_print (session, "secured.gcode.3mf", "secured-job", &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_DEVELOPER_MODE);
  g_assert_nonnull (strstr (error->message, "Developer Mode"));
  g_assert_nonnull (strstr (error->message, "LAN Only"));
  /* The report sets fun bit 29 for as long as the printer wants signatures. */
  g_assert_true (wait_for (developer_mode_off, session, 10));
  g_assert_true (af_test_printer_control (vp, "verify-failed off"));

  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static gboolean
is_failed (gpointer data)
{
  return af_printer_status_get_state (status_of (data)) == AF_PRINT_STATE_FAILED;
}

/* The firmware accepts the job and fails it while preparing, so start_print
 * succeeds (the printer reported our job) and the status shows the failure.
 */
static void
test_print_fails_while_preparing (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;
  AfPrinterStatus *status = status_of (session);

  g_assert_true (start_print (session, "missing.gcode.3mf", "missing-job", &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (is_failed, session, 20));
  g_assert_cmpstr (af_printer_status_get_job_name (status), ==, "missing-job");
  g_assert_cmpint (af_printer_status_get_print_error (status), ==, 0x0500C010);
  g_assert_cmpstr (af_printer_status_get_hms (status)[0], ==, "HMS_0500_0300_0001_0010");

  g_assert_true (af_test_printer_control (vp, "idle"));
  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_print_no_response (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;

  g_object_set (session, "watchdog-seconds", 60, "start-timeout-seconds", 2, NULL);
  place_archive (vp, "quiet.gcode.3mf", 1);
  g_assert_true (af_test_printer_control (vp, "silence on"));
  g_assert_false (start_print (session, "quiet.gcode.3mf", "quiet-job", &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NO_RESPONSE);
  g_assert_true (af_test_printer_control (vp, "silence off"));
  g_assert_true (af_test_printer_control (vp, "idle"));

  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_pause_resume_stop (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  place_archive (vp, "long.gcode.3mf", 60);
  g_assert_true (start_print (session, "long.gcode.3mf", "long-job", &error));
  g_assert_no_error (error);
  /* The firmware has nothing to pause while it prepares. */
  g_assert_true (wait_for (is_running, session, 20));

  ok = command (session, AF_PRINT_COMMAND_PAUSE, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (af_printer_status_get_state (status_of (session)), ==, AF_PRINT_STATE_PAUSE);

  ok = command (session, AF_PRINT_COMMAND_RESUME, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (af_printer_status_get_state (status_of (session)), ==,
                   AF_PRINT_STATE_RUNNING);

  ok = command (session, AF_PRINT_COMMAND_STOP, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (af_print_state_is_ready (af_printer_status_get_state (status_of (session))));
  g_assert_cmpint (af_printer_status_get_print_error (status_of (session)), ==, 50348044);

  /* QoS 1, as the firmware expects for control commands. */
  g_assert_cmpuint (count_requests (vp, "pause"), >=, 1);
  g_assert_cmpuint (count_requests (vp, "stop"), >=, 1);

  g_assert_true (af_test_printer_control (vp, "idle"));
  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

/* A cancelled start completes at once with G_IO_ERROR_CANCELLED. */
static void
test_print_cancelled (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (af_test_printer_control (vp, "silence on"));
  af_mqtt_session_start_print_async (session, "quiet.gcode.3mf", options, cancellable,
                                     store_result_cb, &result);
  g_cancellable_cancel (cancellable);
  g_assert_false (af_mqtt_session_start_print_finish (session, wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&result);
  g_assert_true (af_test_printer_control (vp, "silence off"));
  g_assert_true (af_test_printer_control (vp, "idle"));

  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_command_verify_failed (void)
{
  AfTestPrinter *vp = get_shared ();
  g_autoptr(AfMqttSession) session = connected_session (vp);
  g_autoptr(GError) error = NULL;

  g_assert_true (af_test_printer_control (vp, "busy"));
  g_assert_true (wait_for (is_running, session, 10));
  g_assert_true (af_test_printer_control (vp, "verify-failed on"));
  g_assert_false (command (session, AF_PRINT_COMMAND_PAUSE, &error));
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_DEVELOPER_MODE);
  g_assert_true (af_test_printer_control (vp, "verify-failed off"));
  g_assert_true (af_test_printer_control (vp, "idle"));

  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
}

/* --- a broker of our own, where the test plays the firmware ---
 *
 * The virtual printer always prepares an accepted job first; these answers
 * (a job that fails at once, a busy ack while idle, the HMS of secured
 * firmware) come from mosquitto_pub instead, on a mosquitto started here
 * (recipes §5) and stopped by its PID.
 */

#define OWN_SERIAL "01S00A000000042"
#define OWN_CODE "24681357"


static void
run_or_die (const char *command)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_spawn_command_line_sync (command, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", command, err);
}

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
broker_file (const char *name)
{
  return g_build_filename (broker->dir, name, NULL);
}

static void
broker_pub (const char *payload,
            gboolean    retain)
{
  g_autofree char *ca = broker_file ("server.crt");
  const char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", NULL, "--cafile", ca,
                         "--insecure", "-u", "printer", "-P", "printerpw", "-t",
                         "device/" OWN_SERIAL "/report", "-m", payload,
                         retain ? "-r" : NULL, NULL };
  g_autofree char *port = g_strdup_printf ("%u", broker->port);
  g_autoptr(GError) error = NULL;
  gint status = 0;

  argv[4] = port;
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static gboolean
broker_ready (gpointer data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", broker->port, NULL, NULL);
  return connection != NULL;
}

static void
broker_start (void)
{
  g_autofree char *key = NULL, *cert = NULL, *passwd = NULL, *conf = NULL, *log = NULL;
  g_autofree char *command = NULL, *text = NULL;
  const char *argv[] = { "mosquitto", "-c", NULL, NULL };
  g_autoptr(GError) error = NULL;

  broker = g_new0 (Broker, 1);
  broker->dir = g_dir_make_tmp ("af-mqtt-broker-XXXXXX", &error);
  g_assert_no_error (error);
  broker->port = free_port ();
  key = broker_file ("server.key");
  cert = broker_file ("server.crt");
  passwd = broker_file ("passwd");
  conf = broker_file ("mosquitto.conf");
  log = broker_file ("mosquitto.log");

  command = g_strdup_printf ("openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                             "-subj /CN=" OWN_SERIAL " -keyout %s -out %s", key, cert);
  run_or_die (command);
  g_clear_pointer (&command, g_free);
  command = g_strdup_printf ("mosquitto_passwd -c -b %s bblp " OWN_CODE, passwd);
  run_or_die (command);
  g_clear_pointer (&command, g_free);
  command = g_strdup_printf ("mosquitto_passwd -b %s printer printerpw", passwd);
  run_or_die (command);

  text = g_strdup_printf ("user root\nper_listener_settings false\nallow_anonymous false\n"
                          "password_file %s\npersistence false\nlog_dest file %s\n"
                          "listener %u 127.0.0.1\ncertfile %s\nkeyfile %s\n"
                          "tls_version tlsv1.2\nrequire_certificate false\n",
                          passwd, log, broker->port, cert, key);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);

  argv[2] = conf;
  g_spawn_async (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                 &broker->pid, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (broker_ready, NULL, 10));
}

static void
broker_stop (void)
{
  const char *names[] = { "server.key", "server.crt", "passwd", "mosquitto.conf",
                          "mosquitto.log" };

  if (broker == NULL)
    return;

  kill (broker->pid, SIGTERM);
  waitpid (broker->pid, NULL, 0);
  g_spawn_close_pid (broker->pid);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = broker_file (names[i]);

      g_unlink (path);
    }
  g_rmdir (broker->dir);
  g_free (broker->dir);
  g_clear_pointer (&broker, g_free);
}

static AfMqttSession *
own_session (void)
{
  g_autoptr(AfPrinter) printer = af_printer_new (OWN_SERIAL);
  g_autofree char *cert = NULL;
  g_autoptr(GError) error = NULL;
  AfMqttSession *session;

  if (broker == NULL)
    broker_start ();
  cert = broker_file ("server.crt");

  /* An idle printer, retained, so that the first report is there at once. */
  broker_pub ("{\"print\":{\"command\":\"push_status\",\"msg\":0,\"gcode_state\":\"IDLE\","
              "\"subtask_name\":\"\",\"print_error\":0,\"hms\":[]}}", TRUE);

  af_printer_set_host (printer, "127.0.0.1");
  af_printer_set_mqtt_port (printer, broker->port);
  af_printer_set_ca_file (printer, cert);
  session = af_mqtt_session_new (printer, OWN_CODE);
  g_assert_true (session_connect (session, &error));
  g_assert_no_error (error);
  return session;
}

/* Starts a print, then answers with the payload as the firmware. */
static GError *
start_and_answer (const char *answer)
{
  g_autoptr(AfMqttSession) session = own_session ();
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  options->job_name = g_strdup ("doomed");
  af_mqtt_session_start_print_async (session, "doomed.gcode.3mf", options, NULL,
                                     store_result_cb, &result);
  broker_pub (answer, FALSE);
  g_assert_false (af_mqtt_session_start_print_finish (session, wait_result (&result), &error));
  g_clear_object (&result);
  af_mqtt_session_disconnect (session);
  g_assert_finalize_object (g_steal_pointer (&session));
  return error;
}

static void
test_own_print_failed (void)
{
  g_autoptr(GError) error = NULL;

  error = start_and_answer ("{\"print\":{\"command\":\"push_status\",\"msg\":1,"
                            "\"gcode_state\":\"FAILED\",\"subtask_name\":\"doomed\","
                            "\"print_error\":83935248,"
                            "\"hms\":[{\"attr\":83886848,\"code\":65552}]}}");
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_PRINT_FAILED);
  g_assert_nonnull (strstr (error->message, "0500-C010: The storage card could not be read"));
  g_assert_nonnull (strstr (error->message, "0500-0300-0001-0010"));
}

static void
test_own_busy_ack (void)
{
  g_autoptr(GError) error = NULL;

  error = start_and_answer ("{\"print\":{\"command\":\"project_file\",\"result\":\"fail\","
                            "\"reason\":\"device is busy\",\"err_code\":83902468}}");
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_BUSY);
}

static void
test_own_verify_hms (void)
{
  g_autoptr(GError) error = NULL;

  error = start_and_answer ("{\"print\":{\"command\":\"push_status\",\"msg\":1,"
                            "\"hms\":[{\"attr\":83887360,\"code\":65543}]}}");
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_DEVELOPER_MODE);
}

static void
test_own_verify_err_code (void)
{
  g_autoptr(GError) error = NULL;

  error = start_and_answer ("{\"print\":{\"command\":\"project_file\",\"result\":\"FAIL\","
                            "\"reason\":\"\",\"err_code\":84033545}}");
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_NOT_DEVELOPER_MODE);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGABRT, stop_printers_on_abort);
  signal (SIGTRAP, stop_printers_on_abort);

  g_test_add_func ("/af/lan/mqtt/project-file", test_project_file);
  g_test_add_func ("/af/lan/mqtt/project-file-defaults", test_project_file_defaults);
  g_test_add_func ("/af/lan/mqtt/full-report-rule", test_full_report_rule);
  g_test_add_func ("/af/lan/mqtt/own/print-failed", test_own_print_failed);
  g_test_add_func ("/af/lan/mqtt/own/busy-ack", test_own_busy_ack);
  g_test_add_func ("/af/lan/mqtt/own/verify-hms", test_own_verify_hms);
  g_test_add_func ("/af/lan/mqtt/own/verify-err-code", test_own_verify_err_code);

  /* Without the virtual printer (no AF_VIRTUAL_PRINTER) only the above run. */
  if (g_getenv ("AF_VIRTUAL_PRINTER") == NULL)
    {
      status = g_test_run ();
      broker_stop ();
      return status;
    }

  g_test_add_func ("/af/lan/mqtt/connect-ca", test_connect_ca);
  g_test_add_func ("/af/lan/mqtt/pinned", test_pinned);
  g_test_add_func ("/af/lan/mqtt/cert-unknown-and-changed", test_cert_unknown_and_changed);
  g_test_add_func ("/af/lan/mqtt/wrong-serial", test_wrong_serial);
  g_test_add_func ("/af/lan/mqtt/wrong-ca", test_wrong_ca);
  g_test_add_func ("/af/lan/mqtt/access-denied", test_access_denied);
  g_test_add_func ("/af/lan/mqtt/unreachable", test_unreachable);
  g_test_add_func ("/af/lan/tls/probe", test_probe);
  g_test_add_func ("/af/lan/mqtt/corpus", test_corpus_through_broker);
  g_test_add_func ("/af/lan/mqtt/reconnect", test_reconnect);
  g_test_add_func ("/af/lan/mqtt/watchdog", test_watchdog);
  g_test_add_func ("/af/lan/mqtt/first-connect-retry", test_first_connect_retry);
  g_test_add_func ("/af/lan/mqtt/print/finish", test_print_to_finish);
  g_test_add_func ("/af/lan/mqtt/print/busy", test_print_busy);
  g_test_add_func ("/af/lan/mqtt/print/not-developer-mode", test_print_not_developer_mode);
  g_test_add_func ("/af/lan/mqtt/print/fails-while-preparing",
                   test_print_fails_while_preparing);
  g_test_add_func ("/af/lan/mqtt/print/no-response", test_print_no_response);
  g_test_add_func ("/af/lan/mqtt/print/pause-resume-stop", test_pause_resume_stop);
  g_test_add_func ("/af/lan/mqtt/print/command-verify-failed", test_command_verify_failed);
  g_test_add_func ("/af/lan/mqtt/print/cancelled", test_print_cancelled);

  status = g_test_run ();
  g_clear_pointer (&shared, af_test_printer_free);
  broker_stop ();
  return status;
}
