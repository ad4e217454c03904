/* af-local-store.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-local-store"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "af-handoff.h"
#include "af-local-store.h"
#include "af-privacy-error.h"
#include "af-privacy-private.h"

struct _AfLocalStore
{
  GObject  parent_instance;
  char    *path;
  sqlite3 *db;
  GMutex   lock;
};

G_DEFINE_FINAL_TYPE (AfLocalStore, af_local_store, G_TYPE_OBJECT)

static GMutex        default_lock;
static AfLocalStore *default_store;
static gboolean      default_failed;

/* Version 1. Times are microseconds since the epoch (UTC). */
static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS activity ("
  "  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, host TEXT NOT NULL,"
  "  port INTEGER NOT NULL, purpose TEXT NOT NULL, bytes_sent INTEGER NOT NULL,"
  "  bytes_received INTEGER NOT NULL, succeeded INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS history ("
  "  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, title TEXT NOT NULL,"
  "  printer TEXT, route TEXT NOT NULL, thumbnail TEXT, cloud_entry_id TEXT);"
  "CREATE TABLE IF NOT EXISTS outbox ("
  "  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
  "  payload TEXT NOT NULL, created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT, request_id TEXT, finished_at INTEGER);"
  "CREATE TABLE IF NOT EXISTS cache (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "PRAGMA user_version = 1;";

static void
af_local_store_finalize (GObject *object)
{
  AfLocalStore *self = AF_LOCAL_STORE (object);

  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (af_local_store_parent_class)->finalize (object);
}

static void
af_local_store_class_init (AfLocalStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = af_local_store_finalize;
}

static void
af_local_store_init (AfLocalStore *self)
{
  g_mutex_init (&self->lock);
}

static gboolean
set_db_error (AfLocalStore *self,
              GError      **error)
{
  g_debug ("SQLite: %s", sqlite3_errmsg (self->db));
  g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
               _("Could not use the local data file “%s”: %s. Check that the disk is not "
                 "full and the file is writable."),
               self->path, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (AfLocalStore *self,
      const char   *sql,
      GError      **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_db_error (self, error);
  return TRUE;
}

static sqlite3_stmt *
prepare (AfLocalStore *self,
         const char   *sql,
         GError      **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (self, error);
      return NULL;
    }
  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Runs a statement that returns no rows. */
static gboolean
step_done (AfLocalStore *self,
           sqlite3_stmt *stmt,
           GError      **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_db_error (self, error);
  return TRUE;
}

AfLocalStore *
af_local_store_new (const char *path,
                    GError    **error)
{
  g_autoptr(AfLocalStore) self = g_object_new (AF_TYPE_LOCAL_STORE, NULL);
  g_autofree char *folder = g_path_get_dirname (path);

  g_return_val_if_fail (path != NULL, NULL);
  self->path = g_strdup (path);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
                   _("Could not create the folder “%s” for local data: %s."),
                   folder, g_strerror (saved));
      return NULL;
    }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                       | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      set_db_error (self, error);
      return NULL;
    }
  g_chmod (path, 0600);
  /* Another process (the window and the command line) may hold the write
   * lock for a moment: wait rather than fail.
   */
  sqlite3_busy_timeout (self->db, 5000);
  if (!exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                   "PRAGMA foreign_keys = ON;", error)
      || !exec (self, schema_sql, error))
    return NULL;
  return g_steal_pointer (&self);
}

char *
af_local_store_default_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "atomform-connect", "local.sqlite", NULL);
}

char *
af_local_store_get_thumbnail_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "atomform-connect", "thumbnails", NULL);
}

AfLocalStore *
af_local_store_dup_default (void)
{
  AfLocalStore *store = NULL;

  g_mutex_lock (&default_lock);
  if (default_store == NULL && !default_failed)
    {
      g_autofree char *path = af_local_store_default_path ();
      g_autoptr(GError) error = NULL;

      default_store = af_local_store_new (path, &error);
      if (default_store == NULL)
        {
          g_debug ("No local store: %s", error->message);
          default_failed = TRUE;
        }
    }
  if (default_store != NULL)
    store = g_object_ref (default_store);
  g_mutex_unlock (&default_lock);
  return store;
}

AfLocalStore *
af_local_store_get_default (void)
{
  g_autoptr(AfLocalStore) store = af_local_store_dup_default ();

  /* The default keeps its own reference until replaced. */
  return store;
}

void
af_local_store_set_default (AfLocalStore *store)
{
  g_mutex_lock (&default_lock);
  g_set_object (&default_store, store);
  default_failed = FALSE;
  g_mutex_unlock (&default_lock);
}

const char *
af_local_store_get_path (AfLocalStore *self)
{
  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  return self->path;
}

static GDateTime *
time_from_us (gint64 us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);

  if (seconds == NULL)
    return NULL;
  return g_date_time_add (seconds, us % G_USEC_PER_SEC);
}

static gint64
time_to_us (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/* --- The network activity log ----------------------------------------- */

gboolean
af_local_store_record_activity (AfLocalStore    *self,
                                const char      *host,
                                guint            port,
                                AfNetworkPurpose purpose,
                                guint64          bytes_sent,
                                guint64          bytes_received,
                                gboolean         succeeded,
                                GError         **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) trim = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (!exec (self, "BEGIN IMMEDIATE", error))
    goto out;
  insert = prepare (self, "INSERT INTO activity (time, host, port, purpose, bytes_sent,"
                          " bytes_received, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  trim = prepare (self, "DELETE FROM activity WHERE id <= (SELECT id FROM activity"
                        " ORDER BY id DESC LIMIT 1 OFFSET ?)", error);
  if (insert == NULL || trim == NULL)
    goto rollback;
  sqlite3_bind_int64 (insert, 1, g_get_real_time ());
  sqlite3_bind_text (insert, 2, host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (insert, 3, (int) port);
  sqlite3_bind_text (insert, 4, af_network_purpose_to_string (purpose), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 5, (sqlite3_int64) MIN (bytes_sent, G_MAXINT64));
  sqlite3_bind_int64 (insert, 6, (sqlite3_int64) MIN (bytes_received, G_MAXINT64));
  sqlite3_bind_int (insert, 7, !!succeeded);
  sqlite3_bind_int (trim, 1, AF_LOCAL_STORE_MAX_ACTIVITY);
  if (!step_done (self, insert, error) || !step_done (self, trim, error))
    goto rollback;
  ok = exec (self, "COMMIT", error);
  if (ok)
    goto out;
rollback:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
out:
  g_mutex_unlock (&self->lock);
  return ok;
}

GListModel *
af_local_store_list_activity (AfLocalStore *self,
                              guint         limit,
                              GError      **error)
{
  g_autoptr(GListStore) list = g_list_store_new (AF_TYPE_ACTIVITY_ENTRY);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "SELECT id, time, host, port, purpose, bytes_sent, bytes_received,"
                        " succeeded FROM activity ORDER BY id DESC LIMIT ?", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GDateTime) time = time_from_us (sqlite3_column_int64 (stmt, 1));
      int purpose = af_network_purpose_from_string ((const char *) sqlite3_column_text (stmt, 4));
      g_autoptr(AfActivityEntry) entry = NULL;

      if (purpose < 0 || time == NULL)
        continue;
      entry = af_activity_entry_new (sqlite3_column_int64 (stmt, 0), time,
                                     (const char *) sqlite3_column_text (stmt, 2),
                                     (guint) sqlite3_column_int (stmt, 3), purpose,
                                     (guint64) sqlite3_column_int64 (stmt, 5),
                                     (guint64) sqlite3_column_int64 (stmt, 6),
                                     sqlite3_column_int (stmt, 7));
      g_list_store_append (list, entry);
    }
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  g_mutex_unlock (&self->lock);
  return G_LIST_MODEL (g_steal_pointer (&list));
}

static gboolean
exec_locked (AfLocalStore *self,
             const char   *sql,
             GError      **error)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = exec (self, sql, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
af_local_store_clear_activity (AfLocalStore *self,
                               GError      **error)
{
  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  return exec_locked (self, "DELETE FROM activity", error);
}

/* --- The local submission history ------------------------------------- */

static char *
write_thumbnail (GBytes  *png,
                 GError **error)
{
  g_autofree char *folder = af_local_store_get_thumbnail_dir ();
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uuid = g_uuid_string_random ();

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
                   _("Could not create the folder “%s” for thumbnails: %s."),
                   folder, g_strerror (saved));
      return NULL;
    }
  name = g_strconcat ("local-", uuid, ".png", NULL);
  path = g_build_filename (folder, name, NULL);
  if (!g_file_set_contents_full (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&path);
}

gboolean
af_local_store_add_history (AfLocalStore *self,
                            const char   *title,
                            const char   *printer,
                            const char   *route,
                            GBytes       *thumbnail_png,
                            const char   *cloud_entry_id,
                            gboolean      incognito,
                            gint64       *id,
                            GError      **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) old = NULL;
  g_autofree char *thumbnail = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_return_val_if_fail (title != NULL && route != NULL, FALSE);

  if (id != NULL)
    *id = 0;
  /* An incognito print leaves nothing on this computer either. */
  if (incognito)
    return TRUE;
  if (thumbnail_png != NULL && g_bytes_get_size (thumbnail_png) > 0)
    {
      thumbnail = write_thumbnail (thumbnail_png, error);
      if (thumbnail == NULL)
        return FALSE;
    }

  g_mutex_lock (&self->lock);
  if (!exec (self, "BEGIN IMMEDIATE", error))
    goto out;
  insert = prepare (self, "INSERT INTO history (time, title, printer, route, thumbnail,"
                          " cloud_entry_id) VALUES (?, ?, ?, ?, ?, ?)", error);
  old = prepare (self, "DELETE FROM history WHERE id <= (SELECT id FROM history ORDER BY id"
                       " DESC LIMIT 1 OFFSET ?) RETURNING thumbnail", error);
  if (insert == NULL || old == NULL)
    goto rollback;
  sqlite3_bind_int64 (insert, 1, g_get_real_time ());
  sqlite3_bind_text (insert, 2, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 3, printer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 4, route, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 5, thumbnail, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 6, cloud_entry_id, -1, SQLITE_TRANSIENT);
  if (!step_done (self, insert, error))
    goto rollback;
  if (id != NULL)
    *id = sqlite3_last_insert_rowid (self->db);
  sqlite3_bind_int (old, 1, AF_LOCAL_STORE_MAX_HISTORY);
  while (sqlite3_step (old) == SQLITE_ROW)
    if (sqlite3_column_text (old, 0) != NULL)
      g_unlink ((const char *) sqlite3_column_text (old, 0));
  sqlite3_reset (old);
  ok = exec (self, "COMMIT", error);
  if (ok)
    goto out;
rollback:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (thumbnail != NULL)
    g_unlink (thumbnail);
out:
  g_mutex_unlock (&self->lock);
  return ok;
}

GListModel *
af_local_store_list_history (AfLocalStore *self,
                             GError      **error)
{
  g_autoptr(GListStore) list = g_list_store_new (AF_TYPE_LOCAL_HISTORY_ENTRY);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "SELECT id, time, title, printer, route, thumbnail, cloud_entry_id"
                        " FROM history ORDER BY id DESC", error);
  if (stmt == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GDateTime) time = time_from_us (sqlite3_column_int64 (stmt, 1));
      g_autoptr(AfLocalHistoryEntry) entry =
        af_local_history_entry_new (sqlite3_column_int64 (stmt, 0), time,
                                    (const char *) sqlite3_column_text (stmt, 2),
                                    (const char *) sqlite3_column_text (stmt, 3),
                                    (const char *) sqlite3_column_text (stmt, 4),
                                    (const char *) sqlite3_column_text (stmt, 5),
                                    (const char *) sqlite3_column_text (stmt, 6));
      g_list_store_append (list, entry);
    }
  if (rc != SQLITE_DONE)
    set_db_error (self, error);
  g_mutex_unlock (&self->lock);
  if (rc != SQLITE_DONE)
    return NULL;
  return G_LIST_MODEL (g_steal_pointer (&list));
}

/* Deletes the history rows stmt selects (bound already) with their thumbnails. */
static gboolean
delete_history_rows (AfLocalStore *self,
                     sqlite3_stmt *stmt,
                     GError      **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (sqlite3_column_text (stmt, 0) != NULL)
      g_unlink ((const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    return set_db_error (self, error);
  return TRUE;
}

gboolean
af_local_store_forget_cloud_entries (AfLocalStore       *self,
                                     const char *const  *cloud_entry_ids,
                                     GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_mutex_lock (&self->lock);
  if (cloud_entry_ids == NULL)
    {
      stmt = prepare (self, "DELETE FROM history WHERE cloud_entry_id IS NOT NULL"
                            " RETURNING thumbnail", error);
      ok = stmt != NULL && delete_history_rows (self, stmt, error);
      g_mutex_unlock (&self->lock);
      return ok;
    }
  stmt = prepare (self, "DELETE FROM history WHERE cloud_entry_id = ? RETURNING thumbnail",
                  error);
  ok = stmt != NULL;
  for (guint i = 0; ok && cloud_entry_ids != NULL && cloud_entry_ids[i] != NULL; i++)
    {
      sqlite3_bind_text (stmt, 1, cloud_entry_ids[i], -1, SQLITE_TRANSIENT);
      ok = delete_history_rows (self, stmt, error);
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
af_local_store_clear_history (AfLocalStore *self,
                              GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "DELETE FROM history RETURNING thumbnail", error);
  ok = stmt != NULL && delete_history_rows (self, stmt, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
af_local_store_clear_thumbnails (AfLocalStore *self,
                                 GError      **error)
{
  g_autofree char *folder = af_local_store_get_thumbnail_dir ();
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  dir = g_dir_open (folder, 0, &local_error);
  if (dir == NULL)
    return TRUE;   /* no folder: nothing cached */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_STORE,
                       _("Could not delete the cached thumbnail “%s”: %s."),
                       path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

/* --- The outbox --------------------------------------------------------- */

static AfPrivacyAction *
action_from_row (sqlite3_stmt *stmt)
{
  g_autoptr(GDateTime) created = time_from_us (sqlite3_column_int64 (stmt, 4));
  g_autoptr(GDateTime) next = time_from_us (sqlite3_column_int64 (stmt, 5));
  int kind = af_privacy_action_kind_from_string ((const char *) sqlite3_column_text (stmt, 2));

  if (kind < 0 || created == NULL)
    return NULL;
  return af_privacy_action_new (sqlite3_column_int64 (stmt, 0),
                                (const char *) sqlite3_column_text (stmt, 1), kind,
                                (const char *) sqlite3_column_text (stmt, 3), created, next,
                                (guint) sqlite3_column_int (stmt, 6),
                                (AfPrivacyActionState) sqlite3_column_int (stmt, 7),
                                (const char *) sqlite3_column_text (stmt, 8),
                                (const char *) sqlite3_column_text (stmt, 9));
}

#define ACTION_COLUMNS "id, key, kind, payload, created_at, next_attempt_at, attempts, state," \
                       " last_error, request_id"

static guint
count_pending_locked (AfLocalStore *self)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT count(*) FROM outbox WHERE state = 0",
                                          NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return (guint) sqlite3_column_int (stmt, 0);
}

AfPrivacyAction *
af_local_store_outbox_add (AfLocalStore       *self,
                           AfPrivacyActionKind kind,
                           const char         *payload,
                           GError            **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) trim = NULL;
  g_autofree char *key = g_uuid_string_random ();
  AfPrivacyAction *action = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  g_return_val_if_fail (payload != NULL, NULL);

  if (strlen (payload) > AF_LOCAL_STORE_MAX_PAYLOAD)
    {
      g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LIMIT,
                   _("This request is too large to keep (over %d bytes); split it into "
                     "smaller ones."), AF_LOCAL_STORE_MAX_PAYLOAD);
      return NULL;
    }
  g_mutex_lock (&self->lock);
  if (!exec (self, "BEGIN IMMEDIATE", error))
    goto out;
  if (count_pending_locked (self) >= AF_LOCAL_STORE_MAX_OUTBOX)
    {
      g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LIMIT,
                   _("%d privacy requests are already waiting to be sent. Connect to the "
                     "internet so they can be sent, then try again."),
                   AF_LOCAL_STORE_MAX_OUTBOX);
      goto rollback;
    }
  insert = prepare (self, "INSERT INTO outbox (key, kind, payload, created_at, next_attempt_at)"
                          " VALUES (?, ?, ?, ?, ?)", error);
  trim = prepare (self, "DELETE FROM outbox WHERE state != 0 AND finished_at < ?", error);
  select = prepare (self, "SELECT " ACTION_COLUMNS " FROM outbox WHERE id = ?", error);
  if (insert == NULL || trim == NULL || select == NULL)
    goto rollback;
  sqlite3_bind_text (insert, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (insert, 2, af_privacy_action_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 3, payload, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (insert, 4, now);
  sqlite3_bind_int64 (insert, 5, now);
  sqlite3_bind_int64 (trim, 1, now - (gint64) AF_LOCAL_STORE_OUTBOX_KEEP_DAYS * G_TIME_SPAN_DAY);
  if (!step_done (self, insert, error) || !step_done (self, trim, error))
    goto rollback;
  sqlite3_bind_int64 (select, 1, sqlite3_last_insert_rowid (self->db));
  if (sqlite3_step (select) != SQLITE_ROW)
    {
      set_db_error (self, error);
      goto rollback;
    }
  action = action_from_row (select);
  sqlite3_reset (select);
  if (exec (self, "COMMIT", error))
    goto out;
  g_clear_object (&action);
rollback:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
out:
  g_mutex_unlock (&self->lock);
  return action;
}

static GListModel *
list_actions (AfLocalStore *self,
              const char   *sql,
              GError      **error)
{
  g_autoptr(GListStore) list = g_list_store_new (AF_TYPE_PRIVACY_ACTION);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc = SQLITE_ERROR;

  g_mutex_lock (&self->lock);
  stmt = prepare (self, sql, error);
  if (stmt != NULL)
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr(AfPrivacyAction) action = action_from_row (stmt);
          if (action != NULL)
            g_list_store_append (list, action);
        }
      if (rc != SQLITE_DONE)
        set_db_error (self, error);
    }
  g_mutex_unlock (&self->lock);
  if (rc != SQLITE_DONE)
    return NULL;
  return G_LIST_MODEL (g_steal_pointer (&list));
}

GListModel *
af_local_store_outbox_list_pending (AfLocalStore *self,
                                    GError      **error)
{
  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  return list_actions (self, "SELECT " ACTION_COLUMNS " FROM outbox WHERE state = 0"
                             " ORDER BY id", error);
}

GListModel *
af_local_store_outbox_list_all (AfLocalStore *self,
                                GError      **error)
{
  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  return list_actions (self, "SELECT " ACTION_COLUMNS " FROM outbox ORDER BY id DESC", error);
}

gboolean
af_local_store_outbox_reschedule (AfLocalStore *self,
                                  gint64        id,
                                  GDateTime    *next_attempt_at,
                                  const char   *last_error,
                                  GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?,"
                        " last_error = ? WHERE id = ? AND state = 0", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, time_to_us (next_attempt_at));
      sqlite3_bind_text (stmt, 2, last_error, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, id);
      ok = step_done (self, stmt, error);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
af_local_store_outbox_finish (AfLocalStore        *self,
                              gint64               id,
                              AfPrivacyActionState state,
                              const char          *request_id,
                              const char          *last_error,
                              GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_return_val_if_fail (state != AF_PRIVACY_ACTION_PENDING, FALSE);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "UPDATE outbox SET state = ?, request_id = ?, last_error = ?,"
                        " attempts = attempts + 1, finished_at = ? WHERE id = ?", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int (stmt, 1, state);
      sqlite3_bind_text (stmt, 2, request_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, last_error, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
      sqlite3_bind_int64 (stmt, 5, id);
      ok = step_done (self, stmt, error);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

gboolean
af_local_store_outbox_update_payload (AfLocalStore *self,
                                      gint64        id,
                                      const char   *payload,
                                      GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "UPDATE outbox SET payload = ? WHERE id = ? AND state = 0", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, payload, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, id);
      ok = step_done (self, stmt, error);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

guint
af_local_store_outbox_count_pending (AfLocalStore *self)
{
  guint n;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), 0);
  g_mutex_lock (&self->lock);
  n = count_pending_locked (self);
  g_mutex_unlock (&self->lock);
  return n;
}

AfPrivacyAction *
af_local_store_outbox_get (AfLocalStore *self,
                           gint64        id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  AfPrivacyAction *action = NULL;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "SELECT " ACTION_COLUMNS " FROM outbox WHERE id = ?", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        action = action_from_row (stmt);
    }
  g_mutex_unlock (&self->lock);
  return action;
}

/* --- The cache of cloud answers --------------------------------------- */

gboolean
af_local_store_cache_set (AfLocalStore *self,
                          const char   *name,
                          const char   *value,
                          GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  if (value != NULL && strlen (value) > AF_LOCAL_STORE_MAX_CACHE)
    {
      g_set_error (error, AF_PRIVACY_ERROR, AF_PRIVACY_ERROR_LIMIT,
                   _("The cloud's answer is too large to keep on this computer (over %d bytes)."),
                   AF_LOCAL_STORE_MAX_CACHE);
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  stmt = prepare (self, value != NULL
                        ? "INSERT OR REPLACE INTO cache (name, value) VALUES (?, ?)"
                        : "DELETE FROM cache WHERE name = ?", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
      if (value != NULL)
        sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
      ok = step_done (self, stmt, error);
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

char *
af_local_store_cache_get (AfLocalStore *self,
                          const char   *name)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  char *value = NULL;

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), NULL);
  g_mutex_lock (&self->lock);
  stmt = prepare (self, "SELECT value FROM cache WHERE name = ?", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  g_mutex_unlock (&self->lock);
  return value;
}

/* --- On this computer ---------------------------------------------- */

gboolean
af_local_store_forget_local_data (AfLocalStore *self,
                                  GError      **error)
{
  g_autofree char *handoff_dir = af_handoff_get_cache_dir ();

  g_return_val_if_fail (AF_IS_LOCAL_STORE (self), FALSE);
  return af_local_store_clear_history (self, error)
         && af_local_store_clear_thumbnails (self, error)
         && af_handoff_clear_copies (handoff_dir, error)
         && exec_locked (self, "DELETE FROM activity;"
                                 " DELETE FROM cache WHERE name NOT IN ('settings', 'settings-etag');", error);
}

/* --- Times ------------------------------------------------------------ */

char *
af_privacy_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return NULL;
  utc = g_date_time_to_utc (time);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

GDateTime *
af_privacy_parse_time (const char *text)
{
  if (text == NULL || *text == '\0')
    return NULL;
  return g_date_time_new_from_iso8601 (text, NULL);
}
