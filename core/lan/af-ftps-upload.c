/* af-ftps-upload.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <string.h>
#include <curl/curl.h>
#include <glib/gi18n-lib.h>

#include "af-ftps-upload.h"
#include "af-network-policy.h"
#include "af-lan-error.h"
#include "af-secrets.h"
#include "af-tls.h"

/*
 * One upload is one GTask thread running libcurl's easy interface:
 *
 *  - STOR over implicit TLS (ftps://), passive mode without EPSV, connecting
 *    to the control host whatever PASV says, TLS 1.2 at most. libcurl reuses
 *    the control channel's TLS session on the data channel by itself, which
 *    the printers' vsftpd insists on (require_ssl_reuse).
 *  - libcurl's own certificate checks are off; the printer's AfTlsPolicy is
 *    installed on every SSL_CTX from CURLOPT_SSL_CTX_FUNCTION, so a
 *    handshake with an unknown peer fails before USER/PASS is sent. When
 *    libcurl cannot take that callback (not its OpenSSL flavour), the upload
 *    is refused before connecting.
 *  - The file is streamed from disk by the read callback.
 *  - Progress is copied into a mutex-protected snapshot by the xferinfo
 *    callback, which also aborts the transfer once the cancellable fires;
 *    one idle source at a time hands the snapshot to the caller's context.
 *  - A stall timeout (no byte for stall_seconds: libcurl's low-speed limit
 *    during the transfer, the xferinfo callback around it) instead of a
 *    total one. Once every byte is out, the final reply (226) gets a wait
 *    of its own, final_reply_seconds, as libcurl's server response timeout:
 *    H2D printers take 30 s and more to confirm.
 *  - When the printer answers 426 after the last byte (its vsftpd does, with
 *    some TLS stacks), or the final reply does not come in time, the remote
 *    size decides, as bambuddy's bambu_ftp.py does. After any failure or a
 *    cancellation a second request deletes the partial file.
 *
 * CURLcode values are mapped to AF_LAN_ERROR here and go no further.
 */

#define FTPS_USER "bblp"
#define DEFAULT_STALL_SECONDS 60
#define CONNECT_TIMEOUT_SECONDS 15
#define CLEANUP_TIMEOUT_SECONDS 20
#define PROGRESS_INTERVAL_USEC (200 * G_TIME_SPAN_MILLISECOND)
#define RATE_INTERVAL_USEC (250 * G_TIME_SPAN_MILLISECOND)
#define READ_CHUNK_LIMIT (256 * 1024)
#define MAX_NAME_STEM 120
#define GCODE_3MF_SUFFIX ".gcode.3mf"

/* --- progress, shared between the worker and the caller's context ------- */

typedef struct
{
  gatomicrefcount       ref_count;
  GMutex                mutex;
  GMainContext         *context;
  AfUploadProgressFunc  func;
  gpointer              data;
  GDestroyNotify        destroy;

  /* Under mutex. */
  AfUploadProgress      snapshot;
  AfUploadProgress      posted;
  gboolean              pending;
  gint64                last_post_usec;

  /* Worker only. */
  gint64                rate_usec;
  guint64               rate_sent;
} Progress;

static Progress *
progress_new (AfUploadProgressFunc func,
              gpointer             data,
              GDestroyNotify       destroy)
{
  Progress *progress = g_new0 (Progress, 1);

  g_atomic_ref_count_init (&progress->ref_count);
  g_mutex_init (&progress->mutex);
  progress->context = g_main_context_ref_thread_default ();
  progress->func = func;
  progress->data = data;
  progress->destroy = destroy;
  progress->snapshot.eta_seconds = -1;
  progress->posted.eta_seconds = -1;
  return progress;
}

static Progress *
progress_ref (Progress *progress)
{
  g_atomic_ref_count_inc (&progress->ref_count);
  return progress;
}

static gboolean
progress_destroy_cb (gpointer user_data)
{
  Progress *progress = user_data;

  progress->destroy (progress->data);
  g_main_context_unref (progress->context);
  g_free (progress);
  return G_SOURCE_REMOVE;
}

/* The caller's destroy notify runs on the caller's context, as its
 * progress function does, whichever thread drops the last reference.
 */
static void
progress_unref (Progress *progress)
{
  if (!g_atomic_ref_count_dec (&progress->ref_count))
    return;

  g_mutex_clear (&progress->mutex);
  if (progress->destroy == NULL)
    {
      g_main_context_unref (progress->context);
      g_free (progress);
    }
  else if (g_main_context_is_owner (progress->context))
    progress_destroy_cb (progress);
  else
    g_main_context_invoke (progress->context, progress_destroy_cb, progress);
}

static gboolean
progress_dispatch_cb (gpointer user_data)
{
  Progress *progress = user_data;
  AfUploadProgress copy;

  g_mutex_lock (&progress->mutex);
  copy = progress->snapshot;
  progress->posted = copy;
  progress->pending = FALSE;
  g_mutex_unlock (&progress->mutex);

  if (progress->func != NULL)
    progress->func (&copy, progress->data);
  return G_SOURCE_REMOVE;
}

static gboolean
progress_equal (const AfUploadProgress *a,
                const AfUploadProgress *b)
{
  return a->sent == b->sent && a->total == b->total;
}

/* Called with the mutex held. */
static void
progress_post_locked (Progress *progress)
{
  g_autoptr(GSource) source = NULL;

  progress->pending = TRUE;
  progress->last_post_usec = g_get_monotonic_time ();
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, progress_dispatch_cb, progress_ref (progress),
                         (GDestroyNotify) progress_unref);
  g_source_set_static_name (source, "[af] upload progress");
  g_source_attach (source, progress->context);
}

/* Smoothed rate: an exponential moving average over short windows, so one
 * burst into the socket buffer does not promise a fast upload.
 */
static void
progress_update_rate (Progress *progress,
                      guint64   sent,
                      gint64    now)
{
  gint64 elapsed = now - progress->rate_usec;
  double instant;

  if (progress->rate_usec == 0)
    {
      progress->rate_usec = now;
      progress->rate_sent = sent;
      return;
    }
  if (elapsed < RATE_INTERVAL_USEC)
    return;

  instant = (double) (sent - progress->rate_sent) * G_USEC_PER_SEC / elapsed;
  if (progress->snapshot.bytes_per_second <= 0)
    progress->snapshot.bytes_per_second = instant;
  else
    progress->snapshot.bytes_per_second = 0.7 * progress->snapshot.bytes_per_second
                                          + 0.3 * instant;
  progress->rate_usec = now;
  progress->rate_sent = sent;
}

/* From the worker: records where the transfer is and posts it when the
 * caller has not been told for a while. force posts any unseen change.
 */
static void
progress_report (Progress *progress,
                 guint64   sent,
                 guint64   total,
                 gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  AfUploadProgress *snapshot = &progress->snapshot;

  g_mutex_lock (&progress->mutex);
  snapshot->sent = MIN (sent, total);
  snapshot->total = total;
  progress_update_rate (progress, snapshot->sent, now);
  /* An upload over before the first rate interval still had a rate. */
  if (snapshot->bytes_per_second <= 0 && snapshot->sent == total &&
      snapshot->sent > progress->rate_sent && now > progress->rate_usec)
    snapshot->bytes_per_second = (double) (snapshot->sent - progress->rate_sent) *
                                 G_USEC_PER_SEC / (now - progress->rate_usec);
  if (snapshot->bytes_per_second > 0)
    snapshot->eta_seconds = (gint64) ((total - snapshot->sent) / snapshot->bytes_per_second + 0.5);
  else
    snapshot->eta_seconds = snapshot->sent == total ? 0 : -1;

  if (!progress->pending
      && !progress_equal (snapshot, &progress->posted)
      && (force || snapshot->sent == total
          || now - progress->last_post_usec >= PROGRESS_INTERVAL_USEC))
    progress_post_locked (progress);
  g_mutex_unlock (&progress->mutex);
}

/* --- the upload --------------------------------------------------------- */

typedef struct
{
  char          *host;
  guint          port;
  char          *serial;
  char          *redacted_serial;
  char          *ca_file;
  char          *fingerprint;
  AfSecret      *access_code;
  GFile         *local;
  char          *remote_name;
  guint          stall_seconds;
  guint          final_reply_seconds;
  Progress      *progress;

  /* Worker state. */
  GCancellable  *cancellable;
  AfTlsPolicy   *policy;
  GError        *tls_error;     /* af_tls_policy_apply() failed */
  GInputStream  *stream;
  GError        *read_error;
  guint64        size;
  guint64        read;
  guint64        sent;
  curl_off_t     uploaded;      /* CURLINFO_SIZE_UPLOAD_T at the end */
  gint64         progress_usec; /* when sent last grew */
  guint64        progress_mark;
  gboolean       stalled;       /* aborted by xferinfo_cb */
  long           response_code;
} Upload;

static void
upload_free (Upload *upload)
{
  g_free (upload->host);
  g_free (upload->serial);
  g_free (upload->redacted_serial);
  g_free (upload->ca_file);
  g_free (upload->fingerprint);
  af_secret_free (upload->access_code);
  g_clear_object (&upload->local);
  g_free (upload->remote_name);
  g_clear_pointer (&upload->progress, progress_unref);
  g_clear_pointer (&upload->policy, af_tls_policy_free);
  g_clear_error (&upload->tls_error);
  g_clear_object (&upload->stream);
  g_clear_error (&upload->read_error);
  g_free (upload);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Upload, upload_free)

static gsize
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *user_data)
{
  Upload *upload = user_data;
  gsize want = MIN (size * nitems, READ_CHUNK_LIMIT);
  gssize n;

  n = g_input_stream_read (upload->stream, buffer, want, NULL, &upload->read_error);
  if (n < 0)
    return CURL_READFUNC_ABORT;
  upload->read += n;
  return n;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Upload *upload = user_data;
  gint64 now;

  if (g_cancellable_is_cancelled (upload->cancellable))
    return 1;

  upload->sent = MAX (upload->sent, (guint64) ulnow);

  /* libcurl's server response timeout is the long final-reply wait, so
   * everything before the last byte is held to the stall timeout here.
   */
  now = g_get_monotonic_time ();
  if (upload->progress_usec == 0 || upload->sent > upload->progress_mark)
    {
      upload->progress_usec = now;
      upload->progress_mark = upload->sent;
    }
  else if (upload->sent < upload->size &&
           now - upload->progress_usec > (gint64) upload->stall_seconds * G_USEC_PER_SEC)
    {
      upload->stalled = TRUE;
      return 1;
    }

  if (upload->progress != NULL)
    progress_report (upload->progress, upload->sent, upload->size, FALSE);
  return 0;
}

static CURLcode
ssl_ctx_cb (CURL *curl,
            void *ssl_ctx,
            void *user_data)
{
  Upload *upload = user_data;

  g_clear_error (&upload->tls_error);
  if (!af_tls_policy_apply (upload->policy, ssl_ctx, &upload->tls_error))
    return CURLE_SSL_CERTPROBLEM;
  return CURLE_OK;
}

/* Hands our SSL_CTX callback to libcurl. Only the OpenSSL flavour of
 * libcurl calls it; another backend refuses the option (CURLE_NOT_BUILT_IN)
 * or, in a libcurl built with several, might skip it, and with libcurl's own
 * checks off that would accept any certificate and send the access code. So
 * both the option's result and the backend in use are checked, before the
 * first request.
 */
static gboolean
install_policy (CURL    *curl,
                Upload  *upload,
                GError **error)
{
  const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);
  const char *backend = info->ssl_version != NULL ? info->ssl_version : "none";
  CURLcode code;

  code = curl_easy_setopt (curl, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
  if (code == CURLE_OK)
    code = curl_easy_setopt (curl, CURLOPT_SSL_CTX_DATA, upload);
  if (code == CURLE_OK && g_str_has_prefix (backend, "OpenSSL/"))
    return TRUE;

  g_debug ("Cannot install the certificate check on libcurl (%s): %s",
           backend, curl_easy_strerror (code));
  g_set_error (error, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
               _("Cannot check the printer’s certificate, so nothing was sent: this system’s "
                 "libcurl uses %s instead of OpenSSL. Install the OpenSSL build of libcurl "
                 "(libcurl4 on Debian and Ubuntu)."),
               backend);
  return FALSE;
}

/* What the server sends back (and the header-like lines libcurl makes up
 * for SIZE and MDTM) is of no use here; libcurl's default would print it.
 */
static gsize
discard_cb (char   *data,
            size_t  size,
            size_t  nitems,
            void   *user_data)
{
  return size * nitems;
}

static char *
build_url (Upload     *upload,
           const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (name != NULL ? name : "", NULL, FALSE);
  gboolean ipv6 = strchr (upload->host, ':') != NULL;

  return g_strdup_printf ("ftps://%s%s%s:%u/%s",
                          ipv6 ? "[" : "", upload->host, ipv6 ? "]" : "",
                          upload->port, escaped);
}

/* One handle is one control connection (libcurl reuses it for every
 * command of the transfer): one row of the network activity log, with the
 * file's bytes sent; never the file name.
 */
static void
record_activity (CURL     *curl,
                 Upload   *upload,
                 gboolean  succeeded)
{
  curl_off_t down = 0;

  curl_easy_getinfo (curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
  af_network_activity_record (upload->host, upload->port, AF_NETWORK_PURPOSE_LAN_FTPS,
                              upload->sent, (guint64) MAX (down, 0), succeeded);
}

/* Options every request of one upload shares: transport, TLS, login. The
 * access code goes through CURLOPT_PASSWORD, never into the URL, so it
 * cannot end up in a log line.
 */
static void
setup_common (CURL   *curl,
              Upload *upload,
              long    timeout_seconds)
{
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 0L);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard_cb);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, discard_cb);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "ftps");
#else
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS, (long) CURLPROTO_FTPS);
#endif
  curl_easy_setopt (curl, CURLOPT_USERNAME, FTPS_USER);
  curl_easy_setopt (curl, CURLOPT_PASSWORD, af_secret_get (upload->access_code));
  curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  curl_easy_setopt (curl, CURLOPT_FTP_SSL_CCC, (long) CURLFTPSSL_CCC_NONE);
  curl_easy_setopt (curl, CURLOPT_SSLVERSION,
                    (long) (CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
  /* upload_thread() checked install_policy() on this handle before the
   * first request; the same libcurl answers the same after a reset.
   */
  (void) install_policy (curl, upload, NULL);
  curl_easy_setopt (curl, CURLOPT_FTP_USE_EPSV, 0L);
  curl_easy_setopt (curl, CURLOPT_FTP_SKIP_PASV_IP, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) CONNECT_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout_seconds);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, timeout_seconds);
}

static CURLcode
perform_upload (CURL   *curl,
                Upload *upload)
{
  g_autofree char *url = build_url (upload, upload->remote_name);
  CURLcode code;

  setup_common (curl, upload, upload->stall_seconds);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                    (long) MAX (upload->final_reply_seconds, upload->stall_seconds));
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, upload);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) upload->size);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, upload);

  code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &upload->response_code);
  curl_easy_getinfo (curl, CURLINFO_SIZE_UPLOAD_T, &upload->uploaded);
  g_debug ("Upload to printer %s ended: %s (FTP %ld, %" G_GUINT64_FORMAT
           " of %" G_GUINT64_FORMAT " bytes read)",
           upload->redacted_serial, curl_easy_strerror (code), upload->response_code,
           upload->read, upload->size);
  return code;
}

/* The remote file's size, or -1 when the server cannot tell. */
static gint64
query_remote_size (CURL   *curl,
                   Upload *upload)
{
  g_autofree char *url = build_url (upload, upload->remote_name);
  curl_off_t size = -1;
  CURLcode code;

  curl_easy_reset (curl);
  setup_common (curl, upload, CLEANUP_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) CLEANUP_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt (curl, CURLOPT_FILETIME, 1L);
  code = curl_easy_perform (curl);
  if (code == CURLE_OK)
    curl_easy_getinfo (curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
  g_debug ("Remote size of the upload on printer %s: %" G_GINT64_FORMAT " (%s)",
           upload->redacted_serial, (gint64) size, curl_easy_strerror (code));
  return size;
}

/* Best effort, on a fresh set of options and without the cancellable: a
 * cancelled upload still removes what it left. Failures are only logged;
 * the caller already has the error that matters.
 */
static gboolean
delete_remote (CURL       *curl,
               Upload     *upload,
               const char *what)
{
  g_autofree char *url = build_url (upload, NULL);
  g_autofree char *command = g_strdup_printf ("DELE %s", upload->remote_name);
  struct curl_slist *quote = curl_slist_append (NULL, command);
  CURLcode code;

  curl_easy_reset (curl);
  setup_common (curl, upload, CLEANUP_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) CLEANUP_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt (curl, CURLOPT_QUOTE, quote);
  code = curl_easy_perform (curl);
  curl_easy_setopt (curl, CURLOPT_QUOTE, NULL);
  curl_slist_free_all (quote);
  g_debug ("Removing %s from printer %s: %s", what, upload->redacted_serial,
           curl_easy_strerror (code));
  return code == CURLE_OK;
}

static gboolean
is_tls_failure (CURLcode code)
{
  switch ((int) code)
    {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ISSUER_ERROR:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_unreachable (CURL     *curl,
                CURLcode  code)
{
  curl_off_t connect_time = 0;

  if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT)
    return TRUE;
  if (code != CURLE_OPERATION_TIMEDOUT)
    return FALSE;
  curl_easy_getinfo (curl, CURLINFO_CONNECT_TIME_T, &connect_time);
  return connect_time == 0;
}

static GError *
tls_error (Upload *upload)
{
  GError *error = NULL;

  if (upload->tls_error != NULL)
    return g_steal_pointer (&upload->tls_error);
  af_tls_policy_take_error (upload->policy, &error);
  if (error != NULL)
    return error;
  return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID,
                      _("The secure connection to printer %s failed. Check that the "
                        "address belongs to this printer."),
                      upload->redacted_serial);
}

/* Every byte of the file went out, and libcurl says so too. */
static gboolean
all_sent (Upload *upload)
{
  return upload->read == upload->size && upload->read_error == NULL &&
         upload->uploaded == (curl_off_t) upload->size;
}

/* The one place a CURLcode becomes an AF_LAN_ERROR. */
static GError *
map_error (CURL     *curl,
           Upload   *upload,
           CURLcode  code)
{
  if (g_cancellable_is_cancelled (upload->cancellable))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The upload was cancelled."));

  if (upload->read_error != NULL)
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UPLOAD_FAILED,
                        _("Could not read the file to send: %s"), upload->read_error->message);

  if (is_tls_failure (code) || upload->tls_error != NULL)
    return tls_error (upload);

  if (code == CURLE_LOGIN_DENIED || upload->response_code == 530)
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED,
                        _("Printer %s refused the access code. Enter the access code "
                          "shown on the printer’s screen."),
                        upload->redacted_serial);

  if (is_unreachable (curl, code))
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                        _("Could not reach printer %s at %s. Check that it is switched "
                          "on and on the same network."),
                        upload->redacted_serial, upload->host);

  if (code == CURLE_OPERATION_TIMEDOUT && all_sent (upload))
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UPLOAD_FAILED,
                        _("Printer %s received the whole file but did not confirm that it "
                          "was stored. Check its storage, then try again."),
                        upload->redacted_serial);

  if (code == CURLE_OPERATION_TIMEDOUT || upload->stalled)
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_STALLED,
                        _("The upload to printer %s stopped making progress. Check the "
                          "printer’s network connection and storage, then try again."),
                        upload->redacted_serial);

  return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UPLOAD_FAILED,
                      _("The upload to printer %s failed. Check that its storage is "
                        "inserted and has free space, then try again."),
                      upload->redacted_serial);
}

/* Whether a failure after the last byte may still have stored the whole
 * file, as with the printers' 426 "Failure reading network stream".
 */
static gboolean
may_be_complete (Upload   *upload,
                 CURLcode  code)
{
  if (upload->read != upload->size || upload->read_error != NULL)
    return FALSE;
  if (upload->response_code == 426)
    return TRUE;
  /* No final reply in time: handled like a 426 (bambuddy bambu_ftp.py). */
  if (code == CURLE_OPERATION_TIMEDOUT && all_sent (upload))
    return TRUE;
  return code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR
         || code == CURLE_UPLOAD_FAILED || code == CURLE_FTP_WEIRD_SERVER_REPLY;
}

static gboolean
open_local (Upload        *upload,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) stream = NULL;

  stream = g_file_read (upload->local, cancellable, error);
  if (stream == NULL)
    return FALSE;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                         cancellable, error);
  if (info == NULL)
    return FALSE;
  upload->size = g_file_info_get_size (info);
  upload->stream = G_INPUT_STREAM (g_steal_pointer (&stream));
  return TRUE;
}

static GError *
run_upload (CURL   *curl,
            Upload *upload)
{
  CURLcode code = perform_upload (curl, upload);
  gint64 remote_size;

  if (code == CURLE_OK)
    return NULL;

  if (!g_cancellable_is_cancelled (upload->cancellable) && may_be_complete (upload, code))
    {
      remote_size = query_remote_size (curl, upload);
      if (remote_size >= 0 && (guint64) remote_size == upload->size)
        {
          g_debug ("Printer %s reported a failure after the last byte but holds the whole file",
                   upload->redacted_serial);
          return NULL;
        }
    }

  return map_error (curl, upload, code);
}

static void
upload_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Upload *upload = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) local_error = NULL;
  CURL *curl;

  upload->cancellable = cancellable;
  if (!open_local (upload, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&local_error));
      else
        g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_UPLOAD_FAILED,
                                 _("Could not read the file to send: %s"),
                                 local_error->message);
      return;
    }

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                               _("Could not start the upload: out of memory."));
      return;
    }

  if (!install_policy (curl, upload, &local_error))
    {
      curl_easy_cleanup (curl);
      g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }

  error = run_upload (curl, upload);
  if (error != NULL && !g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED)
      && !g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_UNKNOWN)
      && !g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_CHANGED)
      && !g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_CERT_INVALID))
    delete_remote (curl, upload, "the partial upload");
  record_activity (curl, upload, error == NULL);
  curl_easy_cleanup (curl);

  if (error == NULL && upload->progress != NULL)
    progress_report (upload->progress, upload->size, upload->size, TRUE);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static gsize curl_initialized;

/* curl_global_init() is not thread-safe in every libcurl we support; it
 * runs once, from the caller's thread, before any worker starts.
 */
static void
ensure_curl (void)
{
  if (g_once_init_enter (&curl_initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_initialized, 1);
    }
}

static gboolean
is_safe_name (const char *name)
{
  g_autofree char *sanitized = NULL;

  if (name == NULL || *name == '\0')
    return FALSE;
  sanitized = af_ftps_sanitize_name (name);
  return g_strcmp0 (sanitized, name) == 0;
}

void
af_ftps_upload_async (AfPrinter            *printer,
                      const char           *access_code,
                      GFile                *local,
                      const char           *remote_name,
                      guint                 stall_seconds,
                      guint                 final_reply_seconds,
                      AfUploadProgressFunc  progress,
                      gpointer              progress_data,
                      GDestroyNotify        progress_destroy,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(Upload) upload = NULL;

  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (access_code != NULL);
  g_return_if_fail (G_IS_FILE (local));
  g_return_if_fail (is_safe_name (remote_name));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  ensure_curl ();

  upload = g_new0 (Upload, 1);
  upload->host = g_strdup (af_printer_get_host (printer));
  upload->port = af_printer_get_ftps_port (printer);
  if (upload->port == 0)
    upload->port = AF_PRINTER_DEFAULT_FTPS_PORT;
  upload->serial = g_strdup (af_printer_get_serial (printer));
  upload->redacted_serial = af_printer_dup_redacted_serial (printer);
  upload->ca_file = g_strdup (af_printer_get_ca_file (printer));
  upload->fingerprint = g_strdup (af_printer_get_fingerprint (printer));
  upload->access_code = af_secret_new (access_code);
  upload->local = g_object_ref (local);
  upload->remote_name = g_strdup (remote_name);
  upload->stall_seconds = stall_seconds > 0 ? stall_seconds : DEFAULT_STALL_SECONDS;
  upload->final_reply_seconds = final_reply_seconds > 0 ? final_reply_seconds
                                                        : AF_FTPS_DEFAULT_FINAL_REPLY_SECONDS;
  upload->policy = af_tls_policy_new (upload->serial, upload->ca_file, upload->fingerprint);
  if (progress != NULL || progress_destroy != NULL)
    upload->progress = progress_new (progress, progress_data, progress_destroy);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_ftps_upload_async);
  g_task_set_name (task, "[af] FTPS upload");

  if (upload->host == NULL || *upload->host == '\0')
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                               _("Printer %s has no known address. Add its address in the "
                                 "printer’s settings."),
                               upload->redacted_serial);
      return;
    }

  g_task_set_task_data (task, g_steal_pointer (&upload), (GDestroyNotify) upload_free);
  g_task_run_in_thread (task, upload_thread);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Upload *upload = task_data;
  g_autoptr(GError) local_error = NULL;
  CURL *curl;
  gboolean ok;

  upload->cancellable = cancellable;
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                               _("Could not remove the file: out of memory."));
      return;
    }
  /* The access code goes to no printer whose certificate is not checked. */
  if (!install_policy (curl, upload, &local_error))
    {
      curl_easy_cleanup (curl);
      g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }
  ok = delete_remote (curl, upload, "a file of ours");
  record_activity (curl, upload, ok);
  curl_easy_cleanup (curl);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!ok)
    g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                             _("Could not remove “%s” from printer %s. Remove it on the "
                               "printer’s screen so that it is not started by mistake."),
                             upload->remote_name, upload->redacted_serial);
  else
    g_task_return_boolean (task, TRUE);
}

void
af_ftps_delete_async (AfPrinter           *printer,
                      const char          *access_code,
                      const char          *remote_name,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(Upload) upload = NULL;

  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (access_code != NULL);
  g_return_if_fail (is_safe_name (remote_name));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  ensure_curl ();

  upload = g_new0 (Upload, 1);
  upload->host = g_strdup (af_printer_get_host (printer));
  upload->port = af_printer_get_ftps_port (printer);
  if (upload->port == 0)
    upload->port = AF_PRINTER_DEFAULT_FTPS_PORT;
  upload->serial = g_strdup (af_printer_get_serial (printer));
  upload->redacted_serial = af_printer_dup_redacted_serial (printer);
  upload->ca_file = g_strdup (af_printer_get_ca_file (printer));
  upload->fingerprint = g_strdup (af_printer_get_fingerprint (printer));
  upload->access_code = af_secret_new (access_code);
  upload->remote_name = g_strdup (remote_name);
  upload->policy = af_tls_policy_new (upload->serial, upload->ca_file, upload->fingerprint);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_ftps_delete_async);
  g_task_set_name (task, "[af] FTPS delete");

  if (upload->host == NULL || *upload->host == '\0')
    {
      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                               _("Printer %s has no known address. Add its address in the "
                                 "printer’s settings."),
                               upload->redacted_serial);
      return;
    }

  g_task_set_task_data (task, g_steal_pointer (&upload), (GDestroyNotify) upload_free);
  g_task_run_in_thread (task, delete_thread);
}

gboolean
af_ftps_delete_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_ftps_delete_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
af_ftps_upload_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_ftps_upload_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- names -------------------------------------------------------------- */

static gboolean
is_safe_char (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '_' || c == '-';
}

/* Runs of anything else become one '_'; leading dots and separators and
 * trailing separators go, so nothing is hidden or looks like a path.
 */
static char *
sanitize_stem (const char *stem)
{
  g_autofree char *ascii = g_str_to_ascii (stem, "C");
  GString *out = g_string_new (NULL);
  gboolean in_run = FALSE;

  for (const char *p = ascii; *p != '\0'; p++)
    {
      if (is_safe_char (*p))
        {
          g_string_append_c (out, *p);
          in_run = FALSE;
        }
      else if (!in_run)
        {
          g_string_append_c (out, '_');
          in_run = TRUE;
        }
    }

  while (out->len > 0 && strchr ("._-", out->str[0]) != NULL)
    g_string_erase (out, 0, 1);
  if (out->len > MAX_NAME_STEM)
    g_string_truncate (out, MAX_NAME_STEM);
  while (out->len > 0 && strchr ("._-", out->str[out->len - 1]) != NULL)
    g_string_truncate (out, out->len - 1);

  return g_string_free (out, FALSE);
}

char *
af_ftps_sanitize_name (const char *name)
{
  g_autofree char *stem = NULL;
  g_autofree char *safe = NULL;
  gsize len;
  gboolean has_suffix;

  g_return_val_if_fail (name != NULL, NULL);

  len = strlen (name);
  has_suffix = len >= strlen (GCODE_3MF_SUFFIX)
               && g_ascii_strcasecmp (name + len - strlen (GCODE_3MF_SUFFIX),
                                      GCODE_3MF_SUFFIX) == 0;
  stem = g_strndup (name, has_suffix ? len - strlen (GCODE_3MF_SUFFIX) : len);
  safe = sanitize_stem (stem);
  if (*safe == '\0')
    {
      g_free (safe);
      safe = g_strdup ("print");
    }

  return g_strconcat (safe, has_suffix ? GCODE_3MF_SUFFIX : "", NULL);
}
