/* test-cloud.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-cloud"

#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "af-cloud-private.h"
#include "af-core.h"
#include "af-test-cloud.h"
#include "af-test-util.h"

/* The pure parts of core/cloud: problem+json mapping, back-off,
 * Retry-After, the version check, PKCE, the response limits, the job
 * options beside LAN's project_file, and the sign-in listener's one request
 * on real loopback sockets.
 *
 * With --live (meson test cloud-live, under headless-run.sh --keyring):
 * the client, AfCloudTransport and the cloud broker's MQTT session against
 * the reference cloud (real HTTPS, SQLite, mosquitto) with a bound virtual
 * printer in cloud mode and the tokens in a real keyring: conditional
 * requests, renames with If-Match, resumed uploads (server-side byte
 * counts), polling when the broker is out of reach, the end-state read,
 * SUBACK 0x80 and the broker's refusals in the cloud's words. The command
 * line against the same cloud is tests/test-cloud-cli.py.
 */

#define PROBLEM(type, status, extra) \
  "{\"type\": \"https://api.atomform.tech/problems/" type "\", \"title\": \"t\", " \
  "\"status\": " #status ", \"detail\": \"The detail.\"" extra "}"

typedef struct
{
  const char *name;
  guint       status;
  const char *body;
  int         code;
} ProblemCase;

static const ProblemCase problem_cases[] = {
  { "busy", 409, PROBLEM ("printer-busy", 409, ""), AF_CLOUD_ERROR_PRINTER_BUSY },
  { "offline", 409, PROBLEM ("printer-offline", 409, ""), AF_CLOUD_ERROR_PRINTER_OFFLINE },
  { "in-progress", 409, PROBLEM ("idempotency-in-progress", 409, ""),
    AF_CLOUD_ERROR_RATE_LIMITED },
  { "offset", 409, PROBLEM ("upload-offset-mismatch", 409, ", \"expected_offset\": 4"),
    AF_CLOUD_ERROR_OFFSET_MISMATCH },
  { "other-conflict", 409, PROBLEM ("something-new", 409, ""), AF_CLOUD_ERROR_CONFLICT },
  { "not-bound", 403, PROBLEM ("printer-not-bound", 403, ""), AF_CLOUD_ERROR_PRINTER_NOT_BOUND },
  { "not-found", 404, PROBLEM ("not-found", 404, ""), AF_CLOUD_ERROR_NOT_FOUND },
  { "file-expired", 410, PROBLEM ("file-expired", 410, ""), AF_CLOUD_ERROR_GONE },
  { "too-large", 413, PROBLEM ("payload-too-large", 413, ""), AF_CLOUD_ERROR_TOO_LARGE },
  { "rejected", 422, PROBLEM ("validation-failed", 422, ""), AF_CLOUD_ERROR_REJECTED },
  { "key-reused", 422, PROBLEM ("idempotency-key-reused", 422, ""), AF_CLOUD_ERROR_BUG },
  { "checksum", 460, PROBLEM ("checksum-mismatch", 460, ""), AF_CLOUD_ERROR_CHECKSUM },
  { "version", 400, PROBLEM ("unsupported-api-version", 400, ""), AF_CLOUD_ERROR_VERSION },
  { "cursor", 400, PROBLEM ("invalid-cursor", 400, ""), AF_CLOUD_ERROR_INVALID_CURSOR },
  { "bad-request", 400, PROBLEM ("invalid-request", 400, ""), AF_CLOUD_ERROR_BUG },
  { "unauthorized", 401, PROBLEM ("unauthorized", 401, ""), AF_CLOUD_ERROR_SIGNED_OUT },
  { "rate-limited", 429, PROBLEM ("rate-limited", 429, ""), AF_CLOUD_ERROR_RATE_LIMITED },
  { "internal", 500, PROBLEM ("internal", 500, ""), AF_CLOUD_ERROR_SERVER },
  { "bad-gateway-no-body", 502, NULL, AF_CLOUD_ERROR_SERVER },
  { "unknown-4xx", 418, PROBLEM ("teapot", 418, ""), AF_CLOUD_ERROR_BUG },
  { "pending", 400, "{\"type\": \"https://api.atomform.tech/problems/oauth\", \"status\": 400, "
    "\"error\": \"authorization_pending\"}", AF_CLOUD_ERROR_PENDING },
  { "slow-down", 400, "{\"type\": \"https://api.atomform.tech/problems/oauth\", \"status\": 400, "
    "\"error\": \"slow_down\"}", AF_CLOUD_ERROR_SLOW_DOWN },
  { "denied", 400, "{\"type\": \"https://api.atomform.tech/problems/oauth\", \"status\": 400, "
    "\"error\": \"access_denied\"}", AF_CLOUD_ERROR_ACCESS_DENIED },
  { "expired", 400, "{\"type\": \"https://api.atomform.tech/problems/oauth\", \"status\": 400, "
    "\"error\": \"expired_token\"}", AF_CLOUD_ERROR_EXPIRED },
  { "invalid-grant", 400, "{\"type\": \"https://api.atomform.tech/problems/oauth\", "
    "\"status\": 400, \"error\": \"invalid_grant\"}", AF_CLOUD_ERROR_SIGN_IN_FAILED },
  /* Not a problem document: the status alone decides. */
  { "garbage-body", 404, "<html>not json</html>", AF_CLOUD_ERROR_NOT_FOUND },
};

static void
test_problem_mapping (gconstpointer data)
{
  const ProblemCase *c = data;
  g_autoptr(GError) error = NULL;

  error = af_cloud_error_from_response (c->status, "application/problem+json", c->body,
                                        c->body != NULL ? strlen (c->body) : 0, -1, NULL);
  g_assert_error (error, AF_CLOUD_ERROR, c->code);
  g_assert_cmpstr (error->message, !=, "");
}

static void
test_problem_detail_shown (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *type = NULL;
  const char *body = PROBLEM ("printer-busy", 409, "");

  error = af_cloud_error_from_response (409, "application/problem+json", body, strlen (body), -1,
                                        &type);
  g_assert_cmpstr (type, ==, "printer-busy");
  g_assert_nonnull (strstr (error->message, "The detail."));
}

/* A 503 names the service and the time it went down, and says LAN works. */
static void
test_problem_unavailable (void)
{
  const char *body = PROBLEM ("service-unavailable", 503,
                              ", \"service\": \"uploads\", \"since\": \"2026-12-04T05:10:00Z\"");
  g_autoptr(GError) error = NULL;

  error = af_cloud_error_from_response (503, "application/problem+json", body, strlen (body), 30,
                                        NULL);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "upload service"));
  g_assert_nonnull (strstr (error->message, "05:10"));
  g_assert_nonnull (strstr (error->message, "(LAN) still works"));
  g_assert_true (af_cloud_error_is_transient (error));
}

/* A body past the limit or nested past it is read by status alone. */
static void
test_problem_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) deep = g_string_new (NULL);

  for (guint i = 0; i < AF_JSON_MAX_DEPTH + 1; i++)
    g_string_append_c (deep, '[');
  error = af_cloud_error_from_response (409, "application/problem+json", deep->str, deep->len,
                                        -1, NULL);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CONFLICT);
  g_clear_error (&error);

  /* White space parses to no value at all: read by status alone, without
   * a json-glib critical (the tests run with fatal warnings).
   */
  error = af_cloud_error_from_response (409, "application/problem+json", " \n", 2, -1, NULL);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CONFLICT);
}

/* Integers arrive as JSON numbers: one too large for 64 bits, or written
 * with an exponent, is refused rather than cast (which is undefined).
 */
static void
test_json_int_range (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser,
                                             "{\"big\": 8.8e22, \"small\": -1e300, "
                                             "\"fine\": 8883.0, \"int\": 42}", -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (af_cloud_json_get_int (object, "big", -7), ==, -7);
  g_assert_cmpint (af_cloud_json_get_int (object, "small", -7), ==, -7);
  g_assert_cmpint (af_cloud_json_get_int (object, "fine", -7), ==, 8883);
  g_assert_cmpint (af_cloud_json_get_int (object, "int", -7), ==, 42);
  g_assert_cmpint (af_cloud_json_get_int (object, "absent", -7), ==, -7);
}

static void
test_backoff (void)
{
  /* Full jitter: 0 … base × 2^attempt, capped at 60 s. */
  g_assert_cmpuint (af_cloud_backoff_ms (0, 1000, 0), ==, 0);
  g_assert_cmpuint (af_cloud_backoff_ms (0, 1000, 1000), ==, 1000);
  g_assert_cmpuint (af_cloud_backoff_ms (0, 1000, 1001), ==, 0);
  g_assert_cmpuint (af_cloud_backoff_ms (1, 1000, 2000), ==, 2000);
  g_assert_cmpuint (af_cloud_backoff_ms (3, 1000, 8000), ==, 8000);
  g_assert_cmpuint (af_cloud_backoff_ms (5, 1000, 32000), ==, 32000);
  g_assert_cmpuint (af_cloud_backoff_ms (6, 1000, 60000), ==, 60000);
  g_assert_cmpuint (af_cloud_backoff_ms (6, 1000, 64000), ==, 64000 % 60001);
  g_assert_cmpuint (af_cloud_backoff_ms (30, 1000, G_MAXUINT32), <=, AF_CLOUD_RETRY_MAX_MS);
  /* The injected base scales it all (tests use a few milliseconds). */
  g_assert_cmpuint (af_cloud_backoff_ms (2, 5, 20), ==, 20);
  g_assert_cmpuint (af_cloud_backoff_ms (2, 5, 21), ==, 0);
  for (guint32 r = 0; r < 100000; r += 7919)
    g_assert_cmpuint (af_cloud_backoff_ms (2, 1000, r), <=, 4000);
}

static void
test_retry_after (void)
{
  gint64 now = 1796362200; /* 2026-12-04T05:30:00Z */

  g_assert_cmpint (af_cloud_parse_retry_after ("120", now), ==, 120);
  g_assert_cmpint (af_cloud_parse_retry_after ("0", now), ==, 0);
  g_assert_cmpint (af_cloud_parse_retry_after ("Fri, 04 Dec 2026 05:31:00 GMT", now), ==, 60);
  /* A date in the past means now. */
  g_assert_cmpint (af_cloud_parse_retry_after ("Fri, 04 Dec 2026 05:00:00 GMT", now), ==, 0);
  g_assert_cmpint (af_cloud_parse_retry_after ("soon", now), ==, -1);
  g_assert_cmpint (af_cloud_parse_retry_after ("-5", now), ==, -1);
  g_assert_cmpint (af_cloud_parse_retry_after (NULL, now), ==, -1);
}

static void
test_api_version (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (af_cloud_check_api_version ("1.0", NULL));
  g_assert_true (af_cloud_check_api_version ("1.7", NULL));
  g_assert_false (af_cloud_check_api_version ("2.0", &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "version 2.0"));
  g_assert_nonnull (strstr (error->message, "Update AtomForm Connect"));
  g_assert_nonnull (strstr (error->message, "(LAN) still works"));
  g_clear_error (&error);
  g_assert_false (af_cloud_check_api_version (NULL, &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_VERSION);
  g_clear_error (&error);
  g_assert_false (af_cloud_check_api_version ("10.0", &error));
  g_clear_error (&error);
  g_assert_false (af_cloud_check_api_version ("1", &error));
}

static void
test_pkce (void)
{
  g_autofree char *verifier = af_cloud_pkce_new_verifier ();
  g_autofree char *other = af_cloud_pkce_new_verifier ();
  g_autofree char *challenge = NULL;
  g_autofree char *state = af_cloud_new_state ();
  g_autofree char *state2 = af_cloud_new_state ();

  /* RFC 7636 Appendix B. */
  challenge = af_cloud_pkce_challenge ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

  g_assert_cmpuint (strlen (verifier), ==, 64);
  g_assert_cmpuint (strspn (verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-._~"), ==, 64);
  g_assert_cmpstr (verifier, !=, other);
  g_clear_pointer (&challenge, g_free);
  challenge = af_cloud_pkce_challenge (verifier);
  g_assert_cmpuint (strlen (challenge), ==, 43);
  g_assert_null (strpbrk (challenge, "+/="));

  /* 32 bytes, base64url without padding. */
  g_assert_cmpuint (strlen (state), ==, 43);
  g_assert_null (strpbrk (state, "+/="));
  g_assert_cmpstr (state, !=, state2);
}

/* Valid JSON of exactly length bytes: an object padded with spaces. */
static char *
padded_json (gsize length)
{
  char *text = g_malloc (length + 1);

  memset (text, ' ', length);
  text[0] = '{';
  text[length - 1] = '}';
  text[length] = '\0';
  return text;
}

static void
test_limits_length (void)
{
  g_autofree char *at = padded_json (AF_CLOUD_MAX_RESPONSE_BYTES);
  g_autofree char *past = padded_json (AF_CLOUD_MAX_RESPONSE_BYTES + 1);
  g_autoptr(JsonNode) ok = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(GError) error = NULL;

  ok = af_cloud_parse_json (at, AF_CLOUD_MAX_RESPONSE_BYTES, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (ok));
  refused = af_cloud_parse_json (past, AF_CLOUD_MAX_RESPONSE_BYTES + 1, &error);
  g_assert_null (refused);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE);
}

static char *
nested_json (guint depth)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static void
test_limits_depth (void)
{
  g_autofree char *at = nested_json (AF_JSON_MAX_DEPTH);
  g_autofree char *past = nested_json (AF_JSON_MAX_DEPTH + 1);
  g_autoptr(JsonNode) ok = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(GError) error = NULL;

  ok = af_cloud_parse_json (at, strlen (at), &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
  refused = af_cloud_parse_json (past, strlen (past), &error);
  g_assert_null (refused);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE);
}

static JsonObject *
find_member_object (JsonNode   *root,
                    const char *name)
{
  return json_object_get_object_member (json_node_get_object (root), name);
}

/* The cloud's options and LAN's project_file name the same trays and
 * calibrations for the same AfPrintOptions on the same model.
 */
static void
test_job_options_match_lan (void)
{
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(JsonNode) cloud = NULL;
  g_autoptr(JsonNode) lan = NULL;
  g_autofree char *lan_text = NULL;
  JsonObject *object;
  JsonObject *print;
  JsonArray *mapping;
  JsonArray *mapping2;
  const gint trays[] = { 2, -1, AF_AMS_MAPPING_EXTERNAL, 130, 7 };

  options->plate = 2;
  options->bed_type = g_strdup ("textured_plate");
  options->bed_leveling = AF_CALI_MODE_AUTO;
  options->flow_cali = AF_CALI_MODE_OFF;
  options->timelapse = TRUE;
  options->use_ams = TRUE;
  options->ams_mapping = g_array_new (FALSE, FALSE, sizeof (gint));
  g_array_append_vals (options->ams_mapping, trays, G_N_ELEMENTS (trays));

  /* C12 (P1S) has no "auto" calibration: both routes send "on". */
  cloud = af_cloud_job_options_to_json (options, "C12");
  object = json_node_get_object (cloud);
  g_assert_cmpint (json_object_get_int_member (object, "plate"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "bed_type"), ==, "textured_plate");
  g_assert_cmpstr (json_object_get_string_member (object, "bed_leveling"), ==, "on");
  g_assert_cmpstr (json_object_get_string_member (object, "flow_cali"), ==, "off");
  g_assert_true (json_object_get_boolean_member (object, "timelapse"));
  g_assert_true (json_object_get_boolean_member (object, "use_ams"));

  /* The LAN session applies the model just before it builds project_file. */
  af_print_options_apply_model (options, "C12");
  lan_text = af_mqtt_session_build_project_file ("x.gcode.3mf", options, "1");
  lan = json_from_string (lan_text, NULL);
  print = find_member_object (lan, "print");
  g_assert_cmpint (json_object_get_int_member (print, "auto_bed_leveling"), ==, 1);
  mapping2 = json_object_get_array_member (print, "ams_mapping2");
  mapping = json_object_get_array_member (object, "ams_mapping");

  /* Filament 2 is unused: no cloud entry, 255/255 on the LAN. */
  g_assert_cmpuint (json_array_get_length (mapping), ==, 4);
  for (guint i = 0, j = 0; i < G_N_ELEMENTS (trays); i++)
    {
      JsonObject *lan_entry = json_array_get_object_element (mapping2, i);
      JsonObject *entry;

      if (trays[i] == -1)
        {
          g_assert_cmpint (json_object_get_int_member (lan_entry, "ams_id"), ==, 255);
          continue;
        }
      entry = json_array_get_object_element (mapping, j++);
      g_assert_cmpint (json_object_get_int_member (entry, "filament"), ==, i + 1);
      g_assert_cmpint (json_object_get_int_member (entry, "ams_id"), ==,
                       json_object_get_int_member (lan_entry, "ams_id"));
      g_assert_cmpint (json_object_get_int_member (entry, "slot_id"), ==,
                       json_object_get_int_member (lan_entry, "slot_id"));
    }
  /* Spot values: tray 7 is AMS 1 slot 3; 130 an AMS HT; 255 the external spool. */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (mapping, 3),
                                               "ams_id"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (mapping, 3),
                                               "slot_id"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (mapping, 2),
                                               "ams_id"), ==, 130);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (mapping, 1),
                                               "ams_id"), ==, 255);
}

/* --- the sign-in listener on real loopback sockets ----------------------- */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

typedef struct
{
  guint  port;
  char  *request;
  char  *answer;
  gint   done;
} Browser;

/* Plays the browser's redirect in a thread: one HTTP request, the answer read. */
static gpointer
browser_thread (gpointer data)
{
  Browser *browser = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[4096];
  gsize read = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", browser->port, NULL,
                                                &error);
  g_assert_no_error (error);
  /* A request past the limit may be cut off by the listener's close: the
   * answer is then empty.
   */
  if (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 browser->request, strlen (browser->request), NULL, NULL, NULL))
    g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)), buffer,
                             sizeof buffer - 1, &read, NULL, NULL);
  buffer[read] = '\0';
  browser->answer = g_strdup (buffer);
  g_atomic_int_set (&browser->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static guint
redirect_port (AfCloudBrowserSignIn *sign_in)
{
  const char *redirect = af_cloud_browser_sign_in_get_redirect_uri (sign_in);
  guint64 port = 0;
  g_autofree char *digits = NULL;

  g_assert_true (g_str_has_prefix (redirect, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (redirect, "/callback"));
  digits = g_strndup (redirect + strlen ("http://127.0.0.1:"),
                      strlen (redirect) - strlen ("http://127.0.0.1:") - strlen ("/callback"));
  g_assert_true (g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL));
  return (guint)port;
}

static void
test_listener_wrong_state (void)
{
  g_autoptr(AfCloudClient) client = af_cloud_client_new ("https://127.0.0.1:9", NULL);
  g_autoptr(AfCloudBrowserSignIn) sign_in = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) again = NULL;
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  Browser browser = { 0, NULL, NULL, 0 };
  const char *uri;
  GThread *thread;

  sign_in = af_cloud_browser_sign_in_new (client, &error);
  g_assert_no_error (error);
  uri = af_cloud_browser_sign_in_get_uri (sign_in);
  g_assert_true (g_str_has_prefix (uri, "https://127.0.0.1:9/v1/oauth/authorize?"));
  g_assert_nonnull (strstr (uri, "code_challenge_method=S256"));
  g_assert_nonnull (strstr (uri, "&state="));
  g_assert_nonnull (strstr (uri, "redirect_uri=http%3A%2F%2F127.0.0.1%3A"));

  browser.port = redirect_port (sign_in);
  browser.request = g_strdup ("GET /callback?code=stolen&state=not-ours HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\nAccept: text/html\r\n\r\n");
  af_cloud_browser_sign_in_wait_async (sign_in, NULL, wait_done_cb, &wait);
  thread = g_thread_new ("browser", browser_thread, &browser);
  g_main_loop_run (wait.loop);
  g_thread_join (thread);

  g_assert_false (af_cloud_browser_sign_in_wait_finish (sign_in, wait.result, &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGN_IN_FAILED);
  g_assert_true (g_str_has_prefix (browser.answer, "HTTP/1.1 400 "));
  g_assert_false (af_cloud_client_is_signed_in (client));

  /* One request only: the listener is closed now. */
  g_clear_error (&error);
  again = g_socket_client_connect_to_host (socket_client, "127.0.0.1", browser.port, NULL,
                                           &error);
  g_assert_null (again);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);

  g_free (browser.request);
  g_free (browser.answer);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

/* The right state with error=access_denied: refused, not an exchange. */
static void
test_listener_denied (void)
{
  g_autoptr(AfCloudClient) client = af_cloud_client_new ("https://127.0.0.1:9", NULL);
  g_autoptr(AfCloudBrowserSignIn) sign_in = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) params = NULL;
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  Browser browser = { 0, NULL, NULL, 0 };
  const char *uri;
  GThread *thread;

  sign_in = af_cloud_browser_sign_in_new (client, &error);
  g_assert_no_error (error);
  uri = af_cloud_browser_sign_in_get_uri (sign_in);
  params = g_uri_parse_params (strchr (uri, '?') + 1, -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);

  browser.port = redirect_port (sign_in);
  browser.request = g_strdup_printf ("GET /callback?error=access_denied&state=%s HTTP/1.1\r\n"
                                     "Host: 127.0.0.1\r\n\r\n",
                                     (char *)g_hash_table_lookup (params, "state"));
  af_cloud_browser_sign_in_wait_async (sign_in, NULL, wait_done_cb, &wait);
  thread = g_thread_new ("browser", browser_thread, &browser);
  g_main_loop_run (wait.loop);
  g_thread_join (thread);

  g_assert_false (af_cloud_browser_sign_in_wait_finish (sign_in, wait.result, &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_ACCESS_DENIED);
  g_assert_true (g_str_has_prefix (browser.answer, "HTTP/1.1 200 "));

  g_free (browser.request);
  g_free (browser.answer);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

/* A wrong-state request of exactly length bytes, padded in a header. */
static char *
request_of_length (gsize length)
{
  const char *head = "GET /callback?code=x&state=not-ours HTTP/1.1\r\nX-Pad: ";
  const char *tail = "\r\n\r\n";
  gsize pad = length - strlen (head) - strlen (tail);
  g_autofree char *padding = g_strnfill (pad, 'a');

  return g_strconcat (head, padding, tail, NULL);
}

/* AF_CLOUD_SIGN_IN_MAX_REQUEST bytes are read as a request (here refused
 * for its state); one byte more is closed unanswered and the listener
 * keeps waiting for the real answer.
 */
static void
test_listener_limit (void)
{
  g_autoptr(AfCloudClient) client = af_cloud_client_new ("https://127.0.0.1:9", NULL);
  g_autoptr(AfCloudBrowserSignIn) at_limit = NULL;
  g_autoptr(AfCloudBrowserSignIn) past_limit = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  Browser browser = { 0, NULL, NULL, 0 };
  GThread *thread;

  at_limit = af_cloud_browser_sign_in_new (client, &error);
  g_assert_no_error (error);
  browser.port = redirect_port (at_limit);
  browser.request = request_of_length (AF_CLOUD_SIGN_IN_MAX_REQUEST);
  g_assert_cmpuint (strlen (browser.request), ==, AF_CLOUD_SIGN_IN_MAX_REQUEST);
  af_cloud_browser_sign_in_wait_async (at_limit, NULL, wait_done_cb, &wait);
  thread = g_thread_new ("browser", browser_thread, &browser);
  g_main_loop_run (wait.loop);
  g_thread_join (thread);
  g_assert_false (af_cloud_browser_sign_in_wait_finish (at_limit, wait.result, &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGN_IN_FAILED);
  g_assert_true (g_str_has_prefix (browser.answer, "HTTP/1.1 400 "));
  g_clear_error (&error);
  g_clear_object (&wait.result);
  g_clear_pointer (&browser.request, g_free);
  g_clear_pointer (&browser.answer, g_free);
  browser.done = 0;

  past_limit = af_cloud_browser_sign_in_new (client, &error);
  g_assert_no_error (error);
  browser.port = redirect_port (past_limit);
  browser.request = request_of_length (AF_CLOUD_SIGN_IN_MAX_REQUEST + 1);
  af_cloud_browser_sign_in_wait_async (past_limit, NULL, wait_done_cb, &wait);
  thread = g_thread_new ("browser", browser_thread, &browser);
  /* Runs the listener until it closed the oversized request. */
  while (!g_atomic_int_get (&browser.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  browser.done = 0;
  g_assert_cmpstr (browser.answer, ==, "");
  g_assert_null (wait.result);
  g_clear_pointer (&browser.request, g_free);
  g_clear_pointer (&browser.answer, g_free);

  /* Still listening: the next request is the one that counts. */
  browser.request = request_of_length (200);
  thread = g_thread_new ("browser", browser_thread, &browser);
  g_main_loop_run (wait.loop);
  g_thread_join (thread);
  g_assert_false (af_cloud_browser_sign_in_wait_finish (past_limit, wait.result, &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGN_IN_FAILED);
  g_assert_true (g_str_has_prefix (browser.answer, "HTTP/1.1 400 "));

  g_free (browser.request);
  g_free (browser.answer);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

static void
test_ids (void)
{
  g_assert_true (af_cloud_id_is_valid ("prn_Hk29d"));
  g_assert_true (af_cloud_id_is_valid ("acc_2-Um6ghBmNu1"));
  g_assert_false (af_cloud_id_is_valid (""));
  g_assert_false (af_cloud_id_is_valid ("../etc"));
  g_assert_false (af_cloud_id_is_valid ("a/b"));
  g_assert_false (af_cloud_id_is_valid ("a b"));
  g_assert_false (af_cloud_id_is_valid ("0123456789012345678901234567890123456789012345678901234"
                                        "5678901234"));
  g_assert_true (af_cloud_id_is_valid ("012345678901234567890123456789012345678901234567890123"
                                       "4567890123"));
}


/* --- Against the reference cloud (--live) -------------------------------- */

typedef struct
{
  AfTestCloud   *cloud;
  AfCloudClient *client;
  char          *account_id;
  char          *email;
  AfTestPrinter *printer;
  char          *printer_id;
} Live;

static Live live;

#define P1S_ARCHIVE "bambustudio-02.07-p1s.gcode.3mf"

static gboolean
timeout_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until done (a gboolean) or the seconds passed. */
static gboolean
spin_until (const gboolean *done,
            guint           seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_flag_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *done;
}

static void
spin_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  GAsyncResult *result;
  gboolean      done;
} Async;

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Async *async = user_data;

  async->result = g_object_ref (result);
  async->done = TRUE;
}

static GAsyncResult *
async_wait (Async *async)
{
  g_assert_true (spin_until (&async->done, 300));
  async->done = FALSE;
  return async->result;
}

static JsonObject *
upload_counters (const char *upload_id)
{
  g_autoptr(JsonObject) counters = af_test_cloud_counters (live.cloud);
  JsonObject *uploads = json_object_get_object_member (counters, "uploads");

  g_assert_true (json_object_has_member (uploads, upload_id));
  return json_object_ref (json_object_get_object_member (uploads, upload_id));
}

static char *
corpus_archive (void)
{
  return g_build_filename (af_test_corpus_dir (), "3mf", P1S_ARCHIVE, NULL);
}

/* A GET the client has read before is asked with If-None-Match and its
 * 304 answered from memory.
 */
static void
test_live_not_modified (void)
{
  g_autoptr(AfCloudAccount) first = NULL;
  g_autoptr(AfCloudAccount) second = NULL;
  g_autoptr(AfCloudPrinter) printer = NULL;
  g_autoptr(GError) error = NULL;
  guint hits = af_cloud_client_get_cache_hits (live.client);
  gint64 asked = af_test_cloud_route_count (live.cloud, "GET /v1/account");
  Async async = { NULL, FALSE };

  first = af_cloud_client_get_account (live.client, NULL, &error);
  g_assert_no_error (error);
  af_cloud_client_get_account_async (live.client, NULL, async_done_cb, &async);
  second = af_cloud_client_get_account_finish (live.client, async_wait (&async), &error);
  g_clear_object (&async.result);
  g_assert_no_error (error);
  /* Both went to the cloud; at least the second was answered 304. */
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "GET /v1/account"), ==, asked + 2);
  g_assert_cmpuint (af_cloud_client_get_cache_hits (live.client), >=, hits + 1);
  g_assert_cmpstr (af_cloud_account_get_email (second), ==, live.email);
  g_assert_cmpstr (af_cloud_account_get_mqtt_username (second), ==,
                   af_cloud_account_get_mqtt_username (first));

  hits = af_cloud_client_get_cache_hits (live.client);
  af_cloud_client_get_printer_async (live.client, live.printer_id, NULL, async_done_cb, &async);
  printer = af_cloud_client_get_printer_finish (live.client, async_wait (&async), &error);
  g_clear_object (&async.result);
  g_assert_no_error (error);
  g_clear_object (&printer);
  printer = af_cloud_client_get_printer (live.client, live.printer_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (af_cloud_client_get_cache_hits (live.client), >=, hits + 1);
  g_assert_cmpstr (af_cloud_printer_get_id (printer), ==, live.printer_id);
}

/* A rename sends the ETag it last saw; a change made elsewhere in between
 * is a clear error naming the current name, never overwritten, and the
 * next rename applies to the reloaded printer.
 */
static void
test_live_rename_if_match (void)
{
  g_autoptr(AfCloudClient) elsewhere = NULL;
  g_autoptr(AfCloudPrinter) seen = NULL;
  g_autoptr(AfCloudPrinter) renamed = NULL;
  g_autoptr(AfCloudPrinter) now = NULL;
  g_autoptr(GError) error = NULL;
  Async async = { NULL, FALSE };

  seen = af_cloud_client_get_printer (live.client, live.printer_id, NULL, &error);
  g_assert_no_error (error);

  /* Another copy of the app, same session (from the keyring). */
  elsewhere = af_cloud_client_new (af_test_cloud_get_base_url (live.cloud),
                                   af_test_cloud_get_ca_file (live.cloud));
  g_assert_true (af_cloud_client_load_session (elsewhere, NULL, &error));
  g_assert_no_error (error);
  renamed = af_cloud_client_rename_printer (elsewhere, live.printer_id, "Garage P1S", NULL,
                                            &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_cloud_printer_get_name (renamed), ==, "Garage P1S");

  af_cloud_client_rename_printer_async (live.client, live.printer_id, "Attic P1S", NULL,
                                        async_done_cb, &async);
  g_assert_null (af_cloud_client_rename_printer_finish (live.client, async_wait (&async),
                                                        &error));
  g_clear_object (&async.result);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHANGED_ELSEWHERE);
  g_assert_nonnull (strstr (error->message, "changed elsewhere"));
  g_assert_nonnull (strstr (error->message, "“Garage P1S”"));
  g_clear_error (&error);
  now = af_cloud_client_get_printer (elsewhere, live.printer_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_cloud_printer_get_name (now), ==, "Garage P1S");
  g_clear_object (&now);

  /* The user still wants it: the second rename applies to what was reloaded. */
  now = af_cloud_client_rename_printer (live.client, live.printer_id, "Attic P1S", NULL,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_cloud_printer_get_name (now), ==, "Attic P1S");
  g_clear_object (&now);
  now = af_cloud_client_get_printer (elsewhere, live.printer_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_cloud_printer_get_name (now), ==, "Attic P1S");
}

typedef struct
{
  gsize    size;
  gboolean armed;
} CutAtHalf;

/* On the upload's thread, before the second chunk goes: the cut then
 * falls at 50 %, inside that chunk, past what the cloud already holds.
 */
static void
arm_cut_cb (guint64  sent,
            guint64  total,
            gpointer user_data)
{
  CutAtHalf *cut = user_data;
  g_autofree char *spec = NULL;

  if (cut->armed || sent < AF_CLOUD_UPLOAD_CHUNK)
    return;
  cut->armed = TRUE;
  spec = g_strdup_printf ("{\"kind\": \"drop-upload\", "
                          "\"route\": \"PATCH /v1/uploads/{upload_id}\", "
                          "\"count\": 1, \"at_upload_offset\": %" G_GSIZE_FORMAT "}",
                          cut->size / 2);
  af_test_cloud_fault (live.cloud, spec);
}

/* A connection cut at 50 % of a 10 MiB upload (three chunks; the cut is in
 * the second): the client asks the server's offset and continues there;
 * the cloud appended each byte once and received again only what of the
 * chunk in flight had arrived, less than one chunk.
 */
static void
test_live_upload_cut_resumes (void)
{
  CutAtHalf cut = { 10 * 1024 * 1024 + 12345, FALSE };
  gsize size = cut.size;
  g_autofree guint8 *data = g_malloc (size);
  g_autofree char *dir = g_dir_make_tmp ("af-cloud-cut-XXXXXX", NULL);
  g_autofree char *path = NULL;
  g_autofree char *upload_id = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(JsonObject) got = NULL;
  g_autoptr(GError) error = NULL;
  gint64 heads = af_test_cloud_route_count (live.cloud, "HEAD /v1/uploads/{upload_id}");

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8)g_random_int ();
  path = af_test_write_file (dir, "big.gcode.3mf", data, size);
  file = g_file_new_for_path (path);

  g_assert_true (af_cloud_upload_file (live.client, file, "big.gcode.3mf", NULL, &upload_id,
                                       arm_cut_cb, &cut, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cut.armed);
  af_test_cloud_clear_faults (live.cloud);

  got = upload_counters (upload_id);
  g_assert_cmpint (json_object_get_int_member (got, "cut_chunks"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (got, "patches"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (got, "bytes_appended"), ==, (gint64)size);
  /* Re-sent: the part of the second chunk that arrived before the cut. */
  g_assert_cmpint (json_object_get_int_member (got, "bytes_received"), ==,
                   (gint64)(size + size / 2 - AF_CLOUD_UPLOAD_CHUNK));
  g_assert_cmpint (json_object_get_int_member (got, "bytes_received") - (gint64)size, <=,
                   AF_CLOUD_UPLOAD_CHUNK);
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "HEAD /v1/uploads/{upload_id}"), ==,
                   heads + 1);
  af_test_remove_tree (dir);
}

static AfTransport *
connect_transport (const char *printer_id,
                   GError    **error)
{
  g_autoptr(AfCloudPrinter) printer = NULL;
  g_autoptr(AfTransport) transport = NULL;
  Async async = { NULL, FALSE };
  gboolean ok;

  printer = af_cloud_client_get_printer (live.client, printer_id, NULL, error);
  if (printer == NULL)
    return NULL;
  transport = af_cloud_transport_new (live.client, printer);
  af_transport_connect_async (transport, NULL, async_done_cb, &async);
  ok = af_transport_connect_finish (transport, async_wait (&async), error);
  g_clear_object (&async.result);
  return ok ? g_steal_pointer (&transport) : NULL;
}

static void
start_print (AfTransport *transport)
{
  g_autoptr(AfPrintOptions) options = af_print_options_new ();
  g_autoptr(GError) error = NULL;
  Async async = { NULL, FALSE };

  af_transport_start_async (transport, P1S_ARCHIVE, options, NULL, async_done_cb, &async);
  g_assert_true (af_transport_start_finish (transport, async_wait (&async), &error));
  g_assert_no_error (error);
  g_clear_object (&async.result);
}

static void
upload (AfTransport *transport,
        GFile       *file)
{
  g_autoptr(GError) error = NULL;
  Async async = { NULL, FALSE };

  af_transport_upload_async (transport, file, P1S_ARCHIVE, 60, 0, NULL, NULL, NULL, NULL,
                             async_done_cb, &async);
  g_assert_true (af_transport_upload_finish (transport, async_wait (&async), &error));
  g_assert_no_error (error);
  g_clear_object (&async.result);
}

static gboolean
job_ended (AfCloudTransport *transport)
{
  AfCloudJob *job = af_cloud_transport_get_job (transport);

  return job != NULL && af_cloud_job_is_ended (job);
}

static void
wait_job_ended (AfCloudTransport *transport,
                guint             seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!job_ended (transport) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

/* 409 upload-incomplete: a pending print restored after a restart, whose
 * upload was cut off, resumes the upload from the server's offset and
 * creates the job with the same key: one job, each byte stored once.
 */
static void
test_live_upload_incomplete_resumes (void)
{
  g_autofree char *path = corpus_archive ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL,
                                                 NULL);
  gint64 size = g_file_info_get_size (info);
  g_autofree char *creation_key = g_uuid_string_random ();
  g_autofree char *upload_id = NULL;
  g_autofree char *spec = NULL;
  g_autoptr(AfTransport) transport = NULL;
  g_autoptr(JsonObject) got = NULL;
  g_autoptr(JsonObject) counters = NULL;
  g_autoptr(GError) error = NULL;
  gint64 jobs_asked;
  JsonObject *by_key;
  GList *keys;

  /* Every try cut at half: the upload stays short of its length. */
  spec = g_strdup_printf ("{\"kind\": \"drop-upload\", "
                          "\"route\": \"PATCH /v1/uploads/{upload_id}\", "
                          "\"count\": %d, \"at_upload_offset\": %" G_GINT64_FORMAT "}",
                          AF_CLOUD_MAX_TRIES, size / 2);
  af_test_cloud_fault (live.cloud, spec);
  g_assert_false (af_cloud_upload_file (live.client, file, P1S_ARCHIVE, creation_key, &upload_id,
                                        NULL, NULL, NULL, &error));
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK);
  g_clear_error (&error);
  af_test_cloud_clear_faults (live.cloud);
  g_assert_nonnull (upload_id);
  g_clear_pointer (&got, json_object_unref);
  got = upload_counters (upload_id);
  g_assert_cmpint (json_object_get_int_member (got, "bytes_appended"), <, size);

  transport = connect_transport (live.printer_id, &error);
  g_assert_no_error (error);
  af_cloud_transport_set_pending_upload (AF_CLOUD_TRANSPORT (transport), upload_id, creation_key,
                                         file, P1S_ARCHIVE);
  jobs_asked = af_test_cloud_route_count (live.cloud, "POST /v1/jobs");
  start_print (transport);

  /* Refused once as incomplete, then created. */
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "POST /v1/jobs"), ==, jobs_asked + 2);
  g_clear_pointer (&got, json_object_unref);
  got = upload_counters (upload_id);
  g_assert_cmpint (json_object_get_int_member (got, "bytes_appended"), ==, size);
  counters = af_test_cloud_counters (live.cloud);
  by_key = json_object_get_object_member (counters, "jobs_by_idempotency_key");
  keys = json_object_get_members (by_key);
  for (GList *l = keys; l != NULL; l = l->next)
    g_assert_cmpint (json_object_get_int_member (by_key, l->data), ==, 1);
  g_list_free (keys);
  g_assert_nonnull (af_cloud_transport_get_job (AF_CLOUD_TRANSPORT (transport)));
  wait_job_ended (AF_CLOUD_TRANSPORT (transport), 120);
  g_assert_cmpstr (af_cloud_job_get_state (af_cloud_transport_get_job (
                     AF_CLOUD_TRANSPORT (transport))), ==, "finished");
}

/* Over MQTT, the end the printer reports is confirmed by one read of the job. */
static void
test_live_end_confirmed (void)
{
  g_autofree char *path = corpus_archive ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(AfTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  AfCloudTransport *cloud;
  gint64 reads;

  transport = connect_transport (live.printer_id, &error);
  g_assert_no_error (error);
  cloud = AF_CLOUD_TRANSPORT (transport);
  g_assert_false (af_cloud_transport_is_polling (cloud));
  upload (transport, file);
  reads = af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}");
  start_print (transport);
  wait_job_ended (cloud, 120);
  g_assert_cmpstr (af_cloud_job_get_state (af_cloud_transport_get_job (cloud)), ==, "finished");
  g_assert_cmpint (af_printer_status_get_state (af_printer_get_status (
                     af_transport_get_printer (transport))), ==, AF_PRINT_STATE_FINISH);
  /* Read once, at the end; live status came over MQTT. */
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}"), ==, reads + 1);
}

/* The broker out of reach: connect still succeeds, says live status is
 * unavailable, and the job is polled until it ends; a 429's Retry-After
 * postpones the next poll.
 */
static void
test_live_polls_without_broker (void)
{
  g_autofree char *path = corpus_archive ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(AfTransport) transport = NULL;
  g_autoptr(GError) error = NULL;
  AfCloudTransport *cloud;
  AfPrinter *printer;
  gint64 reads;
  gint64 before;

  af_test_cloud_fault (live.cloud, "{\"kind\": \"broker-unreachable\", "
                                   "\"route\": \"GET /v1/account\", \"count\": -1}");
  transport = connect_transport (live.printer_id, &error);
  g_assert_no_error (error);
  cloud = AF_CLOUD_TRANSPORT (transport);
  printer = af_transport_get_printer (transport);
  g_assert_true (af_cloud_transport_is_polling (cloud));
  g_assert_true (af_transport_is_connected (transport));
  g_assert_cmpuint (af_cloud_transport_get_poll_interval (cloud), ==, 15);
  g_assert_nonnull (strstr (af_printer_get_last_error (printer), "every 15 seconds"));
  g_assert_null (strstr (af_printer_get_last_error (printer), "MOSQ"));
  af_cloud_transport_set_poll_interval (cloud, 1);

  upload (transport, file);
  reads = af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}");
  start_print (transport);
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}"), >, reads);

  /* A 429 asking for 4 s: no poll for that long, though the interval is 1 s. */
  af_test_cloud_fault (live.cloud, "{\"kind\": \"rate-limit\", "
                                   "\"route\": \"GET /v1/jobs/{job_id}\", "
                                   "\"count\": 1, \"retry_after\": 4}");
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonObject) faults = af_test_cloud_admin (live.cloud, "GET", "/admin/faults", NULL,
                                                          &error);
      JsonArray *list = json_object_get_array_member (faults, "faults");
      JsonObject *fault = json_array_get_object_element (list, json_array_get_length (list) - 1);

      if (json_object_get_int_member (fault, "fired") == 1)
        break;
      spin_for_ms (50);
    }
  before = af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}");
  spin_for_ms (2500);
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}"), ==, before);
  af_test_cloud_clear_faults (live.cloud);

  wait_job_ended (cloud, 120);
  g_assert_cmpstr (af_cloud_job_get_state (af_cloud_transport_get_job (cloud)), ==, "finished");
  g_assert_cmpint (af_printer_status_get_state (af_printer_get_status (printer)), ==,
                   AF_PRINT_STATE_FINISH);
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "GET /v1/jobs/{job_id}"), >, before);
}

/* SUBACK 0x80 for a printer bound to another account since the list was
 * read: the list is read again and the printer named as no longer bound.
 */
static void
test_live_suback_refused (void)
{
  g_autofree char *other_email = NULL;
  g_autofree char *other_account = NULL;
  g_autofree char *printer_id = NULL;
  g_autofree char *body = NULL;
  g_autoptr(AfTestPrinter) printer = NULL;
  g_autoptr(AfCloudPrinter) seen = NULL;
  g_autoptr(AfTransport) transport = NULL;
  g_autoptr(JsonObject) moved = NULL;
  g_autoptr(GError) error = NULL;
  Async async = { NULL, FALSE };
  gint64 lists;

  printer = af_test_cloud_bind_printer (live.cloud, live.client, live.account_id, "Moving P1S",
                                        &printer_id);
  seen = af_cloud_client_get_printer (live.client, printer_id, NULL, &error);
  g_assert_no_error (error);

  other_account = af_test_cloud_create_account (live.cloud, &other_email);
  body = g_strdup_printf ("{\"account_id\": \"%s\", \"serial\": \"%s\"}", other_account,
                          af_cloud_printer_get_serial (seen));
  moved = af_test_cloud_admin (live.cloud, "POST", "/admin/printers", body, &error);
  g_assert_no_error (error);

  lists = af_test_cloud_route_count (live.cloud, "GET /v1/printers");
  transport = af_cloud_transport_new (live.client, seen);
  af_transport_connect_async (transport, NULL, async_done_cb, &async);
  g_assert_false (af_transport_connect_finish (transport, async_wait (&async), &error));
  g_clear_object (&async.result);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_PRINTER_NOT_BOUND);
  g_assert_cmpstr (error->message, ==,
                   "This printer is no longer bound to your AtomForm account. Bind it again in "
                   "the AtomForm app, or print over the network (LAN).");
  g_assert_cmpint (af_test_cloud_route_count (live.cloud, "GET /v1/printers"), ==, lists + 1);
  g_assert_cmpstr (af_printer_get_last_error (af_transport_get_printer (transport)), ==,
                   error->message);
  af_test_printer_stop (printer);
}

typedef struct
{
  char *password;
  guint port;
} BrokerLogin;

static gboolean
broker_endpoint_cb (AfMqttSession   *session,
                    AfMqttEndpoint  *out,
                    gpointer         user_data,
                    GError         **error)
{
  BrokerLogin *login = user_data;
  g_autofree char *account_id = af_cloud_client_dup_account_id (live.client);

  out->host = g_strdup ("127.0.0.1");
  out->port = login->port;
  out->user = g_strconcat ("u_", account_id, NULL);
  out->password = af_secret_new (login->password);
  out->trust = af_tls_policy_new_for_host ("127.0.0.1", af_test_cloud_get_ca_file (live.cloud));
  out->cloud = TRUE;
  return TRUE;
}

/* The cloud broker's refusals and absence are said of the cloud, with what
 * to do, never as the printer's access code or a library's code.
 */
static void
test_live_broker_wording (void)
{
  g_autoptr(AfPrinter) printer = af_printer_new ("01P00A000000001");
  g_autoptr(AfMqttSession) session = NULL;
  g_autoptr(GError) error = NULL;
  BrokerLogin login = { (char *)"at_not-a-token", af_test_cloud_get_mqtt_port (live.cloud) };
  Async async = { NULL, FALSE };

  session = af_mqtt_session_new_for_endpoint (printer, broker_endpoint_cb, &login, NULL);
  af_mqtt_session_connect_async (session, NULL, async_done_cb, &async);
  g_assert_false (af_mqtt_session_connect_finish (session, async_wait (&async), &error));
  g_clear_object (&async.result);
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED);
  g_assert_cmpstr (error->message, ==,
                   "AtomForm’s cloud refused the printer connection. Sign in again.");
  g_clear_error (&error);
  af_mqtt_session_disconnect (session);
  g_clear_object (&session);

  /* Nothing listens there. */
  login.port = af_test_free_port ();
  session = af_mqtt_session_new_for_endpoint (printer, broker_endpoint_cb, &login, NULL);
  af_mqtt_session_connect_async (session, NULL, async_done_cb, &async);
  g_assert_false (af_mqtt_session_connect_finish (session, async_wait (&async), &error));
  g_clear_object (&async.result);
  g_assert_error (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Could not reach AtomForm’s cloud status service at "
                                   "127.0.0.1."));
  g_assert_null (strstr (error->message, "printer"));
  g_assert_null (strstr (error->message, "MOSQ"));
  af_mqtt_session_disconnect (session);
}

static void
live_set_up (void)
{
  g_autoptr(GError) error = NULL;

  live.cloud = af_test_cloud_start (&error);
  g_assert_no_error (error);
  live.account_id = af_test_cloud_create_account (live.cloud, &live.email);
  live.client = af_test_cloud_sign_in (live.cloud, live.email);
  live.printer = af_test_cloud_bind_printer (live.cloud, live.client, live.account_id,
                                             "Cloud P1S", &live.printer_id);
}

static void
live_tear_down (void)
{
  g_clear_pointer (&live.printer, af_test_printer_free);
  g_clear_object (&live.client);
  g_clear_pointer (&live.cloud, af_test_cloud_free);
  g_free (live.account_id);
  g_free (live.email);
  g_free (live.printer_id);
}

int
main (int   argc,
      char *argv[])
{
  gboolean with_cloud = argc > 1 && g_strcmp0 (argv[1], "--live") == 0;
  int status;

  g_setenv ("TZ", "UTC", TRUE);
  if (with_cloud)
    {
      argv[1] = argv[0];
      argv++;
      argc--;
    }
  g_test_init (&argc, &argv, NULL);

  if (with_cloud)
    {
      g_test_add_func ("/af/cloud/live/not-modified", test_live_not_modified);
      g_test_add_func ("/af/cloud/live/rename-if-match", test_live_rename_if_match);
      g_test_add_func ("/af/cloud/live/upload-cut-resumes", test_live_upload_cut_resumes);
      g_test_add_func ("/af/cloud/live/upload-incomplete-resumes",
                       test_live_upload_incomplete_resumes);
      g_test_add_func ("/af/cloud/live/end-confirmed", test_live_end_confirmed);
      g_test_add_func ("/af/cloud/live/polls-without-broker", test_live_polls_without_broker);
      g_test_add_func ("/af/cloud/live/suback-refused", test_live_suback_refused);
      g_test_add_func ("/af/cloud/live/broker-wording", test_live_broker_wording);
      live_set_up ();
      status = g_test_run ();
      live_tear_down ();
      return status;
    }

  for (guint i = 0; i < G_N_ELEMENTS (problem_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/af/cloud/problem/%s", problem_cases[i].name);

      g_test_add_data_func (path, &problem_cases[i], test_problem_mapping);
    }
  g_test_add_func ("/af/cloud/problem/detail-shown", test_problem_detail_shown);
  g_test_add_func ("/af/cloud/problem/unavailable", test_problem_unavailable);
  g_test_add_func ("/af/cloud/problem/hostile", test_problem_hostile);
  g_test_add_func ("/af/cloud/json-int-range", test_json_int_range);
  g_test_add_func ("/af/cloud/backoff", test_backoff);
  g_test_add_func ("/af/cloud/retry-after", test_retry_after);
  g_test_add_func ("/af/cloud/api-version", test_api_version);
  g_test_add_func ("/af/cloud/pkce", test_pkce);
  g_test_add_func ("/af/cloud/limits/length", test_limits_length);
  g_test_add_func ("/af/cloud/limits/depth", test_limits_depth);
  g_test_add_func ("/af/cloud/job-options-match-lan", test_job_options_match_lan);
  g_test_add_func ("/af/cloud/listener/wrong-state", test_listener_wrong_state);
  g_test_add_func ("/af/cloud/listener/denied", test_listener_denied);
  g_test_add_func ("/af/cloud/listener/limit", test_listener_limit);
  g_test_add_func ("/af/cloud/ids", test_ids);

  return g_test_run ();
}
