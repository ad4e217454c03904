/* af-printer-registry.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-printer-registry"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "af-cloud-error.h"
#include "af-cloud-transport.h"
#include "af-lan-error.h"
#include "af-lan-transport.h"
#include "af-mqtt-session.h"
#include "af-printer-registry.h"
#include "af-network-policy.h"
#include "af-print-error.h"

/* How long a command through the cloud waits for the printer to show it,
 * and how often it reads the job meanwhile.
 */
#define CLOUD_COMMAND_TIMEOUT_S 60
#define CLOUD_COMMAND_POLL_MS   1000

/* Every connection this program makes to a printer is created in this file
 * (tests/check-connections.sh fails the build's tests otherwise), so that a
 * policy on connections has one place to live.
 */

typedef struct
{
  AfMqttSession *session;
  AfTransport   *transport;   /* holds the access code */
} Connection;

struct _AfPrinterRegistry
{
  GObject                 parent_instance;

  AfPrinterRegistryFlags  flags;
  AfPrinterList          *list;
  AfDiscovery            *discovery;
  /* serial → Connection */
  GHashTable             *connections;
  GCancellable           *cancellable;

  /* The cloud route: the signed-in client, the account's bound printers
   * (serial → AfCloudPrinter) and the connections that follow cloud-only
   * printers (serial → AfTransport).
   */
  AfCloudClient          *cloud;
  GHashTable             *cloud_printers;
  GHashTable             *cloud_status;
  GCancellable           *cloud_cancellable;
};

G_DEFINE_FINAL_TYPE (AfPrinterRegistry, af_printer_registry, G_TYPE_OBJECT)

enum {
  CLOUD_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
connection_free (Connection *connection)
{
  if (connection->session != NULL)
    af_mqtt_session_disconnect (connection->session);
  g_clear_object (&connection->transport);
  g_clear_object (&connection->session);
  g_free (connection);
}

static Connection *
lookup (AfPrinterRegistry *self,
        AfPrinter         *printer)
{
  return g_hash_table_lookup (self->connections, af_printer_get_serial (printer));
}

/* The LAN route: the printer's own broker and FTPS server, with its code. */
static Connection *
install_connection (AfPrinterRegistry *self,
                    AfPrinter         *printer,
                    const AfSecret    *access_code)
{
  Connection *connection = g_new0 (Connection, 1);

  /* The LAN connection reports the printer's state from now on: a cloud
   * connection that followed it would write the same object.
   */
  g_hash_table_remove (self->cloud_status, af_printer_get_serial (printer));
  connection->session = af_mqtt_session_new (printer, af_secret_get (access_code));
  connection->transport = af_lan_transport_new (connection->session, af_secret_get (access_code));
  g_hash_table_replace (self->connections, g_strdup (af_printer_get_serial (printer)), connection);
  return connection;
}

/* Failures land on the printer (connection, last-error), where the views
 * show them; the session keeps reconnecting once it was connected.
 */
static void
background_connect_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  AfTransport *transport = AF_TRANSPORT (source_object);
  g_autoptr(GError) error = NULL;

  if (!af_transport_connect_finish (transport, result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *serial = af_printer_dup_redacted_serial (af_transport_get_printer (transport));

      g_debug ("Could not connect to printer %s: %s", serial, error->message);
    }
}

static void
connect_in_background (AfPrinterRegistry *self,
                       AfPrinter         *printer,
                       const AfSecret    *access_code)
{
  Connection *connection = install_connection (self, printer, access_code);

  af_transport_connect_async (connection->transport, self->cancellable, background_connect_cb,
                              NULL);
}

/* --- Connecting a saved printer ----------------------------------------- */

static void
connected_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfTransport *transport = AF_TRANSPORT (source_object);
  GError *error = NULL;

  if (!af_transport_connect_finish (transport, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (transport), g_object_unref);
}

static void
connect_lookup_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrinterRegistry *self = g_task_get_source_object (task);
  AfPrinter *printer = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(AfSecret) code = af_secrets_lookup_access_code_finish (result, &error);
  GCancellable *cancellable;
  Connection *connection;

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (code == NULL)
    {
      g_autofree char *display_name = af_printer_dup_display_name (printer);

      g_task_return_new_error (task, AF_LAN_ERROR, AF_LAN_ERROR_ACCESS_DENIED,
                               _("The keyring holds no access code for “%s”; add the printer "
                                 "again with its access code."),
                               display_name);
      return;
    }

  connection = install_connection (self, printer, code);
  cancellable = g_task_get_cancellable (task);
  af_transport_connect_async (connection->transport, cancellable, connected_cb,
                              g_steal_pointer (&task));
}

static void connect_cloud (AfPrinterRegistry *self,
                           GTask             *task,
                           AfPrinter         *printer);

void
af_printer_registry_connect_async (AfPrinterRegistry   *self,
                                   AfPrinter           *printer,
                                   AfPrintRoute         route,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (route == AF_PRINT_ROUTE_LAN || route == AF_PRINT_ROUTE_CLOUD);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_registry_connect_async);
  g_task_set_task_data (task, g_object_ref (printer), g_object_unref);
  if (route == AF_PRINT_ROUTE_CLOUD)
    {
      connect_cloud (self, task, printer);
      return;
    }
  af_secrets_lookup_access_code_async (af_printer_get_serial (printer), cancellable,
                                       connect_lookup_cb, task);
}

AfTransport *
af_printer_registry_connect_finish (AfPrinterRegistry  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        af_printer_registry_connect_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- The cloud route ------------------------------------------------------ */

static void
cloud_status_free (AfTransport *transport)
{
  af_mqtt_session_disconnect (af_cloud_transport_get_session (AF_CLOUD_TRANSPORT (transport)));
  g_object_unref (transport);
}

/* The one gate to AtomForm's cloud: every cloud connection this program
 * makes (listing the account's printers, every cloud transport) asks here
 * first, so a "LAN only" setting needs this one check.
 */
static AfCloudClient *
open_cloud_route (AfPrinterRegistry  *self,
                  GError            **error)
{
  /* LAN-only mode: no cloud printers, no cloud transport (the cloud
   * client's own request path refuses as well).
   */
  if (!af_network_policy_check_cloud (error))
    return NULL;
  if (self->cloud == NULL || !af_cloud_client_is_signed_in (self->cloud))
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN,
                           _("You are not signed in to an AtomForm account; sign in to "
                             "print through the cloud."));
      return NULL;
    }
  return self->cloud;
}

/* A cloud transport to cloud_printer, reporting into printer. */
static AfTransport *
new_cloud_transport (AfPrinterRegistry  *self,
                     AfCloudPrinter     *cloud_printer,
                     AfPrinter          *printer,
                     GError            **error)
{
  AfCloudClient *client = open_cloud_route (self, error);

  if (client == NULL)
    return NULL;
  if (printer == NULL)
    return af_cloud_transport_new (client, cloud_printer);
  return af_cloud_transport_new_for_printer (client, cloud_printer, printer);
}

static void
connect_cloud (AfPrinterRegistry *self,
               GTask             *task,
               AfPrinter         *printer)
{
  AfCloudPrinter *cloud_printer = af_printer_registry_get_cloud_printer (self, printer);
  g_autoptr(AfTransport) transport = NULL;
  GError *error = NULL;

  if (cloud_printer == NULL)
    {
      g_autofree char *display_name = af_printer_dup_display_name (printer);

      g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND,
                               _("“%s” is not bound to your AtomForm account; bind it from "
                                 "the printer’s screen, or print over the local network."),
                               display_name);
      g_object_unref (task);
      return;
    }
  /* One print, one transport: the printer object a LAN connection or the
   * status connection feeds is left to them.
   */
  transport = new_cloud_transport (self, cloud_printer, NULL, &error);
  if (transport == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  af_transport_connect_async (transport, g_task_get_cancellable (task), connected_cb, task);
}

static void
cloud_status_connected_cb (GObject      *source_object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!af_transport_connect_finish (AF_TRANSPORT (source_object), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      AfPrinter *printer = af_transport_get_printer (AF_TRANSPORT (source_object));
      g_autofree char *serial = af_printer_dup_redacted_serial (printer);

      g_debug ("Could not follow printer %s through the cloud: %s", serial, error->message);
      af_printer_set_last_error (printer, error->message);
    }
}

/* A cloud-only printer's state comes through the cloud broker. */
static void
follow_cloud_status (AfPrinterRegistry *self,
                     AfPrinter         *printer,
                     AfCloudPrinter    *cloud_printer)
{
  const char *serial = af_printer_get_serial (printer);
  g_autoptr(GError) error = NULL;
  AfTransport *transport;

  if (!(self->flags & AF_PRINTER_REGISTRY_CONNECT) || af_printer_get_lan_reachable (printer)
      || g_hash_table_contains (self->cloud_status, serial))
    return;

  transport = new_cloud_transport (self, cloud_printer, printer, &error);
  if (transport == NULL)
    {
      g_debug ("No cloud status connection: %s", error->message);
      return;
    }
  g_hash_table_replace (self->cloud_status, g_strdup (serial), transport);
  af_transport_connect_async (transport, self->cloud_cancellable, cloud_status_connected_cb,
                              NULL);
}

/* Makes the list hold exactly the printers in bound (serial →
 * AfCloudPrinter) as cloud-reachable.
 */
static void
set_cloud_printers (AfPrinterRegistry *self,
                    GHashTable        *bound)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->cloud_printers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (bound, key))
      g_ptr_array_add (gone, g_strdup (key));
  for (guint i = 0; i < gone->len; i++)
    {
      const char *serial = g_ptr_array_index (gone, i);

      g_hash_table_remove (self->cloud_status, serial);
      g_hash_table_remove (self->cloud_printers, serial);
      af_printer_list_remove_cloud (self->list, serial);
    }

  g_hash_table_iter_init (&iter, bound);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      AfCloudPrinter *cloud_printer = value;
      AfPrinter *printer;

      g_hash_table_replace (self->cloud_printers, g_strdup (key), g_object_ref (cloud_printer));
      printer = af_printer_list_add_cloud (self->list, key,
                                           af_cloud_printer_get_name (cloud_printer),
                                           af_cloud_printer_get_model_id (cloud_printer));
      follow_cloud_status (self, printer, cloud_printer);
    }
  /* What the cloud says of each printer (online, state) may have changed. */
  g_signal_emit (self, signals[CLOUD_CHANGED], 0);
}

static void
cloud_listed_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrinterRegistry *self = g_task_get_source_object (task);
  g_autoptr(GHashTable) bound = NULL;
  g_autoptr(GListModel) printers = NULL;
  GError *error = NULL;
  guint n;

  printers = af_cloud_client_list_printers_finish (AF_CLOUD_CLIENT (source_object), result,
                                                   &error);
  if (printers == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Signed out meanwhile: what was listed is no longer ours to show. */
  if (self->cloud != AF_CLOUD_CLIENT (source_object))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  bound = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  n = g_list_model_get_n_items (printers);
  for (guint i = 0; i < n; i++)
    {
      AfCloudPrinter *cloud_printer = g_list_model_get_item (printers, i);

      g_hash_table_replace (bound, (gpointer)af_cloud_printer_get_serial (cloud_printer),
                            cloud_printer);
    }
  set_cloud_printers (self, bound);
  g_task_return_boolean (task, TRUE);
}

void
af_printer_registry_refresh_cloud_async (AfPrinterRegistry   *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AfCloudClient *client;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_registry_refresh_cloud_async);
  client = open_cloud_route (self, NULL);
  if (client == NULL)
    {
      g_autoptr(GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);

      set_cloud_printers (self, none);
      g_task_return_boolean (task, TRUE);
      return;
    }
  af_cloud_client_list_printers_async (client, cancellable, cloud_listed_cb,
                                       g_steal_pointer (&task));
}

gboolean
af_printer_registry_refresh_cloud_finish (AfPrinterRegistry  *self,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
af_printer_registry_set_cloud_client (AfPrinterRegistry *self,
                                      AfCloudClient     *client)
{
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (client == NULL || AF_IS_CLOUD_CLIENT (client));

  if (self->cloud == client)
    return;
  /* Another account's connections end with its client. */
  g_cancellable_cancel (self->cloud_cancellable);
  g_clear_object (&self->cloud_cancellable);
  self->cloud_cancellable = g_cancellable_new ();
  g_hash_table_remove_all (self->cloud_status);
  g_set_object (&self->cloud, client);
}

AfCloudClient *
af_printer_registry_get_cloud_client (AfPrinterRegistry *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);

  return self->cloud;
}

AfCloudPrinter *
af_printer_registry_get_cloud_printer (AfPrinterRegistry *self,
                                       AfPrinter         *printer)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);

  return g_hash_table_lookup (self->cloud_printers, af_printer_get_serial (printer));
}

AfPrinter *
af_printer_registry_lookup_cloud (AfPrinterRegistry *self,
                                  const char        *text)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  g_hash_table_iter_init (&iter, self->cloud_printers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (af_cloud_printer_matches (value, text))
      return af_printer_list_lookup (self->list, key);
  return NULL;
}

/* --- Reprinting from the history ---------------------------------------- */

typedef struct
{
  AfCloudClient  *client;
  char           *key;
  char           *printer_id;
  char           *model_id;
  char           *entry_id;
  char           *name;
  AfPrintOptions *options;
} ReprintData;

static void
reprint_data_free (ReprintData *data)
{
  g_clear_object (&data->client);
  g_free (data->key);
  g_free (data->printer_id);
  g_free (data->model_id);
  g_free (data->entry_id);
  g_free (data->name);
  g_clear_pointer (&data->options, af_print_options_free);
  g_free (data);
}

static void
reprint_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ReprintData *data = task_data;
  GError *error = NULL;
  AfCloudJob *job;

  job = af_cloud_client_reprint (data->client, data->key, data->printer_id, data->model_id,
                                 data->entry_id, data->name, data->options, cancellable, &error);
  if (job == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, job, g_object_unref);
}

static AfCloudPrinter *
find_cloud_printer_by_id (AfPrinterRegistry *self,
                          const char        *printer_id)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->cloud_printers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (af_cloud_printer_get_id (value), printer_id) == 0)
      return value;
  return NULL;
}

void
af_printer_registry_reprint_async (AfPrinterRegistry   *self,
                                   AfCloudHistoryEntry *entry,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AfCloudPrinter *cloud_printer;
  AfCloudClient *client;
  ReprintData *data;
  GError *error = NULL;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (AF_IS_CLOUD_HISTORY_ENTRY (entry));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_registry_reprint_async);
  client = open_cloud_route (self, &error);
  if (client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cloud_printer = find_cloud_printer_by_id (self,
                                            af_cloud_history_entry_get_printer_id (entry));
  if (cloud_printer == NULL)
    {
      g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND,
                               _("“%s” is no longer bound to your AtomForm account; bind it "
                                 "again to print on it through the cloud."),
                               af_cloud_history_entry_get_printer_name (entry));
      return;
    }

  data = g_new0 (ReprintData, 1);
  data->client = g_object_ref (client);
  /* One press, one job: the client's retries reuse this key. */
  data->key = g_uuid_string_random ();
  data->printer_id = g_strdup (af_cloud_printer_get_id (cloud_printer));
  data->model_id = g_strdup (af_cloud_printer_get_model_id (cloud_printer));
  data->entry_id = g_strdup (af_cloud_history_entry_get_id (entry));
  data->name = g_strdup (af_cloud_history_entry_get_title (entry));
  data->options = af_print_options_new ();
  data->options->plate = MAX (af_cloud_history_entry_get_plate (entry), 1);
  g_task_set_task_data (task, data, (GDestroyNotify)reprint_data_free);
  g_task_run_in_thread (task, reprint_thread);
}

AfCloudJob *
af_printer_registry_reprint_finish (AfPrinterRegistry  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Readiness and commands, on either route ------------------------------ */

/* The cloud's own view of a printer (GET /v1/printers): the states in which
 * it takes a new job (docs/cloud-api.md, POST /v1/jobs).
 */
static gboolean
cloud_state_is_ready (const char *state)
{
  return g_strcmp0 (state, "idle") == 0 || g_strcmp0 (state, "finished") == 0 ||
         g_strcmp0 (state, "failed") == 0;
}

static gboolean
check_connected (AfPrinter   *printer,
                 const char  *waiting,
                 GError     **error)
{
  const char *last_error = af_printer_get_last_error (printer);

  if (af_printer_get_connection (printer) == AF_CONNECTION_CONNECTED)
    return TRUE;
  if (af_printer_get_connection (printer) == AF_CONNECTION_FAILED && last_error != NULL)
    g_set_error_literal (error, AF_PRINT_ERROR, AF_PRINT_ERROR_NOT_REACHABLE, last_error);
  else
    g_set_error_literal (error, AF_PRINT_ERROR, AF_PRINT_ERROR_NO_RESPONSE, waiting);
  return FALSE;
}

static gboolean
set_busy_error (GError **error)
{
  g_set_error_literal (error, AF_PRINT_ERROR, AF_PRINT_ERROR_BUSY,
                       _("The printer is busy; wait until its current print ends"));
  return FALSE;
}

static gboolean
check_lan_ready (AfPrinterRegistry  *self,
                 AfPrinter          *printer,
                 GError            **error)
{
  if (lookup (self, printer) == NULL)
    {
      g_set_error_literal (error, AF_PRINT_ERROR, AF_PRINT_ERROR_NOT_REACHABLE,
                           _("Set up this printer with its access code first, on the Printers "
                             "page"));
      return FALSE;
    }
  if (!check_connected (printer, _("Waiting for the printer to connect…"), error))
    return FALSE;
  if (!af_print_state_is_ready (af_printer_status_get_state (af_printer_get_status (printer))))
    return set_busy_error (error);
  return TRUE;
}

/* Everything here is what the cloud says: its gate, the account, the
 * printer's binding and whether the cloud hears it; never the LAN.
 */
static gboolean
check_cloud_ready (AfPrinterRegistry  *self,
                   AfPrinter          *printer,
                   GError            **error)
{
  AfCloudPrinter *cloud_printer;
  g_autofree char *display_name = NULL;

  if (!af_network_policy_check_cloud (error))
    return FALSE;
  if (self->cloud == NULL || !af_cloud_client_is_signed_in (self->cloud))
    {
      g_set_error_literal (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_SIGNED_IN,
                           _("Sign in to your AtomForm account to print through the cloud"));
      return FALSE;
    }
  display_name = af_printer_dup_display_name (printer);
  cloud_printer = af_printer_registry_get_cloud_printer (self, printer);
  if (cloud_printer == NULL)
    {
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND,
                   _("“%s” is not bound to your AtomForm account; bind it from the printer’s "
                     "screen, or print over the local network."),
                   display_name);
      return FALSE;
    }
  if (!af_cloud_printer_get_online (cloud_printer))
    {
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_PRINTER_OFFLINE,
                   _("AtomForm’s cloud does not hear from “%s”: it is off, or not connected to "
                     "the internet. Check the printer, or print over the local network."),
                   display_name);
      return FALSE;
    }
  /* A printer followed through the cloud broker: its live state. */
  if (g_hash_table_contains (self->cloud_status, af_printer_get_serial (printer)))
    {
      if (!check_connected (printer, _("Waiting for AtomForm’s cloud…"), error))
        return FALSE;
      if (!af_print_state_is_ready (af_printer_status_get_state (af_printer_get_status (printer))))
        return set_busy_error (error);
      return TRUE;
    }
  if (!cloud_state_is_ready (af_cloud_printer_get_state (cloud_printer)))
    return set_busy_error (error);
  return TRUE;
}

gboolean
af_printer_registry_check_ready (AfPrinterRegistry  *self,
                                 AfPrinter          *printer,
                                 AfPrintRoute        route,
                                 GError            **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), FALSE);
  g_return_val_if_fail (AF_IS_PRINTER (printer), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (route == AF_PRINT_ROUTE_CLOUD)
    return check_cloud_ready (self, printer, error);
  return check_lan_ready (self, printer, error);
}

gboolean
af_printer_registry_get_command_route (AfPrinterRegistry *self,
                                       AfPrinter         *printer,
                                       AfPrintRoute      *route)
{
  AfPrintRoute unused;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), FALSE);
  g_return_val_if_fail (AF_IS_PRINTER (printer), FALSE);

  if (route == NULL)
    route = &unused;
  /* The LAN answers at once and needs no account: first when it is up. */
  if (lookup (self, printer) != NULL &&
      af_printer_get_connection (printer) == AF_CONNECTION_CONNECTED)
    {
      *route = AF_PRINT_ROUTE_LAN;
      return TRUE;
    }
  if (af_printer_registry_get_cloud_printer (self, printer) != NULL &&
      self->cloud != NULL && af_cloud_client_is_signed_in (self->cloud) &&
      !af_network_policy_get_lan_only ())
    {
      *route = AF_PRINT_ROUTE_CLOUD;
      return TRUE;
    }
  return FALSE;
}

typedef struct
{
  AfCloudClient  *client;
  char           *printer_id;
  char           *display_name;
  AfPrintCommand  command;
  char           *key;          /* one press, one action: the retries reuse it */
  guint           timeout_s;
} CommandData;

static void
command_data_free (CommandData *data)
{
  g_clear_object (&data->client);
  g_free (data->printer_id);
  g_free (data->display_name);
  g_free (data->key);
  g_free (data);
}

/* Whether the cloud's record of the job shows the command done; *ended
 * when the job ended instead (a pause or resume that came too late).
 */
static gboolean
cloud_command_reached (AfPrintCommand  command,
                       AfCloudJob     *job,
                       gboolean       *ended)
{
  const char *state = af_cloud_job_get_state (job);

  *ended = af_cloud_job_is_ended (job);
  switch (command)
    {
    case AF_PRINT_COMMAND_PAUSE:
      return g_strcmp0 (state, "paused") == 0;
    case AF_PRINT_COMMAND_RESUME:
      return g_strcmp0 (state, "running") == 0;
    case AF_PRINT_COMMAND_STOP:
    default:
      return *ended;
    }
}

static void
set_no_job_error (GError         **error,
                  AfPrintCommand   command,
                  const char      *name)
{
  switch (command)
    {
    case AF_PRINT_COMMAND_PAUSE:
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_STATE,
                   _("AtomForm’s cloud knows of no print on “%s”, so there is nothing to "
                     "pause."), name);
      break;
    case AF_PRINT_COMMAND_RESUME:
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_STATE,
                   _("AtomForm’s cloud knows of no print on “%s”, so there is nothing to "
                     "resume."), name);
      break;
    case AF_PRINT_COMMAND_STOP:
    default:
      g_set_error (error, AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_STATE,
                   _("AtomForm’s cloud knows of no print on “%s”, so there is nothing to "
                     "stop."), name);
      break;
    }
}

/* The printer's current job comes from the cloud as it is now, never from
 * a list read minutes ago; the action is sent, then the job is read until
 * the printer's report shows it (as the LAN route waits for the report).
 */
static void
cloud_command_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  CommandData *data = task_data;
  g_autoptr(AfCloudPrinter) cloud_printer = NULL;
  g_autoptr(AfCloudJob) job = NULL;
  g_autofree char *job_id = NULL;
  gint64 deadline;
  gboolean ended = FALSE;
  GError *error = NULL;

  cloud_printer = af_cloud_client_get_printer (data->client, data->printer_id, cancellable,
                                               &error);
  if (cloud_printer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (af_cloud_printer_get_current_job_id (cloud_printer) == NULL)
    {
      set_no_job_error (&error, data->command, data->display_name);
      g_task_return_error (task, error);
      return;
    }
  job_id = g_strdup (af_cloud_printer_get_current_job_id (cloud_printer));
  job = af_cloud_client_job_action (data->client, job_id, data->command, data->key,
                                    cancellable, &error);
  deadline = g_get_monotonic_time () + (gint64)data->timeout_s * G_USEC_PER_SEC;
  while (job != NULL && !cloud_command_reached (data->command, job, &ended) && !ended)
    {
      if (g_get_monotonic_time () >= deadline)
        {
          g_task_return_new_error (task, AF_PRINT_ERROR, AF_PRINT_ERROR_NO_RESPONSE,
                                   _("AtomForm’s cloud sent the command, but “%s” has not "
                                     "shown it within %u seconds. Check the printer."),
                                   data->display_name, data->timeout_s);
          return;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      g_usleep (CLOUD_COMMAND_POLL_MS * 1000);
      g_clear_object (&job);
      job = af_cloud_client_get_job (data->client, job_id, cancellable, &error);
    }
  if (job == NULL)
    g_task_return_error (task, error);
  else if (!cloud_command_reached (data->command, job, &ended))
    g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_INVALID_STATE,
                             _("The print on “%s” ended before the command reached it."),
                             data->display_name);
  else
    g_task_return_boolean (task, TRUE);
}

static void
lan_command_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!af_transport_command_finish (AF_TRANSPORT (source_object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
af_printer_registry_command_async (AfPrinterRegistry   *self,
                                   AfPrinter           *printer,
                                   AfPrintRoute         route,
                                   AfPrintCommand       command,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AfCloudPrinter *cloud_printer;
  AfCloudClient *client;
  CommandData *data;
  GError *error = NULL;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (command <= AF_PRINT_COMMAND_STOP);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_registry_command_async);
  if (route == AF_PRINT_ROUTE_LAN)
    {
      Connection *connection = lookup (self, printer);

      if (connection == NULL)
        {
          g_task_return_new_error (task, AF_PRINT_ERROR, AF_PRINT_ERROR_NOT_REACHABLE,
                                   _("Set up this printer with its access code first, on the "
                                     "Printers page"));
          return;
        }
      af_transport_command_async (connection->transport, command, cancellable, lan_command_cb,
                                  g_steal_pointer (&task));
      return;
    }

  client = open_cloud_route (self, &error);
  if (client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cloud_printer = af_printer_registry_get_cloud_printer (self, printer);
  if (cloud_printer == NULL)
    {
      g_autofree char *display_name = af_printer_dup_display_name (printer);

      g_task_return_new_error (task, AF_CLOUD_ERROR, AF_CLOUD_ERROR_NOT_FOUND,
                               _("“%s” is not bound to your AtomForm account; bind it from "
                                 "the printer’s screen, or print over the local network."),
                               display_name);
      return;
    }
  data = g_new0 (CommandData, 1);
  data->client = g_object_ref (client);
  data->printer_id = g_strdup (af_cloud_printer_get_id (cloud_printer));
  data->display_name = af_printer_dup_display_name (printer);
  data->command = command;
  data->key = g_uuid_string_random ();
  data->timeout_s = CLOUD_COMMAND_TIMEOUT_S;
  g_task_set_task_data (task, data, (GDestroyNotify)command_data_free);
  g_task_run_in_thread (task, cloud_command_thread);
}

gboolean
af_printer_registry_command_finish (AfPrinterRegistry  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        af_printer_registry_command_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- Adding a printer ---------------------------------------------------- */

typedef struct
{
  AfPrinter     *printer;
  AfSecret      *access_code;
  /* The trial connection that checks what the user entered. */
  AfMqttSession *session;
  char          *seen_fingerprint;
} AddData;

static void
add_data_free (AddData *data)
{
  if (data->session != NULL)
    af_mqtt_session_disconnect (data->session);
  g_clear_object (&data->session);
  g_clear_object (&data->printer);
  g_clear_pointer (&data->access_code, af_secret_free);
  g_clear_pointer (&data->seen_fingerprint, g_free);
  g_free (data);
}

static void
add_saved_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrinterRegistry *self = g_task_get_source_object (task);
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;
  AfPrinter *listed;

  listed = af_printer_list_add_finish (AF_PRINTER_LIST (source_object), result, &error);
  if (listed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* The trial connection belongs to the printer as entered; the list's own
   * object gets the lasting one.
   */
  if (self->flags & AF_PRINTER_REGISTRY_CONNECT)
    connect_in_background (self, listed, data->access_code);
  g_task_return_pointer (task, listed, NULL);
}

static void
add_checked_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AfPrinterRegistry *self = g_task_get_source_object (task);
  AddData *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  if (!af_mqtt_session_connect_finish (data->session, result, &error))
    {
      data->seen_fingerprint = g_strdup (af_mqtt_session_get_seen_fingerprint (data->session));
      g_task_return_error (task, error);
      return;
    }

  af_mqtt_session_disconnect (data->session);
  g_clear_object (&data->session);
  cancellable = g_task_get_cancellable (task);
  af_printer_list_add_async (self->list, data->printer, af_secret_get (data->access_code),
                             cancellable, add_saved_cb, g_steal_pointer (&task));
}

void
af_printer_registry_add_async (AfPrinterRegistry   *self,
                               AfPrinter           *printer,
                               AfSecret            *access_code,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  AddData *data;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (access_code != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (AddData, 1);
  data->printer = g_object_ref (printer);
  data->access_code = access_code;
  data->session = af_mqtt_session_new (printer, af_secret_get (access_code));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_registry_add_async);
  g_task_set_task_data (task, data, (GDestroyNotify)add_data_free);
  af_mqtt_session_connect_async (data->session, cancellable, add_checked_cb, task);
}

AfPrinter *
af_printer_registry_add_finish (AfPrinterRegistry  *self,
                                GAsyncResult       *result,
                                char              **seen_fingerprint,
                                GError            **error)
{
  AddData *data;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == af_printer_registry_add_async,
                        NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (seen_fingerprint != NULL)
    *seen_fingerprint = g_strdup (data->seen_fingerprint);

  /* Transfer none, like af_printer_list_add_finish(): the list holds it. */
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Saved printers, discovery ------------------------------------------- */

typedef struct
{
  AfPrinterRegistry *self;
  AfPrinter        *printer;
} LookupData;

static void
lookup_data_free (LookupData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->printer);
  g_free (data);
}

static void
lookup_cb (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  LookupData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AfSecret) code = af_secrets_lookup_access_code_finish (result, &error);

  if (code != NULL && lookup (data->self, data->printer) == NULL)
    connect_in_background (data->self, data->printer, code);
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    af_printer_set_last_error (data->printer, error->message);

  lookup_data_free (data);
}

/* Saved printers connect as soon as they are listed: their access codes
 * come from the keyring; discovered ones wait until the user adds them.
 */
static void
connect_saved (AfPrinterRegistry *self,
               AfPrinter         *printer)
{
  LookupData *data;

  if ((af_printer_get_sources (printer) & AF_PRINTER_SOURCE_MANUAL) == 0
      || lookup (self, printer) != NULL)
    return;

  data = g_new0 (LookupData, 1);
  data->self = g_object_ref (self);
  data->printer = g_object_ref (printer);
  af_secrets_lookup_access_code_async (af_printer_get_serial (printer), self->cancellable,
                                       lookup_cb, data);
}

static void
items_changed_cb (AfPrinterRegistry *self,
                  guint             position,
                  guint             removed,
                  guint             added,
                  GListModel        *model)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(AfPrinter) printer = g_list_model_get_item (model, i);

      connect_saved (self, printer);
    }
}

static void
start_discovery (AfPrinterRegistry *self)
{
  g_autoptr(GError) error = NULL;

  self->discovery = af_discovery_new (AF_DISCOVERY_DEFAULT_PORT);
  if (!af_discovery_start (self->discovery, &error))
    {
      /* Another program holding the port without SO_REUSEPORT: printers can
       * still be added by address.
       */
      g_debug ("Printer discovery is off: %s", error->message);
      g_clear_object (&self->discovery);
      return;
    }

  af_printer_list_set_discovery (self->list, self->discovery);
}

static void
af_printer_registry_dispose (GObject *object)
{
  AfPrinterRegistry *self = (AfPrinterRegistry *)object;

  af_printer_registry_shutdown (self);
  g_clear_object (&self->discovery);
  g_clear_object (&self->list);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->cloud_status, g_hash_table_unref);
  g_clear_pointer (&self->cloud_printers, g_hash_table_unref);
  g_clear_object (&self->cloud_cancellable);
  g_clear_object (&self->cloud);

  G_OBJECT_CLASS (af_printer_registry_parent_class)->dispose (object);
}

static void
af_printer_registry_class_init (AfPrinterRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = af_printer_registry_dispose;

  /* The account's printers were listed again (or dropped): what
   * af_printer_registry_get_cloud_printer() says may have changed.
   */
  signals[CLOUD_CHANGED] = g_signal_new ("cloud-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
af_printer_registry_init (AfPrinterRegistry *self)
{
  self->cancellable = g_cancellable_new ();
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)connection_free);
  self->list = af_printer_list_new (NULL);
  self->cloud_printers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->cloud_status = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)cloud_status_free);
  self->cloud_cancellable = g_cancellable_new ();
}

static void
start (AfPrinterRegistry *self)
{
  if (self->flags & AF_PRINTER_REGISTRY_CONNECT)
    {
      g_signal_connect_object (self->list, "items-changed", G_CALLBACK (items_changed_cb), self,
                               G_CONNECT_SWAPPED);
      items_changed_cb (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (self->list)),
                        G_LIST_MODEL (self->list));
    }
  if (self->flags & AF_PRINTER_REGISTRY_DISCOVER)
    start_discovery (self);
}

AfPrinterRegistry *
af_printer_registry_new (void)
{
  AfPrinterRegistry *self = g_object_new (AF_TYPE_PRINTER_REGISTRY, NULL);
  g_autoptr(GError) error = NULL;

  /* The window still lists discovered printers and lets new ones be added. */
  self->flags = AF_PRINTER_REGISTRY_DISCOVER | AF_PRINTER_REGISTRY_CONNECT;
  if (!af_printer_list_load (self->list, &error))
    g_debug ("Could not read the saved printers: %s", error->message);
  start (self);

  return self;
}

AfPrinterRegistry *
af_printer_registry_new_full (AfPrinterRegistryFlags   flags,
                              GError                 **error)
{
  g_autoptr(AfPrinterRegistry) self = g_object_new (AF_TYPE_PRINTER_REGISTRY, NULL);

  self->flags = flags;
  if (!af_printer_list_load (self->list, error))
    return NULL;
  start (self);

  return g_steal_pointer (&self);
}

AfPrinterList *
af_printer_registry_get_list (AfPrinterRegistry *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);

  return self->list;
}

GListModel *
af_printer_registry_get_discovered (AfPrinterRegistry *self)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);

  return self->discovery != NULL ? af_discovery_get_printers (self->discovery) : NULL;
}

AfPrinter *
af_printer_registry_lookup (AfPrinterRegistry *self,
                            const char        *name_or_serial)
{
  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (name_or_serial != NULL, NULL);

  return af_printer_list_lookup (self->list, name_or_serial);
}

AfTransport *
af_printer_registry_get_transport (AfPrinterRegistry *self,
                                   AfPrinter         *printer,
                                   AfPrintRoute       route)
{
  Connection *connection;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);

  if (route == AF_PRINT_ROUTE_CLOUD)
    return g_hash_table_lookup (self->cloud_status, af_printer_get_serial (printer));

  connection = lookup (self, printer);

  return connection != NULL ? connection->transport : NULL;
}

void
af_printer_registry_forget (AfPrinterRegistry *self,
                            const char        *serial)
{
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (serial != NULL);

  g_hash_table_remove (self->connections, serial);
}

static void
clear_code_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!af_secrets_clear_access_code_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
af_printer_registry_forget_access_code_async (AfPrinterRegistry   *self,
                                              const char          *serial,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (serial != NULL);
  g_task_set_source_tag (task, af_printer_registry_forget_access_code_async);
  /* The connection holds a copy of the code: it goes first. */
  af_printer_registry_forget (self, serial);
  af_secrets_clear_access_code_async (serial, cancellable, clear_code_cb, task);
}

gboolean
af_printer_registry_forget_access_code_finish (AfPrinterRegistry  *self,
                                               GAsyncResult       *result,
                                               GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
af_printer_registry_shutdown (AfPrinterRegistry *self)
{
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->cloud_cancellable);
  if (self->connections != NULL)
    g_hash_table_remove_all (self->connections);
  if (self->cloud_status != NULL)
    g_hash_table_remove_all (self->cloud_status);
  if (self->discovery != NULL)
    af_discovery_stop (self->discovery);
}
