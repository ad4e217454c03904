/* af-privacy.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-privacy"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "af-cloud-error.h"
#include "af-cloud-transport.h"
#include "af-json.h"
#include "af-privacy.h"
#include "af-privacy-private.h"

/* The outbox's back-off between tries of one action: 1 s doubling, at most
 * an hour, never sooner than the server's Retry-After.
 */
#define OUTBOX_BACKOFF_MAX_S 3600
/* Pages of requests read per refresh (100 each). */
#define REQUEST_PAGES_MAX    10

struct _AfPrivacy
{
  GObject        parent_instance;

  AfCloudClient *client;
  AfLocalStore  *store;
  GListStore    *requests;
  GListStore    *consents;
  GListStore    *outbox;

  gboolean       incognito_printing;
  gboolean       history_reprint;
  int            file_retention_days;
  GDateTime     *file_deletion_due_at;
  gboolean       settings_known;
  guint          n_pending;
  gboolean       online;
  char          *last_error;

  gboolean       flushed_once;   /* the first flush of a process tries every action */
  GHashTable    *notified;       /* "id\nevent" emitted */
  GHashTable    *last_status;    /* request id → status seen before */
  guint          poll_source;
  guint          poll_min_s;
  gint64         retry_after_hint;
  GCancellable  *cancellable;
};

G_DEFINE_FINAL_TYPE (AfPrivacy, af_privacy, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_STORE,
  PROP_INCOGNITO_PRINTING,
  PROP_HISTORY_REPRINT,
  PROP_FILE_RETENTION_DAYS,
  PROP_FILE_DELETION_DUE_AT,
  PROP_SETTINGS_KNOWN,
  PROP_N_PENDING,
  PROP_ONLINE,
  PROP_LAST_ERROR,
  N_PROPS
};

enum {
  REQUEST_EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* --- Thread side: what the cloud says ------------------------------------ */

/* What one sync learnt, handed from the worker to the main thread. */
typedef struct
{
  gboolean    force;         /* send every pending action, due or not */
  gboolean    fetch;         /* read settings, consents and requests afterwards */
  gint64      only_action;   /* report this action's outcome (0: none) */

  JsonObject *settings;
  JsonObject *consents;
  JsonArray  *requests;
  gint64      retry_after;
  guint       n_done;
  GError     *action_error;  /* only_action refused for good */
  GError     *error;         /* why the sync stopped (network, LAN-only…) */
} Sync;

static void
sync_free (Sync *sync)
{
  g_clear_pointer (&sync->settings, json_object_unref);
  g_clear_pointer (&sync->consents, json_object_unref);
  g_clear_pointer (&sync->requests, json_array_unref);
  g_clear_error (&sync->action_error);
  g_clear_error (&sync->error);
  g_free (sync);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sync, sync_free)

static JsonObject *
get_object (AfCloudClient *client,
            const char    *path,
            char         **etag,
            gint64        *retry_after,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("GET", path);
  g_autoptr(AfCloudResponse) response = NULL;
  JsonObject *object;

  response = af_cloud_client_send (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  object = af_cloud_response_get_object (response);
  if (object == NULL)
    {
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                   _("AtomForm’s cloud answered %s with something other than JSON."), path);
      return NULL;
    }
  if (etag != NULL)
    *etag = g_strdup (af_cloud_response_get_header (response, "etag"));
  if (retry_after != NULL)
    *retry_after = MAX (*retry_after, af_cloud_request_get_retry_after (request));
  return json_object_ref (object);
}

static void
cache_json (AfLocalStore *store,
            const char   *name,
            JsonNode     *node)
{
  g_autofree char *text = af_json_to_data (node, FALSE);
  g_autoptr(GError) error = NULL;

  if (!af_local_store_cache_set (store, name, text, &error))
    g_debug ("Not cached: %s", error->message);
}

static void
cache_object (AfLocalStore *store,
              const char   *name,
              JsonObject   *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  cache_json (store, name, node);
}

static JsonObject *
get_settings (AfCloudClient *client,
              AfLocalStore  *store,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autofree char *etag = NULL;
  JsonObject *settings = get_object (client, "/v1/privacy/settings", &etag, NULL, cancellable,
                                     error);

  if (settings == NULL)
    return NULL;
  cache_object (store, "settings", settings);
  af_local_store_cache_set (store, "settings-etag", etag, NULL);
  return settings;
}

static JsonArray *
get_requests (AfCloudClient *client,
              gint64        *retry_after,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(JsonArray) all = json_array_new ();
  g_autofree char *cursor = NULL;

  for (guint page = 0; page < REQUEST_PAGES_MAX; page++)
    {
      g_autofree char *path = NULL;
      g_autoptr(JsonObject) object = NULL;
      JsonArray *items;
      const char *next;

      if (cursor != NULL)
        {
          g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
          path = g_strdup_printf ("/v1/privacy/requests?limit=100&cursor=%s", escaped);
        }
      else
        path = g_strdup ("/v1/privacy/requests?limit=100");
      object = get_object (client, path, NULL, retry_after, cancellable, error);
      if (object == NULL)
        return NULL;
      items = json_object_get_array_member (object, "items");
      for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (items, i)));
      next = json_object_get_string_member_with_default (object, "next_cursor", NULL);
      if (next == NULL)
        break;
      g_free (cursor);
      cursor = g_strdup (next);
    }
  return g_steal_pointer (&all);
}

static gboolean
fetch (AfCloudClient *client,
       AfLocalStore  *store,
       Sync          *sync,
       GCancellable  *cancellable,
       GError       **error)
{
  g_autoptr(JsonObject) holder = json_object_new ();

  sync->settings = get_settings (client, store, cancellable, error);
  if (sync->settings == NULL)
    return FALSE;
  sync->consents = get_object (client, "/v1/consents", NULL, NULL, cancellable, error);
  if (sync->consents == NULL)
    return FALSE;
  cache_object (store, "consents", sync->consents);
  sync->requests = get_requests (client, &sync->retry_after, cancellable, error);
  if (sync->requests == NULL)
    return FALSE;
  json_object_set_array_member (holder, "items", json_array_ref (sync->requests));
  cache_object (store, "requests", holder);
  return TRUE;
}

/* Whether a failed send may succeed later unchanged: then the action stays
 * pending. Anything else is the server refusing it for good.
 */
static gboolean
error_is_temporary (const GError *error)
{
  return af_cloud_error_is_transient (error)
         || g_error_matches (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LAN_ONLY)
         || g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN)
         || g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_SIGNED_OUT)
         || g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_TLS)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static JsonNode *
parse_payload (AfPrivacyAction *action)
{
  g_autoptr(JsonObject) object = af_privacy_action_dup_payload_object (action);

  if (object == NULL)
    return json_node_init_object (json_node_alloc (), json_object_new ());
  return json_node_init_object (json_node_alloc (), object);
}

/* Whether the settings already hold every value payload asks for. */
static gboolean
settings_hold (JsonObject *settings,
               JsonObject *payload)
{
  g_autoptr(GList) members = json_object_get_members (payload);

  for (GList *l = members; l != NULL; l = l->next)
    if (!json_object_has_member (settings, l->data)
        || json_object_get_boolean_member (settings, l->data)
           != json_object_get_boolean_member (payload, l->data))
      return FALSE;
  return TRUE;
}

/* PATCH with If-Match. A 412 means the settings changed elsewhere: read
 * them again and re-apply the user's switches only if they still differ
 * (the others keep the server's values). A PATCH whose answer was lost
 * comes back as a 412 too, and the re-read shows it applied.
 */
static gboolean
send_settings (AfCloudClient   *client,
               AfLocalStore    *store,
               AfPrivacyAction *action,
               GCancellable    *cancellable,
               GError         **error)
{
  g_autoptr(JsonObject) payload = af_privacy_action_dup_payload_object (action);
  g_autoptr(JsonObject) settings = NULL;
  g_autofree char *etag = af_local_store_cache_get (store, "settings-etag");
  g_autofree char *cached = af_local_store_cache_get (store, "settings");

  if (payload == NULL)
    return TRUE;
  if (etag == NULL || cached == NULL)
    {
      settings = get_settings (client, store, cancellable, error);
      if (settings == NULL)
        return FALSE;
      g_free (etag);
      etag = af_local_store_cache_get (store, "settings-etag");
    }

  for (guint tries = 0; tries < 3; tries++)
    {
      g_autoptr(AfCloudRequest) request = af_cloud_request_new ("PATCH", "/v1/privacy/settings");
      g_autoptr(AfCloudResponse) response = NULL;
      g_autoptr(JsonNode) body = json_node_init_object (json_node_alloc (), payload);
      g_autofree char *text = af_json_to_data (body, FALSE);
      g_autoptr(GError) local_error = NULL;

      if (settings != NULL && settings_hold (settings, payload))
        return TRUE;
      af_cloud_request_set_body (request, "application/merge-patch+json",
                                 g_bytes_new (text, strlen (text)));
      if (etag != NULL)
        af_cloud_request_add_header (request, "If-Match", etag);
      af_cloud_request_set_retry (request, FALSE);
      response = af_cloud_client_send (client, request, cancellable, &local_error);
      if (response != NULL)
        {
          JsonObject *answer = af_cloud_response_get_object (response);
          if (answer != NULL)
            cache_object (store, "settings", answer);
          af_local_store_cache_set (store, "settings-etag",
                                    af_cloud_response_get_header (response, "etag"), NULL);
          return TRUE;
        }
      if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHANGED_ELSEWHERE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Privacy settings changed elsewhere (412): reading them again");
      g_clear_pointer (&settings, json_object_unref);
      settings = get_settings (client, store, cancellable, error);
      if (settings == NULL)
        return FALSE;
      g_free (etag);
      etag = af_local_store_cache_get (store, "settings-etag");
    }
  g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHANGED_ELSEWHERE,
                       _("The privacy settings kept changing on another device. Try again."));
  return FALSE;
}

/* One action on the wire. TRUE when acknowledged, with *request_id the
 * server's request (or NULL).
 */
static gboolean
send_action (AfCloudClient   *client,
             AfLocalStore    *store,
             AfPrivacyAction *action,
             char           **request_id,
             gint64          *retry_after,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(JsonObject) payload = af_privacy_action_dup_payload_object (action);
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  g_autofree char *path = NULL;
  JsonObject *answer;

  switch (af_privacy_action_get_kind (action))
    {
    case AF_PRIVACY_ACTION_SET_SETTINGS:
      return send_settings (client, store, action, cancellable, error);
    case AF_PRIVACY_ACTION_WITHDRAW_CONSENT:
      {
        g_autofree char *purpose = g_uri_escape_string (
          json_object_get_string_member_with_default (payload, "purpose_id", ""), NULL, FALSE);
        path = g_strdup_printf ("/v1/consents/%s/withdrawal", purpose);
        request = af_cloud_request_new ("POST", path);
        af_cloud_request_set_json (request, json_node_init_object (json_node_alloc (),
                                                                   json_object_new ()));
        break;
      }
    case AF_PRIVACY_ACTION_DELETE_HISTORY:
      request = af_cloud_request_new ("POST", "/v1/history/deletions");
      af_cloud_request_set_json (request, parse_payload (action));
      break;
    case AF_PRIVACY_ACTION_CREATE_REQUEST:
      request = af_cloud_request_new ("POST", "/v1/privacy/requests");
      af_cloud_request_set_json (request, parse_payload (action));
      break;
    case AF_PRIVACY_ACTION_CANCEL_REQUEST:
      {
        g_autofree char *id = g_uri_escape_string (
          json_object_get_string_member_with_default (payload, "request_id", ""), NULL, FALSE);
        path = g_strdup_printf ("/v1/privacy/requests/%s", id);
        request = af_cloud_request_new ("DELETE", path);
        break;
      }
    default:
      g_assert_not_reached ();
    }

  /* The key made when the user acted, on every try in every process. */
  if (af_cloud_request_get_idempotency_key (request) != NULL)
    af_cloud_request_set_idempotency_key (request, af_privacy_action_get_key (action));
  af_cloud_request_set_retry (request, FALSE);
  response = af_cloud_client_send (client, request, cancellable, error);
  *retry_after = af_cloud_request_get_retry_after (request);
  if (response == NULL)
    return FALSE;
  answer = af_cloud_response_get_object (response);
  if (answer != NULL && request_id != NULL)
    *request_id = g_strdup (json_object_get_string_member_with_default (answer, "id", NULL));
  return TRUE;
}

static void
forget_local_trace (AfLocalStore    *store,
                    AfPrivacyAction *action)
{
  g_autoptr(JsonObject) payload = af_privacy_action_dup_payload_object (action);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  JsonArray *array;

  if (payload == NULL)
    return;
  if (json_object_get_boolean_member_with_default (payload, "all_entries", FALSE))
    {
      af_local_store_forget_cloud_entries (store, NULL, NULL);
      return;
    }
  array = json_object_get_array_member (payload, "entry_ids");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  ids = g_strv_builder_end (builder);
  af_local_store_forget_cloud_entries (store, (const char *const *) ids, NULL);
}

static GDateTime *
next_attempt (guint  attempts,
              gint64 retry_after)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 delay = (gint64) 1 << MIN (attempts, 12);

  delay = MIN (delay, OUTBOX_BACKOFF_MAX_S);
  delay = MAX (delay, retry_after);
  return g_date_time_add_seconds (now, (gdouble) delay);
}

/* Sends the pending actions in order, stopping at the first that must wait
 * (FIFO: a later settings change must never overtake an earlier one).
 */
static void
flush (AfCloudClient *client,
       AfLocalStore  *store,
       Sync          *sync,
       GCancellable  *cancellable)
{
  g_autoptr(GListModel) pending = af_local_store_outbox_list_pending (store, &sync->error);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; pending != NULL && i < g_list_model_get_n_items (pending); i++)
    {
      g_autoptr(AfPrivacyAction) action = g_list_model_get_item (pending, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *request_id = NULL;
      gint64 retry_after = -1;

      if (!sync->force && g_date_time_compare (af_privacy_action_get_next_attempt_at (action),
                                               now) > 0)
        return;
      if (send_action (client, store, action, &request_id, &retry_after, cancellable, &error))
        {
          g_debug ("Privacy action %" G_GINT64_FORMAT " acknowledged",
                   af_privacy_action_get_id (action));
          af_local_store_outbox_finish (store, af_privacy_action_get_id (action),
                                        AF_PRIVACY_ACTION_DONE, request_id, NULL, NULL);
          if (af_privacy_action_get_kind (action) == AF_PRIVACY_ACTION_DELETE_HISTORY)
            forget_local_trace (store, action);
          sync->n_done++;
          sync->retry_after = MAX (sync->retry_after, retry_after);
          continue;
        }
      if (error_is_temporary (error))
        {
          g_autoptr(GDateTime) next = next_attempt (af_privacy_action_get_attempts (action),
                                                    retry_after);

          g_debug ("Privacy action %" G_GINT64_FORMAT " waits: %s",
                   af_privacy_action_get_id (action), error->message);
          af_local_store_outbox_reschedule (store, af_privacy_action_get_id (action), next,
                                            error->message, NULL);
          sync->error = g_steal_pointer (&error);
          return;
        }
      af_local_store_outbox_finish (store, af_privacy_action_get_id (action),
                                    AF_PRIVACY_ACTION_FAILED, NULL, error->message, NULL);
      if (af_privacy_action_get_id (action) == sync->only_action)
        sync->action_error = g_steal_pointer (&error);
    }
}

static void
sync_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  AfPrivacy *self = source;
  Sync *sync = data;

  flush (self->client, self->store, sync, cancellable);
  if (sync->error == NULL && sync->fetch)
    fetch (self->client, self->store, sync, cancellable, &sync->error);
  g_task_return_boolean (task, TRUE);
}

/* --- Main thread: the models --------------------------------------------- */

static void
set_error_state (AfPrivacy    *self,
                 const GError *error)
{
  gboolean online = error == NULL
                    || !(g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK)
                         || g_error_matches (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_UNAVAILABLE)
                         || g_error_matches (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LAN_ONLY));
  const char *message = error != NULL ? error->message : NULL;

  if (self->online != online)
    {
      self->online = online;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
    }
  if (g_strcmp0 (self->last_error, message) != 0)
    {
      g_free (self->last_error);
      self->last_error = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
    }
}

static void
set_bool (AfPrivacy *self,
          gboolean  *field,
          gboolean   value,
          guint      prop)
{
  if (*field == !!value)
    return;
  *field = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* settings NULL: no answer of the cloud is known (never signed in, or
 * not yet read). The user's pending change counts all the same: an
 * incognito switch turned on offline must keep this computer's traces off
 * at once, not once the cloud has it.
 */
static void
apply_settings (AfPrivacy  *self,
                JsonObject *settings,
                GListModel *pending)
{
  gboolean incognito = self->incognito_printing;
  gboolean reprint = self->history_reprint;
  int days = self->file_retention_days;
  g_autoptr(GDateTime) due = NULL;

  if (settings != NULL)
    {
      incognito = json_object_get_boolean_member_with_default (settings, "incognito_printing",
                                                               FALSE);
      reprint = json_object_get_boolean_member_with_default (settings, "history_reprint", TRUE);
      days = (int) json_object_get_int_member_with_default (settings, "file_retention_days", 90);
      due = af_privacy_parse_time (
        json_object_get_string_member_with_default (settings, "file_deletion_due_at", NULL));
    }
  else if (self->file_deletion_due_at != NULL)
    due = g_date_time_ref (self->file_deletion_due_at);

  /* The user's change still in the outbox is what the switch shows. */
  for (guint i = 0; i < g_list_model_get_n_items (pending); i++)
    {
      g_autoptr(AfPrivacyAction) action = g_list_model_get_item (pending, i);
      g_autoptr(JsonObject) payload = NULL;

      if (af_privacy_action_get_kind (action) != AF_PRIVACY_ACTION_SET_SETTINGS)
        continue;
      payload = af_privacy_action_dup_payload_object (action);
      if (payload == NULL)
        continue;
      incognito = json_object_get_boolean_member_with_default (payload, "incognito_printing",
                                                               incognito);
      reprint = json_object_get_boolean_member_with_default (payload, "history_reprint", reprint);
    }

  set_bool (self, &self->incognito_printing, incognito, PROP_INCOGNITO_PRINTING);
  set_bool (self, &self->history_reprint, reprint, PROP_HISTORY_REPRINT);
  if (settings != NULL)
    set_bool (self, &self->settings_known, TRUE, PROP_SETTINGS_KNOWN);
  if (self->file_retention_days != days)
    {
      self->file_retention_days = days;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE_RETENTION_DAYS]);
    }
  if ((due == NULL) != (self->file_deletion_due_at == NULL)
      || (due != NULL && !g_date_time_equal (due, self->file_deletion_due_at)))
    {
      g_clear_pointer (&self->file_deletion_due_at, g_date_time_unref);
      self->file_deletion_due_at = due != NULL ? g_date_time_ref (due) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE_DELETION_DUE_AT]);
    }
}

static gboolean
purpose_withdrawal_queued (GListModel *pending,
                           const char *purpose_id)
{
  for (guint i = 0; i < g_list_model_get_n_items (pending); i++)
    {
      g_autoptr(AfPrivacyAction) action = g_list_model_get_item (pending, i);
      g_autoptr(JsonObject) payload = NULL;

      if (af_privacy_action_get_kind (action) != AF_PRIVACY_ACTION_WITHDRAW_CONSENT)
        continue;
      payload = af_privacy_action_dup_payload_object (action);
      if (payload != NULL
          && g_strcmp0 (json_object_get_string_member_with_default (payload, "purpose_id", NULL),
                        purpose_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
apply_consents (AfPrivacy  *self,
                JsonObject *consents,
                GListModel *pending)
{
  JsonArray *items = json_object_get_array_member (consents, "items");
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->consents));

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *object = json_array_get_object_element (items, i);
      g_autoptr(AfConsent) consent = object != NULL ? af_consent_new_from_json (object, NULL) : NULL;
      AfConsent *keep = NULL;

      if (consent == NULL)
        continue;
      for (guint j = 0; j < n_old && keep == NULL; j++)
        {
          g_autoptr(AfConsent) old = g_list_model_get_item (G_LIST_MODEL (self->consents), j);
          if (g_strcmp0 (af_consent_get_purpose_id (old), af_consent_get_purpose_id (consent)) == 0)
            keep = g_object_ref (old);
        }
      if (keep != NULL)
        af_consent_update (keep, consent);
      else
        keep = g_object_ref (consent);
      af_consent_set_withdrawal_queued (keep, purpose_withdrawal_queued (pending,
                                                                         af_consent_get_purpose_id (keep)));
      g_ptr_array_add (fresh, keep);
    }
  g_list_store_splice (self->consents, 0, n_old, fresh->pdata, fresh->len);
}

static const char *
local_request_type (AfPrivacyAction *action,
                    JsonObject      *payload)
{
  switch (af_privacy_action_get_kind (action))
    {
    case AF_PRIVACY_ACTION_WITHDRAW_CONSENT: return "consent_withdrawal";
    case AF_PRIVACY_ACTION_DELETE_HISTORY: return "history_deletion";
    case AF_PRIVACY_ACTION_CREATE_REQUEST:
      return json_object_get_string_member_with_default (payload, "type", "access");
    default: return NULL;
    }
}

static void
emit_once (AfPrivacy        *self,
           AfPrivacyRequest *request,
           AfPrivacyEvent    event)
{
  char *key = g_strdup_printf ("%s\n%d", af_privacy_request_get_id (request), event);

  if (!g_hash_table_add (self->notified, key))
    return;
  g_signal_emit (self, signals[REQUEST_EVENT], 0, request, event);
}

static void
check_events (AfPrivacy        *self,
              AfPrivacyRequest *request,
              GDateTime        *now,
              gboolean          notify)
{
  const char *id = af_privacy_request_get_id (request);
  const char *status = af_privacy_request_get_status (request);
  const char *before = g_hash_table_lookup (self->last_status, id);

  if (notify && before != NULL && g_strcmp0 (before, status) != 0)
    {
      if (g_strcmp0 (status, "completed") == 0)
        emit_once (self, request, AF_PRIVACY_EVENT_COMPLETED);
      else if (g_strcmp0 (status, "rejected") == 0)
        emit_once (self, request, AF_PRIVACY_EVENT_REJECTED);
    }
  if (notify && af_privacy_request_is_overdue (request, now))
    emit_once (self, request, AF_PRIVACY_EVENT_OVERDUE);
  g_hash_table_insert (self->last_status, g_strdup (id), g_strdup (status));
}

static void
apply_requests (AfPrivacy  *self,
                JsonArray  *items,
                GListModel *pending,
                gboolean    notify)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) old = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->requests));

  for (guint i = 0; i < n_old; i++)
    {
      AfPrivacyRequest *request = g_list_model_get_item (G_LIST_MODEL (self->requests), i);
      g_hash_table_insert (old, (gpointer) af_privacy_request_get_id (request), request);
    }

  /* What is still in the outbox first: the user sees it at once. */
  for (guint i = 0; i < g_list_model_get_n_items (pending); i++)
    {
      g_autoptr(AfPrivacyAction) action = g_list_model_get_item (pending, i);
      g_autoptr(JsonObject) payload = af_privacy_action_dup_payload_object (action);
      const char *type = payload != NULL ? local_request_type (action, payload) : NULL;
      g_autoptr(AfPrivacyRequest) local = NULL;
      AfPrivacyRequest *keep;

      if (type == NULL)
        continue;
      local = af_privacy_request_new_local (af_privacy_action_get_id (action), type,
                                            json_object_get_string_member_with_default (payload,
                                                                                        "purpose_id",
                                                                                        NULL),
                                            af_privacy_action_get_created_at (action));
      keep = g_hash_table_lookup (old, af_privacy_request_get_id (local));
      if (keep != NULL)
        af_privacy_request_update (keep, local);
      g_ptr_array_add (fresh, keep != NULL ? g_object_ref (keep) : g_object_ref (local));
    }

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *object = json_array_get_object_element (items, i);
      g_autoptr(AfPrivacyRequest) request = NULL;
      AfPrivacyRequest *keep;

      if (object == NULL || (request = af_privacy_request_new_from_json (object, NULL)) == NULL)
        continue;
      keep = g_hash_table_lookup (old, af_privacy_request_get_id (request));
      if (keep != NULL)
        af_privacy_request_update (keep, request);
      else
        keep = request;
      g_ptr_array_add (fresh, g_object_ref (keep));
      check_events (self, keep, now, notify);
    }
  g_list_store_splice (self->requests, 0, n_old, fresh->pdata, fresh->len);
}

static JsonNode *
parse_cached (AfPrivacy  *self,
              const char *name)
{
  g_autofree char *text = af_local_store_cache_get (self->store, name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL || !af_json_load_untrusted (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_node_copy (root) : NULL;
}

/* Re-reads the outbox and shows settings, consents and requests: the
 * given answers, else the cached ones.
 */
static void
apply (AfPrivacy  *self,
       JsonObject *settings,
       JsonObject *consents,
       JsonArray  *requests,
       gboolean    notify)
{
  g_autoptr(GListModel) pending = af_local_store_outbox_list_pending (self->store, NULL);
  g_autoptr(JsonNode) cached_settings = NULL;
  g_autoptr(JsonNode) cached_consents = NULL;
  g_autoptr(JsonNode) cached_requests = NULL;
  guint n_pending;

  if (pending == NULL)
    pending = G_LIST_MODEL (g_list_store_new (AF_TYPE_PRIVACY_ACTION));
  n_pending = g_list_model_get_n_items (pending);

  if (settings == NULL && (cached_settings = parse_cached (self, "settings")) != NULL
      && JSON_NODE_HOLDS_OBJECT (cached_settings))
    settings = json_node_get_object (cached_settings);
  if (consents == NULL && (cached_consents = parse_cached (self, "consents")) != NULL
      && JSON_NODE_HOLDS_OBJECT (cached_consents))
    consents = json_node_get_object (cached_consents);
  if (requests == NULL && (cached_requests = parse_cached (self, "requests")) != NULL
      && JSON_NODE_HOLDS_OBJECT (cached_requests))
    requests = json_object_get_array_member (json_node_get_object (cached_requests), "items");

  apply_settings (self, settings, pending);
  if (consents != NULL)
    apply_consents (self, consents, pending);
  apply_requests (self, requests, pending, notify);

  {
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
    for (guint i = 0; i < n_pending; i++)
      g_ptr_array_add (items, g_list_model_get_item (pending, i));
    g_list_store_splice (self->outbox, 0, g_list_model_get_n_items (G_LIST_MODEL (self->outbox)),
                         items->pdata, items->len);
  }
  if (self->n_pending != n_pending)
    {
      self->n_pending = n_pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PENDING]);
    }
}

void
af_privacy_load_cached (AfPrivacy *self)
{
  g_return_if_fail (AF_IS_PRIVACY (self));
  apply (self, NULL, NULL, NULL, FALSE);
}

/* --- Syncs --------------------------------------------------------------- */

static void
run_sync (AfPrivacy           *self,
          gpointer             tag,
          gboolean             fetch_after,
          gint64               only_action,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Sync *sync = g_new0 (Sync, 1);

  sync->force = only_action != 0 || !self->flushed_once;
  self->flushed_once = TRUE;
  sync->fetch = fetch_after;
  sync->only_action = only_action;
  sync->retry_after = -1;
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, sync, (GDestroyNotify) sync_free);
  g_task_run_in_thread (task, sync_thread);
}

/* Shows what a finished sync learnt; returns its Sync (owned by the task). */
static Sync *
finish_sync (AfPrivacy    *self,
             GAsyncResult *result)
{
  Sync *sync = g_task_get_task_data (G_TASK (result));

  g_task_propagate_boolean (G_TASK (result), NULL);
  if (sync->retry_after > 0)
    self->retry_after_hint = sync->retry_after;
  set_error_state (self, sync->error);
  apply (self, sync->settings, sync->consents, sync->requests, TRUE);
  return sync;
}

static void
refresh_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *sync = finish_sync (AF_PRIVACY (source), result);

  if (sync->error != NULL)
    g_task_return_error (task, g_error_copy (sync->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
af_privacy_refresh_async (AfPrivacy           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (AF_IS_PRIVACY (self));
  g_task_set_source_tag (task, af_privacy_refresh_async);
  run_sync (self, af_privacy_refresh_async, TRUE, 0, cancellable, refresh_done_cb, task);
}

gboolean
af_privacy_refresh_finish (AfPrivacy     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
af_privacy_poll_async (AfPrivacy           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (AF_IS_PRIVACY (self));
  g_task_set_source_tag (task, af_privacy_poll_async);
  run_sync (self, af_privacy_poll_async, TRUE, 0, cancellable, refresh_done_cb, task);
}

gboolean
af_privacy_poll_finish (AfPrivacy     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
flush_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrivacy *self = AF_PRIVACY (source);

  finish_sync (self, result);
  g_task_return_int (task, self->n_pending);
}

void
af_privacy_flush_async (AfPrivacy           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (AF_IS_PRIVACY (self));
  g_task_set_source_tag (task, af_privacy_flush_async);
  run_sync (self, af_privacy_flush_async, FALSE, 0, cancellable, flush_done_cb, task);
}

guint
af_privacy_flush_finish (AfPrivacy     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  n = g_task_propagate_int (G_TASK (result), error);
  return n < 0 ? 0 : (guint) n;
}

/* --- Actions ------------------------------------------------------------- */

static void
action_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrivacy *self = AF_PRIVACY (source);
  Sync *sync = finish_sync (self, result);
  AfPrivacyAction *action = af_local_store_outbox_get (self->store, sync->only_action);

  if (sync->action_error != NULL)
    {
      g_clear_object (&action);
      g_task_return_error (task, g_error_copy (sync->action_error));
      return;
    }
  if (action == NULL)
    {
      g_task_return_new_error (task, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
                               _("The request was lost from the local data file."));
      return;
    }
  g_task_return_pointer (task, action, g_object_unref);
}

/* Commits payload to the outbox, then sends it (and anything before it). */
static void
submit (AfPrivacy           *self,
        gpointer             tag,
        AfPrivacyActionKind  kind,
        JsonNode            *payload,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *text = af_json_to_data (payload, FALSE);
  g_autoptr(AfPrivacyAction) action = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, tag);
  action = af_local_store_outbox_add (self->store, kind, text, &error);
  if (action == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* Shown at once as pending, before the network answers. */
  apply (self, NULL, NULL, NULL, FALSE);
  run_sync (self, tag, TRUE, af_privacy_action_get_id (action), cancellable, action_done_cb,
            task);
}

static void
fail_early (AfPrivacy           *self,
            gpointer             tag,
            GError              *error,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_return_error (task, error);
}

void
af_privacy_set_setting_async (AfPrivacy           *self,
                              AfPrivacySetting     setting,
                              gboolean             value,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), json_object_new ());

  g_return_if_fail (AF_IS_PRIVACY (self));
  json_object_set_boolean_member (json_node_get_object (node),
                                  setting == AF_PRIVACY_SETTING_INCOGNITO_PRINTING
                                  ? "incognito_printing" : "history_reprint", value);
  submit (self, af_privacy_set_setting_async, AF_PRIVACY_ACTION_SET_SETTINGS, node, cancellable,
          callback, user_data);
}

void
af_privacy_withdraw_consent_async (AfPrivacy           *self,
                                   const char          *purpose_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (AF_IS_PRIVACY (self));
  if (af_consent_purpose_describe (purpose_id) == NULL)
    {
      fail_early (self, af_privacy_withdraw_consent_async,
                  g_error_new (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_INVALID,
                               _("“%s” is not a purpose. Use one of print_history, "
                                 "ux_improvement, personalised_experience, marketing, "
                                 "analytics."), purpose_id != NULL ? purpose_id : ""),
                  callback, user_data);
      return;
    }
  node = json_node_init_object (json_node_alloc (), json_object_new ());
  json_object_set_string_member (json_node_get_object (node), "purpose_id", purpose_id);
  submit (self, af_privacy_withdraw_consent_async, AF_PRIVACY_ACTION_WITHDRAW_CONSENT, node,
          cancellable, callback, user_data);
}

void
af_privacy_delete_history_async (AfPrivacy           *self,
                                 const char *const   *entry_ids,
                                 gboolean             all,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), json_object_new ());
  JsonObject *object = json_node_get_object (node);
  guint n = entry_ids != NULL ? g_strv_length ((GStrv) entry_ids) : 0;

  g_return_if_fail (AF_IS_PRIVACY (self));
  if (!all && (n == 0 || n > 100))
    {
      fail_early (self, af_privacy_delete_history_async,
                  g_error_new_literal (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_INVALID,
                                       _("Name 1 to 100 history entries to delete, or delete "
                                         "all of them.")),
                  callback, user_data);
      return;
    }
  if (all)
    json_object_set_boolean_member (object, "all_entries", TRUE);
  else
    {
      JsonArray *array = json_array_new ();
      for (guint i = 0; i < n; i++)
        json_array_add_string_element (array, entry_ids[i]);
      json_object_set_array_member (object, "entry_ids", array);
    }
  submit (self, af_privacy_delete_history_async, AF_PRIVACY_ACTION_DELETE_HISTORY, node,
          cancellable, callback, user_data);
}

void
af_privacy_create_request_async (AfPrivacy           *self,
                                 const char          *type,
                                 const char          *details,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (AF_IS_PRIVACY (self));
  if (!af_privacy_request_type_is_data_right (type))
    {
      fail_early (self, af_privacy_create_request_async,
                  g_error_new (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_INVALID,
                               _("“%s” is not a kind of request. Use one of access, portability, "
                                 "rectification, erasure, restriction, objection."),
                               type != NULL ? type : ""),
                  callback, user_data);
      return;
    }
  if (details != NULL && strlen (details) > 2000)
    {
      fail_early (self, af_privacy_create_request_async,
                  g_error_new_literal (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LIMIT,
                                       _("The details are longer than 2000 bytes; shorten "
                                         "them.")),
                  callback, user_data);
      return;
    }
  node = json_node_init_object (json_node_alloc (), json_object_new ());
  json_object_set_string_member (json_node_get_object (node), "type", type);
  if (details != NULL && *details != '\0')
    json_object_set_string_member (json_node_get_object (node), "details", details);
  submit (self, af_privacy_create_request_async, AF_PRIVACY_ACTION_CREATE_REQUEST, node,
          cancellable, callback, user_data);
}

void
af_privacy_cancel_request_async (AfPrivacy           *self,
                                 const char          *request_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_if_fail (AF_IS_PRIVACY (self));
  if (request_id == NULL || *request_id == '\0' || g_str_has_prefix (request_id, "local-"))
    {
      fail_early (self, af_privacy_cancel_request_async,
                  g_error_new_literal (AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_INVALID,
                                       _("Only a request the cloud has received can be "
                                         "cancelled; this one has not been sent yet.")),
                  callback, user_data);
      return;
    }
  node = json_node_init_object (json_node_alloc (), json_object_new ());
  json_object_set_string_member (json_node_get_object (node), "request_id", request_id);
  submit (self, af_privacy_cancel_request_async, AF_PRIVACY_ACTION_CANCEL_REQUEST, node,
          cancellable, callback, user_data);
}

AfPrivacyAction *
af_privacy_action_finish (AfPrivacy     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Polling ------------------------------------------------------------- */

static gboolean poll_cb (gpointer data);

static guint
next_poll_seconds (AfPrivacy *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 delay = MAX ((gint64) self->poll_min_s, self->retry_after_hint);

  /* Also at each deadline, so a passed one is noticed. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->requests)); i++)
    {
      g_autoptr(AfPrivacyRequest) request = g_list_model_get_item (G_LIST_MODEL (self->requests), i);
      GDateTime *due = af_privacy_request_get_due_at (request);
      gint64 until;

      if (due == NULL || af_privacy_request_is_closed (request))
        continue;
      until = g_date_time_difference (due, now) / G_USEC_PER_SEC + 1;
      if (until > 0)
        delay = MIN (delay, MAX (until, (gint64) self->poll_min_s));
    }
  return (guint) CLAMP (delay, 1, 24 * 3600);
}

static void
poll_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AfPrivacy *self = AF_PRIVACY (source);
  g_autoptr(GError) error = NULL;

  if (!af_privacy_poll_finish (self, result, &error))
    g_debug ("Privacy poll: %s", error->message);
  if (self->poll_min_s > 0 && self->poll_source == 0)
    self->poll_source = g_timeout_add_seconds (next_poll_seconds (self), poll_cb, self);
  g_object_unref (self);
}

static gboolean
poll_cb (gpointer data)
{
  AfPrivacy *self = data;

  self->poll_source = 0;
  if (af_network_policy_get_lan_only ())
    {
      self->poll_source = g_timeout_add_seconds (MAX (self->poll_min_s, 1), poll_cb, self);
      return G_SOURCE_REMOVE;
    }
  af_privacy_poll_async (self, self->cancellable, poll_done_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

void
af_privacy_start_polling (AfPrivacy *self,
                          guint      min_interval_s)
{
  g_return_if_fail (AF_IS_PRIVACY (self));
  self->poll_min_s = MAX (min_interval_s, 1);
  if (self->poll_source == 0)
    self->poll_source = g_idle_add (poll_cb, self);
}

void
af_privacy_stop_polling (AfPrivacy *self)
{
  g_return_if_fail (AF_IS_PRIVACY (self));
  self->poll_min_s = 0;
  g_clear_handle_id (&self->poll_source, g_source_remove);
}

void
af_privacy_describe_event (AfPrivacyRequest  *request,
                           AfPrivacyEvent     event,
                           char             **title,
                           char             **body)
{
  const char *type = af_privacy_request_type_describe (af_privacy_request_get_request_type (request));

  g_return_if_fail (AF_IS_PRIVACY_REQUEST (request));
  switch (event)
    {
    case AF_PRIVACY_EVENT_COMPLETED:
      *title = g_strdup_printf (_("%s: completed"), type);
      *body = g_strdup (af_privacy_request_get_outcome (request) != NULL
                        ? af_privacy_request_get_outcome (request)
                        : _("AtomForm has completed your request."));
      break;
    case AF_PRIVACY_EVENT_REJECTED:
      *title = g_strdup_printf (_("%s: rejected"), type);
      *body = g_strdup (af_privacy_request_get_rejection_reason (request) != NULL
                        ? af_privacy_request_get_rejection_reason (request)
                        : _("AtomForm rejected your request without a reason."));
      break;
    case AF_PRIVACY_EVENT_OVERDUE:
    default:
      *title = g_strdup_printf (_("%s: deadline passed"), type);
      *body = g_strdup (_("AtomForm has not answered your request by its deadline. You may "
                          "complain to your data protection authority."));
      break;
    }
}

/* --- Download ------------------------------------------------------------ */

typedef struct
{
  char  *request_id;
  GFile *destination;
} Download;

static void
download_free (Download *download)
{
  g_free (download->request_id);
  g_clear_object (&download->destination);
  g_free (download);
}

static void
download_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  AfPrivacy *self = source;
  Download *download = data;
  g_autofree char *escaped = g_uri_escape_string (download->request_id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/v1/privacy/requests/%s", escaped);
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(AfCloudRequest) get = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  const char *result_url;
  GError *error = NULL;

  request = get_object (self->client, path, NULL, NULL, cancellable, &error);
  if (request == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  result_url = json_object_get_string_member_with_default (request, "result_url", NULL);
  if (result_url == NULL || result_url[0] != '/')
    {
      g_task_return_new_error (task, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_NO_RESULT,
                               _("Request %s has no copy to download (yet): only a completed "
                                 "access or portability request has one."),
                               download->request_id);
      return;
    }
  get = af_cloud_request_new ("GET", result_url);
  response = af_cloud_client_send (self->client, get, cancellable, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Written to a temporary file and renamed: never a partial copy. */
  if (!g_file_replace_contents (download->destination,
                                g_bytes_get_data (response->body, NULL),
                                g_bytes_get_size (response->body), NULL, FALSE,
                                G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
af_privacy_download_result_async (AfPrivacy           *self,
                                  const char          *request_id,
                                  GFile               *destination,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Download *download = g_new0 (Download, 1);

  g_return_if_fail (AF_IS_PRIVACY (self));
  g_return_if_fail (request_id != NULL && G_IS_FILE (destination));
  download->request_id = g_strdup (request_id);
  download->destination = g_object_ref (destination);
  g_task_set_source_tag (task, af_privacy_download_result_async);
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);
  g_task_run_in_thread (task, download_thread);
}

gboolean
af_privacy_download_result_finish (AfPrivacy     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- History deletions, per entry ---------------------------------------- */

static gboolean
action_covers_entry (AfPrivacyAction *action,
                     const char      *entry_id)
{
  g_autoptr(JsonObject) payload = NULL;
  JsonArray *array;

  if (af_privacy_action_get_kind (action) != AF_PRIVACY_ACTION_DELETE_HISTORY
      || (payload = af_privacy_action_dup_payload_object (action)) == NULL)
    return FALSE;
  if (json_object_get_boolean_member_with_default (payload, "all_entries", FALSE))
    return TRUE;
  array = json_object_get_array_member (payload, "entry_ids");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      if (g_strcmp0 (json_array_get_string_element (array, i), entry_id) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A request for all entries lists none. */
static gboolean
request_covers_entry (AfPrivacyRequest *request,
                      const char       *entry_id)
{
  const char *const *ids = af_privacy_request_get_entry_ids (request);

  if (af_privacy_request_get_pending_local (request) || af_privacy_request_is_closed (request)
      || g_strcmp0 (af_privacy_request_get_request_type (request), "history_deletion") != 0)
    return FALSE;
  return ids == NULL || ids[0] == NULL || g_strv_contains (ids, entry_id);
}

AfHistoryDeletion
af_privacy_get_history_deletion (AfPrivacy   *self,
                                 const char  *entry_id,
                                 GDateTime  **due_at)
{
  GListModel *requests;
  GListModel *outbox;

  g_return_val_if_fail (AF_IS_PRIVACY (self), AF_HISTORY_DELETION_NONE);
  g_return_val_if_fail (entry_id != NULL, AF_HISTORY_DELETION_NONE);

  if (due_at != NULL)
    *due_at = NULL;
  requests = G_LIST_MODEL (self->requests);
  for (guint i = 0; i < g_list_model_get_n_items (requests); i++)
    {
      g_autoptr(AfPrivacyRequest) request = g_list_model_get_item (requests, i);
      GDateTime *due;

      if (!request_covers_entry (request, entry_id))
        continue;
      due = af_privacy_request_get_due_at (request);
      if (due_at != NULL && due != NULL)
        *due_at = g_date_time_ref (due);
      return AF_HISTORY_DELETION_PENDING;
    }
  outbox = G_LIST_MODEL (self->outbox);
  for (guint i = 0; i < g_list_model_get_n_items (outbox); i++)
    {
      g_autoptr(AfPrivacyAction) action = g_list_model_get_item (outbox, i);

      if (action_covers_entry (action, entry_id))
        return AF_HISTORY_DELETION_QUEUED;
    }
  return AF_HISTORY_DELETION_NONE;
}

/* --- On this computer ------------------------------------------------- */

gboolean
af_privacy_is_incognito (AfPrivacy *self)
{
  g_return_val_if_fail (AF_IS_PRIVACY (self), FALSE);
  return self->incognito_printing;
}

gboolean
af_privacy_record_print (AfPrivacy   *self,
                         const char  *title,
                         const char  *printer,
                         const char  *route,
                         GBytes      *thumbnail_png,
                         const char  *cloud_entry_id,
                         GError     **error)
{
  g_return_val_if_fail (AF_IS_PRIVACY (self), FALSE);
  return af_local_store_add_history (self->store, title, printer, route, thumbnail_png,
                                     cloud_entry_id, self->incognito_printing, NULL, error);
}

gboolean
af_privacy_record_job (AfPrivacy   *self,
                       AfPrintJob  *job,
                       GError     **error)
{
  AfTransport *transport;
  AfPrinter *printer;
  const char *entry_id = NULL;
  g_autofree char *title = NULL;

  g_return_val_if_fail (AF_IS_PRIVACY (self), FALSE);
  g_return_val_if_fail (AF_IS_PRINT_JOB (job), FALSE);

  /* Incognito decides before anything of the print is even looked at. */
  if (self->incognito_printing)
    return TRUE;

  transport = af_print_job_get_transport (job);
  printer = af_transport_get_printer (transport);
  title = g_file_get_basename (af_print_job_get_file (job));
  if (AF_IS_CLOUD_TRANSPORT (transport))
    {
      AfCloudJob *cloud_job = af_cloud_transport_get_job (AF_CLOUD_TRANSPORT (transport));

      if (cloud_job != NULL)
        entry_id = af_cloud_job_get_history_entry_id (cloud_job);
    }
  return af_privacy_record_print (self, title, printer != NULL ? af_printer_get_name (printer) : NULL,
                                  AF_IS_CLOUD_TRANSPORT (transport) ? "cloud" : "lan", NULL,
                                  entry_id, error);
}

gboolean
af_privacy_forget_local_data (AfPrivacy  *self,
                              GError    **error)
{
  g_return_val_if_fail (AF_IS_PRIVACY (self), FALSE);
  if (!af_local_store_forget_local_data (self->store, error))
    return FALSE;
  af_privacy_load_cached (self);
  return TRUE;
}

/* --- GObject ------------------------------------------------------------- */

static void
af_privacy_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AfPrivacy *self = AF_PRIVACY (object);

  switch (prop_id)
    {
    case PROP_CLIENT: g_value_set_object (value, self->client); break;
    case PROP_STORE: g_value_set_object (value, self->store); break;
    case PROP_INCOGNITO_PRINTING: g_value_set_boolean (value, self->incognito_printing); break;
    case PROP_HISTORY_REPRINT: g_value_set_boolean (value, self->history_reprint); break;
    case PROP_FILE_RETENTION_DAYS: g_value_set_int (value, self->file_retention_days); break;
    case PROP_FILE_DELETION_DUE_AT: g_value_set_boxed (value, self->file_deletion_due_at); break;
    case PROP_SETTINGS_KNOWN: g_value_set_boolean (value, self->settings_known); break;
    case PROP_N_PENDING: g_value_set_uint (value, self->n_pending); break;
    case PROP_ONLINE: g_value_set_boolean (value, self->online); break;
    case PROP_LAST_ERROR: g_value_set_string (value, self->last_error); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_privacy_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  AfPrivacy *self = AF_PRIVACY (object);

  switch (prop_id)
    {
    case PROP_CLIENT: self->client = g_value_dup_object (value); break;
    case PROP_STORE: self->store = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
af_privacy_dispose (GObject *object)
{
  AfPrivacy *self = AF_PRIVACY (object);

  af_privacy_stop_polling (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (af_privacy_parent_class)->dispose (object);
}

static void
af_privacy_finalize (GObject *object)
{
  AfPrivacy *self = AF_PRIVACY (object);

  g_clear_object (&self->requests);
  g_clear_object (&self->consents);
  g_clear_object (&self->outbox);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->file_deletion_due_at, g_date_time_unref);
  g_clear_pointer (&self->notified, g_hash_table_unref);
  g_clear_pointer (&self->last_status, g_hash_table_unref);
  g_free (self->last_error);
  G_OBJECT_CLASS (af_privacy_parent_class)->finalize (object);
}

static void
af_privacy_class_init (AfPrivacyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = af_privacy_get_property;
  object_class->set_property = af_privacy_set_property;
  object_class->dispose = af_privacy_dispose;
  object_class->finalize = af_privacy_finalize;

  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, AF_TYPE_CLOUD_CLIENT, co);
  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, AF_TYPE_LOCAL_STORE, co);
  properties[PROP_INCOGNITO_PRINTING] = g_param_spec_boolean ("incognito-printing", NULL, NULL,
                                                              FALSE, ro);
  properties[PROP_HISTORY_REPRINT] = g_param_spec_boolean ("history-reprint", NULL, NULL,
                                                           TRUE, ro);
  properties[PROP_FILE_RETENTION_DAYS] = g_param_spec_int ("file-retention-days", NULL, NULL,
                                                           0, G_MAXINT, 90, ro);
  properties[PROP_FILE_DELETION_DUE_AT] = g_param_spec_boxed ("file-deletion-due-at", NULL, NULL,
                                                              G_TYPE_DATE_TIME, ro);
  properties[PROP_SETTINGS_KNOWN] = g_param_spec_boolean ("settings-known", NULL, NULL,
                                                          FALSE, ro);
  properties[PROP_N_PENDING] = g_param_spec_uint ("n-pending", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_ONLINE] = g_param_spec_boolean ("online", NULL, NULL, TRUE, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[REQUEST_EVENT] = g_signal_new ("request-event", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                         AF_TYPE_PRIVACY_REQUEST, G_TYPE_INT);
}

static void
af_privacy_init (AfPrivacy *self)
{
  self->requests = g_list_store_new (AF_TYPE_PRIVACY_REQUEST);
  self->consents = g_list_store_new (AF_TYPE_CONSENT);
  self->outbox = g_list_store_new (AF_TYPE_PRIVACY_ACTION);
  self->history_reprint = TRUE;
  self->file_retention_days = 90;
  self->online = TRUE;
  self->retry_after_hint = -1;
  self->cancellable = g_cancellable_new ();
  self->notified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->last_status = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

AfPrivacy *
af_privacy_new (AfCloudClient *client,
                AfLocalStore  *store)
{
  AfPrivacy *self;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (AF_IS_LOCAL_STORE (store), NULL);
  self = g_object_new (AF_TYPE_PRIVACY, "client", client, "store", store, NULL);
  af_privacy_load_cached (self);
  return self;
}

AfCloudClient *af_privacy_get_client (AfPrivacy *self) { return self->client; }
AfLocalStore *af_privacy_get_store (AfPrivacy *self) { return self->store; }
GListModel *af_privacy_get_requests (AfPrivacy *self) { return G_LIST_MODEL (self->requests); }
GListModel *af_privacy_get_consents (AfPrivacy *self) { return G_LIST_MODEL (self->consents); }
GListModel *af_privacy_get_outbox (AfPrivacy *self) { return G_LIST_MODEL (self->outbox); }
gboolean af_privacy_get_incognito_printing (AfPrivacy *self) { return self->incognito_printing; }
gboolean af_privacy_get_history_reprint (AfPrivacy *self) { return self->history_reprint; }
int af_privacy_get_file_retention_days (AfPrivacy *self) { return self->file_retention_days; }
GDateTime *af_privacy_get_file_deletion_due_at (AfPrivacy *self) { return self->file_deletion_due_at; }
gboolean af_privacy_get_settings_known (AfPrivacy *self) { return self->settings_known; }
guint af_privacy_get_n_pending (AfPrivacy *self) { return self->n_pending; }
gboolean af_privacy_get_online (AfPrivacy *self) { return self->online; }
const char *af_privacy_get_last_error (AfPrivacy *self) { return self->last_error; }
