/* af-cloud-sign-in.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-cloud"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-cloud-error.h"
#include "af-cloud-private.h"
#include "af-cloud-sign-in.h"

#define VERIFIER_LENGTH 64
#define STATE_BYTES     32
#define SLOW_DOWN_STEP_S 5

/* --- PKCE and state ------------------------------------------------------ */

static char *
base64url (const guint8 *data,
           gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *end;

  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  end = strchr (text, '=');
  if (end != NULL)
    *end = '\0';
  return text;
}

static void
random_bytes (guint8 *data,
              gsize   length)
{
  /* GRand is not a CSPRNG; the kernel's generator is. */
  g_autoptr(GFile) file = g_file_new_for_path ("/dev/urandom");
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);
  gsize read = 0;

  if (stream == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (stream), data, length, &read, NULL, NULL) ||
      read != length)
    g_error ("Could not read /dev/urandom");
}

char *
af_cloud_pkce_new_verifier (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  guint8 bytes[VERIFIER_LENGTH];
  char *verifier = g_malloc (VERIFIER_LENGTH + 1);

  random_bytes (bytes, sizeof bytes);
  /* Bytes past the last whole multiple of 66 are drawn again, so every
   * letter is equally likely.
   */
  for (guint i = 0; i < VERIFIER_LENGTH; i++)
    {
      while (bytes[i] >= 256 - 256 % 66)
        random_bytes (&bytes[i], 1);
      verifier[i] = alphabet[bytes[i] % 66];
    }
  verifier[VERIFIER_LENGTH] = '\0';
  return verifier;
}

char *
af_cloud_pkce_challenge (const char *verifier)
{
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_return_val_if_fail (verifier != NULL, NULL);

  g_checksum_update (checksum, (const guchar *)verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  return base64url (digest, length);
}

char *
af_cloud_new_state (void)
{
  guint8 bytes[STATE_BYTES];

  random_bytes (bytes, sizeof bytes);
  return base64url (bytes, sizeof bytes);
}

static gboolean
equal_in_constant_time (const char *a,
                        const char *b)
{
  gsize length;
  guint8 difference = 0;

  if (a == NULL || b == NULL || (length = strlen (a)) != strlen (b))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    difference |= (guint8)a[i] ^ (guint8)b[i];
  return difference == 0;
}

/* --- Browser sign-in ----------------------------------------------------- */

struct _AfCloudBrowserSignIn
{
  GObject           parent_instance;

  AfCloudClient    *client;
  GSocketService   *service;
  char             *verifier;
  char             *state;
  char             *redirect_uri;
  char             *uri;
  GTask            *task;
  GSource          *timeout;
  gulong            cancelled_id;
  gboolean          answered;  /* the one request came */
};

G_DEFINE_FINAL_TYPE (AfCloudBrowserSignIn, af_cloud_browser_sign_in, G_TYPE_OBJECT)

static void
close_listener (AfCloudBrowserSignIn *self)
{
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
  if (self->task != NULL && self->cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (self->task), self->cancelled_id);
  self->cancelled_id = 0;
}

static void
finish (AfCloudBrowserSignIn *self,
        GError               *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  close_listener (self);
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
exchange_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  AfCloudBrowserSignIn *self = source_object;
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("POST", "/v1/oauth/token");
  g_autoptr(AfCloudResponse) response = NULL;
  AfSecret *code = task_data;
  GError *error = NULL;

  af_cloud_request_set_anonymous (request);
  af_cloud_request_set_form (request,
                             "grant_type", "authorization_code",
                             "client_id", AF_CLOUD_CLIENT_ID,
                             "code", af_secret_get (code),
                             "redirect_uri", self->redirect_uri,
                             "code_verifier", self->verifier,
                             NULL);
  response = af_cloud_client_send (self->client, request, cancellable, &error);
  if (response == NULL ||
      !af_cloud_client_adopt_tokens (self->client, af_cloud_response_get_object (response),
                                     cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
exchange_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AfCloudBrowserSignIn *self = AF_CLOUD_BROWSER_SIGN_IN (source);
  GError *error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  finish (self, error);
}

static void
start_exchange (AfCloudBrowserSignIn *self,
                const char           *code)
{
  GTask *task = g_task_new (self, g_task_get_cancellable (self->task), exchange_done_cb, NULL);

  g_task_set_source_tag (task, start_exchange);
  g_task_set_task_data (task, af_secret_new (code), (GDestroyNotify)af_secret_free);
  g_task_run_in_thread (task, exchange_thread);
  g_object_unref (task);
}

static const char page_template[] =
  "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>AtomForm Connect</title></head>"
  "<body><p>%s</p></body></html>";

static void
answer (GIOStream  *connection,
        guint       status,
        const char *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  g_autofree char *page = g_strdup_printf (page_template, escaped);
  g_autofree char *reply = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                            "Content-Type: text/html; charset=utf-8\r\n"
                                            "Content-Length: %zu\r\n"
                                            "Cache-Control: no-store\r\n"
                                            "Connection: close\r\n\r\n%s",
                                            status, status == 200 ? "OK" : "Bad Request",
                                            strlen (page), page);

  /* A few hundred bytes into a fresh socket buffer: this does not block. */
  g_output_stream_write_all (g_io_stream_get_output_stream (connection), reply, strlen (reply),
                             NULL, NULL, NULL);
  g_io_stream_close (connection, NULL, NULL);
}

/* The request line's target, "/callback?code=…&state=…". */
static void
handle_request (AfCloudBrowserSignIn *self,
                GIOStream            *connection,
                const char           *line)
{
  g_auto(GStrv) parts = g_strsplit (line, " ", 3);
  g_autoptr(GHashTable) params = NULL;
  const char *query;
  const char *state;
  const char *code;
  const char *oauth_error;

  self->answered = TRUE;
  close_listener (self);

  if (g_strv_length (parts) != 3 || g_strcmp0 (parts[0], "GET") != 0 ||
      !g_str_has_prefix (parts[1], "/callback?"))
    goto refused;

  query = parts[1] + strlen ("/callback?");
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  state = params != NULL ? g_hash_table_lookup (params, "state") : NULL;
  if (!equal_in_constant_time (state, self->state))
    goto refused;

  oauth_error = g_hash_table_lookup (params, "error");
  code = g_hash_table_lookup (params, "code");
  if (oauth_error != NULL || code == NULL || *code == '\0')
    {
      answer (connection, 200, _("The sign-in was not completed. You can close this tab."));
      finish (self, g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_ACCESS_DENIED,
                                         _("The sign-in was refused in the browser. Sign in "
                                           "again to use the cloud.")));
      return;
    }

  answer (connection, 200,
          _("You are signed in to AtomForm Connect; you can close this tab."));
  start_exchange (self, code);
  return;

refused:
  g_debug ("Sign-in listener: a request without the right state");
  answer (connection, 400, _("This sign-in request does not belong to AtomForm Connect’s "
                             "current sign-in. Start the sign-in again from the app."));
  finish (self, g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGN_IN_FAILED,
                                     _("The sign-in did not complete: the browser answered "
                                       "for another sign-in. Start it again.")));
}

/* One connection's request, read in blocks into a buffer of at most
 * AF_CLOUD_SIGN_IN_MAX_REQUEST bytes until the blank line that ends its
 * headers; the body (a GET has none) is never read.
 */
typedef struct
{
  AfCloudBrowserSignIn *self;
  GIOStream            *connection;
  GByteArray           *request;
  guint8                block[1024];
} Reader;

static void
reader_free (Reader *reader)
{
  g_object_unref (reader->self);
  g_object_unref (reader->connection);
  g_byte_array_unref (reader->request);
  g_free (reader);
}

static void read_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data);

static void
read_more (Reader *reader)
{
  gsize room = AF_CLOUD_SIGN_IN_MAX_REQUEST - reader->request->len;

  g_input_stream_read_async (g_io_stream_get_input_stream (reader->connection), reader->block,
                             MIN (sizeof reader->block, room), G_PRIORITY_DEFAULT, NULL,
                             read_cb, reader);
}

/* The length of the headers with their blank line, or 0 while it has not come. */
static gsize
find_end (GByteArray *request)
{
  for (gsize i = 0; i + 1 < request->len; i++)
    {
      if (request->data[i] != '\n')
        continue;
      if (request->data[i + 1] == '\n')
        return i + 2;
      if (i + 2 < request->len && request->data[i + 1] == '\r' && request->data[i + 2] == '\n')
        return i + 3;
    }
  return 0;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reader *reader = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  g_autofree char *line = NULL;
  const guint8 *newline;

  /* The sign-in already ended (answered, cancelled or timed out). */
  if (reader->self->task == NULL || reader->self->answered || n <= 0)
    {
      /* A connection that closes early (a browser's speculative connection,
       * a port scan) is not the answer.
       */
      g_io_stream_close (reader->connection, NULL, NULL);
      reader_free (reader);
      return;
    }
  g_byte_array_append (reader->request, reader->block, (guint)n);
  if (find_end (reader->request) == 0)
    {
      if (reader->request->len < AF_CLOUD_SIGN_IN_MAX_REQUEST)
        {
          read_more (reader);
          return;
        }
      /* Past the limit without an end: not a redirect of ours. */
      g_debug ("Sign-in listener: a request over %d bytes", AF_CLOUD_SIGN_IN_MAX_REQUEST);
      g_io_stream_close (reader->connection, NULL, NULL);
      reader_free (reader);
      return;
    }

  newline = memchr (reader->request->data, '\n', reader->request->len);
  line = g_strndup ((const char *)reader->request->data, newline - reader->request->data);
  g_strchomp (line);
  handle_request (reader->self, reader->connection, line);
  reader_free (reader);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  AfCloudBrowserSignIn *self = user_data;
  Reader *reader;

  if (self->task == NULL || self->answered)
    return FALSE;

  reader = g_new0 (Reader, 1);
  reader->self = g_object_ref (self);
  reader->connection = g_object_ref (G_IO_STREAM (connection));
  reader->request = g_byte_array_new ();
  read_more (reader);
  return TRUE;
}

static gboolean
listen_on (GSocketService  *service,
           GInetAddress    *address,
           guint           *port,
           GError         **error)
{
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new (address, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), wanted, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return TRUE;
}

AfCloudBrowserSignIn *
af_cloud_browser_sign_in_new (AfCloudClient  *client,
                              GError        **error)
{
  g_autoptr(AfCloudBrowserSignIn) self = NULL;
  g_autoptr(GInetAddress) ipv4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) ipv6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GError) ipv4_error = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *redirect_escaped = NULL;
  guint port = 0;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);

  self = g_object_new (AF_TYPE_CLOUD_BROWSER_SIGN_IN, NULL);
  self->client = g_object_ref (client);
  self->service = g_socket_service_new ();
  /* Loopback only, never "localhost" (RFC 8252 §8.3). */
  if (listen_on (self->service, ipv4, &port, &ipv4_error))
    self->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback", port);
  else if (listen_on (self->service, ipv6, &port, NULL))
    self->redirect_uri = g_strdup_printf ("http://[::1]:%u/callback", port);
  else
    {
      g_debug ("Sign-in listener: %s", ipv4_error->message);
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_FAILED,
                           _("Could not wait for the browser’s answer on this computer’s "
                             "loopback address. Sign in from the command line instead "
                             "(atomform-connect login)."));
      return NULL;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);

  self->verifier = af_cloud_pkce_new_verifier ();
  self->state = af_cloud_new_state ();
  challenge = af_cloud_pkce_challenge (self->verifier);
  redirect_escaped = g_uri_escape_string (self->redirect_uri, NULL, FALSE);
  self->uri = g_strdup_printf ("%s/v1/oauth/authorize?response_type=code&client_id=%s"
                               "&redirect_uri=%s&code_challenge=%s&code_challenge_method=S256"
                               "&state=%s&scope=account%%20printers%%20print%%20history",
                               af_cloud_client_get_base_url (client), AF_CLOUD_CLIENT_ID,
                               redirect_escaped, challenge, self->state);
  return g_steal_pointer (&self);
}

const char *
af_cloud_browser_sign_in_get_uri (AfCloudBrowserSignIn *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_BROWSER_SIGN_IN (self), NULL);

  return self->uri;
}

const char *
af_cloud_browser_sign_in_get_redirect_uri (AfCloudBrowserSignIn *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_BROWSER_SIGN_IN (self), NULL);

  return self->redirect_uri;
}

static gboolean
timeout_cb (gpointer user_data)
{
  AfCloudBrowserSignIn *self = user_data;

  g_clear_pointer (&self->timeout, g_source_unref);
  finish (self, g_error_new_literal (AF_CLOUD_ERROR, AF_CLOUD_ERROR_EXPIRED,
                                     _("The sign-in was not completed within 10 minutes. Start "
                                       "it again.")));
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_idle_cb (gpointer user_data)
{
  AfCloudBrowserSignIn *self = user_data;

  /* Once the code is being exchanged, the exchange reports cancellation. */
  if (!self->answered)
    finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled.")));
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable         *cancellable,
              AfCloudBrowserSignIn *self)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, cancelled_idle_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, g_task_get_context (self->task));
}

void
af_cloud_browser_sign_in_wait_async (AfCloudBrowserSignIn *self,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_return_if_fail (AF_IS_CLOUD_BROWSER_SIGN_IN (self));
  g_return_if_fail (self->task == NULL && self->service != NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, af_cloud_browser_sign_in_wait_async);
  g_task_set_check_cancellable (self->task, FALSE);

  self->timeout = g_timeout_source_new_seconds (AF_CLOUD_SIGN_IN_TIMEOUT_S);
  g_source_set_callback (self->timeout, timeout_cb, self, NULL);
  g_source_attach (self->timeout, g_task_get_context (self->task));
  if (cancellable != NULL)
    self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), self,
                                                NULL);
  g_socket_service_start (self->service);
}

gboolean
af_cloud_browser_sign_in_wait_finish (AfCloudBrowserSignIn  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
af_cloud_browser_sign_in_dispose (GObject *object)
{
  AfCloudBrowserSignIn *self = AF_CLOUD_BROWSER_SIGN_IN (object);

  close_listener (self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (af_cloud_browser_sign_in_parent_class)->dispose (object);
}

static void
af_cloud_browser_sign_in_finalize (GObject *object)
{
  AfCloudBrowserSignIn *self = AF_CLOUD_BROWSER_SIGN_IN (object);

  af_secret_wipe (self->verifier, strlen (self->verifier));
  g_free (self->verifier);
  g_free (self->state);
  g_free (self->redirect_uri);
  g_free (self->uri);

  G_OBJECT_CLASS (af_cloud_browser_sign_in_parent_class)->finalize (object);
}

static void
af_cloud_browser_sign_in_class_init (AfCloudBrowserSignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = af_cloud_browser_sign_in_dispose;
  object_class->finalize = af_cloud_browser_sign_in_finalize;
}

static void
af_cloud_browser_sign_in_init (AfCloudBrowserSignIn *self)
{
}

/* --- Device authorization ------------------------------------------------ */

void
af_cloud_device_code_free (AfCloudDeviceCode *code)
{
  if (code == NULL)
    return;

  g_free (code->user_code);
  g_free (code->verification_uri);
  g_free (code->verification_uri_complete);
  g_clear_pointer (&code->device_code, af_secret_free);
  g_free (code);
}

/* A user code and URL go to a terminal: printable ASCII only, and https. */
static gboolean
is_printable (const char *text)
{
  if (text == NULL || *text == '\0' || strlen (text) > 2048)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;
  return TRUE;
}

AfCloudDeviceCode *
af_cloud_device_sign_in_start (AfCloudClient  *client,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("POST",
                                                            "/v1/oauth/device_authorization");
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(AfCloudDeviceCode) code = g_new0 (AfCloudDeviceCode, 1);
  JsonObject *object;
  const char *complete;
  const char *device_code;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);

  af_cloud_request_set_anonymous (request);
  af_cloud_request_set_form (request,
                             "client_id", AF_CLOUD_CLIENT_ID,
                             "scope", AF_CLOUD_SCOPE,
                             NULL);
  response = af_cloud_client_send (client, request, cancellable, error);
  if (response == NULL)
    return NULL;

  object = af_cloud_response_get_object (response);
  device_code = af_cloud_json_get_string (object, "device_code");
  code->user_code = g_strdup (af_cloud_json_get_string (object, "user_code"));
  code->verification_uri = g_strdup (af_cloud_json_get_string (object, "verification_uri"));
  complete = af_cloud_json_get_string (object, "verification_uri_complete");
  if (is_printable (complete) && g_str_has_prefix (complete, "https://"))
    code->verification_uri_complete = g_strdup (complete);
  code->interval = (guint)CLAMP (af_cloud_json_get_int (object, "interval", 5), 1, 60);
  code->expires_at = g_get_monotonic_time () / G_USEC_PER_SEC +
                     CLAMP (af_cloud_json_get_int (object, "expires_in", 900), 1, 3600);
  if (device_code == NULL || *device_code == '\0' || !is_printable (code->user_code) ||
      !is_printable (code->verification_uri) ||
      !g_str_has_prefix (code->verification_uri, "https://"))
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                           _("AtomForm’s cloud sent an unusable sign-in code. Try again later."));
      return NULL;
    }
  code->device_code = af_secret_new (device_code);
  return g_steal_pointer (&code);
}

gboolean
af_cloud_device_sign_in_wait (AfCloudClient      *client,
                              AfCloudDeviceCode  *code,
                              GCancellable       *cancellable,
                              GError            **error)
{
  guint interval;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), FALSE);
  g_return_val_if_fail (code != NULL, FALSE);

  interval = code->interval;
  for (;;)
    {
      g_autoptr(AfCloudRequest) request = NULL;
      g_autoptr(AfCloudResponse) response = NULL;
      g_autoptr(GError) local_error = NULL;
      GPollFD fd;

      if (g_get_monotonic_time () / G_USEC_PER_SEC >= code->expires_at)
        {
          g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_EXPIRED,
                               _("The sign-in code expired before it was confirmed. Start "
                                 "the sign-in again."));
          return FALSE;
        }

      if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fd))
        {
          g_poll (&fd, 1, (gint)interval * 1000);
          g_cancellable_release_fd (cancellable);
        }
      else
        g_usleep ((gulong)interval * G_USEC_PER_SEC);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      /* Each poll is a request of its own, with a key of its own. */
      request = af_cloud_request_new ("POST", "/v1/oauth/token");
      af_cloud_request_set_anonymous (request);
      af_cloud_request_set_form (request,
                                 "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
                                 "device_code", af_secret_get (code->device_code),
                                 "client_id", AF_CLOUD_CLIENT_ID,
                                 NULL);
      response = af_cloud_client_send (client, request, cancellable, &local_error);
      if (response != NULL)
        return af_cloud_client_adopt_tokens (client, af_cloud_response_get_object (response),
                                             cancellable, error);
      if (g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SLOW_DOWN))
        interval += SLOW_DOWN_STEP_S;
      else if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_PENDING))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}

static gpointer
device_start_call (AfCloudClient *client,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return af_cloud_device_sign_in_start (client, cancellable, error);
}

void
af_cloud_device_sign_in_start_async (AfCloudClient       *client,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  af_cloud_run_call (client, af_cloud_device_sign_in_start_async, device_start_call, NULL, NULL,
                     (GDestroyNotify)af_cloud_device_code_free, cancellable, callback,
                     user_data);
}

AfCloudDeviceCode *
af_cloud_device_sign_in_start_finish (AfCloudClient  *client,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_device_sign_in_start_async, error);
}

static gpointer
device_wait_call (AfCloudClient *client,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return af_cloud_device_sign_in_wait (client, data, cancellable, error) ? client : NULL;
}

void
af_cloud_device_sign_in_wait_async (AfCloudClient       *client,
                                    AfCloudDeviceCode   *code,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (code != NULL);

  af_cloud_run_call (client, af_cloud_device_sign_in_wait_async, device_wait_call, code, NULL,
                     NULL, cancellable, callback, user_data);
}

gboolean
af_cloud_device_sign_in_wait_finish (AfCloudClient  *client,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_device_sign_in_wait_async,
                               error) != NULL;
}
