/* af-cloud-resources.c
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
#include "af-cloud-resources.h"

#define MAX_PRINTER_PAGES 50
#define PNG_SIGNATURE "\x89PNG\r\n\x1a\n"

gboolean
af_cloud_id_is_valid (const char *id)
{
  gsize length;

  if (id == NULL || (length = strlen (id)) == 0 || length > 64)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static void
set_unreadable (GError **error)
{
  g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_BAD_RESPONSE,
                       _("AtomForm’s cloud sent an answer this app cannot read. Try again "
                         "later, or update AtomForm Connect."));
}

/* Strings from the cloud are shown: valid UTF-8 only. */
static char *
dup_text (JsonObject *object,
          const char *name)
{
  const char *value = af_cloud_json_get_string (object, name);

  return value != NULL ? g_utf8_make_valid (value, -1) : NULL;
}

static char *
dup_id (JsonObject *object,
        const char *name)
{
  const char *value = af_cloud_json_get_string (object, name);

  return af_cloud_id_is_valid (value) ? g_strdup (value) : NULL;
}

static gboolean
get_bool (JsonObject *object,
          const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static double
get_double (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double)json_node_get_int (node);
  return 0;
}

static GDateTime *
get_time (JsonObject *object,
          const char *name)
{
  const char *value = af_cloud_json_get_string (object, name);

  return value != NULL ? g_date_time_new_from_iso8601 (value, NULL) : NULL;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* A generic read-only string property table: each type lists its string
 * fields by offset, so one get_property serves all.
 */
typedef struct
{
  const char *name;
  gsize       offset;
} StringField;

static void
install_string_properties (GObjectClass      *klass,
                           const StringField *fields,
                           guint              n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    g_object_class_install_property (klass, i + 1,
                                     g_param_spec_string (fields[i].name, NULL, NULL, NULL,
                                                          G_PARAM_READABLE |
                                                          G_PARAM_STATIC_STRINGS));
}

static void
get_string_property (GObject           *object,
                     const StringField *fields,
                     guint              n_fields,
                     guint              prop_id,
                     GValue            *value,
                     GParamSpec        *pspec)
{
  if (prop_id == 0 || prop_id > n_fields)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_value_set_string (value, G_STRUCT_MEMBER (char *, object, fields[prop_id - 1].offset));
}

static void
free_string_fields (GObject           *object,
                    const StringField *fields,
                    guint              n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    g_clear_pointer (&G_STRUCT_MEMBER (char *, object, fields[i].offset), g_free);
}

#define DEFINE_STRING_OBJECT(TypeName, type_name, TYPE)                                   \
  static void                                                                             \
  type_name##_get_property (GObject *object, guint prop_id, GValue *value,                \
                            GParamSpec *pspec)                                            \
  {                                                                                       \
    get_string_property (object, type_name##_fields, G_N_ELEMENTS (type_name##_fields),   \
                         prop_id, value, pspec);                                          \
  }                                                                                       \
  static void                                                                             \
  type_name##_finalize (GObject *object)                                                  \
  {                                                                                       \
    free_string_fields (object, type_name##_fields, G_N_ELEMENTS (type_name##_fields));   \
    type_name##_finalize_extra (TYPE (object));                                           \
    G_OBJECT_CLASS (type_name##_parent_class)->finalize (object);                         \
  }                                                                                       \
  static void                                                                             \
  type_name##_class_init (TypeName##Class *klass)                                         \
  {                                                                                       \
    GObjectClass *object_class = G_OBJECT_CLASS (klass);                                  \
    object_class->get_property = type_name##_get_property;                                \
    object_class->finalize = type_name##_finalize;                                        \
    install_string_properties (object_class, type_name##_fields,                          \
                               G_N_ELEMENTS (type_name##_fields));                        \
  }                                                                                       \
  static void                                                                             \
  type_name##_init (TypeName *self)                                                       \
  {                                                                                       \
  }

/* --- Account ------------------------------------------------------------- */

struct _AfCloudAccount
{
  GObject  parent_instance;
  char    *id;
  char    *display_name;
  char    *email;
  char    *region;
  char    *mqtt_host;
  char    *mqtt_username;
  guint    mqtt_port;
};

G_DEFINE_FINAL_TYPE (AfCloudAccount, af_cloud_account, G_TYPE_OBJECT)

static const StringField af_cloud_account_fields[] = {
  { "id", G_STRUCT_OFFSET (AfCloudAccount, id) },
  { "display-name", G_STRUCT_OFFSET (AfCloudAccount, display_name) },
  { "email", G_STRUCT_OFFSET (AfCloudAccount, email) },
  { "region", G_STRUCT_OFFSET (AfCloudAccount, region) },
  { "mqtt-host", G_STRUCT_OFFSET (AfCloudAccount, mqtt_host) },
  { "mqtt-username", G_STRUCT_OFFSET (AfCloudAccount, mqtt_username) },
};

static void af_cloud_account_finalize_extra (AfCloudAccount *self) { }

DEFINE_STRING_OBJECT (AfCloudAccount, af_cloud_account, AF_CLOUD_ACCOUNT)

const char *af_cloud_account_get_id (AfCloudAccount *self) { return self->id; }
const char *af_cloud_account_get_display_name (AfCloudAccount *self) { return self->display_name; }
const char *af_cloud_account_get_email (AfCloudAccount *self) { return self->email; }
const char *af_cloud_account_get_region (AfCloudAccount *self) { return self->region; }
const char *af_cloud_account_get_mqtt_host (AfCloudAccount *self) { return self->mqtt_host; }
guint af_cloud_account_get_mqtt_port (AfCloudAccount *self) { return self->mqtt_port; }
const char *af_cloud_account_get_mqtt_username (AfCloudAccount *self) { return self->mqtt_username; }

AfCloudAccount *
af_cloud_account_from_json (JsonObject  *object,
                   GError     **error)
{
  g_autoptr(AfCloudAccount) self = g_object_new (AF_TYPE_CLOUD_ACCOUNT, NULL);
  JsonObject *mqtt = NULL;
  JsonNode *node = object != NULL ? json_object_get_member (object, "mqtt") : NULL;
  gint64 port;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    mqtt = json_node_get_object (node);
  self->id = dup_id (object, "id");
  self->display_name = dup_text (object, "display_name");
  self->email = dup_text (object, "email");
  self->region = dup_text (object, "region");
  self->mqtt_host = dup_text (mqtt, "host");
  self->mqtt_username = dup_text (mqtt, "username");
  port = af_cloud_json_get_int (mqtt, "port", 0);
  self->mqtt_port = (guint)CLAMP (port, 0, 65535);
  if (self->id == NULL || self->mqtt_host == NULL || self->mqtt_port == 0 ||
      self->mqtt_username == NULL || g_hostname_is_non_ascii (self->mqtt_host))
    {
      set_unreadable (error);
      return NULL;
    }
  return g_steal_pointer (&self);
}

AfCloudAccount *
af_cloud_client_get_account (AfCloudClient  *client,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("GET", "/v1/account");
  g_autoptr(AfCloudResponse) response = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);

  response = af_cloud_client_send_cached (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  return af_cloud_account_from_json (af_cloud_response_get_object (response), error);
}

/* --- A generic thread call for the _async pairs ------------------------- */

typedef struct
{
  AfCloudBlockingCall call;
  gpointer       data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
} CallData;

static void
call_data_free (CallData *call)
{
  if (call->data_free != NULL)
    call->data_free (call->data);
  g_free (call);
}

static void
call_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CallData *call = task_data;
  GError *error = NULL;
  gpointer result = call->call (source_object, call->data, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, call->result_free);
}

void
af_cloud_run_call (AfCloudClient       *client,
                     gpointer             source_tag,
                     AfCloudBlockingCall  blocking,
                     gpointer             data,
                     GDestroyNotify       data_free,
                     GDestroyNotify       result_free,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (client, cancellable, callback, user_data);
  CallData *call = g_new0 (CallData, 1);

  call->call = blocking;
  call->data = data;
  call->data_free = data_free;
  call->result_free = result_free;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify)call_data_free);
  g_task_run_in_thread (task, call_thread);
}

gpointer
af_cloud_finish_call (AfCloudClient  *client,
                      GAsyncResult   *result,
                      gpointer        source_tag,
                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
get_account_call (AfCloudClient *client,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return af_cloud_client_get_account (client, cancellable, error);
}

void
af_cloud_client_get_account_async (AfCloudClient       *client,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  af_cloud_run_call (client, af_cloud_client_get_account_async, get_account_call, NULL, NULL,
                     g_object_unref, cancellable, callback, user_data);
}

AfCloudAccount *
af_cloud_client_get_account_finish (AfCloudClient  *client,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_get_account_async, error);
}

/* --- Printers ------------------------------------------------------------ */

struct _AfCloudPrinter
{
  GObject  parent_instance;
  char    *id;
  char    *serial;
  char    *name;
  char    *model_id;
  char    *model_name;
  char    *state;
  char    *current_job_id;
  gboolean online;
  double   nozzle_diameter;
};

G_DEFINE_FINAL_TYPE (AfCloudPrinter, af_cloud_printer, G_TYPE_OBJECT)

static const StringField af_cloud_printer_fields[] = {
  { "id", G_STRUCT_OFFSET (AfCloudPrinter, id) },
  { "serial", G_STRUCT_OFFSET (AfCloudPrinter, serial) },
  { "name", G_STRUCT_OFFSET (AfCloudPrinter, name) },
  { "model-id", G_STRUCT_OFFSET (AfCloudPrinter, model_id) },
  { "model-name", G_STRUCT_OFFSET (AfCloudPrinter, model_name) },
  { "state", G_STRUCT_OFFSET (AfCloudPrinter, state) },
  { "current-job-id", G_STRUCT_OFFSET (AfCloudPrinter, current_job_id) },
};

static void af_cloud_printer_finalize_extra (AfCloudPrinter *self) { }

DEFINE_STRING_OBJECT (AfCloudPrinter, af_cloud_printer, AF_CLOUD_PRINTER)

const char *af_cloud_printer_get_id (AfCloudPrinter *self) { return self->id; }
const char *af_cloud_printer_get_serial (AfCloudPrinter *self) { return self->serial; }
const char *af_cloud_printer_get_name (AfCloudPrinter *self) { return self->name; }
const char *af_cloud_printer_get_model_id (AfCloudPrinter *self) { return self->model_id; }
const char *af_cloud_printer_get_model_name (AfCloudPrinter *self) { return self->model_name; }
gboolean af_cloud_printer_get_online (AfCloudPrinter *self) { return self->online; }
const char *af_cloud_printer_get_state (AfCloudPrinter *self) { return self->state; }
const char *af_cloud_printer_get_current_job_id (AfCloudPrinter *self) { return self->current_job_id; }
double af_cloud_printer_get_nozzle_diameter (AfCloudPrinter *self) { return self->nozzle_diameter; }

gboolean
af_cloud_printer_matches (AfCloudPrinter *self,
                          const char     *text)
{
  g_autofree char *folded_name = NULL;
  g_autofree char *folded_text = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_PRINTER (self), FALSE);

  if (text == NULL)
    return FALSE;
  if (g_strcmp0 (self->id, text) == 0 || g_strcmp0 (self->serial, text) == 0)
    return TRUE;
  if (self->name == NULL)
    return FALSE;
  folded_name = g_utf8_casefold (self->name, -1);
  folded_text = g_utf8_casefold (text, -1);
  return g_strcmp0 (folded_name, folded_text) == 0;
}

AfCloudPrinter *
af_cloud_printer_from_json (JsonObject *object)
{
  g_autoptr(AfCloudPrinter) self = g_object_new (AF_TYPE_CLOUD_PRINTER, NULL);

  self->id = dup_id (object, "id");
  self->serial = dup_text (object, "serial");
  self->name = dup_text (object, "name");
  self->model_id = dup_text (object, "model_id");
  self->model_name = dup_text (object, "model_name");
  self->state = dup_text (object, "state");
  /* An id that is not one is no job: nothing to pause. */
  self->current_job_id = dup_id (object, "current_job_id");
  self->online = get_bool (object, "online");
  self->nozzle_diameter = get_double (object, "nozzle_diameter");
  /* The serial becomes an MQTT topic: no wildcard, separator or control. */
  if (self->id == NULL || self->serial == NULL || *self->serial == '\0' ||
      strpbrk (self->serial, "/+#") != NULL || !af_cloud_id_is_valid (self->serial))
    return NULL;
  return g_steal_pointer (&self);
}

static JsonArray *
get_items (JsonObject *object)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, "items") : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

GListModel *
af_cloud_client_list_printers (AfCloudClient  *client,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autoptr(GListStore) store = g_list_store_new (AF_TYPE_CLOUD_PRINTER);
  g_autofree char *cursor = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);

  for (guint page = 0; page < MAX_PRINTER_PAGES; page++)
    {
      g_autofree char *path = NULL;
      g_autofree char *escaped = cursor ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
      g_autoptr(AfCloudRequest) request = NULL;
      g_autoptr(AfCloudResponse) response = NULL;
      JsonObject *object;
      JsonArray *items;

      path = escaped != NULL ? g_strdup_printf ("/v1/printers?limit=100&cursor=%s", escaped)
                             : g_strdup ("/v1/printers?limit=100");
      request = af_cloud_request_new ("GET", path);
      response = af_cloud_client_send (client, request, cancellable, error);
      if (response == NULL)
        return NULL;
      object = af_cloud_response_get_object (response);
      items = get_items (object);
      if (items == NULL)
        {
          set_unreadable (error);
          return NULL;
        }
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonNode *node = json_array_get_element (items, i);
          g_autoptr(AfCloudPrinter) printer = NULL;

          if (JSON_NODE_HOLDS_OBJECT (node) &&
              (printer = af_cloud_printer_from_json (json_node_get_object (node))) != NULL)
            g_list_store_append (store, printer);
        }
      g_free (cursor);
      cursor = g_strdup (af_cloud_json_get_string (object, "next_cursor"));
      if (cursor == NULL)
        return G_LIST_MODEL (g_steal_pointer (&store));
    }
  set_unreadable (error);
  return NULL;
}

static gpointer
list_printers_call (AfCloudClient *client,
                    gpointer       data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return af_cloud_client_list_printers (client, cancellable, error);
}

void
af_cloud_client_list_printers_async (AfCloudClient       *client,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  af_cloud_run_call (client, af_cloud_client_list_printers_async, list_printers_call, NULL, NULL,
                     g_object_unref, cancellable, callback, user_data);
}

GListModel *
af_cloud_client_list_printers_finish (AfCloudClient  *client,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_list_printers_async, error);
}

AfCloudPrinter *
af_cloud_client_get_printer (AfCloudClient  *client,
                             const char     *printer_id,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  AfCloudPrinter *printer;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (printer_id), NULL);

  path = g_strdup_printf ("/v1/printers/%s", printer_id);
  request = af_cloud_request_new ("GET", path);
  response = af_cloud_client_send_cached (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  printer = af_cloud_printer_from_json (af_cloud_response_get_object (response));
  if (printer == NULL)
    set_unreadable (error);
  return printer;
}

static gpointer
get_printer_call (AfCloudClient *client,
                  gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return af_cloud_client_get_printer (client, data, cancellable, error);
}

void
af_cloud_client_get_printer_async (AfCloudClient       *client,
                                   const char          *printer_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (af_cloud_id_is_valid (printer_id));

  af_cloud_run_call (client, af_cloud_client_get_printer_async, get_printer_call,
                     g_strdup (printer_id), g_free, g_object_unref, cancellable, callback,
                     user_data);
}

AfCloudPrinter *
af_cloud_client_get_printer_finish (AfCloudClient  *client,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_get_printer_async, error);
}

/* One PATCH with the cached ETag in If-Match. */
static AfCloudResponse *
patch_name (AfCloudClient  *client,
            const char     *path,
            const char     *name,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("PATCH", path);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GBytes) body = NULL;
  g_autofree char *etag = af_cloud_client_dup_cached_etag (client, path);
  g_autofree char *text = NULL;
  gsize length;

  json_builder_begin_object (builder);
  add_string (builder, "name", name);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  body = g_bytes_new_take (g_steal_pointer (&text), length);

  af_cloud_request_set_body (request, "application/merge-patch+json", body);
  af_cloud_request_add_header (request, "If-Match", etag);
  return af_cloud_client_send (client, request, cancellable, error);
}

AfCloudPrinter *
af_cloud_client_rename_printer (AfCloudClient  *client,
                                const char     *printer_id,
                                const char     *name,
                                GCancellable   *cancellable,
                                GError        **error)
{
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(AfCloudPrinter) current = NULL;
  g_autoptr(GError) local_error = NULL;
  AfCloudPrinter *printer;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (printer_id), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  path = g_strdup_printf ("/v1/printers/%s", printer_id);
  /* The change applies to the printer as this client last saw it. */
  etag = af_cloud_client_dup_cached_etag (client, path);
  if (etag == NULL &&
      (current = af_cloud_client_get_printer (client, printer_id, cancellable, error)) == NULL)
    return NULL;

  response = patch_name (client, path, name, cancellable, &local_error);
  if (response != NULL)
    {
      af_cloud_client_cache_store (client, path, response);
      printer = af_cloud_printer_from_json (af_cloud_response_get_object (response));
      if (printer == NULL)
        set_unreadable (error);
      return printer;
    }
  if (!g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHANGED_ELSEWHERE))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* Changed elsewhere: never overwrite it blindly. Reload it, so the
   * user sees what it is now and a second rename applies to that.
   */
  af_cloud_client_cache_forget (client, path);
  g_clear_object (&current);
  current = af_cloud_client_get_printer (client, printer_id, cancellable, error);
  if (current == NULL)
    return NULL;
  if (g_strcmp0 (af_cloud_printer_get_name (current), name) == 0)
    return g_steal_pointer (&current);
  /* Translators: %s is the printer's name as the cloud now has it */
  g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_CHANGED_ELSEWHERE,
               _("The printer was changed elsewhere while you renamed it; it is now called "
                 "“%s”. Reload it and rename it again if you still want to."),
               af_cloud_printer_get_name (current));
  return NULL;
}

typedef struct
{
  char *printer_id;
  char *name;
} RenameArgs;

static void
rename_args_free (RenameArgs *args)
{
  g_free (args->printer_id);
  g_free (args->name);
  g_free (args);
}

static gpointer
rename_call (AfCloudClient *client,
             gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  RenameArgs *args = data;

  return af_cloud_client_rename_printer (client, args->printer_id, args->name, cancellable,
                                         error);
}

void
af_cloud_client_rename_printer_async (AfCloudClient       *client,
                                      const char          *printer_id,
                                      const char          *name,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  RenameArgs *args;

  g_return_if_fail (af_cloud_id_is_valid (printer_id));
  g_return_if_fail (name != NULL);

  args = g_new0 (RenameArgs, 1);
  args->printer_id = g_strdup (printer_id);
  args->name = g_strdup (name);
  af_cloud_run_call (client, af_cloud_client_rename_printer_async, rename_call, args,
                     (GDestroyNotify)rename_args_free, g_object_unref, cancellable, callback,
                     user_data);
}

AfCloudPrinter *
af_cloud_client_rename_printer_finish (AfCloudClient  *client,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_rename_printer_async, error);
}

/* --- Jobs ---------------------------------------------------------------- */

struct _AfCloudJob
{
  GObject  parent_instance;
  char    *id;
  char    *printer_id;
  char    *history_entry_id;
  char    *name;
  char    *task_id;
  char    *state;
  gint64   progress;
  gint64   layer;
  gint64   total_layers;
  gint64   remaining_seconds;
};

G_DEFINE_FINAL_TYPE (AfCloudJob, af_cloud_job, G_TYPE_OBJECT)

static const StringField af_cloud_job_fields[] = {
  { "id", G_STRUCT_OFFSET (AfCloudJob, id) },
  { "printer-id", G_STRUCT_OFFSET (AfCloudJob, printer_id) },
  { "history-entry-id", G_STRUCT_OFFSET (AfCloudJob, history_entry_id) },
  { "name", G_STRUCT_OFFSET (AfCloudJob, name) },
  { "task-id", G_STRUCT_OFFSET (AfCloudJob, task_id) },
  { "state", G_STRUCT_OFFSET (AfCloudJob, state) },
};

static void af_cloud_job_finalize_extra (AfCloudJob *self) { }

DEFINE_STRING_OBJECT (AfCloudJob, af_cloud_job, AF_CLOUD_JOB)

const char *af_cloud_job_get_id (AfCloudJob *self) { return self->id; }
const char *af_cloud_job_get_printer_id (AfCloudJob *self) { return self->printer_id; }
const char *af_cloud_job_get_history_entry_id (AfCloudJob *self) { return self->history_entry_id; }
const char *af_cloud_job_get_name (AfCloudJob *self) { return self->name; }
const char *af_cloud_job_get_task_id (AfCloudJob *self) { return self->task_id; }
const char *af_cloud_job_get_state (AfCloudJob *self) { return self->state; }
gint64 af_cloud_job_get_progress (AfCloudJob *self) { return self->progress; }
gint64 af_cloud_job_get_layer (AfCloudJob *self) { return self->layer; }
gint64 af_cloud_job_get_total_layers (AfCloudJob *self) { return self->total_layers; }
gint64 af_cloud_job_get_remaining_seconds (AfCloudJob *self) { return self->remaining_seconds; }

gboolean
af_cloud_job_is_ended (AfCloudJob *self)
{
  g_return_val_if_fail (AF_IS_CLOUD_JOB (self), FALSE);

  return g_strcmp0 (self->state, "finished") == 0 || g_strcmp0 (self->state, "failed") == 0 ||
         g_strcmp0 (self->state, "cancelled") == 0;
}

static AfCloudJob *
job_from_response (AfCloudResponse  *response,
                   GError          **error)
{
  return af_cloud_job_from_json (af_cloud_response_get_object (response), error);
}

AfCloudJob *
af_cloud_job_from_json (JsonObject  *object,
                        GError     **error)
{
  g_autoptr(AfCloudJob) self = g_object_new (AF_TYPE_CLOUD_JOB, NULL);
  guint64 task_id = 0;

  self->id = dup_id (object, "id");
  self->printer_id = dup_id (object, "printer_id");
  self->history_entry_id = dup_id (object, "history_entry_id");
  self->name = dup_text (object, "name");
  self->task_id = dup_text (object, "task_id");
  self->state = dup_text (object, "state");
  self->progress = CLAMP (af_cloud_json_get_int (object, "progress", -1), -1, 100);
  self->layer = MAX (af_cloud_json_get_int (object, "layer", -1), -1);
  self->total_layers = MAX (af_cloud_json_get_int (object, "total_layers", -1), -1);
  self->remaining_seconds = MAX (af_cloud_json_get_int (object, "remaining_seconds", -1), -1);
  if (self->id == NULL || self->state == NULL || self->task_id == NULL ||
      !g_ascii_string_to_unsigned (self->task_id, 10, 1, G_MAXINT32, &task_id, NULL))
    {
      set_unreadable (error);
      return NULL;
    }
  return g_steal_pointer (&self);
}

JsonNode *
af_cloud_job_options_to_json (const AfPrintOptions *options,
                              const char           *model_id)
{
  g_autoptr(AfPrintOptions) sent = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GArray *mapping;

  g_return_val_if_fail (options != NULL, NULL);

  /* The same rule as the LAN route (af_mqtt_session_start_print_async()). */
  sent = af_print_options_copy (options);
  af_print_options_apply_model (sent, model_id);
  mapping = sent->ams_mapping;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "plate");
  json_builder_add_int_value (builder, MAX (sent->plate, 1));
  add_string (builder, "bed_type", sent->bed_type != NULL ? sent->bed_type : "auto");
  add_string (builder, "bed_leveling", af_cali_mode_to_string (sent->bed_leveling));
  add_string (builder, "flow_cali", af_cali_mode_to_string (sent->flow_cali));
  json_builder_set_member_name (builder, "timelapse");
  json_builder_add_boolean_value (builder, sent->timelapse);
  json_builder_set_member_name (builder, "use_ams");
  json_builder_add_boolean_value (builder, sent->use_ams);
  json_builder_set_member_name (builder, "ams_mapping");
  json_builder_begin_array (builder);
  for (guint i = 0; mapping != NULL && i < mapping->len; i++)
    {
      gint tray = g_array_index (mapping, gint, i);
      guint ams_id;
      guint slot_id;

      /* An unused filament has no entry: the server fills 255/255. */
      if (!af_print_options_mapping_to_tray (tray, &ams_id, &slot_id))
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "filament");
      json_builder_add_int_value (builder, i + 1);
      json_builder_set_member_name (builder, "ams_id");
      json_builder_add_int_value (builder, ams_id);
      json_builder_set_member_name (builder, "slot_id");
      json_builder_add_int_value (builder, slot_id);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* POST /v1/jobs from an upload or a history entry (source_member names which). */
static AfCloudJob *
post_job (AfCloudClient        *client,
          const char           *idempotency_key,
          const char           *printer_id,
          const char           *model_id,
          const char           *source_member,
          const char           *source_id,
          const char           *name,
          const AfPrintOptions *options,
          GCancellable         *cancellable,
          GError              **error)
{
  g_autoptr(AfCloudRequest) request = af_cloud_request_new ("POST", "/v1/jobs");
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *truncated = NULL;

  truncated = af_print_options_truncate_name (name != NULL ? name : "");
  json_builder_begin_object (builder);
  add_string (builder, "printer_id", printer_id);
  add_string (builder, source_member, source_id);
  add_string (builder, "name", truncated);
  json_builder_set_member_name (builder, "options");
  json_builder_add_value (builder, af_cloud_job_options_to_json (options, model_id));
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  af_cloud_request_set_idempotency_key (request, idempotency_key);
  af_cloud_request_set_json (request, body);
  response = af_cloud_client_send (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  return job_from_response (response, error);
}

AfCloudJob *
af_cloud_client_create_job (AfCloudClient        *client,
                            const char           *idempotency_key,
                            const char           *printer_id,
                            const char           *model_id,
                            const char           *upload_id,
                            const char           *name,
                            const AfPrintOptions *options,
                            GCancellable         *cancellable,
                            GError              **error)
{
  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (idempotency_key != NULL, NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (printer_id), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (upload_id), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  return post_job (client, idempotency_key, printer_id, model_id, "upload_id", upload_id, name,
                   options, cancellable, error);
}

AfCloudJob *
af_cloud_client_reprint (AfCloudClient        *client,
                         const char           *idempotency_key,
                         const char           *printer_id,
                         const char           *model_id,
                         const char           *history_entry_id,
                         const char           *name,
                         const AfPrintOptions *options,
                         GCancellable         *cancellable,
                         GError              **error)
{
  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (idempotency_key != NULL, NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (printer_id), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (history_entry_id), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  return post_job (client, idempotency_key, printer_id, model_id, "history_entry_id",
                   history_entry_id, name, options, cancellable, error);
}

AfCloudJob *
af_cloud_client_get_job (AfCloudClient  *client,
                         const char     *job_id,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (job_id), NULL);

  path = g_strdup_printf ("/v1/jobs/%s", job_id);
  request = af_cloud_request_new ("GET", path);
  response = af_cloud_client_send_cached (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  return job_from_response (response, error);
}

AfCloudJob *
af_cloud_client_job_action (AfCloudClient  *client,
                            const char     *job_id,
                            AfPrintCommand  command,
                            const char     *idempotency_key,
                            GCancellable   *cancellable,
                            GError        **error)
{
  static const char *const actions[] = { "pause", "resume", "stop" };
  g_autofree char *path = NULL;
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (job_id), NULL);
  g_return_val_if_fail (command <= AF_PRINT_COMMAND_STOP, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "action", actions[command]);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  path = g_strdup_printf ("/v1/jobs/%s/actions", job_id);
  request = af_cloud_request_new ("POST", path);
  if (idempotency_key != NULL)
    af_cloud_request_set_idempotency_key (request, idempotency_key);
  af_cloud_request_set_json (request, body);
  response = af_cloud_client_send (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  return job_from_response (response, error);
}

typedef struct
{
  char           *idempotency_key;
  char           *printer_id;
  char           *model_id;
  char           *upload_id;
  char           *name;
  char           *job_id;
  AfPrintOptions *options;
  AfPrintCommand  command;
} JobArgs;

static void
job_args_free (JobArgs *args)
{
  g_free (args->idempotency_key);
  g_free (args->printer_id);
  g_free (args->model_id);
  g_free (args->upload_id);
  g_free (args->name);
  g_free (args->job_id);
  g_clear_pointer (&args->options, af_print_options_free);
  g_free (args);
}

static gpointer
create_job_call (AfCloudClient *client,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  JobArgs *args = data;

  return af_cloud_client_create_job (client, args->idempotency_key, args->printer_id,
                                     args->model_id, args->upload_id, args->name, args->options,
                                     cancellable, error);
}

void
af_cloud_client_create_job_async (AfCloudClient        *client,
                                  const char           *idempotency_key,
                                  const char           *printer_id,
                                  const char           *model_id,
                                  const char           *upload_id,
                                  const char           *name,
                                  const AfPrintOptions *options,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  JobArgs *args;

  g_return_if_fail (idempotency_key != NULL);
  g_return_if_fail (af_cloud_id_is_valid (printer_id));
  g_return_if_fail (af_cloud_id_is_valid (upload_id));
  g_return_if_fail (options != NULL);

  args = g_new0 (JobArgs, 1);
  args->idempotency_key = g_strdup (idempotency_key);
  args->printer_id = g_strdup (printer_id);
  args->model_id = g_strdup (model_id);
  args->upload_id = g_strdup (upload_id);
  args->name = g_strdup (name);
  args->options = af_print_options_copy (options);
  af_cloud_run_call (client, af_cloud_client_create_job_async, create_job_call, args,
                     (GDestroyNotify)job_args_free, g_object_unref, cancellable, callback,
                     user_data);
}

AfCloudJob *
af_cloud_client_create_job_finish (AfCloudClient  *client,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_create_job_async, error);
}

static gpointer
get_job_call (AfCloudClient *client,
              gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  return af_cloud_client_get_job (client, data, cancellable, error);
}

void
af_cloud_client_get_job_async (AfCloudClient       *client,
                               const char          *job_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (af_cloud_id_is_valid (job_id));

  af_cloud_run_call (client, af_cloud_client_get_job_async, get_job_call, g_strdup (job_id),
                     g_free, g_object_unref, cancellable, callback, user_data);
}

AfCloudJob *
af_cloud_client_get_job_finish (AfCloudClient  *client,
                                GAsyncResult   *result,
                                GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_get_job_async, error);
}

static gpointer
job_action_call (AfCloudClient *client,
                 gpointer       data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  JobArgs *args = data;

  return af_cloud_client_job_action (client, args->job_id, args->command, args->idempotency_key,
                                     cancellable, error);
}

void
af_cloud_client_job_action_async (AfCloudClient       *client,
                                  const char          *job_id,
                                  AfPrintCommand       command,
                                  const char          *idempotency_key,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  JobArgs *args;

  g_return_if_fail (af_cloud_id_is_valid (job_id));
  g_return_if_fail (command <= AF_PRINT_COMMAND_STOP);

  args = g_new0 (JobArgs, 1);
  args->job_id = g_strdup (job_id);
  args->command = command;
  /* One key for this action, kept over the retries of the thread. */
  args->idempotency_key = idempotency_key != NULL ? g_strdup (idempotency_key)
                                                  : g_uuid_string_random ();
  af_cloud_run_call (client, af_cloud_client_job_action_async, job_action_call, args,
                     (GDestroyNotify)job_args_free, g_object_unref, cancellable, callback,
                     user_data);
}

AfCloudJob *
af_cloud_client_job_action_finish (AfCloudClient  *client,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_job_action_async, error);
}

/* --- History ------------------------------------------------------------- */

struct _AfCloudHistoryEntry
{
  GObject    parent_instance;
  char      *id;
  char      *job_id;
  char      *title;
  char      *printer_id;
  char      *printer_name;
  char      *status;
  guint      plate;
  GDateTime *created_at;
  GDateTime *started_at;
  GDateTime *ended_at;
  GDateTime *file_expires_at;
  gint64     estimated_seconds;
  GPtrArray *filament;
  gboolean   has_thumbnail;
  gboolean   file_available;
};

G_DEFINE_FINAL_TYPE (AfCloudHistoryEntry, af_cloud_history_entry, G_TYPE_OBJECT)

static const StringField af_cloud_history_entry_fields[] = {
  { "id", G_STRUCT_OFFSET (AfCloudHistoryEntry, id) },
  { "job-id", G_STRUCT_OFFSET (AfCloudHistoryEntry, job_id) },
  { "title", G_STRUCT_OFFSET (AfCloudHistoryEntry, title) },
  { "printer-id", G_STRUCT_OFFSET (AfCloudHistoryEntry, printer_id) },
  { "printer-name", G_STRUCT_OFFSET (AfCloudHistoryEntry, printer_name) },
  { "status", G_STRUCT_OFFSET (AfCloudHistoryEntry, status) },
};

static void
af_cloud_history_entry_finalize_extra (AfCloudHistoryEntry *self)
{
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->started_at, g_date_time_unref);
  g_clear_pointer (&self->ended_at, g_date_time_unref);
  g_clear_pointer (&self->file_expires_at, g_date_time_unref);
  g_clear_pointer (&self->filament, g_ptr_array_unref);
}

DEFINE_STRING_OBJECT (AfCloudHistoryEntry, af_cloud_history_entry, AF_CLOUD_HISTORY_ENTRY)

const char *af_cloud_history_entry_get_id (AfCloudHistoryEntry *self) { return self->id; }
const char *af_cloud_history_entry_get_job_id (AfCloudHistoryEntry *self) { return self->job_id; }
const char *af_cloud_history_entry_get_title (AfCloudHistoryEntry *self) { return self->title; }
const char *af_cloud_history_entry_get_printer_id (AfCloudHistoryEntry *self) { return self->printer_id; }
const char *af_cloud_history_entry_get_printer_name (AfCloudHistoryEntry *self) { return self->printer_name; }
guint af_cloud_history_entry_get_plate (AfCloudHistoryEntry *self) { return self->plate; }
const char *af_cloud_history_entry_get_status (AfCloudHistoryEntry *self) { return self->status; }
GDateTime *af_cloud_history_entry_get_created_at (AfCloudHistoryEntry *self) { return self->created_at; }
GDateTime *af_cloud_history_entry_get_started_at (AfCloudHistoryEntry *self) { return self->started_at; }
GDateTime *af_cloud_history_entry_get_ended_at (AfCloudHistoryEntry *self) { return self->ended_at; }
gint64 af_cloud_history_entry_get_estimated_seconds (AfCloudHistoryEntry *self) { return self->estimated_seconds; }
GPtrArray *af_cloud_history_entry_get_filament (AfCloudHistoryEntry *self) { return self->filament; }
gboolean af_cloud_history_entry_get_has_thumbnail (AfCloudHistoryEntry *self) { return self->has_thumbnail; }
gboolean af_cloud_history_entry_get_file_available (AfCloudHistoryEntry *self) { return self->file_available; }
GDateTime *af_cloud_history_entry_get_file_expires_at (AfCloudHistoryEntry *self) { return self->file_expires_at; }

static void
filament_free (AfCloudFilament *filament)
{
  g_free (filament->type);
  g_free (filament->color);
  g_free (filament);
}

AfCloudHistoryEntry *
af_cloud_history_entry_from_json (JsonObject *object)
{
  g_autoptr(AfCloudHistoryEntry) self = g_object_new (AF_TYPE_CLOUD_HISTORY_ENTRY, NULL);
  JsonNode *node = object != NULL ? json_object_get_member (object, "filament") : NULL;

  self->id = dup_id (object, "id");
  self->job_id = dup_id (object, "job_id");
  self->title = dup_text (object, "title");
  self->printer_id = dup_id (object, "printer_id");
  self->printer_name = dup_text (object, "printer_name");
  self->status = dup_text (object, "status");
  self->plate = (guint)CLAMP (af_cloud_json_get_int (object, "plate", 1), 1, G_MAXINT);
  self->created_at = get_time (object, "created_at");
  self->started_at = get_time (object, "started_at");
  self->ended_at = get_time (object, "ended_at");
  self->file_expires_at = get_time (object, "file_expires_at");
  self->estimated_seconds = af_cloud_json_get_int (object, "estimated_seconds", -1);
  self->has_thumbnail = get_bool (object, "has_thumbnail");
  self->file_available = get_bool (object, "file_available");
  self->filament = g_ptr_array_new_with_free_func ((GDestroyNotify)filament_free);
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *item;
          AfCloudFilament *filament;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          item = json_node_get_object (element);
          filament = g_new0 (AfCloudFilament, 1);
          filament->filament = (guint)CLAMP (af_cloud_json_get_int (item, "filament", 0), 0,
                                             G_MAXINT);
          filament->type = dup_text (item, "type");
          filament->color = dup_text (item, "color");
          filament->weight_g = get_double (item, "weight_g");
          filament->length_mm = get_double (item, "length_mm");
          g_ptr_array_add (self->filament, filament);
        }
    }
  if (self->id == NULL || self->status == NULL || self->created_at == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
af_cloud_history_page_free (AfCloudHistoryPage *page)
{
  if (page == NULL)
    return;

  g_clear_object (&page->items);
  g_free (page->next_cursor);
  g_free (page);
}

static AfCloudHistoryPage *
list_history_once (AfCloudClient  *client,
                   const char     *printer_id,
                   const char     *cursor,
                   guint           limit,
                   GCancellable   *cancellable,
                   GError        **error)
{
  GString *path = g_string_new ("/v1/history");
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  g_autoptr(AfCloudHistoryPage) page = g_new0 (AfCloudHistoryPage, 1);
  JsonObject *object;
  JsonArray *items;

  g_string_append_printf (path, "?limit=%u", CLAMP (limit, 1, 100));
  if (printer_id != NULL)
    {
      g_string_append (path, "&printer_id=");
      g_string_append_uri_escaped (path, printer_id, NULL, FALSE);
    }
  if (cursor != NULL)
    {
      g_string_append (path, "&cursor=");
      g_string_append_uri_escaped (path, cursor, NULL, FALSE);
    }
  request = af_cloud_request_new ("GET", path->str);
  g_string_free (path, TRUE);
  response = af_cloud_client_send (client, request, cancellable, error);
  if (response == NULL)
    return NULL;

  object = af_cloud_response_get_object (response);
  items = get_items (object);
  if (items == NULL)
    {
      set_unreadable (error);
      return NULL;
    }
  page->items = g_list_store_new (AF_TYPE_CLOUD_HISTORY_ENTRY);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      g_autoptr(AfCloudHistoryEntry) entry = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node) &&
          (entry = af_cloud_history_entry_from_json (json_node_get_object (node))) != NULL)
        g_list_store_append (page->items, entry);
    }
  page->next_cursor = g_strdup (af_cloud_json_get_string (object, "next_cursor"));
  page->file_retention_days = (guint)CLAMP (af_cloud_json_get_int (object, "file_retention_days",
                                                                   90), 0, 36500);
  return g_steal_pointer (&page);
}

AfCloudHistoryPage *
af_cloud_client_list_history (AfCloudClient  *client,
                              const char     *printer_id,
                              const char     *cursor,
                              guint           limit,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  AfCloudHistoryPage *page;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);

  page = list_history_once (client, printer_id, cursor, limit, cancellable, &local_error);
  if (page == NULL && cursor != NULL &&
      g_error_matches (local_error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_CURSOR))
    {
      g_clear_error (&local_error);
      page = list_history_once (client, printer_id, NULL, limit, cancellable, &local_error);
    }
  if (page == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return page;
}

typedef struct
{
  char  *printer_id;
  char  *cursor;
  guint  limit;
} HistoryArgs;

static void
history_args_free (HistoryArgs *args)
{
  g_free (args->printer_id);
  g_free (args->cursor);
  g_free (args);
}

static gpointer
list_history_call (AfCloudClient *client,
                   gpointer       data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  HistoryArgs *args = data;

  return af_cloud_client_list_history (client, args->printer_id, args->cursor, args->limit,
                                       cancellable, error);
}

void
af_cloud_client_list_history_async (AfCloudClient       *client,
                                    const char          *printer_id,
                                    const char          *cursor,
                                    guint                limit,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  HistoryArgs *args = g_new0 (HistoryArgs, 1);

  args->printer_id = g_strdup (printer_id);
  args->cursor = g_strdup (cursor);
  args->limit = limit;
  af_cloud_run_call (client, af_cloud_client_list_history_async, list_history_call, args,
                     (GDestroyNotify)history_args_free, (GDestroyNotify)af_cloud_history_page_free,
                     cancellable, callback, user_data);
}

AfCloudHistoryPage *
af_cloud_client_list_history_finish (AfCloudClient  *client,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_list_history_async, error);
}

GBytes *
af_cloud_client_get_thumbnail (AfCloudClient  *client,
                               const char     *entry_id,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr(AfCloudRequest) request = NULL;
  g_autoptr(AfCloudResponse) response = NULL;
  gsize size;
  const char *data;

  g_return_val_if_fail (AF_IS_CLOUD_CLIENT (client), NULL);
  g_return_val_if_fail (af_cloud_id_is_valid (entry_id), NULL);

  path = g_strdup_printf ("/v1/history/%s/thumbnail", entry_id);
  request = af_cloud_request_new ("GET", path);
  response = af_cloud_client_send (client, request, cancellable, error);
  if (response == NULL)
    return NULL;
  data = g_bytes_get_data (response->body, &size);
  if (size < 8 || memcmp (data, PNG_SIGNATURE, 8) != 0)
    {
      set_unreadable (error);
      return NULL;
    }
  return g_bytes_new (data, size);
}

static gpointer
thumbnail_call (AfCloudClient *client,
                gpointer       data,
                GCancellable  *cancellable,
                GError       **error)
{
  return af_cloud_client_get_thumbnail (client, data, cancellable, error);
}

void
af_cloud_client_get_thumbnail_async (AfCloudClient       *client,
                                     const char          *entry_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  af_cloud_run_call (client, af_cloud_client_get_thumbnail_async, thumbnail_call,
                     g_strdup (entry_id), g_free, (GDestroyNotify)g_bytes_unref, cancellable,
                     callback, user_data);
}

GBytes *
af_cloud_client_get_thumbnail_finish (AfCloudClient  *client,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return af_cloud_finish_call (client, result, af_cloud_client_get_thumbnail_async, error);
}
