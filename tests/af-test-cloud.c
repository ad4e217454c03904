/* af-test-cloud.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-test-cloud"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <curl/curl.h>
#include <glib/gstdio.h>

#include "af-core.h"
#include "af-test-cloud.h"
#include "af-test-util.h"

#define ONLINE_TIMEOUT_S 30

struct _AfTestCloud
{
  GSubprocess *process;
  char        *state_dir;
  char        *base_url;
  char        *ca_file;
  char        *admin_url;
  char        *admin_secret;
  guint        mqtt_port;
};

static size_t
collect_cb (char   *data,
            size_t  size,
            size_t  n,
            void   *user_data)
{
  g_byte_array_append (user_data, (const guint8 *)data, size * n);
  return size * n;
}

/* One HTTPS request verified against the cloud's CA; the body, or NULL. */
static GBytes *
https (AfTestCloud  *self,
       const char   *method,
       const char   *url,
       const char   *content_type,
       const char   *authorization,
       const char   *body,
       long         *status)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *headers = NULL;
  GByteArray *answer = g_byte_array_new ();
  g_autofree char *type_header = NULL;
  g_autofree char *auth_header = NULL;
  CURLcode rc;

  if (content_type != NULL)
    headers = curl_slist_append (headers, (type_header = g_strconcat ("Content-Type: ",
                                                                      content_type, NULL)));
  if (authorization != NULL)
    headers = curl_slist_append (headers, (auth_header = g_strconcat ("Authorization: ",
                                                                      authorization, NULL)));
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (curl, CURLOPT_CAINFO, self->ca_file);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, answer);
  if (body != NULL)
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  rc = curl_easy_perform (curl);
  *status = 0;
  if (rc == CURLE_OK)
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, status);
  else
    g_test_message ("%s %s: %s", method, url, curl_easy_strerror (rc));
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return g_byte_array_free_to_bytes (answer);
}

static gboolean
read_ready_line (AfTestCloud  *self,
                 GError      **error)
{
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *line = NULL;
  JsonObject *ready;

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error);
  if (line == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "The reference cloud did not start (see its stderr)");
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, line, -1, error))
    return FALSE;
  ready = json_node_get_object (json_parser_get_root (parser));
  self->base_url = g_strdup (json_object_get_string_member (ready, "base_url"));
  self->ca_file = g_strdup (json_object_get_string_member (ready, "ca_file"));
  self->admin_url = g_strdup (json_object_get_string_member (ready, "admin_url"));
  self->admin_secret = g_strdup (json_object_get_string_member (ready, "admin_secret"));
  self->mqtt_port = (guint)json_object_get_int_member (ready, "mqtt_port");
  return TRUE;
}

AfTestCloud *
af_test_cloud_start (GError **error)
{
  const char *script = g_getenv ("AF_REFERENCE_CLOUD");
  g_autoptr(AfTestCloud) self = g_new0 (AfTestCloud, 1);

  if (script == NULL || *script == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "AF_REFERENCE_CLOUD is not set");
      return NULL;
    }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  self->state_dir = g_dir_make_tmp ("af-test-cloud-XXXXXX", error);
  if (self->state_dir == NULL)
    return NULL;
  self->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, "/usr/bin/python3",
                                    script, "--state-dir", self->state_dir, NULL);
  if (self->process == NULL || !read_ready_line (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
af_test_cloud_get_base_url (AfTestCloud *self)
{
  return self->base_url;
}

const char *
af_test_cloud_get_ca_file (AfTestCloud *self)
{
  return self->ca_file;
}

guint
af_test_cloud_get_mqtt_port (AfTestCloud *self)
{
  return self->mqtt_port;
}

JsonObject *
af_test_cloud_admin (AfTestCloud  *self,
                     const char   *method,
                     const char   *path,
                     const char   *body,
                     GError      **error)
{
  g_autofree char *url = g_strconcat (self->admin_url, path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", self->admin_secret, NULL);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size;
  const char *data;
  long status;

  answer = https (self, method, url, "application/json", auth, body, &status);
  data = g_bytes_get_data (answer, &size);
  if (status < 200 || status > 299)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "admin %s %s: %ld %.*s", method, path,
                   status, (int)MIN (size, 500), data != NULL ? data : "");
      return NULL;
    }
  if (size == 0)
    return NULL;
  if (!json_parser_load_from_data (parser, data, (gssize)size, error))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

void
af_test_cloud_fault (AfTestCloud *self,
                     const char  *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fault = af_test_cloud_admin (self, "POST", "/admin/faults", spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fault);
}

void
af_test_cloud_clear_faults (AfTestCloud *self)
{
  g_autoptr(GError) error = NULL;

  /* 204: no body. */
  g_assert_null (af_test_cloud_admin (self, "DELETE", "/admin/faults", NULL, &error));
  g_assert_no_error (error);
}

JsonObject *
af_test_cloud_counters (AfTestCloud *self)
{
  g_autoptr(GError) error = NULL;
  JsonObject *counters = af_test_cloud_admin (self, "GET", "/admin/counters", NULL, &error);

  g_assert_no_error (error);
  return counters;
}

gint64
af_test_cloud_route_count (AfTestCloud *self,
                           const char  *route)
{
  g_autoptr(JsonObject) counters = af_test_cloud_counters (self);
  JsonObject *routes = json_object_get_object_member (counters, "routes");

  return json_object_get_int_member_with_default (routes, route, 0);
}

char *
af_test_cloud_create_account (AfTestCloud  *self,
                              char        **email)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) account = NULL;
  g_autofree char *body = NULL;

  *email = g_strdup_printf ("c-%" G_GINT64_FORMAT "@example.org", g_get_real_time ());
  body = g_strdup_printf ("{\"email\": \"%s\", \"password\": \"%s\", \"display_name\": \"Ana\"}",
                          *email, AF_TEST_CLOUD_PASSWORD);
  account = af_test_cloud_admin (self, "POST", "/admin/accounts", body, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (account, "id"));
}

/* What the user does in the browser at the verification address. */
static void
approve (AfTestCloud *self,
         const char  *user_code,
         const char  *email)
{
  g_autofree char *url = g_strconcat (self->base_url, "/device", NULL);
  g_autofree char *code = g_uri_escape_string (user_code, NULL, FALSE);
  g_autofree char *mail = g_uri_escape_string (email, NULL, FALSE);
  g_autofree char *password = g_uri_escape_string (AF_TEST_CLOUD_PASSWORD, NULL, FALSE);
  g_autofree char *form = g_strdup_printf ("user_code=%s&email=%s&password=%s&decision=allow",
                                           code, mail, password);
  g_autoptr(GBytes) page = NULL;
  long status;

  page = https (self, "POST", url, "application/x-www-form-urlencoded", NULL, form, &status);
  g_assert_cmpint (status, ==, 200);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* With the _async pairs a window uses. */
AfCloudClient *
af_test_cloud_sign_in (AfTestCloud *self,
                       const char  *email)
{
  g_autoptr(AfCloudClient) client = af_cloud_client_new (self->base_url, self->ca_file);
  g_autoptr(AfCloudDeviceCode) code = NULL;
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) waited = NULL;
  g_autoptr(GError) error = NULL;

  af_cloud_client_set_retry_base_ms (client, 5);
  af_cloud_device_sign_in_start_async (client, NULL, result_cb, &started);
  code = af_cloud_device_sign_in_start_finish (client, wait_result (&started), &error);
  g_assert_no_error (error);
  approve (self, code->user_code, email);
  af_cloud_device_sign_in_wait_async (client, code, NULL, result_cb, &waited);
  g_assert_true (af_cloud_device_sign_in_wait_finish (client, wait_result (&waited), &error));
  g_assert_no_error (error);
  g_assert_true (af_cloud_client_is_signed_in (client));
  return g_steal_pointer (&client);
}

AfTestPrinter *
af_test_cloud_bind_printer (AfTestCloud    *self,
                            AfCloudClient  *client,
                            const char     *account_id,
                            const char     *name,
                            char          **printer_id)
{
  g_autofree char *serial = g_strdup_printf ("01P00A%09" G_GINT64_FORMAT,
                                             g_get_real_time () % 1000000000);
  g_autofree char *body = NULL;
  g_autofree char *device_file = NULL;
  g_autofree char *device_json = NULL;
  g_autoptr(JsonObject) bound = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) device = NULL;
  g_autoptr(GError) error = NULL;
  AfTestPrinter *printer;
  gint64 deadline;
  int fd;

  body = g_strdup_printf ("{\"account_id\": \"%s\", \"serial\": \"%s\", \"model\": \"C12\", "
                          "\"name\": \"%s\"}", account_id, serial, name);
  bound = af_test_cloud_admin (self, "POST", "/admin/printers", body, &error);
  g_assert_no_error (error);
  *printer_id = g_strdup (json_object_get_string_member (bound, "id"));

  device = json_node_init_object (json_node_alloc (),
                                  json_object_get_object_member (bound, "device"));
  json_generator_set_root (generator, device);
  device_json = json_generator_to_data (generator, NULL);
  fd = g_file_open_tmp ("af-cloud-device-XXXXXX.json", &device_file, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (device_file, device_json, -1, &error));

  {
    const char *args[] = { "--serial", serial, "--model", "C12", "--speed", "3000",
                           "--cloud-device", device_file, "--ftp-server", "pyftpdlib", NULL };

    printer = af_test_printer_start (args, &error);
    g_assert_no_error (error);
  }
  g_unlink (device_file);

  /* The cloud sees it online once its first report arrived. */
  deadline = g_get_monotonic_time () + ONLINE_TIMEOUT_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(AfCloudPrinter) seen = af_cloud_client_get_printer (client, *printer_id, NULL,
                                                                    &error);

      g_assert_no_error (error);
      if (af_cloud_printer_get_online (seen))
        return printer;
      g_usleep (200 * 1000);
    }
  g_error ("The cloud never saw printer %s online", *printer_id);
  return NULL;
}

void
af_test_cloud_free (AfTestCloud *self)
{
  if (self->process != NULL)
    {
      g_subprocess_send_signal (self->process, SIGTERM);
      g_subprocess_wait (self->process, NULL, NULL);
      g_clear_object (&self->process);
    }
  /* The state (SQLite, certificates, stored uploads) is the test's own. */
  if (self->state_dir != NULL)
    af_test_remove_tree (self->state_dir);
  g_free (self->state_dir);
  g_free (self->base_url);
  g_free (self->ca_file);
  g_free (self->admin_url);
  g_free (self->admin_secret);
  g_free (self);
}
