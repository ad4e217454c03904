/* test-privacy.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-privacy"

#include "config.h"

#include <glib/gstdio.h>

#include "af-core.h"
#include "af-privacy-private.h"

/* The local store's limits at and just past each, incognito on this
 * computer, request parsing and the LAN-only gate in the cloud client's
 * request path. The database lives in /dev/shm when it can (each write is a
 * synchronous transaction), in a fresh folder per test.
 */

static char *
temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir;

  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR))
    {
      dir = g_build_filename ("/dev/shm", "af-privacy-XXXXXX", NULL);
      if (g_mkdtemp (dir) != NULL)
        return dir;
      g_free (dir);
    }
  dir = g_dir_make_tmp ("af-privacy-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static AfLocalStore *
store_new (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  AfLocalStore *store;

  *dir = temp_dir ();
  path = g_build_filename (*dir, "state", "local.sqlite", NULL);
  store = af_local_store_new (path, &error);
  g_assert_no_error (error);
  return store;
}

static void
remove_tree (const char *dir)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);

  g_assert_cmpint (system (command), ==, 0);
}

static guint
n_items (GListModel *model)
{
  return g_list_model_get_n_items (model);
}

static void
test_activity_cap (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(AfLocalStore) store = store_new (&dir);
  g_autoptr(GListModel) log = NULL;
  g_autoptr(AfActivityEntry) newest = NULL;
  g_autoptr(AfActivityEntry) oldest = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < AF_LOCAL_STORE_MAX_ACTIVITY; i++)
    g_assert_true (af_local_store_record_activity (store, "printer.local", 8883,
                                                   AF_NETWORK_PURPOSE_LAN_MQTT, i, 2 * i,
                                                   TRUE, &error));
  log = af_local_store_list_activity (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_items (log), ==, AF_LOCAL_STORE_MAX_ACTIVITY);
  g_clear_object (&log);

  /* One past the limit: the oldest row goes, in the same transaction. */
  g_assert_true (af_local_store_record_activity (store, "api.atomform.tech", 443,
                                                 AF_NETWORK_PURPOSE_CLOUD_API, 7, 9, FALSE,
                                                 &error));
  log = af_local_store_list_activity (store, 0, &error);
  g_assert_cmpuint (n_items (log), ==, AF_LOCAL_STORE_MAX_ACTIVITY);
  newest = g_list_model_get_item (log, 0);
  oldest = g_list_model_get_item (log, AF_LOCAL_STORE_MAX_ACTIVITY - 1);
  g_assert_cmpstr (af_activity_entry_get_host (newest), ==, "api.atomform.tech");
  g_assert_cmpuint (af_activity_entry_get_port (newest), ==, 443);
  g_assert_cmpint (af_activity_entry_get_purpose (newest), ==, AF_NETWORK_PURPOSE_CLOUD_API);
  g_assert_cmpuint (af_activity_entry_get_bytes_sent (newest), ==, 7);
  g_assert_cmpuint (af_activity_entry_get_bytes_received (newest), ==, 9);
  g_assert_false (af_activity_entry_get_succeeded (newest));
  /* Row 1 (bytes_sent 0) was dropped; row 2 (bytes_sent 1) is the oldest. */
  g_assert_cmpuint (af_activity_entry_get_bytes_sent (oldest), ==, 1);
  g_clear_object (&log);

  log = af_local_store_list_activity (store, 5, &error);
  g_assert_cmpuint (n_items (log), ==, 5);
  g_clear_object (&log);
  g_assert_true (af_local_store_clear_activity (store, &error));
  log = af_local_store_list_activity (store, 0, &error);
  g_assert_cmpuint (n_items (log), ==, 0);
  remove_tree (dir);
}

static void
test_outbox_limits (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(AfLocalStore) store = store_new (&dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfPrivacyAction) first = NULL;
  g_autoptr(AfPrivacyAction) refused = NULL;
  g_autoptr(AfPrivacyAction) again = NULL;
  g_autoptr(GListModel) pending = NULL;
  g_autofree char *big = NULL;
  g_autofree char *too_big = NULL;

  /* The payload limit: at it, and one byte past. */
  big = g_strnfill (AF_LOCAL_STORE_MAX_PAYLOAD, 'x');
  memcpy (big, "{\"x\":\"", 6);
  big[AF_LOCAL_STORE_MAX_PAYLOAD - 2] = '"';
  big[AF_LOCAL_STORE_MAX_PAYLOAD - 1] = '}';
  first = af_local_store_outbox_add (store, AF_PRIVACY_ACTION_CREATE_REQUEST, big, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_true (g_uuid_string_is_valid (af_privacy_action_get_key (first)));
  g_assert_cmpint (af_privacy_action_get_state (first), ==, AF_PRIVACY_ACTION_PENDING);
  too_big = g_strconcat (big, " ", NULL);
  refused = af_local_store_outbox_add (store, AF_PRIVACY_ACTION_CREATE_REQUEST, too_big, &error);
  g_assert_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LIMIT);
  g_assert_null (refused);
  g_clear_error (&error);

  for (guint i = 1; i < AF_LOCAL_STORE_MAX_OUTBOX; i++)
    {
      g_autoptr(AfPrivacyAction) action =
        af_local_store_outbox_add (store, AF_PRIVACY_ACTION_WITHDRAW_CONSENT,
                                   "{\"purpose_id\":\"marketing\"}", &error);
      g_assert_no_error (error);
      g_assert_nonnull (action);
    }
  g_assert_cmpuint (af_local_store_outbox_count_pending (store), ==, AF_LOCAL_STORE_MAX_OUTBOX);
  /* One past: refused, never dropped silently. */
  refused = af_local_store_outbox_add (store, AF_PRIVACY_ACTION_WITHDRAW_CONSENT, "{}", &error);
  g_assert_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LIMIT);
  g_clear_error (&error);
  g_assert_cmpuint (af_local_store_outbox_count_pending (store), ==, AF_LOCAL_STORE_MAX_OUTBOX);

  /* Acknowledged, the first makes room; its key stays with its row. */
  g_assert_true (af_local_store_outbox_finish (store, af_privacy_action_get_id (first),
                                               AF_PRIVACY_ACTION_DONE, "prq_1", NULL, &error));
  again = af_local_store_outbox_get (store, af_privacy_action_get_id (first));
  g_assert_cmpstr (af_privacy_action_get_key (again), ==, af_privacy_action_get_key (first));
  g_assert_cmpstr (af_privacy_action_get_request_id (again), ==, "prq_1");
  g_assert_cmpint (af_privacy_action_get_state (again), ==, AF_PRIVACY_ACTION_DONE);
  g_clear_object (&again);
  again = af_local_store_outbox_add (store, AF_PRIVACY_ACTION_WITHDRAW_CONSENT, "{}", &error);
  g_assert_no_error (error);
  pending = af_local_store_outbox_list_pending (store, &error);
  g_assert_cmpuint (n_items (pending), ==, AF_LOCAL_STORE_MAX_OUTBOX);
  remove_tree (dir);
}

static GBytes *
png_bytes (void)
{
  static const guint8 data[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0 };

  return g_bytes_new_static (data, sizeof data);
}

static guint
count_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_history_incognito_and_cap (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(AfLocalStore) store = store_new (&dir);
  g_autofree char *thumbs = af_local_store_get_thumbnail_dir ();
  g_autoptr(GBytes) png = png_bytes ();
  g_autoptr(GListModel) history = NULL;
  g_autoptr(AfLocalHistoryEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = -1;

  /* Incognito leaves nothing here: no row, no cached thumbnail. */
  g_assert_true (af_local_store_add_history (store, "secret-part.gcode.3mf", "Bench", "cloud",
                                             png, "his_1", TRUE, &id, &error));
  g_assert_cmpint (id, ==, 0);
  history = af_local_store_list_history (store, &error);
  g_assert_cmpuint (n_items (history), ==, 0);
  g_assert_cmpuint (count_files (thumbs), ==, 0);
  g_clear_object (&history);

  for (guint i = 0; i < AF_LOCAL_STORE_MAX_HISTORY + 1; i++)
    {
      g_autofree char *title = g_strdup_printf ("part-%u", i);
      g_assert_true (af_local_store_add_history (store, title, "Bench", "lan", png,
                                                 i == 0 ? "his_first" : NULL, FALSE, &id,
                                                 &error));
      g_assert_cmpint (id, >, 0);
    }
  history = af_local_store_list_history (store, &error);
  g_assert_cmpuint (n_items (history), ==, AF_LOCAL_STORE_MAX_HISTORY);
  g_assert_cmpuint (count_files (thumbs), ==, AF_LOCAL_STORE_MAX_HISTORY);
  entry = g_list_model_get_item (history, AF_LOCAL_STORE_MAX_HISTORY - 1);
  g_assert_cmpstr (af_local_history_entry_get_title (entry), ==, "part-1");
  g_clear_object (&entry);
  entry = g_list_model_get_item (history, 0);
  g_assert_cmpstr (af_local_history_entry_get_title (entry), ==, "part-1000");
  g_assert_true (g_file_test (af_local_history_entry_get_thumbnail_path (entry),
                              G_FILE_TEST_IS_REGULAR));
  g_clear_object (&history);

  g_assert_true (af_local_store_forget_local_data (store, &error));
  history = af_local_store_list_history (store, &error);
  g_assert_cmpuint (n_items (history), ==, 0);
  g_assert_cmpuint (count_files (thumbs), ==, 0);
  remove_tree (dir);
}

static void
test_request_parse (void)
{
  static const char json[] =
    "{\"id\": \"prq_4GkQ2\", \"type\": \"history_deletion\", \"article\": \"Art. 17\","
    " \"status\": \"pending\", \"received_at\": \"2026-12-04T09:00:00Z\","
    " \"sla_due_at\": \"2026-12-07T09:00:00Z\", \"legal_due_at\": \"2027-01-04T09:00:00Z\","
    " \"due_at\": \"2026-12-07T09:00:00Z\", \"entry_ids\": [\"his_a\", \"his_b\"],"
    " \"cancellable\": false, \"result_bytes\": null}";
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(AfPrivacyRequest) request = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_utc (2026, 12, 7, 8, 59, 0);
  g_autoptr(GDateTime) after = g_date_time_new_utc (2026, 12, 7, 9, 0, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  request = af_privacy_request_new_from_json (json_node_get_object (json_parser_get_root (parser)),
                                              &error);
  g_assert_no_error (error);
  g_assert_cmpstr (af_privacy_request_get_request_type (request), ==, "history_deletion");
  g_assert_cmpstr (af_privacy_request_get_entry_ids (request)[1], ==, "his_b");
  g_assert_cmpint (af_privacy_request_get_result_bytes (request), ==, -1);
  g_assert_false (af_privacy_request_is_overdue (request, before));
  g_assert_true (af_privacy_request_is_overdue (request, after));
  g_assert_false (af_privacy_request_is_closed (request));
  g_assert_finalize_object (g_steal_pointer (&request));

  g_assert_true (json_parser_load_from_data (parser, "{\"id\": \"x\"}", -1, &error));
  request = af_privacy_request_new_from_json (json_node_get_object (json_parser_get_root (parser)),
                                              &error);
  g_assert_null (request);
  g_assert_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_FAILED);
}

/* LAN-only is enforced in the client's one request path: nothing goes on
 * the wire (n_sent stays 0) and the activity log gets no row.
 */
static void
test_lan_only_gate (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(AfLocalStore) store = store_new (&dir);
  g_autoptr(AfCloudClient) client = af_cloud_client_new ("https://127.0.0.1:9", NULL);
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("GET", "/v1/service-status");
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(GListModel) log = NULL;
  g_autoptr(GError) error = NULL;

  af_local_store_set_default (store);
  af_cloud_request_set_anonymous (request);
  af_cloud_request_set_retry (request, FALSE);

  af_network_policy_set_lan_only (TRUE);
  response = af_cloud_client_send (client, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LAN_ONLY);
  g_assert_nonnull (strstr (error->message, "LAN-only mode is on"));
  g_assert_cmpuint (af_cloud_request_get_n_sent (request), ==, 0);
  log = af_local_store_list_activity (store, 0, NULL);
  g_assert_cmpuint (n_items (log), ==, 0);
  g_clear_object (&log);
  g_clear_error (&error);

  /* Off: the try goes out (port 9 refuses) and is logged, failed. */
  af_network_policy_set_lan_only (FALSE);
  response = af_cloud_client_send (client, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NETWORK);
  g_assert_cmpuint (af_cloud_request_get_n_sent (request), ==, 1);
  /* The try, and the service status the engine asks after a network
   * failure to say which service is down.
   */
  log = af_local_store_list_activity (store, 0, NULL);
  g_assert_cmpuint (n_items (log), ==, 2);
  {
    g_autoptr(AfActivityEntry) entry = g_list_model_get_item (log, 0);
    g_assert_cmpstr (af_activity_entry_get_host (entry), ==, "127.0.0.1");
    g_assert_cmpint (af_activity_entry_get_purpose (entry), ==, AF_NETWORK_PURPOSE_CLOUD_API);
    g_assert_false (af_activity_entry_get_succeeded (entry));
  }
  af_local_store_set_default (NULL);
  remove_tree (dir);
}

/* Incognito on this computer holds without a cloud answer: a change the
 * user made offline or signed out (still in the outbox) counts at once, and
 * clearing local data keeps the last known settings, so a print made right
 * after is not remembered.
 */
static void
test_incognito_offline (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(AfLocalStore) store = store_new (&dir);
  g_autoptr(AfCloudClient) client = af_cloud_client_new ("https://127.0.0.1:9", NULL);
  g_autoptr(AfPrivacy) privacy = af_privacy_new (client, store);
  g_autoptr(AfPrivacy) later = NULL;
  g_autoptr(AfPrivacyAction) action = NULL;
  g_autoptr(GListModel) history = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (af_privacy_is_incognito (privacy));
  action = af_local_store_outbox_add (store, AF_PRIVACY_ACTION_SET_SETTINGS,
                                      "{\"incognito_printing\": true}", &error);
  g_assert_no_error (error);
  af_privacy_load_cached (privacy);
  g_assert_true (af_privacy_is_incognito (privacy));
  g_assert_false (af_privacy_get_settings_known (privacy));
  g_assert_true (af_privacy_record_print (privacy, "secret-part.gcode.3mf", "Bench", "lan",
                                          NULL, NULL, &error));
  history = af_local_store_list_history (store, &error);
  g_assert_cmpuint (n_items (history), ==, 0);
  g_clear_object (&history);

  /* The cloud's answer, acknowledged; then Clear Local Data. */
  g_assert_true (af_local_store_outbox_finish (store, af_privacy_action_get_id (action),
                                                  AF_PRIVACY_ACTION_DONE, NULL, NULL, &error));
  g_assert_true (af_local_store_cache_set (store, "settings",
                                           "{\"incognito_printing\": true, "
                                           "\"history_reprint\": true, "
                                           "\"file_retention_days\": 90}", &error));
  g_assert_true (af_local_store_forget_local_data (store, &error));
  later = af_privacy_new (client, store);
  g_assert_true (af_privacy_is_incognito (later));
  g_assert_true (af_privacy_record_print (later, "secret-part.gcode.3mf", "Bench", "lan",
                                          NULL, NULL, &error));
  history = af_local_store_list_history (store, &error);
  g_assert_cmpuint (n_items (history), ==, 0);
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = temp_dir ();

  /* Thumbnails go to the cache folder: a test's own. */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/af/privacy/store/activity-cap", test_activity_cap);
  g_test_add_func ("/af/privacy/store/outbox-limits", test_outbox_limits);
  g_test_add_func ("/af/privacy/store/history-incognito-and-cap", test_history_incognito_and_cap);
  g_test_add_func ("/af/privacy/request/parse", test_request_parse);
  g_test_add_func ("/af/privacy/lan-only-gate", test_lan_only_gate);
  g_test_add_func ("/af/privacy/incognito-offline", test_incognito_offline);
  return g_test_run ();
}
