/* af-cloud-client.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-cloud"

#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <curl/curl.h>
#include <glib/gi18n-lib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "af-cloud-client.h"
#include "af-cloud-error.h"
#include "af-cloud-private.h"
#include "af-cloud-tokens.h"
#include "af-network-policy.h"

/*
 * Every request runs libcurl's easy interface on a worker thread (a GTask
 * for the _async calls), so the retry loop with its waits, a refresh in the
 * middle of it and the keyring writes are plain blocking code; the caller's
 * main context only sees the end. Tokens sit in self->tokens under
 * self->lock; refreshes are serialised by self->refresh_lock, and a thread
 * that waited for another's refresh takes its result instead of refreshing
 * again (which would present a used refresh token and revoke the session,
 * RFC 9700 §4.14).
 */

#define CONNECT_TIMEOUT_S 20
#define STALL_SECONDS     60
#define PROBLEM_IN_PROGRESS "idempotency-in-progress"

struct _AfCloudRequest
{
  char                *method;
  char                *path;
  char                *content_type;
  GBytes              *body;
  gboolean             wipe_body;
  GPtrArray           *headers;
  char                *idempotency_key;
  gboolean             anonymous;
  gboolean             retry;
  guint                n_sent;
  gint64               retry_after;   /* the last answer's Retry-After, -1 none */
  guint                stall_seconds;
  AfCloudSendProgress  progress;
  gpointer             progress_data;
};

struct _AfCloudClient
{
  GObject        parent_instance;

  char          *base_url;
  char          *ca_file;
  guint          retry_base_ms;

  GMutex         lock;
  AfCloudTokens *tokens;
  guint          generation;
  GHashTable    *cache;         /* path → CacheEntry, under lock */
  guint          cache_hits;    /* under lock */
  GMutex         refresh_lock;
};

/* The last answer with an ETag of one GET, kept in memory for this client
 * only and dropped when the session changes: revalidated with
 * If-None-Match, and the ETag a change sends in If-Match.
 */
typedef struct
{
  char   *etag;
  GBytes *body;
} CacheEntry;

static void
cache_entry_free (CacheEntry *entry)
{
  g_free (entry->etag);
  g_bytes_unref (entry->body);
  g_free (entry);
}

G_DEFINE_FINAL_TYPE (AfCloudClient, af_cloud_client, G_TYPE_OBJECT)

static gsize curl_initialized;

static void
ensure_curl (void)
{
  if (g_once_init_enter (&curl_initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_initialized, 1);
    }
}

/* --- JSON helpers -------------------------------------------------------- */

const char *
af_cloud_json_get_string (JsonObject *object,
                          const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
af_cloud_json_get_int (JsonObject *object,
                       const char *name,
                       gint64      fallback)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      /* 1e30 or NaN would not fit: casting them is undefined. */
      if (!(value >= -9.2e18 && value <= 9.2e18))
        return fallback;
      return (gint64)value;
    }
  return fallback;
}

/* --- Requests ------------------------------------------------------------ */

AfCloudRequest *
af_cloud_request_new (const char *method,
                      const char *path)
{
  AfCloudRequest *request;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);

  request = g_new0 (AfCloudRequest, 1);
  request->method = g_strdup (method);
  request->path = g_strdup (path);
  request->headers = g_ptr_array_new_with_free_func (g_free);
  request->retry = g_strcmp0 (method, "PATCH") != 0;
  request->retry_after = -1;
  request->stall_seconds = STALL_SECONDS;
  if (g_strcmp0 (method, "POST") == 0)
    request->idempotency_key = g_uuid_string_random ();
  return request;
}

void
af_cloud_request_free (AfCloudRequest *request)
{
  if (request == NULL)
    return;

  if (request->body != NULL && request->wipe_body &&
      g_bytes_get_size (request->body) > 0)
    {
      gsize size;
      gpointer data = (gpointer)g_bytes_get_data (request->body, &size);

      /* Our own buffer (set_form), not yet shared with anyone. */
      af_secret_wipe (data, size);
    }
  g_free (request->method);
  g_free (request->path);
  g_free (request->content_type);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_ptr_array_unref (request->headers);
  g_free (request->idempotency_key);
  g_free (request);
}

void
af_cloud_request_set_body (AfCloudRequest *request,
                           const char     *content_type,
                           GBytes         *body)
{
  g_return_if_fail (request != NULL);

  g_free (request->content_type);
  request->content_type = g_strdup (content_type);
  g_clear_pointer (&request->body, g_bytes_unref);
  request->body = body != NULL ? g_bytes_ref (body) : NULL;
  request->wipe_body = FALSE;
}

void
af_cloud_request_set_json (AfCloudRequest *request,
                           JsonNode       *body)
{
  g_autofree char *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length;

  g_return_if_fail (request != NULL && body != NULL);

  text = af_json_to_data (body, FALSE);
  length = strlen (text);
  bytes = g_bytes_new_take (g_steal_pointer (&text), length);
  af_cloud_request_set_body (request, "application/json", bytes);
}

void
af_cloud_request_set_form (AfCloudRequest *request,
                           const char     *first_name,
                           ...)
{
  GString *form = g_string_new (NULL);
  const char *name = first_name;
  gsize length;
  va_list args;

  g_return_if_fail (request != NULL);

  va_start (args, first_name);
  while (name != NULL)
    {
      const char *value = va_arg (args, const char *);

      if (form->len > 0)
        g_string_append_c (form, '&');
      g_string_append_uri_escaped (form, name, NULL, FALSE);
      g_string_append_c (form, '=');
      g_string_append_uri_escaped (form, value != NULL ? value : "", NULL, FALSE);
      name = va_arg (args, const char *);
    }
  va_end (args);

  length = form->len;
  af_cloud_request_set_body (request, "application/x-www-form-urlencoded",
                             g_bytes_new_take (g_string_free (form, FALSE), length));
  /* set_body took a reference of its own; drop ours. */
  g_bytes_unref (request->body);
  request->wipe_body = TRUE;
}

void
af_cloud_request_add_header (AfCloudRequest *request,
                             const char     *name,
                             const char     *value)
{
  g_return_if_fail (request != NULL && name != NULL && value != NULL);

  g_ptr_array_add (request->headers, g_strdup_printf ("%s: %s", name, value));
}

void
af_cloud_request_set_anonymous (AfCloudRequest *request)
{
  g_return_if_fail (request != NULL);

  request->anonymous = TRUE;
}

void
af_cloud_request_set_retry (AfCloudRequest *request,
                            gboolean        retry)
{
  g_return_if_fail (request != NULL);

  request->retry = retry;
}

const char *
af_cloud_request_get_idempotency_key (AfCloudRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->idempotency_key;
}

void
af_cloud_request_set_idempotency_key (AfCloudRequest *request,
                                      const char     *key)
{
  g_return_if_fail (request != NULL);

  g_free (request->idempotency_key);
  request->idempotency_key = g_strdup (key);
}

gint64
af_cloud_request_get_retry_after (AfCloudRequest *request)
{
  g_return_val_if_fail (request != NULL, -1);

  return request->retry_after;
}

guint
af_cloud_request_get_n_sent (AfCloudRequest *request)
{
  g_return_val_if_fail (request != NULL, 0);

  return request->n_sent;
}

void
af_cloud_request_set_send_progress (AfCloudRequest      *request,
                                    AfCloudSendProgress  progress,
                                    gpointer             user_data)
{
  request->progress = progress;
  request->progress_data = user_data;
}

void
af_cloud_request_set_stall_seconds (AfCloudRequest *request,
                                    guint           seconds)
{
  request->stall_seconds = seconds;
}

/* --- Answers ------------------------------------------------------------- */

const char *
af_cloud_response_get_header (AfCloudResponse *response,
                              const char      *name)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (response != NULL && name != NULL, NULL);

  lower = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (response->headers, lower);
}

JsonObject *
af_cloud_response_get_object (AfCloudResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);

  if (response->json == NULL || !JSON_NODE_HOLDS_OBJECT (response->json))
    return NULL;
  return json_node_get_object (response->json);
}

void
af_cloud_response_free (AfCloudResponse *response)
{
  if (response == NULL)
    return;

  g_clear_pointer (&response->headers, g_hash_table_unref);
  if (response->body != NULL)
    {
      gsize size;
      gpointer data = (gpointer)g_bytes_get_data (response->body, &size);

      /* Token answers hold tokens; every answer is wiped alike. */
      if (size > 0 && g_bytes_get_data (response->body, NULL) != NULL)
        af_secret_wipe (data, size);
      g_bytes_unref (response->body);
    }
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response);
}

/* --- The pure rules ------------------------------------------------------ */

guint64
af_cloud_backoff_ms (guint   attempt,
                     guint   base_ms,
                     guint32 random)
{
  guint64 cap = base_ms;

  for (guint i = 0; i < attempt && cap < AF_CLOUD_RETRY_MAX_MS; i++)
    cap *= 2;
  cap = MIN (cap, AF_CLOUD_RETRY_MAX_MS);
  return (guint64)random % (cap + 1);
}

gint64
af_cloud_parse_retry_after (const char *value,
                            gint64      now_unix)
{
  guint64 seconds;
  time_t when;

  if (value == NULL || *value == '\0')
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
    return (gint64)seconds;

  when = curl_getdate (value, NULL);
  if (when == -1)
    return -1;
  return MAX ((gint64)when - now_unix, 0);
}

gboolean
af_cloud_check_api_version (const char  *value,
                            GError     **error)
{
  guint64 major = 0;
  g_autofree char *major_text = NULL;
  const char *dot;

  if (value != NULL && (dot = strchr (value, '.')) != NULL)
    {
      major_text = g_strndup (value, dot - value);
      if (!g_ascii_string_to_unsigned (major_text, 10, 0, 999, &major, NULL))
        major = 0;
    }

  if (major == 1)
    return TRUE;

  if (major > 1)
    g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_VERSION,
                 /* Translators: %s is a version such as "2.0" */
                 _("AtomForm’s cloud now speaks version %s of its interface, which this version "
                   "of AtomForm Connect does not know. Update AtomForm Connect; printing over "
                   "the network (LAN) still works."),
                 value);
  else
    g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_VERSION,
                         _("The server did not answer as AtomForm’s cloud (no interface version "
                           "1). Check the cloud address in the settings, or update AtomForm "
                           "Connect; printing over the network (LAN) still works."));
  return FALSE;
}

static void
set_too_large (GError **error)
{
  g_autofree char *limit = g_format_size (AF_CLOUD_MAX_RESPONSE_BYTES);

  g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
               /* Translators: %s is a size such as "1.0 MB" */
               _("AtomForm’s cloud sent an answer larger than the %s this app accepts. Try "
                 "again later; printing over the network (LAN) still works."),
               limit);
}

JsonNode *
af_cloud_parse_json (const char  *data,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  if (length > AF_CLOUD_MAX_RESPONSE_BYTES)
    {
      set_too_large (error);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!af_json_load_untrusted (parser, data, length, &local_error) ||
      json_parser_get_root (parser) == NULL)
    {
      g_debug ("Unreadable answer: %s", local_error ? local_error->message : "empty");
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                           _("AtomForm’s cloud sent an answer this app cannot read. Try again "
                             "later, or update AtomForm Connect."));
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* --- One transfer -------------------------------------------------------- */

typedef struct
{
  AfCloudRequest *request;
  GCancellable   *cancellable;
  GByteArray     *body;
  GHashTable     *headers;
  gboolean        too_large;
} Transfer;

static size_t
write_cb (char   *data,
          size_t  size,
          size_t  count,
          void   *user_data)
{
  Transfer *transfer = user_data;
  gsize length = size * count;

  if (transfer->body->len + length > AF_CLOUD_MAX_RESPONSE_BYTES)
    {
      transfer->too_large = TRUE;
      return 0;
    }
  g_byte_array_append (transfer->body, (const guint8 *)data, length);
  return length;
}

static size_t
header_cb (char   *data,
           size_t  size,
           size_t  count,
           void   *user_data)
{
  Transfer *transfer = user_data;
  gsize length = size * count;
  g_autofree char *line = g_strndup (data, length);
  char *colon;

  g_strchomp (line);
  /* A new status line (after a 100 Continue, say) starts a new header set. */
  if (g_str_has_prefix (line, "HTTP/"))
    {
      g_hash_table_remove_all (transfer->headers);
      return length;
    }
  colon = strchr (line, ':');
  if (colon != NULL && colon != line)
    {
      char *name = g_ascii_strdown (line, colon - line);

      g_hash_table_replace (transfer->headers, name, g_strdup (g_strstrip (colon + 1)));
    }
  return length;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Transfer *transfer = user_data;

  if (g_cancellable_is_cancelled (transfer->cancellable))
    return 1;
  if (transfer->request->progress != NULL && ulnow > 0)
    transfer->request->progress ((guint64)ulnow, transfer->request->progress_data);
  return 0;
}

/* The system store stays; the setting's file adds to it. */
static CURLcode
ssl_ctx_cb (CURL *curl,
            void *ssl_ctx,
            void *user_data)
{
  const char *ca_file = user_data;

  SSL_CTX_set_min_proto_version (ssl_ctx, TLS1_2_VERSION);
  if (ca_file != NULL && X509_STORE_load_file (SSL_CTX_get_cert_store (ssl_ctx), ca_file) != 1)
    return CURLE_SSL_CACERT_BADFILE;
  return CURLE_OK;
}

static struct curl_slist *
build_headers (AfCloudRequest *request,
               AfSecret       *token)
{
  struct curl_slist *list = NULL;
  g_autofree char *line = NULL;

  list = curl_slist_append (list, "AtomForm-API-Version: " AF_CLOUD_API_VERSION);
  list = curl_slist_append (list, "Accept: application/json, application/problem+json");
  /* No 100-continue round trip: the server answers errors after the body anyway. */
  list = curl_slist_append (list, "Expect:");
  if (request->content_type != NULL)
    {
      line = g_strdup_printf ("Content-Type: %s", request->content_type);
      list = curl_slist_append (list, line);
      g_clear_pointer (&line, g_free);
    }
  if (request->idempotency_key != NULL)
    {
      /* A structured-field string (draft-ietf-httpapi-idempotency-key-header). */
      line = g_strdup_printf ("Idempotency-Key: \"%s\"", request->idempotency_key);
      list = curl_slist_append (list, line);
      g_clear_pointer (&line, g_free);
    }
  for (guint i = 0; i < request->headers->len; i++)
    list = curl_slist_append (list, g_ptr_array_index (request->headers, i));
  if (token != NULL)
    {
      line = g_strdup_printf ("Authorization: Bearer %s", af_secret_get (token));
      list = curl_slist_append (list, line);
      af_secret_wipe (line, strlen (line));
    }
  return list;
}

static void
wipe_headers (struct curl_slist *list)
{
  for (struct curl_slist *item = list; item != NULL; item = item->next)
    if (g_str_has_prefix (item->data, "Authorization:"))
      af_secret_wipe (item->data, strlen (item->data));
  curl_slist_free_all (list);
}

static void
set_transfer_error (AfCloudClient  *self,
                    CURLcode        code,
                    Transfer       *transfer,
                    GError        **error)
{
  if (code == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (transfer->cancellable))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
      return;
    }
  if (transfer->too_large)
    {
      set_too_large (error);
      return;
    }

  g_debug ("%s %s: %s", transfer->request->method, transfer->request->path,
           curl_easy_strerror (code));
  switch (code)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_TLS,
                   /* Translators: %s is the cloud's address */
                   _("The certificate of %s could not be verified, so nothing was sent. Check "
                     "the cloud address and certificate settings, and the computer’s date."),
                   self->base_url);
      return;
    default:
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK,
                   /* Translators: %s is the cloud's address */
                   _("Could not reach AtomForm’s cloud at %s. Check the network connection; "
                     "printing over the network (LAN) still works."),
                   self->base_url);
      return;
    }
}

/* Each easy handle is one connection (none is reused), so each try is one
 * row of the network activity log: host, port, purpose and bytes, never
 * the path (it may name an entry) or a token.
 */
static void
record_activity (AfCloudClient  *self,
                 AfCloudRequest *request,
                 CURL           *curl,
                 CURLcode        code)
{
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  curl_off_t up = 0, down = 0;
  long request_size = 0, header_size = 0, port = 0;

  if (uri == NULL)
    return;
  curl_easy_getinfo (curl, CURLINFO_SIZE_UPLOAD_T, &up);
  curl_easy_getinfo (curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
  curl_easy_getinfo (curl, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo (curl, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo (curl, CURLINFO_PRIMARY_PORT, &port);
  if (port <= 0)
    port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 443;
  af_network_activity_record (g_uri_get_host (uri), (guint) port,
                              g_str_has_prefix (request->path, "/v1/uploads")
                              ? AF_NETWORK_PURPOSE_CLOUD_UPLOAD : AF_NETWORK_PURPOSE_CLOUD_API,
                              (guint64) up + (guint64) MAX (request_size, 0),
                              (guint64) down + (guint64) MAX (header_size, 0),
                              code == CURLE_OK);
}

/* One try on the wire. TRUE with *response_out for any HTTP answer. */
static gboolean
perform (AfCloudClient    *self,
         AfCloudRequest   *request,
         AfSecret         *token,
         GCancellable     *cancellable,
         AfCloudResponse **response_out,
         GError          **error)
{
  g_autofree char *url = g_strconcat (self->base_url, request->path, NULL);
  Transfer transfer = { request, cancellable, g_byte_array_new (),
                        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free), FALSE };
  struct curl_slist *headers = build_headers (request, token);
  AfCloudResponse *response;
  CURL *curl = curl_easy_init ();
  CURLcode code;
  long status = 0;

  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "https");
#else
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS, (long) CURLPROTO_HTTPS);
#endif
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt (curl, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
  curl_easy_setopt (curl, CURLOPT_SSL_CTX_DATA, self->ca_file);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_S);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, (long) request->stall_seconds);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt (curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) AF_CLOUD_MAX_RESPONSE_BYTES);

  if (g_strcmp0 (request->method, "HEAD") == 0)
    curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
  else if (g_strcmp0 (request->method, "GET") != 0)
    curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, request->method);
  if (request->body != NULL || g_strcmp0 (request->method, "POST") == 0)
    {
      gsize size = 0;
      gconstpointer data = request->body ? g_bytes_get_data (request->body, &size) : "";

      curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, data);
    }

  request->n_sent++;
  code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  record_activity (self, request, curl, code);
  curl_easy_cleanup (curl);
  wipe_headers (headers);

  if (code == CURLE_FILESIZE_EXCEEDED)
    transfer.too_large = TRUE;
  if (code != CURLE_OK)
    {
      set_transfer_error (self, code, &transfer, error);
      af_secret_wipe (transfer.body->data, transfer.body->len);
      g_byte_array_unref (transfer.body);
      g_hash_table_unref (transfer.headers);
      return FALSE;
    }

  response = g_new0 (AfCloudResponse, 1);
  response->status = (guint)status;
  response->headers = transfer.headers;
  response->body = g_byte_array_free_to_bytes (transfer.body);
  *response_out = response;
  return TRUE;
}

/* --- The retry loop ------------------------------------------------------ */

gboolean
af_cloud_sleep (guint64        ms,
                   GCancellable  *cancellable,
                   GError       **error)
{
  GPollFD fd;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fd))
    {
      g_poll (&fd, 1, (gint)MIN (ms, G_MAXINT));
      g_cancellable_release_fd (cancellable);
    }
  else
    {
      g_usleep (ms * 1000);
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static gboolean
status_is_retried (guint       status,
                   const char *problem_type)
{
  switch (status)
    {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return TRUE;
    case 409:
      return g_strcmp0 (problem_type, PROBLEM_IN_PROGRESS) == 0;
    default:
      return FALSE;
    }
}

static void sign_out_locally (AfCloudClient *self);

/* A problem document naming one entry of the service status. */
static char *
problem_for_service (JsonObject *service)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "service");
  json_builder_add_string_value (builder, af_cloud_json_get_string (service, "service"));
  json_builder_set_member_name (builder, "since");
  json_builder_add_string_value (builder, af_cloud_json_get_string (service, "since") ?: "");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return af_json_to_data (root, FALSE);
}

/* After a 5xx or a network failure that outlasted the retries: asks the
 * service status once, to say which service is down and since when.
 */
static void
explain_outage (AfCloudClient  *self,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("GET", "/v1/service-status");
  g_autoptr(AfCloudResponse) response = NULL;
  JsonArray *services;
  JsonNode *node;

  af_cloud_request_set_anonymous (request);
  request->retry = FALSE;
  if (!perform (self, request, NULL, cancellable, &response, NULL) || response->status != 200)
    return;

  node = af_cloud_parse_json (g_bytes_get_data (response->body, NULL),
                              g_bytes_get_size (response->body), NULL);
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node) &&
      (services = json_object_get_array_member (json_node_get_object (node), "services")) != NULL)
    {
      for (guint i = 0; i < json_array_get_length (services); i++)
        {
          JsonObject *service = json_array_get_object_element (services, i);
          const char *state = af_cloud_json_get_string (service, "state");
          g_autofree char *body = NULL;

          if (state == NULL || g_strcmp0 (state, "operational") == 0 ||
              af_cloud_service_describe (af_cloud_json_get_string (service, "service")) == NULL)
            continue;
          /* The same words as a 503 naming that service. */
          body = problem_for_service (service);
          g_clear_error (error);
          *error = af_cloud_error_from_response (503, "application/problem+json", body,
                                                 strlen (body), -1, NULL);
          break;
        }
    }
  json_node_unref (node);
}

AfCloudResponse *
af_cloud_client_send (AfCloudClient   *self,
                      AfCloudRequest  *request,
                      GCancellable    *cancellable,
                      GError         **error)
{
  gboolean refreshed = FALSE;
  guint attempt = 0;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  /* LAN-only mode: the one gate every cloud request (token refreshes and
   * the service status included) passes, before the keyring or the wire.
   */
  if (!af_network_policy_check_cloud (error))
    return NULL;
  ensure_curl ();
  for (;;)
    {
      g_autoptr(AfSecret) token = NULL;
      g_autoptr(AfCloudResponse) response = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *problem_type = NULL;
      gint64 retry_after = -1;
      guint64 delay;

      if (!request->anonymous &&
          (token = af_cloud_client_dup_access_token (self, FALSE, cancellable, error)) == NULL)
        return NULL;

      if (!perform (self, request, token, cancellable, &response, &local_error))
        {
          if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
        }
      else
        {
          gsize size = g_bytes_get_size (response->body);
          const char *data = g_bytes_get_data (response->body, NULL);
          const char *content_type = af_cloud_response_get_header (response, "content-type");

          if (!af_cloud_check_api_version (af_cloud_response_get_header (response,
                                                                         "atomform-api-version"),
                                           error))
            return NULL;

          if (response->status < 400)
            {
              request->retry_after =
                af_cloud_parse_retry_after (af_cloud_response_get_header (response, "retry-after"),
                                            g_get_real_time () / G_USEC_PER_SEC);
              if (size > 0 && content_type != NULL && strstr (content_type, "json") != NULL &&
                  (response->json = af_cloud_parse_json (data, size, error)) == NULL)
                return NULL;
              return g_steal_pointer (&response);
            }

          if (response->status == 401 && !request->anonymous)
            {
              g_autoptr(AfSecret) fresh = NULL;

              if (!refreshed)
                {
                  /* Once: a token revoked elsewhere ends the session below. */
                  refreshed = TRUE;
                  fresh = af_cloud_client_dup_access_token (self, TRUE, cancellable, error);
                  if (fresh == NULL)
                    return NULL;
                  continue;
                }
              sign_out_locally (self);
            }

          retry_after = af_cloud_parse_retry_after (af_cloud_response_get_header (response,
                                                                                  "retry-after"),
                                                    g_get_real_time () / G_USEC_PER_SEC);
          request->retry_after = retry_after;
          local_error = af_cloud_error_from_response (response->status, content_type, data, size,
                                                      retry_after, &problem_type);
          g_debug ("%s %s: %u %s", request->method, request->path, response->status,
                   problem_type != NULL ? problem_type : "");
          if (!status_is_retried (response->status, problem_type))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
        }

      attempt++;
      if (!request->retry || attempt >= AF_CLOUD_MAX_TRIES ||
          retry_after > AF_CLOUD_RETRY_AFTER_MAX_S)
        {
          if (g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK) ||
              g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SERVER))
            explain_outage (self, cancellable, &local_error);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      delay = MAX ((guint64)MAX (retry_after, 0) * 1000,
                   af_cloud_backoff_ms (attempt - 1, self->retry_base_ms, g_random_int ()));
      g_debug ("%s %s: try %u of %u in %" G_GUINT64_FORMAT " ms", request->method, request->path,
               attempt + 1, AF_CLOUD_MAX_TRIES, delay);
      if (!af_cloud_sleep (delay, cancellable, error))
        return NULL;
    }
}

/* --- Conditional requests ----------------------------------------------- */

char *
af_cloud_client_dup_cached_etag (AfCloudClient *self,
                                 const char    *path)
{
  CacheEntry *entry;
  char *etag;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->cache, path);
  etag = entry != NULL ? g_strdup (entry->etag) : NULL;
  g_mutex_unlock (&self->lock);
  return etag;
}

void
af_cloud_client_cache_store (AfCloudClient   *self,
                             const char      *path,
                             AfCloudResponse *response)
{
  const char *etag = af_cloud_response_get_header (response, "etag");
  CacheEntry *entry;
  gsize size;
  gconstpointer data;

  if (etag == NULL || response->status != 200 || response->json == NULL)
    {
      af_cloud_client_cache_forget (self, path);
      return;
    }
  data = g_bytes_get_data (response->body, &size);
  entry = g_new0 (CacheEntry, 1);
  entry->etag = g_strdup (etag);
  entry->body = g_bytes_new (data, size);
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->cache, g_strdup (path), entry);
  g_mutex_unlock (&self->lock);
}

void
af_cloud_client_cache_forget (AfCloudClient *self,
                              const char    *path)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->cache, path);
  g_mutex_unlock (&self->lock);
}

/* The cached body, as a 304 answer carries none. */
static gboolean
fill_from_cache (AfCloudClient    *self,
                 AfCloudResponse  *response,
                 const char       *path,
                 GError          **error)
{
  g_autoptr(GBytes) body = NULL;
  CacheEntry *entry;
  gsize size;
  const char *data;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->cache, path);
  if (entry != NULL)
    {
      data = g_bytes_get_data (entry->body, &size);
      body = g_bytes_new (data, size);
      self->cache_hits++;
    }
  g_mutex_unlock (&self->lock);
  if (body == NULL)
    {
      /* A 304 for an If-None-Match we never sent. */
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                           _("AtomForm’s cloud sent an answer this app cannot read. Try again "
                             "later, or update AtomForm Connect."));
      return FALSE;
    }
  data = g_bytes_get_data (body, &size);
  response->json = af_cloud_parse_json (data, size, error);
  if (response->json == NULL)
    return FALSE;
  g_bytes_unref (response->body);
  response->body = g_steal_pointer (&body);
  return TRUE;
}

AfCloudResponse *
af_cloud_client_send_cached (AfCloudClient   *self,
                             AfCloudRequest  *request,
                             GCancellable    *cancellable,
                             GError         **error)
{
  g_autofree char *etag = NULL;
  g_autoptr(AfCloudResponse) response = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), NULL);
  g_return_val_if_fail (g_strcmp0 (request->method, "GET") == 0, NULL);

  etag = af_cloud_client_dup_cached_etag (self, request->path);
  if (etag != NULL)
    af_cloud_request_add_header (request, "If-None-Match", etag);
  response = af_cloud_client_send (self, request, cancellable, error);
  if (response == NULL)
    return NULL;
  if (response->status == 304)
    {
      if (!fill_from_cache (self, response, request->path, error))
        return NULL;
      g_debug ("GET %s: not modified", request->path);
      return g_steal_pointer (&response);
    }
  af_cloud_client_cache_store (self, request->path, response);
  return g_steal_pointer (&response);
}

guint
af_cloud_client_get_cache_hits (AfCloudClient *self)
{
  guint hits;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), 0);

  g_mutex_lock (&self->lock);
  hits = self->cache_hits;
  g_mutex_unlock (&self->lock);
  return hits;
}

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  AfCloudResponse *response;

  response = af_cloud_client_send (source_object, task_data, cancellable, &error);
  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify)af_cloud_response_free);
}

void
af_cloud_client_send_async (AfCloudClient       *self,
                            AfCloudRequest      *request,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AF_IS_CLOUD_CLIENT (self));
  g_return_if_fail (request != NULL);

  ensure_curl ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_cloud_client_send_async);
  g_task_set_task_data (task, request, (GDestroyNotify)af_cloud_request_free);
  g_task_run_in_thread (task, send_thread);
}

AfCloudResponse *
af_cloud_client_send_finish (AfCloudClient  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- The session --------------------------------------------------------- */

static void
set_tokens (AfCloudClient *self,
            AfCloudTokens *tokens)
{
  g_mutex_lock (&self->lock);
  /* Signed out or another account: nothing of the last one stays in memory. */
  if (tokens == NULL || self->tokens == NULL ||
      g_strcmp0 (tokens->account_id, self->tokens->account_id) != 0)
    g_hash_table_remove_all (self->cache);
  g_clear_pointer (&self->tokens, af_cloud_tokens_free);
  self->tokens = tokens;
  self->generation++;
  g_mutex_unlock (&self->lock);
}

static AfCloudTokens *
dup_tokens (AfCloudClient *self,
            guint         *generation)
{
  AfCloudTokens *tokens;

  g_mutex_lock (&self->lock);
  tokens = self->tokens != NULL ? af_cloud_tokens_copy (self->tokens) : NULL;
  if (generation != NULL)
    *generation = self->generation;
  g_mutex_unlock (&self->lock);
  return tokens;
}

/* The keyring forgets the session too; a failure there is only logged,
 * since the session is over either way.
 */
static void
sign_out_locally (AfCloudClient *self)
{
  g_autoptr(GError) error = NULL;

  set_tokens (self, NULL);
  if (!af_cloud_tokens_clear (self->base_url, NULL, &error))
    g_debug ("Could not clear the keyring: %s", error->message);
}

gboolean
af_cloud_client_load_session (AfCloudClient  *self,
                              GCancellable   *cancellable,
                              GError        **error)
{
  AfCloudTokens *tokens;
  GError *local_error = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), FALSE);

  tokens = af_cloud_tokens_load (self->base_url, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (tokens == NULL)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN,
                           _("You are not signed in to an AtomForm account. Sign in first."));
      return FALSE;
    }
  set_tokens (self, tokens);
  return TRUE;
}

static void
load_session_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;

  if (af_cloud_client_load_session (source_object, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
af_cloud_client_load_session_async (AfCloudClient       *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, af_cloud_client_load_session_async);
  g_task_run_in_thread (task, load_session_thread);
}

gboolean
af_cloud_client_load_session_finish (AfCloudClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
af_cloud_client_is_signed_in (AfCloudClient *self)
{
  gboolean signed_in;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), FALSE);

  g_mutex_lock (&self->lock);
  signed_in = self->tokens != NULL;
  g_mutex_unlock (&self->lock);
  return signed_in;
}

char *
af_cloud_client_dup_account_id (AfCloudClient *self)
{
  char *account_id;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), NULL);

  g_mutex_lock (&self->lock);
  account_id = self->tokens != NULL ? g_strdup (self->tokens->account_id) : NULL;
  g_mutex_unlock (&self->lock);
  return account_id;
}

gboolean
af_cloud_client_adopt_tokens (AfCloudClient  *self,
                              JsonObject     *answer,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autoptr(AfCloudTokens) tokens = g_new0 (AfCloudTokens, 1);
  g_autofree char *current_account = af_cloud_client_dup_account_id (self);
  const char *access = af_cloud_json_get_string (answer, "access_token");
  const char *refresh = af_cloud_json_get_string (answer, "refresh_token");
  const char *account = af_cloud_json_get_string (answer, "account_id");
  gint64 expires_in = af_cloud_json_get_int (answer, "expires_in", -1);

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), FALSE);

  if (account == NULL)
    account = current_account;
  if (access == NULL || *access == '\0' || refresh == NULL || *refresh == '\0' ||
      account == NULL || *account == '\0' || expires_in <= 0)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                           _("AtomForm’s cloud sent an incomplete sign-in answer. Sign in "
                             "again."));
      return FALSE;
    }

  tokens->account_id = g_strdup (account);
  tokens->access_token = af_secret_new (access);
  tokens->refresh_token = af_secret_new (refresh);
  tokens->expires_at = g_get_real_time () / G_USEC_PER_SEC + expires_in;
  /* The keyring first: a crash after this leaves the new pair, never a used one. */
  if (!af_cloud_tokens_store (self->base_url, tokens, cancellable, error))
    return FALSE;
  set_tokens (self, g_steal_pointer (&tokens));
  return TRUE;
}

/* Called with refresh_lock held. */
static gboolean
refresh_locked (AfCloudClient  *self,
                AfCloudTokens  *tokens,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("POST", "/v1/oauth/token");
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(GError) local_error = NULL;

  af_cloud_request_set_anonymous (request);
  af_cloud_request_set_form (request,
                             "grant_type", "refresh_token",
                             "refresh_token", af_secret_get (tokens->refresh_token),
                             "client_id", AF_CLOUD_CLIENT_ID,
                             NULL);
  /* Never log the refresh or access token itself, only that a refresh happens. */
  g_debug ("Refreshing the cloud session");
  response = af_cloud_client_send (self, request, cancellable, &local_error);
  if (response == NULL)
    {
      if (g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGN_IN_FAILED) ||
          g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BUG))
        {
          /* A refused refresh means signed out (docs/cloud-api.md). */
          sign_out_locally (self);
          g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT,
                               _("Your AtomForm sign-in has ended. Sign in again."));
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return af_cloud_client_adopt_tokens (self, af_cloud_response_get_object (response), cancellable,
                                       error);
}

AfSecret *
af_cloud_client_dup_access_token (AfCloudClient  *self,
                                  gboolean        force_refresh,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  g_autoptr(AfCloudTokens) tokens = NULL;
  g_autoptr(AfCloudTokens) now_tokens = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint generation = 0;
  guint now_generation = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), NULL);

  tokens = dup_tokens (self, &generation);
  if (tokens == NULL)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN,
                           _("You are not signed in to an AtomForm account. Sign in first."));
      return NULL;
    }
  if (!force_refresh && tokens->access_token != NULL &&
      tokens->expires_at - now > AF_CLOUD_REFRESH_MARGIN_S)
    return g_steal_pointer (&tokens->access_token);

  g_mutex_lock (&self->refresh_lock);
  now_tokens = dup_tokens (self, &now_generation);
  /* Another thread refreshed while this one waited: use its tokens. */
  if (now_tokens == NULL || now_generation == generation)
    ok = now_tokens != NULL && refresh_locked (self, now_tokens, cancellable, error);
  g_mutex_unlock (&self->refresh_lock);

  if (now_tokens == NULL)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT,
                           _("Your AtomForm sign-in has ended. Sign in again."));
      return NULL;
    }
  if (!ok)
    return NULL;

  g_clear_pointer (&tokens, af_cloud_tokens_free);
  tokens = dup_tokens (self, NULL);
  if (tokens == NULL || tokens->access_token == NULL)
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT,
                           _("Your AtomForm sign-in has ended. Sign in again."));
      return NULL;
    }
  return g_steal_pointer (&tokens->access_token);
}

gboolean
af_cloud_client_sign_out (AfCloudClient  *self,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(AfCloudTokens) tokens = NULL;
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(GError) revoke_error = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), FALSE);

  tokens = dup_tokens (self, NULL);
  if (tokens != NULL)
    {
      /* The refresh token: revoking it revokes its family, access tokens included. */
      request = af_cloud_request_new ("POST", "/v1/oauth/revoke");
      af_cloud_request_set_anonymous (request);
      af_cloud_request_set_form (request,
                                 "token", af_secret_get (tokens->refresh_token),
                                 "token_type_hint", "refresh_token",
                                 "client_id", AF_CLOUD_CLIENT_ID,
                                 NULL);
      response = af_cloud_client_send (self, request, cancellable, &revoke_error);
    }

  set_tokens (self, NULL);
  /* Whatever the server said, this computer forgets the session. */
  if (!af_cloud_tokens_clear (self->base_url, NULL, error))
    return FALSE;

  if (revoke_error != NULL)
    {
      g_debug ("Revocation failed: %s", revoke_error->message);
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK,
                           _("You are signed out on this computer, but AtomForm’s cloud could "
                             "not be reached to end the session there; it expires by itself "
                             "within 30 days."));
      return FALSE;
    }
  return TRUE;
}

static void
sign_out_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (af_cloud_client_sign_out (source_object, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
af_cloud_client_sign_out_async (AfCloudClient       *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, af_cloud_client_sign_out_async);
  g_task_run_in_thread (task, sign_out_thread);
}

gboolean
af_cloud_client_sign_out_finish (AfCloudClient  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- GObject ------------------------------------------------------------- */

static void
af_cloud_client_finalize (GObject *object)
{
  AfCloudClient *self = AF_CLOUD_CLIENT (object);

  g_free (self->base_url);
  g_free (self->ca_file);
  g_clear_pointer (&self->tokens, af_cloud_tokens_free);
  g_clear_pointer (&self->cache, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->refresh_lock);

  G_OBJECT_CLASS (af_cloud_client_parent_class)->finalize (object);
}

static void
af_cloud_client_class_init (AfCloudClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = af_cloud_client_finalize;
}

static void
af_cloud_client_init (AfCloudClient *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->refresh_lock);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)cache_entry_free);
  self->retry_base_ms = AF_CLOUD_RETRY_BASE_MS;
}

AfCloudClient *
af_cloud_client_new (const char *base_url,
                     const char *ca_file)
{
  AfCloudClient *self;
  gsize length;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (AF_TYPE_CLOUD_CLIENT, NULL);
  /* Routes start with "/": no trailing slash, so "…/v1" never doubles. */
  length = strlen (base_url);
  while (length > 0 && base_url[length - 1] == '/')
    length--;
  self->base_url = g_strndup (base_url, length);
  self->ca_file = (ca_file != NULL && *ca_file != '\0') ? g_strdup (ca_file) : NULL;
  return self;
}

const char *
af_cloud_client_get_base_url (AfCloudClient *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), NULL);

  return self->base_url;
}

const char *
af_cloud_client_get_ca_file (AfCloudClient *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), NULL);

  return self->ca_file;
}

void
af_cloud_client_set_retry_base_ms (AfCloudClient *self,
                                   guint          base_ms)
{
  g_return_if_fail (AF_IS_CLOUD_CLIENT (self));

  self->retry_base_ms = base_ms;
}

guint
af_cloud_client_get_retry_base_ms (AfCloudClient *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (self), AF_CLOUD_RETRY_BASE_MS);

  return self->retry_base_ms;
}
