/* af-mqtt-session.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-lan"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <string.h>

#include <mosquitto.h>
#include <openssl/ssl.h>

#include "af-json.h"
#include "af-lan-error.h"
#include "af-mqtt-session.h"
#include "af-network-policy.h"
#include "af-printer-models.h"
#include "af-secrets.h"
#include "af-tls.h"

#define MQTT_USER "bblp"
#define KEEPALIVE_SECONDS 30
#define TICK_MS 100
#define CONNACK_TIMEOUT_SECONDS 10
#define PUSHALL_MIN_INTERVAL_US (3 * G_USEC_PER_SEC)
#define BACKOFF_MAX_SECONDS 30
#define DEFAULT_WATCHDOG_SECONDS 60
#define DEFAULT_START_TIMEOUT_SECONDS 120
#define DEFAULT_COMMAND_TIMEOUT_SECONDS 30
/* A P1 keeps a stale session for a while after a crash or a suspend and
 * lets new ones time out meanwhile.
 */
#define DEFAULT_FIRST_CONNECT_RETRY_SECONDS 60
#define FIRST_SEQUENCE_ID 20000

/* Acks and HMS codes that mean "this firmware wants signed commands". */
#define VERIFY_FAILED_REASON "mqtt message verify failed"
#define VERIFY_FAILED_ERR_FIRST 84033543
#define VERIFY_FAILED_ERR_LAST 84033548
#define VERIFY_FAILED_HMS "HMS_0500_0500_0001_0007"
/* 0x05004004: "device is busy", as print_error and as an ack's err_code (not
 * an HMS entry).
 */
#define BUSY_ERR_CODE 83902468

typedef enum
{
  OP_START,
  OP_PAUSE,
  OP_RESUME,
  OP_STOP,
} OpKind;

/* A command waiting for the printer to show its effect. */
typedef struct
{
  AfMqttSession *self;
  GTask         *task;
  OpKind         kind;
  char          *sequence_id;
  char          *job_name;
  char          *subtask_id;
  char          *job_before;
  gint           error_before;
  gboolean       left_failed;
  GSource       *timeout;
  GCancellable  *cancellable;
  gulong         cancelled_id;
} Op;

/* One libmosquitto client and the certificate policy its SSL_CTX points to;
 * a fresh one for every attempt, so nothing of a dead connection lingers.
 */
typedef struct
{
  struct mosquitto *mosq;
  AfTlsPolicy      *policy;
  char             *host;
  guint             port;
  int               result;
  int               saved_errno;
  /* For the network activity log: payload bytes each way, whether the
   * socket was tried, and whose broker it is.
   */
  guint64           bytes_sent;
  guint64           bytes_received;
  gboolean          attempted;
  gboolean          cloud;
} Link;

struct _AfMqttSession
{
  GObject        parent_instance;

  AfPrinter     *printer;
  AfMqttEndpointFunc endpoint_func;
  gpointer       endpoint_data;
  GDestroyNotify endpoint_destroy;
  char          *redacted;
  char          *report_topic;
  char          *request_topic;
  GMainContext  *context;

  Link          *link;
  GSource       *read_source;
  GSource       *tick_source;
  GSource       *reconnect_source;
  GSource       *pushall_source;
  gboolean       attempt_running;
  gboolean       in_loop;
  GError        *deferred_error;

  gboolean       wanted;
  gboolean       connected;       /* CONNACK accepted */
  gboolean       have_full;       /* a full report arrived on this connection */
  gboolean       ever_connected;
  guint          backoff_seconds;
  gint64         attempt_started;
  gint64         last_report;
  gint64         last_pushall;
  guint          watchdog_stage;  /* 0, 1 after pushing.start, 2 after pushall */
  guint          watchdog_seconds;
  guint          start_timeout_seconds;
  guint          first_connect_retry_seconds;
  gint64         first_attempt_at; /* while no connection ever worked */
  gboolean       attempt_timed_out;
  gboolean       cloud;           /* the endpoint is AtomForm's cloud broker */

  char          *seen_fingerprint;
  GPtrArray     *connect_tasks;
  GPtrArray     *ops;
};

G_DEFINE_FINAL_TYPE (AfMqttSession, af_mqtt_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PRINTER,
  PROP_WATCHDOG_SECONDS,
  PROP_START_TIMEOUT_SECONDS,
  PROP_FIRST_CONNECT_RETRY_SECONDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_attempt     (AfMqttSession *self);
static void connection_failed (AfMqttSession *self,
                               GError        *error);
static void check_ops         (AfMqttSession *self,
                               JsonObject    *print);

/* The string member name, or NULL when absent or not a string. */
static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static guint
env_seconds (const char *name,
             guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, 3600, &value, NULL))
    return fallback;

  return (guint)value;
}

/* Sequence ids are unique within the process and, because the counter starts
 * from the clock, across runs too: firmware has answered a reused id with
 * "mqtt message verify failed". They stay below 2^31, above 20000.
 */
static char *
next_sequence_id (void)
{
  static gsize seeded = 0;
  static gint counter = 0;
  gint value;

  if (g_once_init_enter (&seeded))
    {
      gint64 tenths = g_get_real_time () / (G_USEC_PER_SEC / 10);

      g_atomic_int_set (&counter, FIRST_SEQUENCE_ID + (gint)(tenths % 2000000000));
      g_once_init_leave (&seeded, 1);
    }

  value = g_atomic_int_add (&counter, 1);
  if (value < FIRST_SEQUENCE_ID)
    value = FIRST_SEQUENCE_ID + (gint)((guint)value % 1000000);

  return g_strdup_printf ("%d", value);
}

static void
link_free (Link *link)
{
  if (link == NULL)
    return;

  if (link->attempted)
    af_network_activity_record (link->host, link->port,
                                link->cloud ? AF_NETWORK_PURPOSE_CLOUD_BROKER
                                            : AF_NETWORK_PURPOSE_LAN_MQTT,
                                link->bytes_sent, link->bytes_received,
                                link->result == MOSQ_ERR_SUCCESS);
  g_clear_pointer (&link->mosq, mosquitto_destroy);
  g_clear_pointer (&link->policy, af_tls_policy_free);
  g_free (link->host);
  g_free (link);
}

static gboolean
free_link_idle_cb (gpointer data)
{
  link_free (data);
  return G_SOURCE_REMOVE;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GSource *
attach (AfMqttSession *self,
        GSource       *source,
        GSourceFunc    func)
{
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* Drops the connection. Inside a libmosquitto callback the client is still
 * on the stack, so it is freed from an idle instead.
 */
static void
teardown (AfMqttSession *self)
{
  Link *link = g_steal_pointer (&self->link);
  gboolean was_connected = self->connected;

  clear_source (&self->read_source);
  clear_source (&self->tick_source);
  clear_source (&self->pushall_source);
  self->connected = FALSE;
  self->have_full = FALSE;

  if (link == NULL)
    return;

  if (self->in_loop)
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_callback (idle, free_link_idle_cb, link, NULL);
      g_source_attach (idle, self->context);
      g_source_unref (idle);
      return;
    }

  if (was_connected)
    mosquitto_disconnect (link->mosq);
  link_free (link);
}

static void
publish (AfMqttSession *self,
         JsonNode      *message,
         int            qos)
{
  g_autofree char *payload = NULL;
  int rc;

  if (self->link == NULL || !self->connected)
    return;

  payload = af_json_to_data (message, FALSE);
  rc = mosquitto_publish (self->link->mosq, NULL, self->request_topic,
                          (int)strlen (payload), payload, qos, false);
  if (rc == MOSQ_ERR_SUCCESS)
    self->link->bytes_sent += strlen (payload);
  if (rc != MOSQ_ERR_SUCCESS)
    g_debug ("Publishing to printer %s failed: %s", self->redacted, mosquitto_strerror (rc));
}

static JsonNode *
build_request (const char *section,
               const char *command,
               const char *sequence_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, section);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sequence_id");
  json_builder_add_string_value (builder, sequence_id);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, command);
  if (g_str_equal (command, "pushall"))
    {
      json_builder_set_member_name (builder, "version");
      json_builder_add_int_value (builder, 1);
      json_builder_set_member_name (builder, "push_target");
      json_builder_add_int_value (builder, 1);
    }
  else if (g_str_equal (section, "print"))
    {
      json_builder_set_member_name (builder, "param");
      json_builder_add_string_value (builder, "");
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
send_simple (AfMqttSession *self,
             const char    *section,
             const char    *command,
             int            qos)
{
  g_autofree char *sequence_id = next_sequence_id ();
  g_autoptr(JsonNode) message = build_request (section, command, sequence_id);

  publish (self, message, qos);
}

static gboolean
delayed_pushall_cb (gpointer data)
{
  AfMqttSession *self = data;

  g_clear_pointer (&self->pushall_source, g_source_unref);
  self->last_pushall = g_get_monotonic_time ();
  send_simple (self, "pushing", "pushall", 0);

  return G_SOURCE_REMOVE;
}

/* The firmware answers pushall with a full report; it must not be asked more
 * often than every 3 s, so a request inside that window is postponed.
 */
static void
request_pushall (AfMqttSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait;

  if (self->pushall_source != NULL)
    return;

  wait = self->last_pushall + PUSHALL_MIN_INTERVAL_US - now;
  if (self->last_pushall == 0 || wait <= 0)
    {
      self->last_pushall = now;
      send_simple (self, "pushing", "pushall", 0);
      return;
    }

  self->pushall_source = attach (self, g_timeout_source_new (wait / 1000 + 1),
                                 delayed_pushall_cb);
}

static void
complete_connect_tasks (AfMqttSession *self,
                        const GError  *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->connect_tasks);

  self->connect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
reached_full_report (AfMqttSession *self)
{
  if (self->have_full)
    return;

  g_debug ("Printer %s: first full report", self->redacted);
  self->have_full = TRUE;
  self->ever_connected = TRUE;
  self->first_attempt_at = 0;
  self->backoff_seconds = 0;
  af_printer_set_last_error (self->printer, NULL);
  af_printer_set_connection (self->printer, AF_CONNECTION_CONNECTED);
  complete_connect_tasks (self, NULL);
}

/* The model the printer itself reports: get_version's ota module has a
 * project_name ("N2S") on some firmware, a product_name ("Bambu Lab P1P") on
 * others (ha-bambulab's report fixtures). It wins over a saved DevModel, which
 * a user or an old notice may have got wrong; the checks before sending
 * compare files with it (af-print-check.h).
 */
static void
merge_model (AfMqttSession *self,
             JsonObject    *ota)
{
  const char *id = af_printer_models_find_id (member_string (ota, "project_name"));

  if (id == NULL)
    id = af_printer_models_find_id (member_string (ota, "product_name"));
  if (id != NULL &&
      g_strcmp0 (af_printer_models_find_id (af_printer_get_model (self->printer)), id) != 0)
    af_printer_set_model (self->printer, id);
}

static void
merge_version (AfMqttSession *self,
               JsonObject    *info)
{
  JsonNode *node = json_object_get_member (info, "module");
  JsonArray *modules;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;

  modules = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (modules); i++)
    {
      JsonNode *element = json_array_get_element (modules, i);
      JsonObject *module;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      module = json_node_get_object (element);
      if (g_strcmp0 (member_string (module, "name"),
                     "ota") == 0)
        {
          af_printer_set_firmware (self->printer,
                                   member_string (module, "sw_ver"));
          merge_model (self, module);
        }
    }
}

static void
handle_report (AfMqttSession *self,
               const char    *payload,
               gsize          length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *root;
  JsonNode *node;

  if (!af_json_load_untrusted (parser, payload, length, NULL) ||
      (root = af_json_get_root_object (parser)) == NULL)
    {
      g_debug ("Printer %s sent a report that is not a JSON object", self->redacted);
      return;
    }

  self->last_report = g_get_monotonic_time ();
  self->watchdog_stage = 0;

  if ((node = json_object_get_member (root, "info")) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    merge_version (self, json_node_get_object (node));

  if ((node = json_object_get_member (root, "print")) == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  af_printer_status_merge_print (af_printer_get_status (self->printer),
                                 json_node_get_object (node));
  if (af_printer_status_is_full_report (json_node_get_object (node)))
    reached_full_report (self);
  check_ops (self, json_node_get_object (node));
}

static void
on_message (struct mosquitto                *mosq,
            void                            *data,
            const struct mosquitto_message  *message)
{
  AfMqttSession *self = data;

  if (self->link != NULL && message->payloadlen > 0)
    self->link->bytes_received += (guint64) message->payloadlen;
  if (message->payload == NULL || g_strcmp0 (message->topic, self->report_topic) != 0)
    return;

  handle_report (self, message->payload, message->payloadlen);
}

/* The same failure said of the printer (LAN) or of AtomForm's cloud
 * broker: a user of the cloud route never sees "printer" for the cloud's
 * refusal, nor an access code they never gave.
 */
static GError *
peer_error (AfMqttSession *self,
            AfLanError     code,
            const char    *printer_message,
            const char    *cloud_message)
{
  return g_error_new_literal (AF_LAN_ERROR, code, self->cloud ? cloud_message : printer_message);
}

static GError *
connack_error (AfMqttSession *self,
               int            code)
{
  /* 4 is "bad user name or password", 5 "not authorised": both mean the
   * access code is wrong (printers answer 5), or on the cloud broker that
   * the sign-in is no longer valid.
   */
  if (code == 4 || code == 5)
    return peer_error (self, AF_LAN_ERROR_ACCESS_DENIED,
                       _("The printer refused the access code. Check the code shown on the "
                         "printer’s screen under LAN settings."),
                       _("AtomForm’s cloud refused the printer connection. Sign in again."));

  return peer_error (self, AF_LAN_ERROR_UNREACHABLE,
                     _("The printer refused the connection. Restart the printer and try "
                       "again."),
                     _("AtomForm’s cloud refused the printer connection. Try again later; "
                       "printing over the network (LAN) still works."));
}

/* SUBACK 0x80 for the report topic: the broker's ACL does not let us see
 * this printer (on the cloud: it is no longer bound to the account).
 */
static void
on_subscribe (struct mosquitto *mosq,
              void             *data,
              int               mid,
              int               qos_count,
              const int        *granted_qos)
{
  AfMqttSession *self = data;

  if (qos_count < 1 || granted_qos[0] != 0x80)
    return;
  g_debug ("Printer %s: the broker refused the subscription", self->redacted);
  g_clear_error (&self->deferred_error);
  self->deferred_error = peer_error (self, AF_LAN_ERROR_SUBSCRIBE_REFUSED,
                                     _("The printer refused to send its status. Restart the "
                                       "printer and try again."),
                                     _("AtomForm’s cloud does not let this account see the "
                                       "printer’s status."));
}

static void
on_connect (struct mosquitto *mosq,
            void             *data,
            int               code)
{
  AfMqttSession *self = data;
  int rc;

  if (code != 0)
    {
      g_debug ("Printer %s refused CONNECT with code %d", self->redacted, code);
      g_clear_error (&self->deferred_error);
      self->deferred_error = connack_error (self, code);
      return;
    }

  g_debug ("Printer %s accepted the connection", self->redacted);
  self->connected = TRUE;
  self->last_report = g_get_monotonic_time ();
  self->watchdog_stage = 0;

  rc = mosquitto_subscribe (mosq, NULL, self->report_topic, 0);
  if (rc != MOSQ_ERR_SUCCESS)
    g_debug ("Subscribing to printer %s failed: %s", self->redacted, mosquitto_strerror (rc));
  /* get_version first: its answer (the model, af-print-check.h) then
   * arrives before the full report that completes the connection.
   */
  send_simple (self, "info", "get_version", 0);
  request_pushall (self);
}

static GError *
lost_error (AfMqttSession *self,
            int            rc)
{
  if (self->cloud)
    return g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                                _("The connection to AtomForm’s cloud status service was lost. "
                                  "Reconnecting…"));
  return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                      _("The connection to the printer was lost (%s). Reconnecting…"),
                      rc == MOSQ_ERR_KEEPALIVE || rc == MOSQ_ERR_NO_CONN
                      ? _("no answer") : _("closed by the printer"));
}

static GError *attempt_error (AfMqttSession *self,
                              Link          *link);

static void
remember_fingerprint (AfMqttSession *self,
                      Link          *link)
{
  const char *seen = af_tls_policy_get_seen_fingerprint (link->policy);

  if (seen == NULL || g_strcmp0 (seen, self->seen_fingerprint) == 0)
    return;

  g_free (self->seen_fingerprint);
  self->seen_fingerprint = g_strdup (seen);
}

/* Called after every libmosquitto loop call: a failure found inside a
 * callback (a refused CONNACK) wins over the loop's own return value.
 * libmosquitto may finish the TLS handshake here rather than in connect,
 * so a failure before CONNACK is first asked of the certificate policy.
 */
static void
after_loop (AfMqttSession *self,
            int            rc)
{
  g_autoptr(GError) error = g_steal_pointer (&self->deferred_error);
  int saved_errno = errno;

  /* Torn down from a handler (a disconnect while notifying): nothing to report. */
  if (self->link == NULL || (error == NULL && rc == MOSQ_ERR_SUCCESS))
    return;

  remember_fingerprint (self, self->link);
  if (error == NULL && !self->connected)
    {
      self->link->result = rc;
      self->link->saved_errno = saved_errno;
      error = attempt_error (self, self->link);
    }
  else if (error == NULL)
    error = lost_error (self, rc);

  g_debug ("Printer %s: connection ended (%s)", self->redacted, mosquitto_strerror (rc));
  connection_failed (self, error);
}

static gboolean
read_cb (gint         fd,
         GIOCondition condition,
         gpointer     data)
{
  AfMqttSession *self = data;
  int rc;

  if (self->link == NULL)
    return G_SOURCE_CONTINUE;

  g_object_ref (self);
  self->in_loop = TRUE;
  rc = mosquitto_loop_read (self->link->mosq, 16);
  if (rc == MOSQ_ERR_SUCCESS && self->link != NULL && mosquitto_want_write (self->link->mosq))
    rc = mosquitto_loop_write (self->link->mosq, 16);
  self->in_loop = FALSE;
  after_loop (self, rc);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static GError *
silent_error (AfMqttSession *self)
{
  return peer_error (self, AF_LAN_ERROR_NO_RESPONSE,
                     _("The printer stopped sending its status. Reconnecting…"),
                     _("The printer stopped sending its status through AtomForm’s cloud. "
                       "Reconnecting…"));
}

/* A printer that is connected but says nothing is first asked to resume
 * pushing (pushing.start, as Bambu Studio's DevManager check_pushing does
 * on models without support_mqtt_alive), then for a full report (pushall);
 * if it stays silent for another period, the connection is made again.
 */
static gboolean
check_watchdog (AfMqttSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 period = (gint64)self->watchdog_seconds * G_USEC_PER_SEC;

  if (!self->connected)
    {
      if (now - self->attempt_started < CONNACK_TIMEOUT_SECONDS * G_USEC_PER_SEC)
        return TRUE;
      self->attempt_timed_out = TRUE;
      self->deferred_error = peer_error (self, AF_LAN_ERROR_UNREACHABLE,
                                         _("The printer did not answer. Check that it is "
                                           "switched on and in LAN mode."),
                                         _("AtomForm’s cloud status service did not answer. "
                                           "Try again later; printing over the network (LAN) "
                                           "still works."));
      return FALSE;
    }

  if (now - self->last_report < period)
    return TRUE;

  if (self->watchdog_stage == 0)
    {
      g_debug ("Printer %s is silent; asking it to resume pushing", self->redacted);
      self->watchdog_stage = 1;
      self->last_report = now;
      send_simple (self, "pushing", "start", 0);
      return TRUE;
    }

  if (self->watchdog_stage == 1)
    {
      g_debug ("Printer %s is still silent; asking for a full report", self->redacted);
      self->watchdog_stage = 2;
      self->last_report = now;
      self->last_pushall = 0;
      clear_source (&self->pushall_source);
      request_pushall (self);
      return TRUE;
    }

  g_debug ("Printer %s is still silent; reconnecting", self->redacted);
  self->deferred_error = silent_error (self);
  return FALSE;
}

static gboolean
tick_cb (gpointer data)
{
  AfMqttSession *self = data;
  int rc = MOSQ_ERR_SUCCESS;

  if (self->link == NULL)
    return G_SOURCE_CONTINUE;

  g_object_ref (self);
  self->in_loop = TRUE;
  if (check_watchdog (self))
    {
      rc = mosquitto_loop_misc (self->link->mosq);
      if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write (self->link->mosq))
        rc = mosquitto_loop_write (self->link->mosq, 16);
    }
  self->in_loop = FALSE;
  after_loop (self, rc);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static gboolean
reconnect_cb (gpointer data)
{
  AfMqttSession *self = data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  if (self->wanted && !self->attempt_running && self->link == NULL)
    start_attempt (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (AfMqttSession *self)
{
  guint delay;

  if (self->reconnect_source != NULL)
    return;

  delay = self->backoff_seconds == 0 ? 1 : MIN (self->backoff_seconds * 2, BACKOFF_MAX_SECONDS);
  self->backoff_seconds = delay;
  g_debug ("Printer %s: reconnecting in %u s", self->redacted, delay);
  self->reconnect_source = attach (self, g_timeout_source_new_seconds (delay), reconnect_cb);
}

static gboolean
error_is_transient (const GError *error)
{
  return g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE) ||
         g_error_matches (error, AF_LAN_ERROR, AF_LAN_ERROR_NO_RESPONSE);
}

/* Whether a first connection that timed out may be tried again: for
 * first-connect-retry-seconds after the first attempt, the callers keep
 * waiting.
 */
static gboolean
retry_first_attempt (AfMqttSession *self,
                     gboolean       timed_out)
{
  gint64 window = (gint64)self->first_connect_retry_seconds * G_USEC_PER_SEC;

  return self->wanted && !self->ever_connected && timed_out && self->first_attempt_at != 0 &&
         g_get_monotonic_time () - self->first_attempt_at < window;
}

/* A connection that worked once is retried with backoff, and so is a first
 * attempt that timed out, for a while; any other first failure, or a
 * refusal (access code, certificate), is reported instead.
 */
static void
connection_failed (AfMqttSession *self,
                   GError        *error)
{
  gboolean timed_out = self->attempt_timed_out;
  gboolean first_retry = retry_first_attempt (self, timed_out);
  gboolean retry = first_retry ||
                   (self->wanted && self->ever_connected && error_is_transient (error));

  self->attempt_timed_out = FALSE;
  teardown (self);
  af_printer_set_last_error (self->printer, error->message);
  af_printer_set_connection (self->printer,
                             retry ? AF_CONNECTION_CONNECTING : AF_CONNECTION_FAILED);
  if (first_retry)
    g_debug ("Printer %s: the first connection timed out; trying again", self->redacted);
  else
    complete_connect_tasks (self, error);

  if (retry)
    schedule_reconnect (self);
  else
    {
      self->wanted = FALSE;
      self->first_attempt_at = 0;
    }
}

static void
install_link (AfMqttSession *self,
              Link          *link)
{
  int fd = mosquitto_socket (link->mosq);

  self->link = link;
  self->read_source = attach (self, g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR),
                              G_SOURCE_FUNC (read_cb));
  self->tick_source = attach (self, g_timeout_source_new (TICK_MS), tick_cb);
}

static GError *
attempt_error (AfMqttSession *self,
               Link          *link)
{
  g_autoptr(GError) tls_error = NULL;

  if (!af_tls_policy_take_error (link->policy, &tls_error))
    return g_steal_pointer (&tls_error);

  if (self->cloud)
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                        _("Could not reach AtomForm’s cloud status service at %s. Check the "
                          "internet connection; printing over the network (LAN) still "
                          "works."),
                        link->host);
  if (link->result == MOSQ_ERR_TLS || link->result == MOSQ_ERR_TLS_HANDSHAKE)
    return g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                                _("Could not set up a secure connection with the printer. "
                                  "Check that the address belongs to a printer in LAN mode."));
  if (link->result == MOSQ_ERR_EAI)
    return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                        _("Could not find the printer’s address “%s”."), link->host);

  return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                      _("Could not reach the printer at %s (%s). Check that it is switched on "
                        "and on the same network."),
                      link->host,
                      link->result == MOSQ_ERR_ERRNO ? g_strerror (link->saved_errno)
                                                     : _("no connection"));
}

static void
attempt_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(AfMqttSession) self = data;
  Link *link = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autoptr(GError) error = NULL;

  self->attempt_running = FALSE;
  g_assert (link != NULL);

  remember_fingerprint (self, link);

  if (!self->wanted)
    {
      link_free (link);
      return;
    }

  if (link->result != MOSQ_ERR_SUCCESS)
    {
      self->attempt_timed_out = link->result == MOSQ_ERR_ERRNO &&
                                link->saved_errno == ETIMEDOUT;
      error = attempt_error (self, link);
      g_debug ("Connecting to printer %s failed: %s", self->redacted,
               mosquitto_strerror (link->result));
      link_free (link);
      connection_failed (self, error);
      return;
    }

  g_debug ("Printer %s: socket open, waiting for CONNACK", self->redacted);
  install_link (self, link);
}

/* The blocking part: TCP, the TLS handshake (where the policy decides) and
 * only then the CONNECT packet carrying the access code.
 */
static void
attempt_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  Link *link = data;

  errno = 0;
  link->attempted = TRUE;
  link->result = mosquitto_connect (link->mosq, link->host, (int)link->port, KEEPALIVE_SECONDS);
  link->saved_errno = errno;

  g_task_return_pointer (task, link, (GDestroyNotify)link_free);
}

static gpointer
init_library (gpointer data)
{
  mosquitto_lib_init ();
  return NULL;
}

static gboolean lan_endpoint_cb (AfMqttSession   *session,
                                 AfMqttEndpoint  *endpoint,
                                 gpointer         user_data,
                                 GError         **error);

static Link *
link_new (AfMqttSession   *self,
          AfMqttEndpoint  *endpoint,
          GError         **error)
{
  static GOnce once = G_ONCE_INIT;
  Link *link = g_new0 (Link, 1);
  SSL_CTX *ctx;
  gboolean ok;

  g_once (&once, init_library, NULL);

  link->host = g_steal_pointer (&endpoint->host);
  link->port = endpoint->port;
  link->cloud = self->endpoint_func != lan_endpoint_cb;
  link->policy = g_steal_pointer (&endpoint->trust);
  link->mosq = mosquitto_new (NULL, true, self);

  ctx = SSL_CTX_new (TLS_client_method ());
  ok = af_tls_policy_apply (link->policy, ctx, error);
  if (ok)
    {
      /* Without WITH_DEFAULTS 0 libmosquitto wants a CA file of its own. */
      mosquitto_int_option (link->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
      mosquitto_void_option (link->mosq, MOSQ_OPT_SSL_CTX, ctx);
      mosquitto_int_option (link->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
      mosquitto_username_pw_set (link->mosq, endpoint->user, af_secret_get (endpoint->password));
      mosquitto_connect_callback_set (link->mosq, on_connect);
      mosquitto_message_callback_set (link->mosq, on_message);
      mosquitto_subscribe_callback_set (link->mosq, on_subscribe);
    }
  SSL_CTX_free (ctx);

  if (!ok)
    g_clear_pointer (&link, link_free);

  return link;
}

static void
start_attempt (AfMqttSession *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  AfMqttEndpoint endpoint = { 0 };
  Link *link;

  g_assert (!self->attempt_running && self->link == NULL);

  if (!self->endpoint_func (self, &endpoint, self->endpoint_data, &error))
    {
      af_mqtt_endpoint_clear (&endpoint);
      connection_failed (self, error);
      return;
    }

  self->cloud = endpoint.cloud;
  link = link_new (self, &endpoint, &error);
  af_mqtt_endpoint_clear (&endpoint);
  if (link == NULL)
    {
      connection_failed (self, error);
      return;
    }

  g_debug ("Connecting to printer %s", self->redacted);
  af_printer_set_connection (self->printer, AF_CONNECTION_CONNECTING);
  self->attempt_running = TRUE;
  self->attempt_started = g_get_monotonic_time ();

  /* Not the task's source object: the worker thread drops its reference on
   * the task at a time of its own choosing, and the session must be
   * finalizable as soon as the attempt has been handled here.
   */
  task = g_task_new (NULL, NULL, attempt_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, start_attempt);
  g_task_set_task_data (task, link, NULL);
  g_task_run_in_thread (task, attempt_thread);
}

static void
af_mqtt_session_dispose (GObject *object)
{
  AfMqttSession *self = (AfMqttSession *)object;

  self->wanted = FALSE;
  teardown (self);
  clear_source (&self->reconnect_source);

  G_OBJECT_CLASS (af_mqtt_session_parent_class)->dispose (object);
}

static void
af_mqtt_session_finalize (GObject *object)
{
  AfMqttSession *self = (AfMqttSession *)object;

  g_assert (self->ops->len == 0);
  g_assert (self->connect_tasks->len == 0);

  g_clear_object (&self->printer);
  if (self->endpoint_destroy != NULL)
    g_clear_pointer (&self->endpoint_data, self->endpoint_destroy);
  g_clear_pointer (&self->redacted, g_free);
  g_clear_pointer (&self->report_topic, g_free);
  g_clear_pointer (&self->request_topic, g_free);
  g_clear_pointer (&self->seen_fingerprint, g_free);
  g_clear_pointer (&self->connect_tasks, g_ptr_array_unref);
  g_clear_pointer (&self->ops, g_ptr_array_unref);
  g_clear_error (&self->deferred_error);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (af_mqtt_session_parent_class)->finalize (object);
}

static void
af_mqtt_session_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AfMqttSession *self = AF_MQTT_SESSION (object);

  switch (prop_id)
    {
    case PROP_PRINTER:
      g_value_set_object (value, self->printer);
      break;
    case PROP_WATCHDOG_SECONDS:
      g_value_set_uint (value, self->watchdog_seconds);
      break;
    case PROP_START_TIMEOUT_SECONDS:
      g_value_set_uint (value, self->start_timeout_seconds);
      break;
    case PROP_FIRST_CONNECT_RETRY_SECONDS:
      g_value_set_uint (value, self->first_connect_retry_seconds);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_mqtt_session_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AfMqttSession *self = AF_MQTT_SESSION (object);

  switch (prop_id)
    {
    case PROP_PRINTER:
      self->printer = g_value_dup_object (value);
      break;
    case PROP_WATCHDOG_SECONDS:
      if (self->watchdog_seconds != g_value_get_uint (value))
        {
          self->watchdog_seconds = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_START_TIMEOUT_SECONDS:
      if (self->start_timeout_seconds != g_value_get_uint (value))
        {
          self->start_timeout_seconds = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_FIRST_CONNECT_RETRY_SECONDS:
      if (self->first_connect_retry_seconds != g_value_get_uint (value))
        {
          self->first_connect_retry_seconds = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_mqtt_session_constructed (GObject *object)
{
  AfMqttSession *self = (AfMqttSession *)object;
  const char *serial;

  G_OBJECT_CLASS (af_mqtt_session_parent_class)->constructed (object);

  g_assert (AF_IS_PRINTER (self->printer));
  serial = af_printer_get_serial (self->printer);
  self->redacted = af_printer_dup_redacted_serial (self->printer);
  self->report_topic = g_strdup_printf ("device/%s/report", serial);
  self->request_topic = g_strdup_printf ("device/%s/request", serial);
}

static void
af_mqtt_session_class_init (AfMqttSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = af_mqtt_session_constructed;
  object_class->dispose = af_mqtt_session_dispose;
  object_class->finalize = af_mqtt_session_finalize;
  object_class->get_property = af_mqtt_session_get_property;
  object_class->set_property = af_mqtt_session_set_property;

  properties[PROP_PRINTER] =
    g_param_spec_object ("printer", NULL, NULL, AF_TYPE_PRINTER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Seconds without a report before the watchdog asks for one (and, after as
   * many again, reconnects). AF_LAN_WATCHDOG_SECONDS overrides the default.
   */
  properties[PROP_WATCHDOG_SECONDS] =
    g_param_spec_uint ("watchdog-seconds", NULL, NULL, 1, 3600, DEFAULT_WATCHDOG_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* How long start_print waits for the printer to report the job;
   * AF_LAN_START_TIMEOUT_SECONDS overrides the default.
   */
  properties[PROP_START_TIMEOUT_SECONDS] =
    g_param_spec_uint ("start-timeout-seconds", NULL, NULL, 1, 3600,
                       DEFAULT_START_TIMEOUT_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /* How long a first connection that times out is tried again (0: not at
   * all); AF_LAN_FIRST_CONNECT_RETRY_SECONDS overrides the default.
   */
  properties[PROP_FIRST_CONNECT_RETRY_SECONDS] =
    g_param_spec_uint ("first-connect-retry-seconds", NULL, NULL, 0, 3600,
                       DEFAULT_FIRST_CONNECT_RETRY_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
af_mqtt_session_init (AfMqttSession *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->watchdog_seconds = env_seconds ("AF_LAN_WATCHDOG_SECONDS", DEFAULT_WATCHDOG_SECONDS);
  self->start_timeout_seconds = env_seconds ("AF_LAN_START_TIMEOUT_SECONDS",
                                             DEFAULT_START_TIMEOUT_SECONDS);
  self->first_connect_retry_seconds = env_seconds ("AF_LAN_FIRST_CONNECT_RETRY_SECONDS",
                                                   DEFAULT_FIRST_CONNECT_RETRY_SECONDS);
  self->connect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->ops = g_ptr_array_new ();
}

void
af_mqtt_endpoint_clear (AfMqttEndpoint *endpoint)
{
  g_return_if_fail (endpoint != NULL);

  g_clear_pointer (&endpoint->host, g_free);
  g_clear_pointer (&endpoint->user, g_free);
  g_clear_pointer (&endpoint->password, af_secret_free);
  g_clear_pointer (&endpoint->trust, af_tls_policy_free);
}

AfMqttSession *
af_mqtt_session_new_for_endpoint (AfPrinter          *printer,
                                  AfMqttEndpointFunc  endpoint_func,
                                  gpointer            user_data,
                                  GDestroyNotify      destroy)
{
  AfMqttSession *self;

  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);
  g_return_val_if_fail (endpoint_func != NULL, NULL);

  self = g_object_new (AF_TYPE_MQTT_SESSION, "printer", printer, NULL);
  self->endpoint_func = endpoint_func;
  self->endpoint_data = user_data;
  self->endpoint_destroy = destroy;

  return self;
}

/* The printer's own broker; user_data is the access code, an AfSecret. */
static gboolean
lan_endpoint_cb (AfMqttSession   *session,
                 AfMqttEndpoint  *endpoint,
                 gpointer         user_data,
                 GError         **error)
{
  AfPrinter *printer = af_mqtt_session_get_printer (session);

  if (af_printer_get_host (printer) == NULL)
    {
      g_set_error_literal (error, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                           _("The printer’s address is not known. Enter it or wait "
                             "until the printer is discovered."));
      return FALSE;
    }
  endpoint->host = g_strdup (af_printer_get_host (printer));
  endpoint->port = af_printer_get_mqtt_port (printer);
  endpoint->user = g_strdup (MQTT_USER);
  endpoint->password = af_secret_new (af_secret_get (user_data));
  endpoint->trust = af_tls_policy_new (af_printer_get_serial (printer),
                                       af_printer_get_ca_file (printer),
                                       af_printer_get_fingerprint (printer));
  return TRUE;
}

AfMqttSession *
af_mqtt_session_new (AfPrinter  *printer,
                     const char *access_code)
{
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);
  g_return_val_if_fail (access_code != NULL, NULL);

  return af_mqtt_session_new_for_endpoint (printer, lan_endpoint_cb,
                                           af_secret_new (access_code),
                                           (GDestroyNotify) af_secret_free);
}

AfPrinter *
af_mqtt_session_get_printer (AfMqttSession *self)
{
  g_return_val_if_fail (AF_IS_MQTT_SESSION (self), NULL);

  return self->printer;
}

const char *
af_mqtt_session_get_seen_fingerprint (AfMqttSession *self)
{
  g_return_val_if_fail (AF_IS_MQTT_SESSION (self), NULL);

  return self->seen_fingerprint;
}

static void
connect_cancelled_cb (GCancellable *cancellable,
                      GTask        *task)
{
  AfMqttSession *self = g_task_get_source_object (task);
  guint index;

  if (!g_ptr_array_find (self->connect_tasks, task, &index))
    return;

  g_object_ref (task);
  g_ptr_array_remove_index_fast (self->connect_tasks, index);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
}

void
af_mqtt_session_connect_async (AfMqttSession       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AF_IS_MQTT_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_mqtt_session_connect_async);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->have_full)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (cancellable != NULL)
    g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (connect_cancelled_cb),
                             task, 0);
  g_ptr_array_add (self->connect_tasks, g_object_ref (task));

  self->wanted = TRUE;
  if (!self->ever_connected && self->first_attempt_at == 0)
    self->first_attempt_at = g_get_monotonic_time ();
  if (self->attempt_running || self->link != NULL)
    return;

  /* Someone is waiting now: do not sit out the rest of a backoff. */
  clear_source (&self->reconnect_source);
  start_attempt (self);
}

gboolean
af_mqtt_session_connect_finish (AfMqttSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (AF_IS_MQTT_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void op_finish (Op     *op,
                       GError *error);

void
af_mqtt_session_disconnect (AfMqttSession *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AF_IS_MQTT_SESSION (self));

  g_debug ("Disconnecting from printer %s", self->redacted);
  self->wanted = FALSE;
  self->backoff_seconds = 0;
  self->first_attempt_at = 0;
  clear_source (&self->reconnect_source);
  teardown (self);

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Disconnected from the printer."));
  complete_connect_tasks (self, error);
  while (self->ops->len > 0)
    op_finish (g_ptr_array_index (self->ops, 0), g_error_copy (error));

  af_printer_set_connection (self->printer, AF_CONNECTION_DISCONNECTED);
}

/* project_file */

static void
add_member_string (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_member_bool (JsonBuilder *builder,
                 const char  *name,
                 gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_member_int (JsonBuilder *builder,
                const char  *name,
                gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_mapping2_entry (JsonBuilder *builder,
                    gint         ams_id,
                    gint         slot_id)
{
  json_builder_begin_object (builder);
  add_member_int (builder, "ams_id", ams_id);
  add_member_int (builder, "slot_id", slot_id);
  json_builder_end_object (builder);
}

/* ams_mapping holds one global tray index per filament of the file (-1 for
 * none); ams_mapping2 the same as {ams_id, slot_id}: 255/255 for none,
 * 255/0 for the (main) external spool and 254/0 for the second nozzle's on
 * an H2D; both external spools are -1 in the flat list (§2.5).
 */
static void
add_mappings (JsonBuilder          *builder,
              const AfPrintOptions *options)
{
  GArray *mapping = options->ams_mapping;
  guint n = mapping != NULL ? mapping->len : 0;

  json_builder_set_member_name (builder, "ams_mapping");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      gint tray = g_array_index (mapping, gint, i);

      json_builder_add_int_value (builder, (tray < 0 || af_ams_mapping_is_external (tray)) ? -1
                                                                                          : tray);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "ams_mapping2");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      gint tray = g_array_index (mapping, gint, i);
      guint ams_id;
      guint slot_id;

      /* One rule for both routes (af-print-options.h). */
      if (af_print_options_mapping_to_tray (tray, &ams_id, &slot_id))
        add_mapping2_entry (builder, ams_id, slot_id);
      else
        add_mapping2_entry (builder, 255, 255);
    }
  json_builder_end_array (builder);
}

static char *
default_job_name (const char *file_name)
{
  g_autofree char *base = g_path_get_basename (file_name);
  const char *suffixes[] = { ".gcode.3mf", ".3mf", ".gcode" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (base, suffixes[i]) && strlen (base) > strlen (suffixes[i]))
      return g_strndup (base, strlen (base) - strlen (suffixes[i]));

  return g_steal_pointer (&base);
}

/* The name the printer shows: the user's (or the original file's) UTF-8
 * name, cut to AF_PRINT_OPTIONS_MAX_JOB_NAME bytes.
 */
static char *
job_name_for (const char           *file_name,
              const AfPrintOptions *options)
{
  g_autofree char *name = NULL;

  if (options->job_name != NULL && *options->job_name != '\0')
    name = g_strdup (options->job_name);
  else
    name = default_job_name (file_name);

  return af_print_options_truncate_name (name);
}

char *
af_mqtt_session_build_project_file (const char           *file_name,
                                    const AfPrintOptions *options,
                                    const char           *sequence_id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *param = NULL;
  g_autofree char *url = NULL;
  g_autofree char *job_name = NULL;
  g_autofree char *task_id = NULL;

  g_return_val_if_fail (file_name != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (sequence_id != NULL, NULL);

  param = g_strdup_printf ("Metadata/plate_%u.gcode", MAX (options->plate, 1));
  url = g_strconcat ("ftp://", file_name, NULL);
  job_name = job_name_for (file_name, options);
  task_id = options->task_id != 0 ? g_strdup_printf ("%" G_GUINT32_FORMAT, options->task_id)
                                  : g_strdup (sequence_id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "print");
  json_builder_begin_object (builder);
  add_member_string (builder, "sequence_id", sequence_id);
  add_member_string (builder, "command", "project_file");
  add_member_string (builder, "param", param);
  add_member_string (builder, "project_id", "0");
  add_member_string (builder, "profile_id", "0");
  /* A fresh task id per job: a P1S took repeated zero ids for a continuation
   * of the previous job and stayed idle (bambuddy #1042). The printer echoes
   * subtask_id in its reports, which is how our job is recognised.
   */
  add_member_string (builder, "task_id", task_id);
  add_member_string (builder, "subtask_id", task_id);
  add_member_string (builder, "subtask_name", job_name);
  add_member_string (builder, "file", file_name);
  add_member_string (builder, "url", url);
  /* bambuddy's "" rather than the stock "from_sd_card": Developer Mode
   * accepts both and "" does not claim a source we did not use.
   */
  add_member_string (builder, "md5", "");
  add_member_string (builder, "bed_type", options->bed_type != NULL ? options->bed_type : "auto");
  /* "bed_leveling", as the vendor plugin, ha-bambulab, bambulabs_api and
   * bambuddy spell it; OpenBambuAPI's "bed_levelling" is not what firmware reads.
   */
  /* The booleans say "on"; "auto" is only in the integer twins below, as
   * BambuStudio sends them.
   */
  add_member_bool (builder, "bed_leveling", options->bed_leveling == AF_CALI_MODE_ON);
  add_member_bool (builder, "flow_cali", options->flow_cali == AF_CALI_MODE_ON);
  add_member_bool (builder, "vibration_cali", options->vibration_cali);
  add_member_bool (builder, "layer_inspect", options->layer_inspect);
  add_member_bool (builder, "timelapse", options->timelapse);
  add_member_bool (builder, "use_ams", options->use_ams);
  add_mappings (builder, options);
  /* Newer firmware reads these integer twins of the booleans (0 off, 1 on,
   * 2 auto); af_print_options_apply_model() made them fit the model.
   */
  add_member_int (builder, "auto_bed_leveling", options->bed_leveling);
  add_member_string (builder, "cfg", "0");
  add_member_int (builder, "extrude_cali_flag", options->flow_cali);
  add_member_int (builder, "nozzle_offset_cali", options->nozzle_offset_cali);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return af_json_to_data (root, FALSE);
}

/* Commands waiting for their effect */

static void
op_free (Op *op)
{
  clear_source (&op->timeout);
  if (op->cancelled_id != 0)
    g_signal_handler_disconnect (op->cancellable, op->cancelled_id);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->task);
  g_free (op->sequence_id);
  g_free (op->job_name);
  g_free (op->subtask_id);
  g_free (op->job_before);
  g_free (op);
}

static void
op_finish (Op     *op,
           GError *error)
{
  AfMqttSession *self = op->self;

  g_ptr_array_remove (self->ops, op);
  if (error != NULL)
    g_task_return_error (op->task, error);
  else
    g_task_return_boolean (op->task, TRUE);
  op_free (op);
}

static gboolean
op_timeout_cb (gpointer data)
{
  Op *op = data;

  g_clear_pointer (&op->timeout, g_source_unref);
  op_finish (op, g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_NO_RESPONSE,
                                      op->kind == OP_START
                                      ? _("The printer did not start the print. Check the "
                                          "printer’s screen, then try again.")
                                      : _("The printer did not carry out the command. Check "
                                          "the printer’s screen.")));
  return G_SOURCE_REMOVE;
}

static GError *
not_developer_mode_error (void)
{
  return g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_NOT_DEVELOPER_MODE,
                              _("The printer refused the command because it only accepts "
                                "signed commands. On the printer, switch on LAN Only mode and "
                                "then Developer Mode, and try again."));
}

static GError *
busy_error (void)
{
  return g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_BUSY,
                              _("The printer is busy with another job. Wait until it has "
                                "finished, or stop it on the printer."));
}

static gboolean
hms_contains (AfPrinterStatus *status,
              const char      *prefix)
{
  const char * const *hms = af_printer_status_get_hms (status);

  for (guint i = 0; hms[i] != NULL; i++)
    if (g_str_has_prefix (hms[i], prefix))
      return TRUE;

  return FALSE;
}

static GError *
print_failed_error (AfPrinterStatus *status)
{
  g_autofree char *problem = af_printer_status_dup_problem (status);

  if (problem == NULL)
    return g_error_new_literal (AF_LAN_ERROR, AF_LAN_ERROR_PRINT_FAILED,
                                _("The printer could not print the file. See the printer’s "
                                  "screen for details."));
  return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_PRINT_FAILED,
                      _("The printer could not print the file: %s"), problem);
}

/* An ack: {"print":{"command":"project_file","sequence_id":…,"result":"fail",…}}. */
static GError *
ack_error (JsonObject *print)
{
  const char *result = member_string (print, "result");
  const char *reason = member_string (print, "reason");
  JsonNode *node = json_object_get_member (print, "err_code");
  gint64 code = 0;

  if (result == NULL || g_ascii_strncasecmp (result, "fail", 4) != 0)
    return NULL;
  if (reason == NULL)
    reason = "";
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    code = json_node_get_int (node);

  if (g_strrstr (reason, "verify failed") != NULL ||
      (code >= VERIFY_FAILED_ERR_FIRST && code <= VERIFY_FAILED_ERR_LAST))
    return not_developer_mode_error ();
  if (code == BUSY_ERR_CODE || g_strrstr (reason, "busy") != NULL)
    return busy_error ();

  return g_error_new (AF_LAN_ERROR, AF_LAN_ERROR_FAILED,
                      _("The printer refused the command (%s)."),
                      *reason != '\0' ? reason : result);
}

static const char *
op_command (OpKind kind)
{
  switch (kind)
    {
    case OP_START: return "project_file";
    case OP_PAUSE: return "pause";
    case OP_RESUME: return "resume";
    case OP_STOP: return "stop";
    default: g_assert_not_reached ();
    }
}

static gboolean
op_matches_ack (Op         *op,
                JsonObject *print)
{
  const char *command = member_string (print, "command");
  const char *sequence_id =
    member_string (print, "sequence_id");

  if (g_strcmp0 (command, op_command (op->kind)) != 0)
    return FALSE;

  return sequence_id == NULL || g_strcmp0 (sequence_id, op->sequence_id) == 0;
}

/* Whether the printer echoes the subtask_id of project_file; P2S and H2D
 * reports have been seen with "" for a LAN print.
 */
static gboolean
echoes_subtask_id (AfPrinterStatus *status)
{
  const char *id = af_printer_status_get_subtask_id (status);

  return id != NULL && *id != '\0' && g_strcmp0 (id, "0") != 0;
}

/* Our job is the one with our fresh subtask_id: another print with the same
 * name (started on the printer, or by another client) is not ours. Only a
 * printer that echoes no id at all is matched by name.
 */
static gboolean
is_our_job (Op              *op,
            AfPrinterStatus *status)
{
  if (echoes_subtask_id (status))
    return g_strcmp0 (af_printer_status_get_subtask_id (status), op->subtask_id) == 0;

  return g_strcmp0 (af_printer_status_get_job_name (status), op->job_name) == 0;
}

static GError *
check_start (Op              *op,
             AfPrinterStatus *status,
             gboolean        *done)
{
  AfPrintState state = af_printer_status_get_state (status);
  gboolean ours = is_our_job (op, status);

  *done = TRUE;
  if (hms_contains (status, VERIFY_FAILED_HMS))
    return not_developer_mode_error ();
  /* PAUSE: a start that stopped at a problem; the job sorts that out. */
  if ((state == AF_PRINT_STATE_PREPARE || state == AF_PRINT_STATE_RUNNING ||
       state == AF_PRINT_STATE_SLICING || state == AF_PRINT_STATE_PAUSE) && ours)
    return NULL;
  if (state != AF_PRINT_STATE_FAILED)
    op->left_failed = TRUE;
  /* A job that was already FAILED under the same name is not news; our
   * fresh subtask_id always is.
   */
  if (state == AF_PRINT_STATE_FAILED && ours &&
      (echoes_subtask_id (status) || op->left_failed ||
       g_strcmp0 (op->job_before, op->job_name) != 0 ||
       af_printer_status_get_print_error (status) != op->error_before))
    return print_failed_error (status);
  if (af_printer_status_get_print_error (status) == BUSY_ERR_CODE &&
      op->error_before != BUSY_ERR_CODE)
    return busy_error ();

  *done = FALSE;
  return NULL;
}

static gboolean
command_reached (OpKind       kind,
                 AfPrintState state)
{
  switch (kind)
    {
    case OP_PAUSE:
      return state == AF_PRINT_STATE_PAUSE;
    case OP_RESUME:
      return state == AF_PRINT_STATE_RUNNING || state == AF_PRINT_STATE_PREPARE;
    case OP_STOP:
      return af_print_state_is_ready (state);
    case OP_START:
    default:
      g_assert_not_reached ();
    }
}

static void
check_op (Op         *op,
          JsonObject *print)
{
  AfPrinterStatus *status = af_printer_get_status (op->self->printer);
  GError *error = NULL;
  gboolean done = FALSE;

  if (op_matches_ack (op, print) && (error = ack_error (print)) != NULL)
    {
      op_finish (op, error);
      return;
    }

  if (op->kind == OP_START)
    error = check_start (op, status, &done);
  else
    done = command_reached (op->kind, af_printer_status_get_state (status));

  if (done)
    op_finish (op, error);
}

static void
check_ops (AfMqttSession *self,
           JsonObject    *print)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_copy (self->ops, NULL, NULL);

  for (guint i = 0; i < ops->len; i++)
    if (g_ptr_array_find (self->ops, g_ptr_array_index (ops, i), NULL))
      check_op (g_ptr_array_index (ops, i), print);
}

/* The caller gave up: the command may still take effect on the printer,
 * but nobody waits for it any more.
 */
static void
op_cancelled_cb (GCancellable *cancellable,
                 Op           *op)
{
  op_finish (op, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      _("The operation was cancelled.")));
}

static Op *
op_new (AfMqttSession *self,
        GTask         *task,
        OpKind         kind,
        guint          timeout_seconds)
{
  AfPrinterStatus *status = af_printer_get_status (self->printer);
  Op *op = g_new0 (Op, 1);

  op->self = self;
  op->task = g_object_ref (task);
  op->kind = kind;
  op->sequence_id = next_sequence_id ();
  op->job_before = g_strdup (af_printer_status_get_job_name (status));
  op->error_before = af_printer_status_get_print_error (status);
  op->timeout = g_timeout_source_new_seconds (timeout_seconds);
  g_source_set_callback (op->timeout, op_timeout_cb, op, NULL);
  g_source_attach (op->timeout, self->context);
  if (g_task_get_cancellable (task) != NULL)
    {
      op->cancellable = g_object_ref (g_task_get_cancellable (task));
      op->cancelled_id = g_signal_connect (op->cancellable, "cancelled",
                                           G_CALLBACK (op_cancelled_cb), op);
    }
  g_ptr_array_add (self->ops, op);

  return op;
}

static gboolean
require_connection (AfMqttSession *self,
                    GTask         *task)
{
  if (self->have_full && self->link != NULL)
    return TRUE;

  g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_UNREACHABLE,
                           _("Not connected to the printer. Connect first, then try again."));
  return FALSE;
}

void
af_mqtt_session_start_print_async (AfMqttSession        *self,
                                   const char           *file_name,
                                   const AfPrintOptions *options,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(AfPrintOptions) sent = NULL;
  g_autofree char *payload = NULL;
  AfPrinterStatus *status;
  AfPrintState state;
  guint64 current_id = 0;
  Op *op;

  g_return_if_fail (AF_IS_MQTT_SESSION (self));
  g_return_if_fail (file_name != NULL);
  g_return_if_fail (options != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_mqtt_session_start_print_async);

  if (g_task_return_error_if_cancelled (task) || !require_connection (self, task))
    return;

  state = af_printer_status_get_state (af_printer_get_status (self->printer));
  if (!af_print_state_is_ready (state))
    {
      g_task_return_error (task, busy_error ());
      return;
    }

  /* One rule for every caller: the model decides which calibrations apply. */
  sent = af_print_options_copy (options);
  af_print_options_apply_model (sent, af_printer_get_model (self->printer));
  /* A fresh id, never the one the printer shows now. */
  status = af_printer_get_status (self->printer);
  if (af_printer_status_get_subtask_id (status) != NULL)
    g_ascii_string_to_unsigned (af_printer_status_get_subtask_id (status), 10, 0, G_MAXUINT32,
                                &current_id, NULL);
  if (sent->task_id == 0 || sent->task_id == current_id)
    sent->task_id = af_print_options_new_task_id ((guint32)current_id);

  op = op_new (self, task, OP_START, self->start_timeout_seconds);
  op->job_name = job_name_for (file_name, sent);
  op->subtask_id = g_strdup_printf ("%" G_GUINT32_FORMAT, sent->task_id);
  payload = af_mqtt_session_build_project_file (file_name, sent, op->sequence_id);
  message = json_from_string (payload, NULL);
  g_debug ("Printer %s: starting plate %u", self->redacted, options->plate);
  /* QoS 1, like stop/pause/resume: a start lost on the way would leave the
   * job waiting for a print that never comes.
   */
  publish (self, message, 1);
}

gboolean
af_mqtt_session_start_print_finish (AfMqttSession  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_return_val_if_fail (AF_IS_MQTT_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
af_mqtt_session_command_async (AfMqttSession       *self,
                               AfPrintCommand       command,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) message = NULL;
  OpKind kind;
  Op *op;

  g_return_if_fail (AF_IS_MQTT_SESSION (self));
  g_return_if_fail (command <= AF_PRINT_COMMAND_STOP);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_mqtt_session_command_async);

  if (g_task_return_error_if_cancelled (task) || !require_connection (self, task))
    return;

  kind = command == AF_PRINT_COMMAND_PAUSE ? OP_PAUSE
         : command == AF_PRINT_COMMAND_RESUME ? OP_RESUME : OP_STOP;
  if (command_reached (kind, af_printer_status_get_state (af_printer_get_status (self->printer))))
    {
      /* A stop goes out even while the printer still looks idle: a job
       * whose project_file is on its way reports IDLE (or the last job's
       * FINISH) until it starts, and would otherwise go on to print.
       */
      if (kind == OP_STOP)
        {
          g_autofree char *sequence_id = next_sequence_id ();

          message = build_request ("print", op_command (kind), sequence_id);
          publish (self, message, 1);
        }
      g_task_return_boolean (task, TRUE);
      return;
    }

  op = op_new (self, task, kind,
               env_seconds ("AF_LAN_COMMAND_TIMEOUT_SECONDS", DEFAULT_COMMAND_TIMEOUT_SECONDS));
  message = build_request ("print", op_command (kind), op->sequence_id);
  publish (self, message, 1);
}

gboolean
af_mqtt_session_command_finish (AfMqttSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (AF_IS_MQTT_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
