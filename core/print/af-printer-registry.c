/* af-printer-registry.c
 *
 * Copyright 2026 The AtomForm Connect Authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "af-printer-registry"

#include "config.h"

#include <string.h>

#include "af-secrets.h"
#include "af-printer-registry.h"

typedef struct
{
  AfMqttSession *session;
  AfTransport   *transport;   /* holds the access code */
} Connection;

struct _AfPrinterRegistry
{
  GObject        parent_instance;

  AfPrinterList *list;
  AfDiscovery   *discovery;
  /* serial → Connection */
  GHashTable    *connections;
  GCancellable  *cancellable;
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

/* Failures land on the printer (connection, last-error), where the views
 * show them; the session keeps reconnecting once it was connected.
 */
static void
connect_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AfMqttSession *session = AF_MQTT_SESSION (source_object);
  g_autoptr(GError) error = NULL;

  if (!af_mqtt_session_connect_finish (session, result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *serial = af_printer_dup_redacted_serial (af_mqtt_session_get_printer (session));

      g_debug ("Could not connect to printer %s: %s", serial, error->message);
    }
}

void
af_printer_registry_connect (AfPrinterRegistry *self,
                             AfPrinter         *printer,
                             const char        *access_code)
{
  Connection *connection;

  g_return_if_fail (AF_IS_PRINTER_REGISTRY (self));
  g_return_if_fail (AF_IS_PRINTER (printer));
  g_return_if_fail (access_code != NULL);

  connection = g_new0 (Connection, 1);
  connection->session = af_mqtt_session_new (printer, access_code);
  connection->transport = af_lan_transport_new (connection->session, access_code);
  g_hash_table_replace (self->connections, g_strdup (af_printer_get_serial (printer)), connection);

  af_mqtt_session_connect_async (connection->session, self->cancellable, connect_cb, NULL);
}

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
    af_printer_registry_connect (data->self, data->printer, af_secret_get (code));
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
  g_autoptr(GError) error = NULL;

  self->cancellable = g_cancellable_new ();
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)connection_free);
  self->list = af_printer_list_new (NULL);

  if (!af_printer_list_load (self->list, &error))
    g_debug ("Could not read the saved printers: %s", error->message);

  g_signal_connect_object (self->list, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  items_changed_cb (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (self->list)),
                    G_LIST_MODEL (self->list));
  start_discovery (self);
}

AfPrinterRegistry *
af_printer_registry_new (void)
{
  return g_object_new (AF_TYPE_PRINTER_REGISTRY, NULL);
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

AfMqttSession *
af_printer_registry_get_session (AfPrinterRegistry *self,
                                 AfPrinter         *printer)
{
  Connection *connection;

  g_return_val_if_fail (AF_IS_PRINTER_REGISTRY (self), NULL);
  g_return_val_if_fail (AF_IS_PRINTER (printer), NULL);

  connection = lookup (self, printer);

  return connection != NULL ? connection->session : NULL;
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
