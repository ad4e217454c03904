/* af-privacy.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-privacy"

#include "config.h"

#include "af-privacy.h"

/* First commit: the API only; the implementation follows. */

struct _AfPrivacy
{
  GObject        parent_instance;
  AfCloudClient *client;
  AfLocalStore  *store;
  GListStore    *requests;
  GListStore    *consents;
  GListStore    *outbox;
};

G_DEFINE_FINAL_TYPE (AfPrivacy, af_privacy, G_TYPE_OBJECT)

static void
af_privacy_dispose (GObject *object)
{
  AfPrivacy *self = AF_PRIVACY (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->requests);
  g_clear_object (&self->consents);
  g_clear_object (&self->outbox);
  G_OBJECT_CLASS (af_privacy_parent_class)->dispose (object);
}

static void
af_privacy_class_init (AfPrivacyClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = af_privacy_dispose;
  g_signal_new ("request-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 2, AF_TYPE_PRIVACY_REQUEST, G_TYPE_INT);
}

static void
af_privacy_init (AfPrivacy *self)
{
  self->requests = g_list_store_new (AF_TYPE_PRIVACY_REQUEST);
  self->consents = g_list_store_new (AF_TYPE_CONSENT);
  self->outbox = g_list_store_new (AF_TYPE_PRIVACY_ACTION);
}

AfPrivacy *
af_privacy_new (AfCloudClient *client,
                AfLocalStore  *store)
{
  AfPrivacy *self = g_object_new (AF_TYPE_PRIVACY, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  return self;
}

static void
not_yet (gpointer             source,
         gpointer             tag,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source, NULL, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not implemented yet");
}

AfCloudClient *af_privacy_get_client (AfPrivacy *self) { return self->client; }
AfLocalStore *af_privacy_get_store (AfPrivacy *self) { return self->store; }
GListModel *af_privacy_get_requests (AfPrivacy *self) { return G_LIST_MODEL (self->requests); }
GListModel *af_privacy_get_consents (AfPrivacy *self) { return G_LIST_MODEL (self->consents); }
GListModel *af_privacy_get_outbox (AfPrivacy *self) { return G_LIST_MODEL (self->outbox); }
gboolean af_privacy_get_incognito_printing (AfPrivacy *self) { return FALSE; }
gboolean af_privacy_get_history_reprint (AfPrivacy *self) { return TRUE; }
int af_privacy_get_file_retention_days (AfPrivacy *self) { return 90; }
GDateTime *af_privacy_get_file_deletion_due_at (AfPrivacy *self) { return NULL; }
gboolean af_privacy_get_settings_known (AfPrivacy *self) { return FALSE; }
guint af_privacy_get_n_pending (AfPrivacy *self) { return 0; }
gboolean af_privacy_get_online (AfPrivacy *self) { return TRUE; }
const char *af_privacy_get_last_error (AfPrivacy *self) { return NULL; }
void af_privacy_load_cached (AfPrivacy *self) { }

void
af_privacy_refresh_async (AfPrivacy *self, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  not_yet (self, af_privacy_refresh_async, callback, user_data);
}

gboolean
af_privacy_refresh_finish (AfPrivacy *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
af_privacy_set_setting_async (AfPrivacy *self, AfPrivacySetting setting, gboolean value,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  not_yet (self, af_privacy_set_setting_async, callback, user_data);
}

void
af_privacy_withdraw_consent_async (AfPrivacy *self, const char *purpose_id,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  not_yet (self, af_privacy_withdraw_consent_async, callback, user_data);
}

void
af_privacy_delete_history_async (AfPrivacy *self, const char *const *entry_ids, gboolean all,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  not_yet (self, af_privacy_delete_history_async, callback, user_data);
}

void
af_privacy_create_request_async (AfPrivacy *self, const char *type, const char *details,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  not_yet (self, af_privacy_create_request_async, callback, user_data);
}

void
af_privacy_cancel_request_async (AfPrivacy *self, const char *request_id,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  not_yet (self, af_privacy_cancel_request_async, callback, user_data);
}

AfPrivacyAction *
af_privacy_action_finish (AfPrivacy *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
af_privacy_flush_async (AfPrivacy *self, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  not_yet (self, af_privacy_flush_async, callback, user_data);
}

guint
af_privacy_flush_finish (AfPrivacy *self, GAsyncResult *result, GError **error)
{
  return (guint) g_task_propagate_int (G_TASK (result), error);
}

void af_privacy_start_polling (AfPrivacy *self, guint min_interval_s) { }
void af_privacy_stop_polling (AfPrivacy *self) { }

void
af_privacy_poll_async (AfPrivacy *self, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  not_yet (self, af_privacy_poll_async, callback, user_data);
}

gboolean
af_privacy_poll_finish (AfPrivacy *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
af_privacy_describe_event (AfPrivacyRequest *request, AfPrivacyEvent event,
                           char **title, char **body)
{
  *title = g_strdup ("");
  *body = g_strdup ("");
}

void
af_privacy_download_result_async (AfPrivacy *self, const char *request_id, GFile *destination,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  not_yet (self, af_privacy_download_result_async, callback, user_data);
}

gboolean
af_privacy_download_result_finish (AfPrivacy *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean af_privacy_is_incognito (AfPrivacy *self) { return FALSE; }

gboolean
af_privacy_record_print (AfPrivacy *self, const char *title, const char *printer,
                         const char *route, GBytes *thumbnail_png, const char *cloud_entry_id,
                         GError **error)
{
  return af_local_store_add_history (self->store, title, printer, route, thumbnail_png,
                                     cloud_entry_id, FALSE, NULL, error);
}

gboolean
af_privacy_forget_local_data (AfPrivacy *self, GError **error)
{
  return af_local_store_forget_local_data (self->store, error);
}
