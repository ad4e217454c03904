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

#include "af-lan-error.h"
#include "af-lan-transport.h"
#include "af-mqtt-session.h"
#include "af-printer-registry.h"

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
};

G_DEFINE_FINAL_TYPE (AfPrinterRegistry, af_printer_registry, G_TYPE_OBJECT)

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

void
af_printer_registry_connect_async (AfPrinterRegistry   *self,
                                   AfPrinter           *printer,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, af_printer_registry_connect_async);
  g_task_set_task_data (task, g_object_ref (printer), g_object_unref);
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

  G_OBJECT_CLASS (af_printer_registry_parent_class)->dispose (object);
}

static void
af_printer_registry_class_init (AfPrinterRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = af_printer_registry_dispose;
}

static void
af_printer_registry_init (AfPrinterRegistry *self)
{
  self->cancellable = g_cancellable_new ();
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)connection_free);
  self->list = af_printer_list_new (NULL);
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
                                   AfPrinter         *printer)
{
  Connection *connection;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);

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

void
af_printer_registry_shutdown (AfPrinterRegistry *self)
{
  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));

  g_cancellable_cancel (self->cancellable);
  if (self->connections != NULL)
    g_hash_table_remove_all (self->connections);
  if (self->discovery != NULL)
    af_discovery_stop (self->discovery);
}
